"""Noise schedules of the Diffusion Forcing video models (spec §3), in float64.

alphas_cumprod(i) for i = 0..timesteps-1: ᾱ(s) = f(s)/f(0) on s = i/timesteps, β_i = clip(1 − ᾱ_{i+1}/ᾱ_i,
0, 0.999), alphas_cumprod = cumprod(1 − β).
"""
import math

import numpy as np


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def _alphas_bar_curve(kind, timesteps):
    s = np.arange(timesteps + 1, dtype=np.float64) / timesteps
    if kind == "sigmoid":
        start, end, tau = -3.0, 3.0, 1.0
        v_start, v_end = _sigmoid(start / tau), _sigmoid(end / tau)
        f = (v_end - _sigmoid((s * (end - start) + start) / tau)) / (v_end - v_start)
    elif kind == "cosine":
        s0 = 0.008
        f = np.cos((s + s0) / (1 + s0) * math.pi * 0.5) ** 2
    elif kind == "linear":
        raise ValueError("linear schedule is defined by betas, use linear_betas()")
    else:
        raise ValueError(f"unknown beta schedule {kind!r} (sigmoid, cosine, linear)")
    return f / f[0]


def betas(kind, timesteps=1000):
    if kind == "linear":
        scale = 1000.0 / timesteps
        return np.linspace(scale * 1e-4, scale * 0.02, timesteps, dtype=np.float64)
    curve = _alphas_bar_curve(kind, timesteps)
    return np.clip(1.0 - curve[1:] / curve[:-1], 0.0, 0.999)


def alphas_cumprod(kind, timesteps=1000):
    """float64 array of `timesteps` values."""
    return np.cumprod(1.0 - betas(kind, timesteps))


def sampling_timesteps(sampling_steps, timesteps=1000):
    """real(k) = floor(linspace(-1, timesteps-1, S+1))[k] = -1 + floor(k·timesteps/S); -1 means clean.

    Integer arithmetic gives the exact value; a float linspace can land a hair below an integer."""
    k = np.arange(sampling_steps + 1, dtype=np.int64)
    return -1 + (k * timesteps) // sampling_steps

"""Minimal stand-ins for what the official Diffusion Forcing code imports and Debian's torch 1.13 lacks.

Only packages whose needed behaviour is trivial and documented are replaced; everything else (einops,
rotary_embedding_torch 0.6.x) is the real package, fetched, never committed:
  * diffusers.models.embeddings.TimestepEmbedding: linear_1 (in → time_embed_dim) → SiLU → linear_2
    (time_embed_dim → out_dim or time_embed_dim), the key names of diffusers' module.
  * omegaconf.DictConfig: only a type annotation in the network code; the config is an attribute bag.
  * torch.nn.attention (torch ≥ 2.3): SDPBackend names and sdpa_kernel, a backend choice that does not
    change the math.
  * torch.nn.functional.scaled_dot_product_attention (torch ≥ 2.0): softmax(q·kᵀ/√d)·v, with is_causal
    the lower-triangular mask, as torch documents it.
  * torch.cuda.get_device_properties: the official Attention asks for a CUDA device's compute capability
    only to pick fast kernels (a print); on a CPU-only torch it would raise.
The official package `algorithms` is imported without its __init__ files, which pull in Lightning,
wandb and metrics that the network does not use.
"""
import contextlib
import enum
import math
import os
import sys
import types


class Cfg(dict):
    """DictConfig-like: attribute access over a dict."""

    def __getattr__(self, name):
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None


def _diffusers():
    import torch
    from torch import nn

    class TimestepEmbedding(nn.Module):
        def __init__(self, in_channels, time_embed_dim, act_fn="silu", out_dim=None, **_unused):
            super().__init__()
            assert act_fn == "silu"
            self.linear_1 = nn.Linear(in_channels, time_embed_dim)
            self.act = nn.SiLU()
            self.linear_2 = nn.Linear(time_embed_dim, out_dim if out_dim is not None else time_embed_dim)

        def forward(self, sample):
            return self.linear_2(self.act(self.linear_1(sample)))

    embeddings = types.ModuleType("diffusers.models.embeddings")
    embeddings.TimestepEmbedding = TimestepEmbedding
    models = types.ModuleType("diffusers.models")
    models.embeddings = embeddings
    root = types.ModuleType("diffusers")
    root.models = models
    sys.modules.update({"diffusers": root, "diffusers.models": models, "diffusers.models.embeddings": embeddings})
    del torch


def _omegaconf():
    module = types.ModuleType("omegaconf")
    module.DictConfig = Cfg
    sys.modules["omegaconf"] = module


def _torch2():
    import torch
    import torch.nn.functional as F

    if not hasattr(F, "scaled_dot_product_attention"):
        def scaled_dot_product_attention(query, key, value, attn_mask=None, dropout_p=0.0, is_causal=False,
                                         scale=None):
            assert attn_mask is None and dropout_p == 0.0
            scores = query @ key.transpose(-2, -1) * (scale if scale is not None else 1 / math.sqrt(query.shape[-1]))
            if is_causal:
                n, m = scores.shape[-2], scores.shape[-1]
                keep = torch.ones(n, m, dtype=torch.bool, device=query.device).tril()
                scores = scores.masked_fill(~keep, float("-inf"))
            return scores.softmax(dim=-1) @ value
        F.scaled_dot_product_attention = scaled_dot_product_attention

    try:
        import torch.nn.attention  # noqa: F401
    except ImportError:
        attention = types.ModuleType("torch.nn.attention")
        attention.SDPBackend = enum.Enum("SDPBackend", "ERROR MATH FLASH_ATTENTION EFFICIENT_ATTENTION CUDNN_ATTENTION")
        attention.sdpa_kernel = lambda backends=None: contextlib.nullcontext()
        sys.modules["torch.nn.attention"] = attention
        torch.nn.attention = attention

    if not torch.cuda.is_available():
        torch.cuda.get_device_properties = lambda _device=None: types.SimpleNamespace(major=0, minor=0, name="none")


def _official_packages(source):
    """`algorithms` and `algorithms.diffusion_forcing` as bare namespaces over the checkout."""
    for name, path in (("algorithms", "algorithms"), ("algorithms.diffusion_forcing", "algorithms/diffusion_forcing")):
        package = types.ModuleType(name)
        package.__path__ = [os.path.join(source, path)]
        sys.modules[name] = package


def install(source, site):
    if not os.path.isfile(os.path.join(source, "algorithms", "diffusion_forcing", "models", "unet3d.py")):
        raise SystemExit(f"{source}: not a diffusion-forcing main-branch checkout (no algorithms/.../unet3d.py)")
    sys.path.insert(0, site)
    _diffusers()
    _omegaconf()
    _torch2()
    _official_packages(source)

"""Reference values for tests/model/test_sampler.c from the Python side (models/schedule.py and
models/sampler.py, float64 numpy), independent of the C sampler.

  sampler_ref.py timesteps OUT.npy            real(k) for every S = 1..1000 (T = 1000), concatenated
  sampler_ref.py alphas KIND OUT.npy          alphas_cumprod (float64) of the sigmoid or cosine schedule
  sampler_ref.py rollout ARGS.json OUT.npy    models/sampler.rollout with the toy network below

The toy network, defined identically in test_sampler.c (it only has to be cheap, deterministic and make
every frame depend on its own input, its timestep, its action and on the first frame of the window, so
that a wrong window, level or action shows up):
  out[t] = 0.5·tanh(x_in[t]) + 0.1·mean(x_in[0]) + 1e-4·tc[t] + 0.05·sum(actions[t])
"""
import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "models"))
import sampler  # noqa: E402
import schedule  # noqa: E402


def toy_model(x_in, tc, actions):
    out = 0.5 * np.tanh(x_in) + 0.1 * x_in[0].mean() + 1e-4 * np.asarray(tc, np.float64).reshape(-1, 1, 1, 1, 1)
    if actions is not None:
        out = out + 0.05 * np.asarray(actions, np.float64).sum(axis=-1).reshape(-1, 1, 1, 1, 1)
    return out


def rollout(args_path, out_path):
    with open(args_path) as f:
        a = json.load(f)
    load = lambda name: np.load(a[name]) if a.get(name) else None  # noqa: E731
    actions = load("actions")
    frames = sampler.rollout(load("context"), a["total"], toy_model, load("alphas"), steps=a["steps"],
                             scheduling=a["scheduling"], chunk=a["chunk"], window=a["window"],
                             stabilization=a["stabilization"], objective=a["objective"], eta=a["eta"],
                             clip_noise=a["clip"], actions=actions,
                             noise=sampler.NoiseStream(load("noise")), context_noise=a.get("context_noise", False))
    np.save(out_path, frames)


def main():
    cmd = sys.argv[1]
    if cmd == "timesteps":
        np.save(sys.argv[2], np.concatenate([schedule.sampling_timesteps(s, 1000) for s in range(1, 1001)]))
    elif cmd == "alphas":
        np.save(sys.argv[3], schedule.alphas_cumprod(sys.argv[2], 1000))
    elif cmd == "rollout":
        rollout(sys.argv[2], sys.argv[3])
    else:
        raise SystemExit(f"unknown command {cmd}")


if __name__ == "__main__":
    main()

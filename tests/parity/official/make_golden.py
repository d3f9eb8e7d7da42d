"""Golden data from the OFFICIAL Diffusion Forcing code (buoyancy99/diffusion-forcing, branch main).

Nothing of the official code is committed: this script imports it from a fetched checkout, builds its
`Diffusion` (the Unet3D inside the official EinopsWrapper) on Debian's torch 1.13, perturbs every
parameter (the stored rotary frequencies included), and writes what it produces:

  NAME.ckpt          the checkpoint as the official Lightning trainer saves it (weights_only-loadable)
  NAME.x.npy         network input (T, B, C, H, W) float32
  NAME.t.npy         noise levels (T, B) int64
  NAME.v.npy         the official network's output for (x, t), float32
  rollout.*.npy      an end-to-end rollout of config `rollout`: seed frame, and the frames the reference
                     sampler (models/sampler.py) makes driving the official network, with dfview's Philox
                     noise and 8-bit frames between steps (see tests/parity/official/README.md)

usage: make_golden.py --source DF_CHECKOUT --site SITE_PACKAGES_DIR [--out DIR]

SITE_PACKAGES_DIR holds the fetched pure-Python packages the official code imports: einops and
rotary_embedding_torch 0.6.x. Stand-ins (stand_ins.py) cover what Debian lacks and is trivial.
"""
import argparse
import json
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(HERE)))
sys.path.insert(0, os.path.join(ROOT, "models"))
sys.path.insert(0, HERE)

# Each configuration: the official video config fields that shape the network, the data, and the window.
CONFIGS = {
    "sigmoid32": {"schedule": "sigmoid", "resolution": 32, "network_size": 8, "dim_mults": [1, 2, 4, 8],
                  "attn_heads": 4, "attn_dim_head": 8, "use_linear_attn": True,
                  "levels": [14, 14, 14, 500, 999], "batch": 2},
    "cosine64": {"schedule": "cosine", "resolution": 64, "network_size": 8, "dim_mults": [1, 2, 4, 8],
                 "attn_heads": 2, "attn_dim_head": 64, "use_linear_attn": True,
                 "levels": [14] * 10 + [500, 999, 500, 999, 999, 500], "batch": 1},
}
ROLLOUT = {"config": "sigmoid32", "context": 2, "frames": 5, "steps": 10, "seed": 7, "stabilization": 15,
           "clip_noise": 6.0}


def official_cfg(c):
    """The `diffusion` section of the official df_video config for this configuration."""
    from stand_ins import Cfg
    arch = Cfg(network_size=c["network_size"], attn_heads=c["attn_heads"], attn_dim_head=c["attn_dim_head"],
               dim_mults=c["dim_mults"], resolution=c["resolution"],
               attn_resolutions=[c["resolution"] // 2 ** i for i in range(len(c["dim_mults"]))][::-1],
               use_init_temporal_attn=True, use_linear_attn=c["use_linear_attn"], time_emb_type="rotary")
    return Cfg(timesteps=1000, sampling_timesteps=100, beta_schedule=c["schedule"], schedule_fn_kwargs={},
               objective="pred_v", use_fused_snr=True, snr_clip=5.0, cum_snr_decay=0.96, ddim_sampling_eta=0.0,
               clip_noise=6.0, architecture=arch, stabilization_level=15)


def build_official(c):
    import torch
    from algorithms.diffusion_forcing.models.diffusion import Diffusion
    torch.manual_seed(0)
    return Diffusion(x_shape=torch.Size([3, c["resolution"], c["resolution"]]), external_cond_dim=0,
                     is_causal=True, cfg=official_cfg(c))


def perturb(diffusion, generator):
    """Move every parameter off its init: weights by 10% of their spread, 1-D parameters (norm gains and
    biases) by N(0, 0.1), and the rotary frequencies (one Parameter shared by every temporal attention)
    by a random factor in [0.7, 1.3], so a network that recomputes the default frequencies is wrong."""
    import torch
    seen = set()
    with torch.no_grad():
        for name, p in diffusion.named_parameters():
            if id(p) in seen:
                continue
            seen.add(id(p))
            if name.endswith(".freqs"):
                p.mul_(1 + 0.3 * (2 * torch.rand(p.shape, generator=generator) - 1))
                continue
            noise = torch.randn(p.shape, generator=generator)
            spread = p.std().item() if p.dim() >= 2 else 1.0
            p.add_(noise * 0.1 * spread)


def network_call(diffusion, x, t):
    """The official call the sampler makes: model(x (f b c h w), t (f b), external_cond, is_causal)."""
    import torch
    with torch.no_grad():
        return diffusion.model(torch.from_numpy(x), torch.from_numpy(t), None, is_causal=True).numpy()


def scale_output(diffusion, x, t, target_std=0.5):
    """Scale the final 1×1 conv so the output has about target_std (errors are judged against it)."""
    import torch
    std = float(network_call(diffusion, x, t).std())
    with torch.no_grad():
        conv = diffusion.model.module.out[1]
        conv.weight.mul_(target_std / std)
        conv.bias.mul_(target_std / std)


def lightning_checkpoint(diffusion):
    """What Lightning's ModelCheckpoint writes for DiffusionForcingVideo: its state_dict is the
    `diffusion_model` submodule's (prefixed) plus the data_mean/data_std buffers of
    register_data_mean_std (scalars 0.5 in the released video configs), and the trainer bookkeeping."""
    import torch
    state = {"diffusion_model." + k: v.clone() for k, v in diffusion.state_dict().items()}
    state["data_mean"] = torch.tensor(0.5)
    state["data_std"] = torch.tensor(0.5)
    return {"epoch": 3, "global_step": 1000, "pytorch-lightning_version": "2.1.2", "state_dict": state,
            "loops": {}, "callbacks": {}, "optimizer_states": [], "lr_schedulers": []}


def make_config(name, c, out_dir, generator):
    import torch
    diffusion = build_official(c)
    perturb(diffusion, generator)
    T, B, R = len(c["levels"]), c["batch"], c["resolution"]
    x = torch.randn((T, B, 3, R, R), generator=generator).numpy().astype(np.float32)
    t = np.repeat(np.asarray(c["levels"], np.int64)[:, None], B, axis=1)
    scale_output(diffusion, x, t)
    v = network_call(diffusion, x, t)
    torch.save(lightning_checkpoint(diffusion), os.path.join(out_dir, f"{name}.ckpt"))
    np.save(os.path.join(out_dir, f"{name}.x.npy"), x)
    np.save(os.path.join(out_dir, f"{name}.t.npy"), t)
    np.save(os.path.join(out_dir, f"{name}.v.npy"), v.astype(np.float32))
    print(f"{name}: {sum(p.numel() for p in diffusion.parameters()):,} parameters, output std {v.std():.3f}")
    return diffusion


def rgb_to_model(rgb):
    """(H, W, 3) uint8 → (3, H, W) in [-1, 1], as dfview's session does it (float32, mean = std = 0.5)."""
    x = (rgb.astype(np.float32) / np.float32(255.0) - np.float32(0.5)) / np.float32(0.5)
    return x.transpose(2, 0, 1).astype(np.float64)


def model_to_rgb(x):
    """(3, H, W) → (H, W, 3) uint8: (x·0.5 + 0.5)·255 in float32, clamped, rounded half to even (lrintf)."""
    v = (x.astype(np.float32) * np.float32(0.5) + np.float32(0.5)) * np.float32(255.0)
    return np.rint(np.clip(v, 0, 255)).astype(np.uint8).transpose(1, 2, 0)


def make_rollout(diffusion, c, out_dir, generator):
    """Frames the reference sampler makes with the official network, fed back as 8-bit RGB like dfview."""
    import torch
    import philox
    import sampler
    r = ROLLOUT
    R = c["resolution"]
    seed_rgb = (torch.rand((R, R, 3), generator=generator) * 255).round().to(torch.uint8).numpy()
    alphas = diffusion.alphas_cumprod.double().numpy()
    window = len(c["levels"])

    def model_fn(x_in, tc, _actions):
        t = np.repeat(np.asarray(tc, np.int64)[:, None], x_in.shape[1], axis=1)
        return network_call(diffusion, x_in.astype(np.float32), t).astype(np.float64)

    rgb = [seed_rgb] * r["context"]
    while len(rgb) < r["frames"]:
        index = len(rgb)
        context = np.stack([rgb_to_model(f) for f in rgb])[:, None]
        noise = philox.normals(r["seed"], philox.NOISE_INITIAL, index, 0, 3 * R * R)
        frames = sampler.rollout(context, index + 1, model_fn, alphas, steps=r["steps"],
                                 scheduling="autoregressive", chunk=1, window=window,
                                 stabilization=r["stabilization"], clip_noise=r["clip_noise"],
                                 noise=sampler.NoiseStream(noise))
        rgb.append(model_to_rgb(frames[-1, 0]))
    np.save(os.path.join(out_dir, "rollout.seed.npy"), seed_rgb)
    np.save(os.path.join(out_dir, "rollout.frames.npy"), np.stack(rgb))
    with open(os.path.join(out_dir, "rollout.json"), "w") as f:
        json.dump(dict(r, window=window), f, indent=1)
    print(f"rollout: {r['frames']} frames of {R}x{R}, {r['steps']} steps, window {window}")


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--source", required=True, help="a checkout of buoyancy99/diffusion-forcing (branch main)")
    p.add_argument("--site", required=True, help="directory holding einops and rotary_embedding_torch 0.6.x")
    p.add_argument("--out", default=HERE)
    args = p.parse_args(argv)
    import stand_ins
    stand_ins.install(args.source, args.site)
    import torch
    torch.set_num_threads(2)
    generator = torch.Generator().manual_seed(20261203)
    networks = {name: make_config(name, c, args.out, generator) for name, c in CONFIGS.items()}
    make_rollout(networks[ROLLOUT["config"]], CONFIGS[ROLLOUT["config"]], args.out, generator)


if __name__ == "__main__":
    main()

"""Write a network parity case for the C engine (`dfview forward`).

usage: make_parity.py OUT_DIR [--preset tiny|dmlab|minecraft] [--dim D] [--dim-mults 1,2] [--dim-head 8]
                      [--heads H] [--resolution R] [--frames T] [--per-frame-gn] [--actions A]
                      [--timesteps 14,500,999] [--dtype fp32|fp16|bf16] [--via-official] [--float32] [--seed S]

OUT_DIR receives:
  model.safetensors  random-weight Unet3D, every parameter perturbed off its initial value
  x.npy              float32 (T, 1, C, H, W) input
  t.npy              int64 (T, 1) timesteps: context frames at 14, the last two new frames at 500 and 999
  a.npy              float32 (T, 1, A) one-hot actions (only with --actions A)
  v.npy              float32 (T, 1, C, H, W) expected output, from PyTorch in float64 (or fp32 with --float32)
                     using the weights exactly as stored in the file (so fp16 files give fp16-weight answers)
  case.json          what was made: architecture, timesteps, output statistics
With --via-official the model file is made the way users make theirs: a Lightning-style model.ckpt is
saved and converted by convert_official (joint GroupNorm, no actions).

Then: dfview forward --model OUT/model.safetensors --input OUT/x.npy --timesteps OUT/t.npy
      [--actions OUT/a.npy] --output mine.npy, and compare with OUT/v.npy.
"""
import argparse
import json
import os
import sys

import numpy as np

MODELS_DIR = os.path.dirname(os.path.abspath(__file__))
if MODELS_DIR not in sys.path:
    sys.path.insert(0, MODELS_DIR)

PRESETS = {
    "tiny": {"dim": 16, "dim_mults": [1, 2], "heads": 2, "dim_head": 8, "resolution": 8, "frames": 4},
    "dmlab": {"dim": 48, "dim_mults": [1, 2, 4, 8], "heads": 4, "dim_head": 32, "resolution": 64, "frames": 16},
    "minecraft": {"dim": 64, "dim_mults": [1, 2, 4, 8], "heads": 4, "dim_head": 64, "resolution": 128,
                  "frames": 10},
}


def perturb(model, generator, scale=0.1):
    """Shift every parameter so that no norm stays at (1, 0) and no bias at its init; weight tensors move
    by `scale` of their own spread, so activations keep their size through the depth."""
    import torch
    with torch.no_grad():
        for p in model.parameters():
            noise = torch.randn(p.shape, generator=generator, dtype=p.dtype)
            spread = p.std().item() if p.dim() >= 2 else 1.0
            p.add_(noise * scale * spread)
    return model


TARGET_OUTPUT_STD = 0.5


def run_model(model, x, t, a, dtype):
    """(T, B, ...) numpy in and out around the (B, T, ...) network, in `dtype`, returned as float64."""
    import torch
    model = model.to(dtype)
    with torch.no_grad():
        v = model(torch.from_numpy(x).transpose(0, 1).to(dtype), torch.from_numpy(t).transpose(0, 1),
                  None if a is None else torch.from_numpy(a).transpose(0, 1).to(dtype))
    return v.transpose(0, 1).double().numpy()


def scale_output(model, x, t, a, target_std):
    """Scale the last 1×1 conv so the case's output has about `target_std` (errors are judged against it)."""
    import torch
    std = run_model(model, x, t, a, torch.float32).std()
    with torch.no_grad():
        model.out[1].weight.mul_(target_std / std)
        model.out[1].bias.mul_(target_std / std)


def default_timesteps(frames):
    tail = [500, 999][-min(2, frames - 1):] if frames > 1 else [500]
    return [14] * (frames - len(tail)) + tail


def build_arch(args):
    preset = PRESETS[args.preset]
    arch = {"dim": args.dim or preset["dim"],
            "dim_mults": [int(m) for m in args.dim_mults.split(",")] if args.dim_mults else preset["dim_mults"],
            "heads": args.heads or preset["heads"], "dim_head": args.dim_head or preset["dim_head"],
            "resolution": args.resolution or preset["resolution"], "groupnorm_per_frame": args.per_frame_gn}
    return arch, args.frames or preset["frames"]


def make_case(args):
    import torch
    import convert_official
    import dfv_unet
    import model_file

    os.makedirs(args.out, exist_ok=True)
    arch, frames = build_arch(args)
    if args.via_official and (args.per_frame_gn or args.actions):
        raise ValueError("--via-official makes an official-layout model: no --per-frame-gn, no --actions")
    gen = torch.Generator().manual_seed(args.seed)
    torch.manual_seed(args.seed)
    model = perturb(dfv_unet.Unet3D(arch, action_dim=args.actions), gen).eval()
    timesteps = [int(s) for s in args.timesteps.split(",")] if args.timesteps else default_timesteps(frames)
    if len(timesteps) != frames:
        raise ValueError(f"--timesteps has {len(timesteps)} values for {frames} frames")
    rng = np.random.default_rng(args.seed)
    c, r = model.arch["channels"], model.arch["resolution"]
    x = rng.standard_normal((frames, 1, c, r, r)).astype(np.float32)
    t = np.array(timesteps, dtype=np.int64)[:, None]
    a = None
    if args.actions:
        a = np.eye(args.actions, dtype=np.float32)[rng.integers(0, args.actions, frames)][:, None, :]
    scale_output(model, x, t, a, TARGET_OUTPUT_STD)
    path = os.path.join(args.out, "model.safetensors")
    if args.via_official:
        ckpt = official_checkpoint(model)
        ckpt_path = os.path.join(args.out, "model.ckpt")
        torch.save(ckpt, ckpt_path)
        convert_official.convert(ckpt_path, path, args.dtype, arch["heads"], arch["resolution"], window=frames)
    else:
        config = model_file.default_config(model.arch, name=f"parity-{args.preset}", action_dim=args.actions,
                                           window=frames,
                                           provenance={"source": "models/make_parity.py random weights"})
        model_file.export_model(model, config, path, args.dtype)

    dtype = torch.float32 if args.float32 else torch.float64
    reference, _ = model_file.load_model(path, dtype)
    with torch.no_grad():
        v = run_model(reference, x, t, a, dtype)

    np.save(os.path.join(args.out, "x.npy"), x)
    np.save(os.path.join(args.out, "t.npy"), t)
    if a is not None:
        np.save(os.path.join(args.out, "a.npy"), a)
    np.save(os.path.join(args.out, "v.npy"), v.astype(np.float32))
    case = {"preset": args.preset, "architecture": model.arch, "actions": args.actions, "frames": frames,
            "timesteps": timesteps, "dtype": args.dtype, "via_official": args.via_official,
            "reference_precision": "float32" if args.float32 else "float64",
            "parameters": dfv_unet.count_parameters(model), "v_std": float(v.std()),
            "v_absmax": float(np.abs(v).max()), "tolerance": {"fp32": 1e-3, "fp16": 2e-2}}
    with open(os.path.join(args.out, "case.json"), "w") as f:
        json.dump(case, f, indent=1)
    return case


def official_checkpoint(model):
    """The Lightning layout of the official trainer: weights under the EinopsWrapper's `module`, rotary freqs
    copies, schedule buffers (tests/parity/official holds checkpoints the official code itself saved)."""
    import torch
    import schedule
    prefix = "diffusion_model.model.module."
    state = {prefix + k: v.clone() for k, v in model.state_dict().items()}
    dh = model.arch["dim_head"]
    freqs = 1.0 / (10000 ** (torch.arange(0, dh, 2).float() / dh))
    state[prefix + "rotary_time_pos_embedding.freqs"] = freqs
    for name in model.state_dict():
        if name.endswith("attn_block.attn.to_qkv.weight"):
            state[prefix + name.replace("to_qkv.weight", "rotary_emb.freqs")] = freqs
    alphas = torch.tensor(schedule.alphas_cumprod("cosine"), dtype=torch.float32)
    state["diffusion_model.alphas_cumprod"] = alphas
    state["diffusion_model.betas"] = torch.cat([1 - alphas[:1], 1 - alphas[1:] / alphas[:-1]])
    state["data_mean"] = torch.full((3, 1, 1), 0.5)
    state["data_std"] = torch.full((3, 1, 1), 0.5)
    return {"epoch": 0, "global_step": 0, "state_dict": state}


def parse_args(argv):
    p = argparse.ArgumentParser(prog="make_parity.py", description="Write a Unet3D parity case for dfview forward")
    p.add_argument("out")
    p.add_argument("--preset", choices=sorted(PRESETS), default="tiny")
    p.add_argument("--dim", type=int)
    p.add_argument("--dim-mults")
    p.add_argument("--dim-head", type=int)
    p.add_argument("--heads", type=int)
    p.add_argument("--resolution", type=int)
    p.add_argument("--frames", type=int)
    p.add_argument("--per-frame-gn", action="store_true")
    p.add_argument("--actions", type=int, default=0, help="action dimension (0: unconditioned)")
    p.add_argument("--timesteps", help="comma-separated, one per frame")
    p.add_argument("--dtype", choices=["fp32", "fp16", "bf16"], default="fp32")
    p.add_argument("--via-official", action="store_true")
    p.add_argument("--float32", action="store_true", help="expected output in fp32 instead of float64")
    p.add_argument("--seed", type=int, default=0)
    return p.parse_args(argv)


def main(argv=None):
    args = parse_args(argv if argv is not None else sys.argv[1:])
    try:
        case = make_case(args)
    except (ValueError, OSError) as err:
        print(f"make_parity: {err}", file=sys.stderr)
        return 1
    print(f"wrote {args.out}: {case['parameters']:,} parameters, {case['frames']} frames, timesteps "
          f"{case['timesteps']}, v std {case['v_std']:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

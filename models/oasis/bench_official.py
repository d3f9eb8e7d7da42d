"""Times the OFFICIAL open-oasis DiT and ViT-VAE (PyTorch, CPU, float32) on official-layout checkpoints.

usage: bench_official.py UPSTREAM_DIR DIT.safetensors VAE.safetensors --size tiny|full [--window 1,2]
                         [--steps 10] [--calls 3] [--warmup 1] [--no-vae] [--threads N]

UPSTREAM_DIR holds the official sources (dit.py, vae.py, attention.py, rotary_embedding_torch.py; fetched,
never committed), importable with einops on PYTHONPATH; the stand-ins of make_golden.py fill what Debian's
torch 1.13 lacks. --size tiny builds the golden configurations of make_golden.py (tests/golden/oasis),
full builds Oasis-500M (`DiT-S/2`, `vit-l-20-shallow-encoder`). What is timed is what generate.py runs:
the DiT's forward on a window of W frames (batch 1; one DDIM step of the official loop, which runs every
step on the whole window), vae.encode(img).mean on one image, vae.decode on one frame's latent tokens.
Prints one line per measurement, `official <what>: <median> ms per call (median of N; best B)`, and per
window the official loop's ms per new frame (steps × the forward).
"""
import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import make_golden  # noqa: E402
import safetensors_io  # noqa: E402


def load(torch, model, path):
    """The checkpoint into the model; names it lacks may only be aliases of a shared tensor."""
    tensors, _ = safetensors_io.read(path)
    state = {k: torch.from_numpy(v.copy()) for k, v in tensors.items()}
    missing, unexpected = model.load_state_dict(state, strict=False)
    if unexpected or any(not name.endswith("rotary_emb.freqs") for name in missing):
        raise SystemExit(f"bench_official: {path} does not fit the {type(model).__name__}: "
                         f"missing {missing[:3]}, unexpected {unexpected[:3]}")
    return model.eval()


def timed(calls, warmup, fn):
    times = []
    for i in range(warmup + calls):
        t0 = time.perf_counter()
        fn()
        if i >= warmup:
            times.append((time.perf_counter() - t0) * 1e3)
    times.sort()
    n = len(times)
    return (times[n // 2] if n % 2 else (times[n // 2 - 1] + times[n // 2]) / 2), min(times)


def report(what, calls, median_best):
    median, best = median_best
    print(f"official {what}: {median:.2f} ms per call (median of {calls}; best {best:.2f})", flush=True)
    return median


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("upstream")
    p.add_argument("dit")
    p.add_argument("vae")
    p.add_argument("--size", choices=["tiny", "full"], required=True)
    p.add_argument("--window", default="1,2")
    p.add_argument("--steps", type=int, default=10)
    p.add_argument("--calls", type=int, default=3)
    p.add_argument("--warmup", type=int, default=1)
    p.add_argument("--no-vae", action="store_true")
    p.add_argument("--threads", type=int, default=0, help="torch threads (0: torch's default)")
    args = p.parse_args(argv)
    import torch
    if args.threads:
        torch.set_num_threads(args.threads)
    make_golden.install_stand_ins(torch)
    sys.path.insert(0, os.path.abspath(args.upstream))
    import dit as dit_module
    import vae as vae_module
    tiny = args.size == "tiny"
    print(f"official: PyTorch {torch.__version__} on the CPU, float32, {torch.get_num_threads()} threads", flush=True)
    with torch.no_grad():
        dit = load(torch, dit_module.DiT(**make_golden.DIT_CONFIG) if tiny else dit_module.DiT_models["DiT-S/2"](),
                   args.dit)
        g = torch.Generator().manual_seed(0)
        for w in [int(s) for s in args.window.split(",")]:
            grid_h, grid_w = dit.x_embedder.grid_size
            x = torch.randn(1, w, dit.in_channels, grid_h * dit.patch_size, grid_w * dit.patch_size, generator=g)
            t = torch.tensor([[14] * (w - 1) + [999]], dtype=torch.long)
            a = (torch.rand(1, w, 25, generator=g) < 0.2).float()
            ms = report(f"DiT forward, {w} frame{'s' if w > 1 else ''}", args.calls,
                        timed(args.calls, args.warmup, lambda: dit(x, t, a)))
            print(f"official per new frame, window {w}, {args.steps} steps: official loop {args.steps * ms:.1f} ms",
                  flush=True)
        del dit
        if args.no_vae:
            return 0
        vae = load(torch, vae_module.AutoencoderKL(**make_golden.VAE_CONFIG) if tiny
                   else vae_module.VAE_models["vit-l-20-shallow-encoder"](), args.vae)
        img = torch.rand(1, 3, vae.seq_h * vae.patch_size, vae.seq_w * vae.patch_size, generator=g) * 2 - 1
        z = torch.randn(1, vae.seq_h * vae.seq_w, vae.latent_dim, generator=g)
        report("VAE encode, 1 image", args.calls, timed(args.calls, args.warmup, lambda: vae.encode(img).mean))
        report("VAE decode, 1 frame", args.calls,
               timed(args.calls, args.warmup, lambda: vae.decode(z / make_golden.SCALING_FACTOR)))
    return 0


if __name__ == "__main__":
    sys.exit(main())

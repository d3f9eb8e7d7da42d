"""Seconds per network call of the PyTorch reference network on this machine's CPU, for the side-by-side
with `dfview bench` (scripts/bench-cpu). Same inputs as dfview's bench: random frames, mixed noise levels."""
import argparse
import os
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from model_file import load_model  # noqa: E402


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("model")
    p.add_argument("--window", type=int, required=True)
    p.add_argument("--calls", type=int, default=3)
    p.add_argument("--threads", type=int, default=2)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    model, config = load_model(a.model)
    model.eval()
    arch = config["architecture"]
    r, c = arch["resolution"], arch["channels"] * arch.get("frame_stack", 1)
    x = torch.rand(1, a.window, c, r, r) * 2 - 1
    t = torch.tensor([[14] * max(0, a.window - 2) + [500, 999][-min(2, a.window):]])
    with torch.no_grad():
        model(x, t)  # warm-up
        best, total = float("inf"), 0.0
        for _ in range(a.calls):
            t0 = time.perf_counter()
            model(x, t)
            dt = time.perf_counter() - t0
            best, total = min(best, dt), total + dt
    print(f"pytorch {torch.__version__} cpu, {a.threads} threads, window {a.window}: {total / a.calls:.3f} s per call "
          f"(best {best:.3f})")


if __name__ == "__main__":
    main()

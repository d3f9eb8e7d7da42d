"""dfview (Vulkan; lavapipe on a CPU) against the official open-oasis PyTorch code, in the same run.

usage: scripts/bench-oasis --official DIR [--size tiny|full] [--work DIR] [--window 1,2] [--steps 10]
                           [--calls 3] [--warmup 1] [--fp16] [--no-vae] [--official-threads 1]
                           [--einops DIR] [--dfview PATH]

--official: a checkout of github.com/etched-ai/open-oasis (dit.py, vae.py, attention.py,
rotary_embedding_torch.py; fetched, never committed). --einops: the directory holding the einops package
when Python lacks it. --size tiny: the golden checkpoints of tests/golden/oasis; full: Oasis-500M-shaped
random weights (models/oasis/make_random.py, 3.3 GB, made once into --work). Both are converted once with
scripts/convert-oasis into --work. Then `dfview bench` (the DiT at each window: forward, cached context,
one cached step; one new frame with the official loop and the cached one; the ViT-VAE) and
models/oasis/bench_official.py (the same calls, official code, PyTorch CPU float32), and a table: ms per
call, analytic GFLOP, GFLOP/s, frames/s per new frame. Medians of --calls after --warmup calls.
The machine and its load average (before and after) are printed: the figures mean nothing without them.
"""
import argparse
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
PYTHON = "/usr/bin/python3"  # Debian's, with torch and numpy
TINY_FLAGS = ["--dit-heads", "4", "--vae-heads", "2", "--image", "24x32"]


def machine():
    model = "unknown CPU"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return f"{os.cpu_count()} cores, {model}"


def load_average():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def run(cmd, env=None):
    print("$ " + " ".join(cmd), flush=True)
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    sys.stdout.write(r.stdout)
    if r.returncode:
        raise SystemExit(f"bench-oasis: {cmd[0]} failed (exit {r.returncode})")
    return r.stdout


def checkpoints(args, env):
    """(dit, vae, converted model) for --size, made once into --work."""
    os.makedirs(args.work, exist_ok=True)
    if args.size == "tiny":
        dit, vae = (os.path.join(ROOT, "tests/golden/oasis", n + ".safetensors") for n in ("dit", "vae"))
        flags = TINY_FLAGS
    else:
        dit, vae = (os.path.join(args.work, n + ".safetensors") for n in ("dit", "vae"))
        if not (os.path.exists(dit) and os.path.exists(vae)):
            run([PYTHON, os.path.join(HERE, "make_random.py"), args.official, args.work], env)
        flags = []
    model = os.path.join(args.work, f"oasis-{args.size}.safetensors")
    if not os.path.exists(model):
        run([PYTHON, os.path.join(ROOT, "models/convert_oasis.py"), dit, vae, model, *flags], env)
    return dit, vae, model


LINE = re.compile(r"^(?:official|\S+ fp(?:16|32)) (.+?): ([0-9.]+) ms per call")
GFLOP = re.compile(r", ([0-9.e+-]+) GFLOP, ")
FRAME = re.compile(r"per new frame, window (\d+), (\d+) steps: official loop ([0-9.]+) ms"
                   r"(?: \(([0-9.e+-]+) GFLOP.*cached loop ([0-9.]+) ms \(([0-9.e+-]+) GFLOP)?")


def parse(text):
    """{what: (ms, GFLOP or None)} and {window: (official ms, official GFLOP, cached ms, cached GFLOP)}."""
    calls, frames = {}, {}
    for line in text.splitlines():
        m = FRAME.search(line)
        if m:
            w = int(m.group(1))
            frames[w] = (float(m.group(3)), *(float(g) if g else None for g in m.group(4, 5, 6)))
            continue
        m, g = LINE.match(line), GFLOP.search(line)
        if m:
            calls[m.group(1)] = (float(m.group(2)), float(g.group(1)) if g else None)
    return calls, frames


def table(ours, theirs, precision):
    calls, frames = parse(ours)
    official_calls, official_frames = parse(theirs)
    print(f"\n{'call':<40} {'GFLOP':>9} {'dfview ' + precision + ' ms':>16} {'GFLOP/s':>8} "
          f"{'official ms':>12} {'GFLOP/s':>8}")
    for what, (ms, gflop) in calls.items():
        theirs_ms = official_calls.get(what, (None,))[0]
        rate = lambda t: f"{gflop / t * 1e3:8.2f}" if gflop and t else f"{'':>8}"  # noqa: E731
        print(f"{what:<40} {gflop or 0:9.4g} {ms:16.2f} {rate(ms)} "
              f"{theirs_ms if theirs_ms is not None else float('nan'):12.2f} {rate(theirs_ms)}")
    print(f"\n{'one new frame':<22} {'official loop (PyTorch)':>26} {'official loop (dfview)':>26} "
          f"{'cached loop (dfview)':>26}")
    for w, (off_ms, off_gflop, cached_ms, cached_gflop) in frames.items():
        torch_ms = official_frames.get(w, (None,))[0]
        cell = lambda ms, gf: f"{ms:9.1f} ms {1e3 / ms:7.3g} f/s" if ms else f"{'':>26}"  # noqa: E731
        print(f"window {w:<15} {cell(torch_ms, off_gflop):>26} {cell(off_ms, off_gflop):>26} "
              f"{cell(cached_ms, cached_gflop):>26}")
        if off_gflop and cached_gflop:
            print(f"{'':<22} {off_gflop:22.4g} GFLOP {off_gflop:20.4g} GFLOP {cached_gflop:20.4g} GFLOP")


def main(argv=None):
    p = argparse.ArgumentParser(prog="bench-oasis", description=__doc__.split("\n")[0])
    p.add_argument("--official", required=True, help="open-oasis source directory")
    p.add_argument("--size", choices=["tiny", "full"], default="tiny")
    p.add_argument("--work", default=os.path.join(ROOT, "build", "bench-oasis"))
    p.add_argument("--window", default="1,2")
    p.add_argument("--steps", type=int, default=10)
    p.add_argument("--calls", type=int, default=3)
    p.add_argument("--warmup", type=int, default=1)
    p.add_argument("--official-threads", type=int, default=1,
                   help="torch threads (default 1: on a machine shared with other jobs, torch's 2-thread team "
                        "waits on a descheduled thread; the tiny DiT measured 10-30x slower so)")
    p.add_argument("--fp16", action="store_true", help="dfview in fp16 (the official code runs float32)")
    p.add_argument("--no-vae", action="store_true")
    p.add_argument("--einops", help="directory holding the einops package")
    p.add_argument("--dfview", default=os.path.join(ROOT, "build", "dfview"))
    args = p.parse_args(argv)
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
    if args.einops:
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [os.path.abspath(args.einops), env.get("PYTHONPATH")]))
    print(f"machine: {machine()}; load average {load_average()} (before)", flush=True)
    dit, vae, model = checkpoints(args, env)
    common = ["--window", args.window, "--steps", str(args.steps), "--calls", str(args.calls), "--warmup",
              str(args.warmup)]
    common += ["--no-vae"] if args.no_vae else []
    ours = run([args.dfview, "bench", "--model", model, *common, *(["--fp16"] if args.fp16 else [])], env)
    theirs = run([PYTHON, os.path.join(HERE, "bench_official.py"), args.official, dit, vae, "--size", args.size,
                  "--threads", str(args.official_threads), *common], env)
    table(ours, theirs, "fp16" if args.fp16 else "fp32")
    print(f"\nload average {load_average()} (after); machine: {machine()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

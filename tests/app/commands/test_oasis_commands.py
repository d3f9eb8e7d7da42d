"""dfview forward / encode / decode / info on an Oasis model against the official open-oasis outputs.

usage: test_oasis_commands.py DFVIEW OASIS_MODEL GOLDEN_DIR UNET3D_MODEL WORK_DIR

OASIS_MODEL is tests/golden/oasis's official-layout checkpoints converted by scripts/convert-oasis (the
meson target oasis-tiny-model). Each command runs as a user would run it, on the golden inputs:
fp32 within 1e-4 max abs of the official outputs, fp16 within 1e-2 × max(1, max |official|) (fp16 storage,
fp32 arithmetic: the bound tests/model/test_oasis.c uses; measured 3.9e-3 on the DiT). Then bad input:
each refusal is one line `dfview CMD: ...` with a non-zero exit, never a crash.
"""
import json
import os
import re
import struct
import subprocess
import sys

import numpy as np

FP32_BOUND = 1e-4
FP16_BOUND = 1e-2

failures = []


def check(ok, what):
    print(("ok   " if ok else "FAIL ") + what)
    if not ok:
        failures.append(what)


def run(*args):
    return subprocess.run(list(args), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=600)


def compare(what, got_path, want, bound):
    got = np.load(got_path)
    worst = float(np.abs(got.astype(np.float64) - want).max()) if got.shape == want.shape else float("inf")
    check(got.dtype == np.float32 and got.shape == want.shape and worst <= bound,
          f"{what}: {got.dtype} {got.shape}, max |dfview - official| {worst:.3g} (bound {bound:.2g})")
    return got


def test_outputs(dfview, model, golden, work):
    g = {name: np.load(os.path.join(golden, name + ".npy")) for name in
         ("dit_x", "dit_t", "dit_a", "dit_v", "vae_img", "vae_z", "vae_zin", "vae_dec")}
    gp = {name: os.path.join(golden, name + ".npy") for name in g}
    out = lambda name: os.path.join(work, name + ".npy")  # noqa: E731
    forward = [dfview, "forward", "--model", model, "--input", gp["dit_x"], "--actions", gp["dit_a"]]
    for precision, extra, bound in (("fp32", [], FP32_BOUND),
                                    ("fp16", ["--fp16"], FP16_BOUND * max(1.0, float(np.abs(g["dit_v"]).max())))):
        r = run(*forward, "--timesteps", gp["dit_t"], "--output", out("v_" + precision), *extra)
        check(r.returncode == 0, f"forward {precision}: exit {r.returncode} {r.stderr.strip()}")
        if r.returncode == 0:
            compare(f"forward {precision} (B=2, T=3)", out("v_" + precision), g["dit_v"], bound)
    # int32 noise levels: the same call, the same bytes
    np.save(out("t32"), g["dit_t"].astype(np.int32))
    r = run(*forward, "--timesteps", out("t32"), "--output", out("v_t32"))
    same = r.returncode == 0 and np.array_equal(np.load(out("v_t32")), np.load(out("v_fp32")))
    check(same, f"forward with int32 timesteps: exit {r.returncode}, identical to int64: {same} {r.stderr.strip()}")
    # the first two frames through the K/V cache: the third frame's v
    r = run(*forward, "--timesteps", gp["dit_t"], "--output", out("v_cached"), "--cache-context", "2")
    check(r.returncode == 0, f"forward --cache-context 2: exit {r.returncode} {r.stderr.strip()}")
    if r.returncode == 0:
        compare("forward --cache-context 2 (frame 3)", out("v_cached"), g["dit_v"][:, 2:], FP32_BOUND)
    for cmd, src, want in (("encode", "vae_img", "vae_z"), ("decode", "vae_zin", "vae_dec")):
        for precision, extra, bound in (("fp32", [], FP32_BOUND),
                                        ("fp16", ["--fp16"], FP16_BOUND * max(1.0, float(np.abs(g[want]).max())))):
            r = run(dfview, cmd, "--model", model, "--input", gp[src], "--output", out(cmd + precision), *extra)
            check(r.returncode == 0, f"{cmd} {precision}: exit {r.returncode} {r.stderr.strip()}")
            if r.returncode == 0:
                compare(f"{cmd} {precision}", out(cmd + precision), g[want], bound)


def test_info(dfview, model):
    r = run(dfview, "info", model)
    card = r.stdout
    words = ["oasis", "DiT: 4×6×8 latents", "ViT-VAE: 24×32 images", "NON-DEFAULT", "official loop", "cached loop",
             "pred_v", "10 DDIM steps", "stabilization level 15", "cameraX", "drop", "(matches the file)"]
    missing = [w for w in words if w not in card]
    check(r.returncode == 0 and not missing, f"info card: exit {r.returncode}, lacks {missing}")
    with open(model, "rb") as f:
        header = json.loads(f.read(struct.unpack("<Q", f.read(8))[0]))
    params = sum(int(np.prod(v["shape"])) for k, v in header.items() if k != "__metadata__")
    check(f"parameters   {params} " in card, f"info: the parameter count {params}")


def test_bench(dfview, model):
    """dfview bench on an Oasis model: every line scripts/bench-oasis reads, with the analytic GFLOP."""
    r = run(dfview, "bench", "--model", model, "--window", "1,2", "--calls", "1", "--warmup", "0", "--steps", "2")
    wanted = ["fp32 DiT forward, 1 frame: ", "fp32 DiT forward, 2 frames: ", "fp32 DiT context, 1 frame: ",
              "fp32 DiT cached step, 1 new frame after 1: ", "per new frame, window 2, 2 steps: official loop ",
              "cached loop ", "fp32 VAE encode, 1 image: ", "fp32 VAE decode, 1 frame: "]
    missing = [w for w in wanted if w not in r.stdout]
    check(r.returncode == 0 and not missing, f"bench: exit {r.returncode}, lacks {missing} {r.stderr.strip()}")
    # the cached loop's analytic cost: the context once plus 2 one-frame steps, less than 2 two-frame calls
    frame = [line for line in r.stdout.splitlines() if "window 2, 2 steps" in line]
    gflop = [float(x) for x in re.findall(r"\(([0-9.e+-]+) GFLOP", frame[0])] if frame else []
    check(len(gflop) == 2 and gflop[1] < gflop[0], f"bench: official vs cached GFLOP per new frame {gflop}")


def expect_error(what, pattern, cmd, *args):
    r = run(*args)
    err = r.stderr.strip()
    one_line = len(err.splitlines()) == 1
    ok = r.returncode > 0 and one_line and err.startswith(f"dfview {cmd}: ") and \
        pattern in err
    check(ok, f"{what}: exit {r.returncode}: {err}")


def test_errors(dfview, model, golden, unet, work):
    gp = lambda name: os.path.join(golden, name + ".npy")  # noqa: E731
    bad = lambda name: os.path.join(work, "bad_" + name + ".npy")  # noqa: E731
    x = np.load(gp("dit_x"))
    np.save(bad("t_float"), np.load(gp("dit_t")).astype(np.float32))
    np.save(bad("t_shape"), np.load(gp("dit_t"))[:, :2])
    np.save(bad("t_range"), np.full((2, 3), 1000, np.int64))
    np.save(bad("a_width"), np.zeros((2, 3, 24), np.float32))
    np.save(bad("x_f64"), x.astype(np.float64))
    np.save(bad("x_long"), np.zeros((1, 33, 4, 6, 8), np.float32))
    np.save(bad("t_long"), np.zeros((1, 33), np.int64))
    np.save(bad("z_empty"), np.zeros((0, 4, 6, 8), np.float32))
    np.save(bad("z_int"), np.zeros((1, 4, 6, 8), np.int64))
    with open(bad("truncated"), "wb") as f:
        f.write(open(gp("dit_x"), "rb").read()[:200])
    fwd = lambda *a: (dfview, "forward", "--model", model, "--output", os.path.join(work, "never.npy")) + a  # noqa
    x_, t_, a_ = ("--input", gp("dit_x")), ("--timesteps", gp("dit_t")), ("--actions", gp("dit_a"))
    cases = [
        ("forward: images as latents", "input (latents) must be (B, T, 4, 6, 8)", "forward",
         fwd("--input", gp("vae_img"), *t_, *a_)),
        ("forward: float64 latents", "expected float32", "forward", fwd("--input", bad("x_f64"), *t_, *a_)),
        ("forward: float timesteps", "expected int64 or int32", "forward", fwd(*x_, "--timesteps", bad("t_float"), *a_)),
        ("forward: timesteps of another shape", "timesteps must be (2, 3)", "forward",
         fwd(*x_, "--timesteps", bad("t_shape"), *a_)),
        ("forward: noise level 1000", "timestep 1000 is outside 0..999", "forward",
         fwd(*x_, "--timesteps", bad("t_range"), *a_)),
        ("forward: 24 action values", "actions must be (2, 3, 25)", "forward", fwd(*x_, *t_, "--actions", bad("a_width"))),
        ("forward: 33 frames", "window is 1..32", "forward", fwd("--input", bad("x_long"), "--timesteps", bad("t_long"))),
        ("forward: a truncated .npy", "data shorter than its shape says", "forward",
         fwd("--input", bad("truncated"), *t_, *a_)),
        ("forward: a missing input", "No such file", "forward", fwd("--input", bad("missing"), *t_, *a_)),
        ("forward: --cache-context T", "--cache-context must be between 0 and T-1", "forward",
         fwd(*x_, *t_, *a_, "--cache-context", "3")),
        ("encode: a Unet3D model", "is a Unet3D model", "encode",
         (dfview, "encode", "--model", unet, "--input", gp("vae_img"), "--output", bad("never"))),
        ("decode: a Unet3D model", "is a Unet3D model", "decode",
         (dfview, "decode", "--model", unet, "--input", gp("vae_zin"), "--output", bad("never"))),
        ("encode: latents as images", "input (images) must be (N, 3, 24, 32)", "encode",
         (dfview, "encode", "--model", model, "--input", gp("vae_zin"), "--output", bad("never"))),
        ("decode: images as latents", "input (latents) must be (N, 4, 6, 8)", "decode",
         (dfview, "decode", "--model", model, "--input", gp("vae_img"), "--output", bad("never"))),
        ("decode: no latents (N = 0)", "not (0, 4, 6, 8)", "decode",
         (dfview, "decode", "--model", model, "--input", bad("z_empty"), "--output", bad("never"))),
        ("decode: int64 latents", "expected float32", "decode",
         (dfview, "decode", "--model", model, "--input", bad("z_int"), "--output", bad("never"))),
        ("encode: a missing model", "No such file", "encode",
         (dfview, "encode", "--model", bad("missing"), "--input", gp("vae_img"), "--output", bad("never"))),
        ("encode: a .npy as the model", bad("truncated"), "encode",
         (dfview, "encode", "--model", bad("truncated"), "--input", gp("vae_img"), "--output", bad("never"))),
        ("encode: a missing input", "No such file", "encode",
         (dfview, "encode", "--model", model, "--input", bad("missing"), "--output", bad("never"))),
        ("encode: an unwritable output", "No such file", "encode",
         (dfview, "encode", "--model", model, "--input", gp("vae_img"), "--output", "/nonexistent/z.npy")),
        ("encode: no --output", "are required", "encode", (dfview, "encode", "--model", model, "--input", gp("vae_img"))),
        ("decode: an unknown option", "unexpected argument '--frames'", "decode",
         (dfview, "decode", "--model", model, "--frames", "3")),
        ("bench: a window past max_frames", "--window must be 1..32", "bench",
         (dfview, "bench", "--model", model, "--window", "33")),
        ("bench: a window list that is not one", "--window takes sizes", "bench",
         (dfview, "bench", "--model", model, "--window", "2,x")),
    ]
    for what, pattern, cmd, args in cases:
        expect_error(what, pattern, cmd, *args)
    check(not os.path.exists(os.path.join(work, "never.npy")) and not os.path.exists(bad("never")),
          "no output written on refusal")


def main():
    dfview, model, golden, unet, work = sys.argv[1:6]
    os.makedirs(work, exist_ok=True)
    test_outputs(dfview, model, golden, work)
    test_info(dfview, model)
    test_bench(dfview, model)
    test_errors(dfview, model, golden, unet, work)
    print(f"{len(failures)} failure(s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

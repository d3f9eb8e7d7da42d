"""dfview's Vulkan network against the PyTorch reference (models/dfv_unet.py) on random-weight models.

Each case is written by models/make_parity.py (every parameter perturbed away from its init; context
frames at timestep 14, new frames at 500 and 999; output std ≈ 0.5); dfview forward runs it and the
largest absolute difference must stay within FP32 (absolute) or, with fp16 storage, FP16 (normalised by
the largest |expected|). Measured on lavapipe over every case below, with the CPU and with the GPU
shader variants (DFVIEW_SHADERS, suite parity-gpu-shaders): fp32 max abs error <= 3.4e-6 (bound 15x
above), fp16 normalised <= 2.4e-3 (bound 2x above: fp16 storage rounds every activation).
"""
import os
import subprocess
import sys
import tempfile

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DFVIEW = os.environ.get("DFVIEW", os.path.join(ROOT, "build", "dfview"))
PY = sys.executable
failures = []
FP32 = ("absolute", 5e-5)
FP16 = ("normalised", 5e-3)


def make_case(out, *args):
    subprocess.run([PY, os.path.join(ROOT, "models", "make_parity.py"), out, *args], check=True,
                   stdout=subprocess.DEVNULL)


def forward(case, out, *extra, actions=False):
    cmd = [DFVIEW, "forward", "--model", f"{case}/model.safetensors", "--input", f"{case}/x.npy",
           "--timesteps", f"{case}/t.npy", "--output", out, *extra]
    if actions:
        cmd += ["--actions", f"{case}/a.npy"]
    return subprocess.run(cmd, capture_output=True, text=True)


def check(name, case, bound, *extra, actions=False, tail=None):
    out = os.path.join(case, name + ".npy")
    r = forward(case, out, *extra, actions=actions)
    if r.returncode != 0:
        failures.append(f"{name}: dfview forward failed: {r.stderr.strip()}")
        print(f"FAIL {name}: {r.stderr.strip()}")
        return
    got, want = np.load(out), np.load(f"{case}/v.npy")
    if tail is not None:
        want = want[-tail:]
    err = float(np.abs(got.astype(np.float64) - want).max()) if got.shape == want.shape else float("inf")
    normalised = err / float(np.abs(want).max())
    kind, tol = bound
    ok = np.isfinite(got).all() and (err if kind == "absolute" else normalised) <= tol
    print(f"{'ok  ' if ok else 'FAIL'} {name}: max abs err {err:.3g}, normalised {normalised:.3g} ({kind} "
          f"tolerance {tol}), output std {want.std():.3f}")
    if not ok:
        failures.append(name)


def bad_inputs(case):
    """A wrong shape or dtype is refused with one line and a non-zero exit, never a crash."""
    x = np.load(f"{case}/x.npy")
    np.save(f"{case}/x_wrong.npy", x[:, :, :, :-1])
    np.save(f"{case}/x_f64.npy", x.astype(np.float64))
    for bad in ("x_wrong.npy", "x_f64.npy"):
        r = subprocess.run([DFVIEW, "forward", "--model", f"{case}/model.safetensors", "--input", f"{case}/{bad}",
                            "--timesteps", f"{case}/t.npy", "--output", f"{case}/o.npy"], capture_output=True, text=True)
        lines = r.stderr.strip().splitlines()
        ok = r.returncode not in (0,) and r.returncode < 128 and len(lines) == 1
        print(f"{'ok  ' if ok else 'FAIL'} refuses {bad}: {r.stderr.strip()}")
        if not ok:
            failures.append("refuse " + bad)


def main():
    with tempfile.TemporaryDirectory() as tmp:
        joint = os.path.join(tmp, "joint")
        make_case(joint, "--preset", "tiny", "--via-official", "--frames", "5",
                  "--timesteps", "14,14,14,500,999")
        check("official-layout joint GroupNorm (converted Lightning checkpoint), fp32", joint, FP32)
        check("official-layout joint GroupNorm, fp16 storage", joint, FP16, "--fp16")
        bad_inputs(joint)

        pf = os.path.join(tmp, "perframe")
        make_case(pf, "--preset", "tiny", "--per-frame-gn", "--actions", "7", "--frames", "6",
                  "--timesteps", "14,14,14,14,500,999")
        check("per-frame GroupNorm + actions, fp32", pf, FP32, actions=True)
        check("per-frame GroupNorm + actions, cached context (4 frames)", pf, FP32, "--cache-context", "4",
              actions=True, tail=2)
        check("per-frame GroupNorm + actions, fp16 storage", pf, FP16, "--fp16", actions=True)

        # The Minecraft recipe's attention shapes (4 heads of 64, window 10) on a small model: dim 16, 16x16;
        # per-frame GroupNorm and actions, so that the cached-context path runs at dim_head 64 too.
        mc = os.path.join(tmp, "minecraft")
        make_case(mc, "--preset", "minecraft", "--dim", "16", "--resolution", "16", "--per-frame-gn",
                  "--actions", "4")
        check("Minecraft-shaped (4 heads of 64, window 10, dim 16, 16x16) + actions, fp32", mc, FP32, actions=True)
        check("Minecraft-shaped, cached context (9 frames)", mc, FP32, "--cache-context", "9", actions=True,
              tail=1)
        check("Minecraft-shaped, fp16 storage", mc, FP16, "--fp16", actions=True)

        if os.environ.get("DFVIEW_PARITY_QUICK") != "1":
            dmlab = os.path.join(tmp, "dmlab")
            make_case(dmlab, "--preset", "dmlab", "--float32")
            check("official DMLab recipe (dim 48, 64x64, window 16, 18.65 M parameters), fp32", dmlab, FP32)
    if failures:
        print(f"{len(failures)} parity check(s) failed")
        sys.exit(1)


if __name__ == "__main__":
    main()

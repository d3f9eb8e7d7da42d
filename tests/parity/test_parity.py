"""dfview's Vulkan network against the PyTorch reference (models/dfv_unet.py) on random-weight models.

Each case is written by models/make_parity.py (every parameter perturbed away from its init; context
frames at timestep 14, new frames at 500 and 999; output std ≈ 0.5); dfview forward runs it and the
largest absolute difference must stay within 1e-3 (fp32) or 2e-2 (fp16 storage), as issue 3 asks.
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


def make_case(out, *args):
    subprocess.run([PY, os.path.join(ROOT, "models", "make_parity.py"), out, *args], check=True,
                   stdout=subprocess.DEVNULL)


def forward(case, out, *extra, actions=False):
    cmd = [DFVIEW, "forward", "--model", f"{case}/model.safetensors", "--input", f"{case}/x.npy",
           "--timesteps", f"{case}/t.npy", "--output", out, *extra]
    if actions:
        cmd += ["--actions", f"{case}/a.npy"]
    return subprocess.run(cmd, capture_output=True, text=True)


def check(name, case, tol, *extra, actions=False, tail=None):
    out = os.path.join(case, name + ".npy")
    r = forward(case, out, *extra, actions=actions)
    if r.returncode != 0:
        failures.append(f"{name}: dfview forward failed: {r.stderr.strip()}")
        print(f"FAIL {name}: {r.stderr.strip()}")
        return
    got, want = np.load(out), np.load(f"{case}/v.npy")
    if tail is not None:
        want = want[-tail:]
    err = float(np.abs(got.astype(np.float64) - want).max())
    ok = got.shape == want.shape and np.isfinite(got).all() and err <= tol
    print(f"{'ok  ' if ok else 'FAIL'} {name}: max abs err {err:.3g} (tolerance {tol}), output std {want.std():.3f}")
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
        check("official-layout joint GroupNorm (converted Lightning checkpoint), fp32", joint, 1e-3)
        check("official-layout joint GroupNorm, fp16 storage", joint, 2e-2, "--fp16")
        bad_inputs(joint)

        pf = os.path.join(tmp, "perframe")
        make_case(pf, "--preset", "tiny", "--per-frame-gn", "--actions", "7", "--frames", "6",
                  "--timesteps", "14,14,14,14,500,999")
        check("per-frame GroupNorm + actions, fp32", pf, 1e-3, actions=True)
        check("per-frame GroupNorm + actions, cached context (4 frames)", pf, 1e-3, "--cache-context", "4",
              actions=True, tail=2)
        check("per-frame GroupNorm + actions, fp16 storage", pf, 2e-2, "--fp16", actions=True)

        if os.environ.get("DFVIEW_PARITY_QUICK") != "1":
            dmlab = os.path.join(tmp, "dmlab")
            make_case(dmlab, "--preset", "dmlab", "--float32")
            check("official DMLab recipe (dim 48, 64x64, window 16, 18.65 M parameters), fp32", dmlab, 1e-3)
    if failures:
        print(f"{len(failures)} parity check(s) failed")
        sys.exit(1)


if __name__ == "__main__":
    main()

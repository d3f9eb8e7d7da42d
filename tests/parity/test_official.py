"""dfview against the OFFICIAL Diffusion Forcing code, through the path a user takes.

The golden data in tests/parity/official/ was made by the official network itself (make_golden.py, README
there): checkpoints in the official Lightning layout with every parameter perturbed (the stored rotary
frequencies included), inputs at mixed noise levels, the official outputs, and an end-to-end rollout of
the reference sampler driving the official network with dfview's noise. Each case here runs
scripts/convert-official on the official checkpoint, then dfview, and compares:
  * dfview forward vs the official output: max abs ≤ 1e-4 in fp32 (fp16 storage: ≤ 3e-2, measured ≈ 1e-2);
  * the converted Python reference network (models/dfv_unet.py) vs the official output: ≤ 1e-5 in fp32;
  * a model file that drops the stored frequencies must miss by far (the data can see that fault);
  * dfview render frames vs the official rollout: within 1 LSB;
  * the converter: both key forms, a bare network state dict, copies of the frequencies that disagree
    (one-line refusal), a checkpoint without frequencies (the default, which dfview info says).
The cached-context path does not apply: official models normalise GroupNorm over the whole window, so a
later frame changes earlier ones and nothing can be cached (dfview runs them uncached).
"""
import json
import os
import subprocess
import sys
import tempfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
GOLDEN = os.path.join(HERE, "official")
DFVIEW = os.environ.get("DFVIEW", os.path.join(ROOT, "build", "dfview"))
PY = sys.executable
sys.path.insert(0, os.path.join(ROOT, "models"))
sys.path.insert(0, os.path.join(ROOT, "tests", "common"))

import torch  # noqa: E402

import model_file  # noqa: E402
import safetensors_io  # noqa: E402
from png_read import read_png  # noqa: E402

# name → what the weights cannot tell (scripts/convert-official flags) and the window the data uses
CASES = {"sigmoid32": ["--heads", "4", "--resolution", "32", "--window", "5"],
         "cosine64": ["--heads", "2", "--resolution", "64", "--window", "16"]}
TOL_FP32, TOL_FP16, TOL_REFERENCE = 1e-4, 3e-2, 1e-5
failures = []


def report(ok, what):
    print(f"{'ok  ' if ok else 'FAIL'} {what}")
    if not ok:
        failures.append(what)


def run(cmd):
    return subprocess.run(cmd, capture_output=True, text=True)


def convert(ckpt, out, flags):
    r = run([os.path.join(ROOT, "scripts", "convert-official"), ckpt, out, *flags])
    if r.returncode != 0:
        report(False, f"convert-official {os.path.basename(ckpt)}: {r.stderr.strip()}")
    return r


def forward(model, name, out, *extra):
    r = run([DFVIEW, "forward", "--model", model, "--input", f"{GOLDEN}/{name}.x.npy", "--timesteps",
             f"{GOLDEN}/{name}.t.npy", "--output", out, *extra])
    if r.returncode != 0:
        report(False, f"dfview forward {name}: {r.stderr.strip()}")
        return None
    return np.load(out)


def max_error(got, want):
    if got is None or got.shape != want.shape or not np.isfinite(got).all():
        return float("inf")
    return float(np.abs(got.astype(np.float64) - want).max())


def reference_output(model_path, name):
    model, _ = model_file.load_model(model_path, torch.float32)
    x, t = np.load(f"{GOLDEN}/{name}.x.npy"), np.load(f"{GOLDEN}/{name}.t.npy")
    with torch.no_grad():
        v = model(torch.from_numpy(x).transpose(0, 1), torch.from_numpy(t).transpose(0, 1))
    return v.transpose(0, 1).numpy()


def without_freqs(src, dst):
    tensors, metadata = safetensors_io.read(src)
    tensors.pop("rotary_time_pos_embedding.freqs")
    safetensors_io.write(dst, {k: np.array(v) for k, v in tensors.items()}, "F32", metadata)


def network_case(tmp, name, flags):
    model = os.path.join(tmp, f"{name}.safetensors")
    if convert(f"{GOLDEN}/{name}.ckpt", model, flags).returncode != 0:
        return
    want = np.load(f"{GOLDEN}/{name}.v.npy")
    err = max_error(forward(model, name, os.path.join(tmp, "v.npy")), want)
    report(err <= TOL_FP32, f"{name}: dfview forward vs official, fp32: max abs {err:.3g} (≤ {TOL_FP32}), "
                            f"output std {want.std():.3f}")
    err = max_error(forward(model, name, os.path.join(tmp, "v16.npy"), "--fp16"), want)
    report(err <= TOL_FP16, f"{name}: dfview forward vs official, fp16 storage: max abs {err:.3g} (≤ {TOL_FP16})")
    err = max_error(reference_output(model, name), want)
    report(err <= TOL_REFERENCE, f"{name}: reference network vs official, fp32: max abs {err:.3g} (≤ {TOL_REFERENCE})")
    dropped = os.path.join(tmp, f"{name}-default-freqs.safetensors")
    without_freqs(model, dropped)
    err = max_error(forward(dropped, name, os.path.join(tmp, "vd.npy")), want)
    report(err > 100 * TOL_FP32, f"{name}: the default frequencies instead of the stored ones miss by {err:.3g}")


def rollout_case(tmp):
    spec = json.load(open(f"{GOLDEN}/rollout.json"))
    flags = CASES[spec["config"]]
    model = os.path.join(tmp, "rollout.safetensors")
    if convert(f"{GOLDEN}/{spec['config']}.ckpt", model, flags + ["--context-frames", str(spec["context"])]).returncode:
        return
    seed = np.load(f"{GOLDEN}/rollout.seed.npy")
    seed_path = os.path.join(tmp, "seed.ppm")
    with open(seed_path, "wb") as f:  # binary PPM: a format FFmpeg decodes, written without a library
        f.write(b"P6 %d %d 255\n" % (seed.shape[1], seed.shape[0]) + seed.tobytes())
    r = run([DFVIEW, "render", "--model", model, "--seed", seed_path, "--frames", str(spec["frames"]),
             "--steps", str(spec["steps"]), "--seed-rng", str(spec["seed"]), "--stabilization",
             str(spec["stabilization"]), "--window", str(spec["window"]), "--quiet",
             "--out", os.path.join(tmp, "frame%02d.png")])
    if r.returncode != 0:
        report(False, f"dfview render: {r.stderr.strip()}")
        return
    want = np.load(f"{GOLDEN}/rollout.frames.npy").astype(np.int32)
    got = np.stack([read_png(os.path.join(tmp, f"frame{i:02d}.png")) for i in range(spec["frames"])]).astype(np.int32)
    worst = int(np.abs(got - want).max())
    differ = float((got != want).mean())
    report(worst <= 1, f"rollout: dfview render vs the reference sampler driving the official network, "
                       f"{spec['frames'] - spec['context']} new frames: max {worst} LSB, {differ:.2%} of values differ")


def checkpoint_variants(tmp):
    """The same network under the other key forms, and freqs that disagree or are absent."""
    ckpt = torch.load(f"{GOLDEN}/sigmoid32.ckpt", map_location="cpu", weights_only=True)
    state = ckpt["state_dict"]
    wrapped = "diffusion_model.model.module."
    reference = os.path.join(tmp, "wrapped.safetensors")
    convert(f"{GOLDEN}/sigmoid32.ckpt", reference, CASES["sigmoid32"])
    want, _ = safetensors_io.read(reference)
    forms = {"bare network prefix (diffusion_model.model.)":
             {k.replace(wrapped, "diffusion_model.model."): v for k, v in state.items()},
             "network state dict alone": {k[len(wrapped):]: v for k, v in state.items() if k.startswith(wrapped)}}
    for label, form in forms.items():
        path, out = os.path.join(tmp, "form.ckpt"), os.path.join(tmp, "form.safetensors")
        torch.save(dict(ckpt, state_dict=form), path)
        schedule = ["--schedule", "sigmoid"] if "alone" in label else []  # no schedule buffers there
        if convert(path, out, CASES["sigmoid32"] + schedule).returncode:
            continue
        got, _ = safetensors_io.read(out)
        same = got.keys() == want.keys() and all(np.array_equal(got[k], want[k]) for k in want)
        report(same, f"converter accepts the {label}: {len(got)} tensors, identical to the official form's")

    odd = dict(state)
    key = next(k for k in odd if k.endswith("rotary_emb.freqs"))
    odd[key] = odd[key] * 1.01
    path = os.path.join(tmp, "odd.ckpt")
    torch.save(dict(ckpt, state_dict=odd), path)
    r = run([os.path.join(ROOT, "scripts", "convert-official"), path, os.path.join(tmp, "odd.safetensors"),
             *CASES["sigmoid32"]])
    lines = r.stderr.strip().splitlines()
    report(r.returncode == 1 and len(lines) == 1 and "disagree" in lines[0] and
           not os.path.exists(os.path.join(tmp, "odd.safetensors")),
           f"converter refuses copies of the frequencies that disagree: {r.stderr.strip()}")

    plain = {k: v for k, v in state.items() if not k.endswith(".freqs")}
    path, out = os.path.join(tmp, "plain.ckpt"), os.path.join(tmp, "plain.safetensors")
    torch.save(dict(ckpt, state_dict=plain), path)
    if convert(path, out, CASES["sigmoid32"]).returncode == 0:
        tensors, _ = safetensors_io.read(out)
        info = run([DFVIEW, "info", out]).stdout
        report("rotary_time_pos_embedding.freqs" not in tensors and "default frequencies" in info,
               "a checkpoint without stored frequencies converts to the default ones (dfview info: "
               f"{next((ln.strip() for ln in info.splitlines() if ln.startswith('rotary')), 'no rotary line')})")


def main():
    with tempfile.TemporaryDirectory() as tmp:
        for name, flags in CASES.items():
            network_case(tmp, name, flags)
        rollout_case(tmp)
        checkpoint_variants(tmp)
    print(f"{len(failures)} failure(s)" if failures else "all official-golden checks passed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

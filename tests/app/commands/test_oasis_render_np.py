"""`dfview render` on the tiny Oasis model against generate.py's loop in numpy (models/oasis/oasis_np.py, float64,
on the official-layout golden checkpoints): the same seed frame (dfview's own frame 0, read back), the same
actions (load_actions' leading zero row, then the script's), the same noise (models/philox.py: dfview's draws
for each frame index), the DDIM steps over the sliding window, and the video bytes as generate.py writes
them. The frames agree to within one level where float32 and float64 round differently.

usage: test_oasis_render_np.py DFVIEW MODEL SEED_IMAGE WORK_DIR"""
import json
import os
import shutil
import subprocess
import sys

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
GOLDEN = os.path.join(ROOT, "tests", "golden", "oasis")
for path in (os.path.join(ROOT, "models"), os.path.join(ROOT, "models", "oasis"), os.path.join(ROOT, "tests", "common")):
    sys.path.insert(0, path)

import oasis_np  # noqa: E402
import philox  # noqa: E402
import safetensors_io  # noqa: E402
from png_read import read_png  # noqa: E402

FRAMES, STEPS, WINDOW, RNG = 6, 3, 3, 5
SCRIPT = ["forward", "forward+cameraX=0.5", "left+jump+cameraY=-0.25", "back+attack", "none"]
KEYS = ["inventory", "ESC"] + [f"hotbar.{i}" for i in range(1, 10)] + [
    "forward", "back", "left", "right", "cameraX", "cameraY", "jump", "sneak", "sprint", "swapHands", "attack",
    "use", "pickItem", "drop"]


def action_rows():
    rows = np.zeros((1, FRAMES, len(KEYS)))
    for i, line in enumerate(SCRIPT, start=1):
        for item in line.split("+"):
            if item == "none":
                continue
            name, _, value = item.partition("=")
            rows[0, i, KEYS.index(name)] = float(value) if value else 1.0
    return rows


def render(dfview, model, seed, work):
    frames = os.path.join(work, "frames")
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(frames)
    script = os.path.join(work, "walk.actions")
    with open(script, "w") as f:
        f.write("\n".join(SCRIPT) + "\n")
    subprocess.run([dfview, "render", "--model", model, "--seed", seed, "--steps", str(STEPS), "--window",
                    str(WINDOW), "--seed-rng", str(RNG), "--frames", str(FRAMES), "--actions", script, "--quiet",
                    "--out", os.path.join(frames, "%05d.png")], check=True)
    return [read_png(os.path.join(frames, f"{i:05d}.png")) for i in range(FRAMES)]


def reference(seed_frame):
    with open(os.path.join(GOLDEN, "case.json")) as f:
        case = json.load(f)
    dit, _ = safetensors_io.read(os.path.join(GOLDEN, "dit.safetensors"))
    vae, _ = safetensors_io.read(os.path.join(GOLDEN, "vae.safetensors"))
    dit_cfg, vae_cfg = case["dit"]["config"], case["vae"]["config"]
    c, h, w = dit_cfg["in_channels"], dit_cfg["input_h"], dit_cfg["input_w"]
    noise = np.stack([philox.normals(RNG, philox.NOISE_INITIAL, i, 0, c * h * w).reshape(1, c, h, w)
                      for i in range(1, FRAMES)]).astype(np.float64)
    prompt = (seed_frame.astype(np.float32) / np.float32(255)).transpose(2, 0, 1)[None, None]
    _, decoded = oasis_np.sample(dit, dit_cfg, vae, vae_cfg, case["vae"]["scaling_factor"], prompt, action_rows(),
                                 noise, STEPS, WINDOW)
    pixels = np.clip((decoded + 1) / 2, 0, 1) * 255
    return np.floor(pixels).astype(np.uint8).transpose(0, 2, 3, 1)


def main(dfview, model, seed, work):
    got = render(dfview, model, seed, work)
    want = reference(got[0])
    worst = 0
    for i in range(1, FRAMES):
        diff = np.abs(got[i].astype(int) - want[i].astype(int))
        worst = max(worst, int(diff.max()))
        print(f"frame {i}: max |dfview - numpy| {diff.max()}, {np.count_nonzero(diff)} of {diff.size} values differ")
    changes = [int(np.abs(got[i].astype(int) - got[i - 1].astype(int)).max()) for i in range(2, FRAMES)]
    if worst > 1 or min(changes) == 0:
        sys.exit(f"FAIL: dfview's frames differ from generate.py's loop by up to {worst} (or repeat: {changes})")
    print("ok")


if __name__ == "__main__":
    if len(sys.argv) != 5:
        sys.exit(__doc__)
    main(*sys.argv[1:])

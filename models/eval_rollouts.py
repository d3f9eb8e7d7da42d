"""Rollouts for `dfview eval --rollouts`, made by the reference network in PyTorch with every episode in
one batch, so that the evaluation protocol of the bundled models (16 world seeds x 300 frames) takes
minutes on a CUDA GPU instead of hours one frame at a time. dfview eval still does all the scoring.

    python3 models/eval_rollouts.py --model models/maze.safetensors --out rollouts.npy
    dfview eval --rollouts rollouts.npy --context 2 --out DIR      (the script prints this line)

The rollout is the app's: autoregressive, one new frame at a time, deterministic DDIM over the model's
sampling steps, the last window-1 frames as clean context at the stabilization level, and every finished
frame rounded to 8-bit RGB before it becomes context (the app passes frames between steps as RGB24).
The ground truth (context frames and the agent's actions) comes from dfview-dataset with the seeds that
dfview eval uses, so the context frames in the file are the world's own. The noise differs from the
app's (torch's generator, not Philox), so the frames are a sample of the same distribution, not the
same pixels.
"""
import argparse
import os
import subprocess
import sys
import tempfile
import time

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import model_file  # noqa: E402
from data import DatasetError, load_dataset  # noqa: E402
from data_stream import find_dataset_tool  # noqa: E402
from train import autoregressive_rollout  # noqa: E402


def parse_args(argv):
    p = argparse.ArgumentParser(prog="models/eval_rollouts.py", description=__doc__.split("\n\n")[0])
    p.add_argument("--model", required=True, help="a dfview .safetensors model")
    p.add_argument("--out", required=True, help="the .npy to write: uint8 (episodes, context + frames, R, R, 3)")
    p.add_argument("--world", choices=["maze", "voxel"], default="maze")
    p.add_argument("--episodes", type=int, default=16)
    p.add_argument("--frames", type=int, default=300, help="generated frames per episode")
    p.add_argument("--first-seed", type=int, default=0)
    p.add_argument("--steps", type=int, default=0, help="sampling steps (0: the model's default)")
    p.add_argument("--device", default="auto", help="auto, cpu, cuda or cuda:N")
    p.add_argument("--seed", type=int, default=0, help="noise seed")
    p.add_argument("--dataset-tool", help="the dfview-dataset executable (default: build/worlds/, PATH)")
    return p.parse_args(argv)


def world_truth(args, context, size):
    """Context frames and actions of world seeds first_seed.. as dfview eval makes them."""
    tool = find_dataset_tool(args.dataset_tool)
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [tool, "--world", args.world, "--episodes", str(args.episodes), "--frames",
               str(context + args.frames), "--size", str(size), "--seed", str(args.first_seed), "--out", tmp,
               "--quiet"]
        done = subprocess.run(cmd, capture_output=True, text=True)
        if done.returncode != 0:
            last = (done.stderr.strip().splitlines() or ["no message"])[-1]
            raise DatasetError(f"{os.path.basename(tool)} failed to make the ground truth: {last}")
        truth = load_dataset(tmp)
        return np.array(truth.frames), np.array(truth.actions), truth.action_names


def model_actions(config, world_actions, world_names):
    """The world's action columns in the model's order, matched by name (as dfview eval does)."""
    names = config["actions"]["names"]
    if not names:
        return None
    lower = [n.lower() for n in world_names]
    missing = [n for n in names if n.lower() not in lower]
    if missing:
        raise DatasetError(f"the model's actions {missing} are not actions of this world ({', '.join(world_names)})")
    return world_actions[..., [lower.index(n.lower()) for n in names]]


def to_model(rgb, mean, std):
    """uint8 (..., R, R, 3) -> float (..., 3, R, R), as the app's rgb_to_model."""
    x = torch.as_tensor(rgb).float() / 255.0
    return ((x - mean) / std).movedim(-1, -3)


def to_rgb(x, mean, std):
    """float (..., 3, R, R) -> uint8 (..., R, R, 3), as the app's model_to_rgb (both round halves to even)."""
    v = ((x.float() * std + mean) * 255.0).clamp(0, 255).round()
    return v.to(torch.uint8).movedim(-3, -1)


@torch.no_grad()
def generate(model, config, context_rgb, actions, frames, steps, noise_fn, quantize=True):
    """Frames (B, context + frames, 3, R, R) in model units. context_rgb uint8 (B, C, R, R, 3); actions
    (B, C + frames, A) or None; noise_fn(shape) -> standard normals for each new frame."""
    diffusion, data = config["diffusion"], config["data"]
    mean, std = data["mean"], data["std"]
    device = next(model.parameters()).device
    alphas = torch.tensor(diffusion["alphas_cumprod"], dtype=torch.float32, device=device)

    def as_8bit(x):
        return to_model(to_rgb(x, mean, std), mean, std).to(device)

    return autoregressive_rollout(model, alphas, to_model(context_rgb, mean, std).to(device), actions, frames,
                                  steps, diffusion["stabilization_level"], diffusion["window"], noise_fn,
                                  as_8bit if quantize else None)


def main(argv=None):
    args = parse_args(argv)
    try:
        model, config = model_file.load_model(args.model)
    except (OSError, ValueError, KeyError, RuntimeError) as e:
        print(f"eval_rollouts: {args.model}: cannot load as a dfview model: {e}", file=sys.stderr)
        return 1
    device = torch.device(("cuda" if torch.cuda.is_available() else "cpu") if args.device == "auto" else args.device)
    if device.type == "cuda":
        torch.backends.cuda.matmul.allow_tf32 = True
        torch.backends.cudnn.allow_tf32 = True
    model = model.to(device).eval()
    diffusion = config["diffusion"]
    context, size = diffusion["context_frames"], config["architecture"]["resolution"]
    steps = args.steps or diffusion["sampling_steps"]
    try:
        truth, world_actions, world_names = world_truth(args, context, size)
        actions = model_actions(config, world_actions, world_names)
    except DatasetError as e:
        print(f"eval_rollouts: {e}", file=sys.stderr)
        return 1
    generator = torch.Generator().manual_seed(args.seed)
    begin = time.monotonic()
    made = generate(model, config, truth[:, :context], None if actions is None else torch.from_numpy(actions),
                    args.frames, steps, lambda shape: torch.randn(shape, generator=generator))
    rgb = to_rgb(made, config["data"]["mean"], config["data"]["std"]).cpu().numpy()
    rgb[:, :context] = truth[:, :context]
    seconds = time.monotonic() - begin
    try:
        np.save(args.out, rgb)
    except OSError as e:
        print(f"eval_rollouts: {args.out}: cannot write: {e}", file=sys.stderr)
        return 1
    print(f"eval_rollouts: {args.episodes} x {args.frames} frames at {steps} steps in {seconds:.0f} s on "
          f"{device} -> {args.out}")
    print(f"score with: dfview eval --rollouts {args.out} --context {context} --world {args.world} "
          f"--first-seed {args.first_seed} --out DIR")
    return 0


if __name__ == "__main__":
    sys.exit(main())

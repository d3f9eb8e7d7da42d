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
import schedule  # noqa: E402
from data import DatasetError, load_dataset  # noqa: E402
from data_stream import find_dataset_tool  # noqa: E402
from train import CLIP_NOISE, autoregressive_rollout  # noqa: E402


def parse_args(argv):
    p = argparse.ArgumentParser(prog="models/eval_rollouts.py", description=__doc__.split("\n\n")[0])
    p.add_argument("--model", required=True, help="a dfview .safetensors model")
    p.add_argument("--out", required=True, help="the .npy to write: uint8 (episodes, context + frames, R, R, 3)")
    p.add_argument("--world", choices=["maze", "voxel"], default="maze")
    p.add_argument("--episodes", type=int, default=16)
    p.add_argument("--frames", type=int, default=300, help="generated frames per episode")
    p.add_argument("--first-seed", type=int, default=0)
    p.add_argument("--steps", type=int, default=0, help="sampling steps (0: the model's default)")
    p.add_argument("--stabilization", default="0",
                   help="noise level of the clean context frames, 1..timesteps (0: the model's default); a "
                        "list such as 15,100,300 runs every level in one batch with the same noise and writes "
                        "OUT-L15.npy, OUT-L100.npy, ...")
    p.add_argument("--window", type=int, default=0, help="frames the network sees at most (0: the model's)")
    p.add_argument("--eta", type=float, help="DDIM eta (default: the model's, 0 for the bundled ones)")
    p.add_argument("--no-cache", action="store_true",
                   help="run the whole window every step even where the model allows a cached context")
    p.add_argument("--context-noise", choices=["on", "off"],
                   help="noise the context frames at the stabilization level instead of only scaling them, as "
                        "the app's --context-noise (torch's noise, not Philox; default: the model's)")
    p.add_argument("--clip-x0", type=float, default=0.0,
                   help="clamp the x0 prediction to +-this in every step (0: off, as the app)")
    p.add_argument("--threads", type=int, default=0, help="torch CPU threads (0: torch's default)")
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
def generate(model, config, context_rgb, actions, frames, steps, noise_fn, quantize=True, *, stabilization=0,
             window=0, eta=None, cached=False, context_noise=None, clip_x0=0.0):
    """Frames (B, context + frames, 3, R, R) in model units. context_rgb uint8 (B, C, R, R, 3); actions
    (B, C + frames, A) or None; noise_fn(shape) -> standard normals for each new frame. stabilization,
    window (0), eta and context_noise (None) default to the model's; cached, eta, context_noise or clip_x0
    take the sampled_rollout path, otherwise models/train.py's autoregressive_rollout (deterministic DDIM)."""
    diffusion, data = config["diffusion"], config["data"]
    mean, std = data["mean"], data["std"]
    device = next(model.parameters()).device
    alphas = torch.tensor(diffusion["alphas_cumprod"], dtype=torch.float32, device=device)

    def as_8bit(x):
        return to_model(to_rgb(x, mean, std), mean, std).to(device)

    if isinstance(stabilization, int) and stabilization == 0:
        stabilization = diffusion["stabilization_level"]
    window = window or diffusion["window"]
    eta = diffusion.get("eta", 0.0) if eta is None else eta
    context_noise = diffusion.get("context_noise", False) if context_noise is None else context_noise
    context = to_model(context_rgb, mean, std).to(device)
    finish = as_8bit if quantize else None
    if cached or eta > 0 or context_noise or clip_x0 > 0:
        return sampled_rollout(model, alphas, context, actions, frames, steps, stabilization, window, noise_fn,
                               finish, eta=eta, cached=cached, context_noise=context_noise, clip_x0=clip_x0)
    return autoregressive_rollout(model, alphas, context, actions, frames, steps, stabilization, window, noise_fn,
                                  finish)


@torch.no_grad()
def sampled_rollout(model, alphas_cumprod, context, actions, new_frames, steps, stabilization, window, noise_fn,
                    finish_frame=None, eta=0.0, cached=True, context_noise=False, clip_x0=0.0):
    """The app's autoregressive rollout (chunk 1; models/train.py autoregressive_rollout at eta 0) with
    the context frames' network outputs cached where the model allows it, and levers for long rollouts:
      eta            DDIM eta: sigma·clamp(noise_fn) added on every step but the last, as the C sampler
      context_noise  the context frames enter as sqrt(a)·x + sqrt(1-a)·clamp(noise) at the stabilization
                     level (a fresh draw per new frame) instead of the noiseless sqrt(a)·x
      clip_x0        > 0: the x0 prediction is clamped to ±clip_x0 in every step
    context (B, K, C, H, W), actions (B, K + new_frames, A) or None -> (B, K + new_frames, C, H, W)."""
    levels = schedule.sampling_timesteps(steps, len(alphas_cumprod))
    # The app's path where the model allows it: the context frames through the network once per new frame
    # (their keys and values kept by the model), then each sampling step on the new frame only.
    cached = cached and model.can_cache_context()
    # One stabilization level for the batch, or one per episode (a sweep over levels in one batch).
    ctx_t = torch.as_tensor(stabilization, device=context.device).long().reshape(-1) - 1
    ctx_t = ctx_t.expand(context.shape[0]).clone()
    a_ctx = alphas_cumprod[ctx_t].reshape(-1, 1, 1, 1, 1)
    history = context
    try:
        for _ in range(new_frames):
            first = max(0, history.shape[1] - (window - 1))
            ctx = history[:, first:]
            b, n_ctx = ctx.shape[:2]
            x = noise_fn(history[:, 0].shape).to(history.device).clamp(-CLIP_NOISE, CLIP_NOISE)
            act = None if actions is None else actions[:, first:history.shape[1] + 1].to(history.device)
            ctx_in = ctx.to(x.dtype) * a_ctx.sqrt()
            if context_noise:
                eps = noise_fn(ctx.shape).to(ctx.device).clamp(-CLIP_NOISE, CLIP_NOISE)
                ctx_in = ctx_in + (1.0 - a_ctx).sqrt() * eps
            t_steps = ctx_t[:, None].repeat(1, n_ctx + 1)
            if cached:
                emb_all = model.embedding(t_steps, act)  # the context rows do not depend on the new level
                model.cache_context(ctx_in, emb_all[:, :n_ctx])
            for k in range(steps, 0, -1):
                t_from, t_to = int(levels[k]), int(levels[k - 1])
                t_steps[:, -1] = t_from
                if cached:
                    emb = model.embedding(t_steps, act)[:, n_ctx:]
                    v = model.forward_new(x[:, None], emb)[:, 0].float()
                else:
                    v = model(torch.cat((ctx_in, x[:, None]), dim=1), t_steps, act)[:, -1].float()
                a = alphas_cumprod[t_from]
                x0 = a.sqrt() * x - (1.0 - a).sqrt() * v
                if clip_x0 > 0:
                    x0 = x0.clamp(-clip_x0, clip_x0)
                e = (x / a.sqrt() - x0) / (1.0 / a - 1.0).sqrt()
                a_next = alphas_cumprod[t_to] if t_to >= 0 else torch.ones_like(a)
                sigma = 0.0
                if t_to >= 0 and eta > 0:
                    sigma = eta * ((1 - a / a_next) * (1 - a_next) / (1 - a)).clamp(min=0).sqrt()
                x = x0 * a_next.sqrt() + (1.0 - a_next - sigma ** 2).clamp(min=0).sqrt() * e
                if t_to >= 0 and eta > 0:
                    x = x + sigma * noise_fn(x.shape).to(x.device).clamp(-CLIP_NOISE, CLIP_NOISE)
            if finish_frame is not None:
                x = finish_frame(x)
            history = torch.cat((history, x[:, None]), dim=1)
    finally:
        if cached:
            model.clear_context_cache()
    return history


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
    if args.threads > 0:
        torch.set_num_threads(args.threads)
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
    try:
        levels = [int(v) for v in args.stabilization.split(",")]
    except ValueError:
        print(f"eval_rollouts: --stabilization {args.stabilization}: not a level or a list of levels", file=sys.stderr)
        return 2
    levels = [v or diffusion["stabilization_level"] for v in levels]
    if any(not 1 <= v <= diffusion["timesteps"] for v in levels):
        print(f"eval_rollouts: stabilization levels must be 1..{diffusion['timesteps']}", file=sys.stderr)
        return 2
    k = len(levels)
    generator = torch.Generator().manual_seed(args.seed)

    def noise(shape):  # the same draws for every level: a paired comparison
        one = torch.randn((shape[0] // k, *shape[1:]), generator=generator)
        return one.repeat(k, *([1] * (len(shape) - 1)))
    begin = time.monotonic()
    acts = None if actions is None else torch.from_numpy(actions).repeat(k, 1, 1)
    per_row = torch.tensor(levels).repeat_interleave(args.episodes)
    context_noise = None if args.context_noise is None else args.context_noise == "on"
    made = generate(model, config, np.tile(truth[:, :context], (k, 1, 1, 1, 1)), acts, args.frames, steps, noise,
                    stabilization=per_row if k > 1 else levels[0], window=args.window, eta=args.eta,
                    cached=not args.no_cache, context_noise=context_noise, clip_x0=args.clip_x0)
    rgb = to_rgb(made, config["data"]["mean"], config["data"]["std"]).cpu().numpy()
    seconds = time.monotonic() - begin
    stem = args.out[:-4] if args.out.endswith(".npy") else args.out
    outs = [args.out] if k == 1 else [f"{stem}-L{v}.npy" for v in levels]
    for i, out in enumerate(outs):
        part = rgb[i * args.episodes:(i + 1) * args.episodes]
        part[:, :context] = truth[:, :context]
        try:
            np.save(out, part)
        except OSError as e:
            print(f"eval_rollouts: {out}: cannot write: {e}", file=sys.stderr)
            return 1
    print(f"eval_rollouts: {args.episodes} x {args.frames} frames at {steps} steps, stabilization "
          f"{','.join(map(str, levels))}, in {seconds:.0f} s on {device} -> {', '.join(outs)}")
    print(f"score with: dfview eval --rollouts {outs[0]} --context {context} --world {args.world} "
          f"--first-seed {args.first_seed} --out DIR")
    return 0


if __name__ == "__main__":
    sys.exit(main())

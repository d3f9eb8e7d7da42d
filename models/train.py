"""Diffusion Forcing trainer for dfview's own action-conditioned video models (spec §5).

    /usr/bin/python3 models/train.py --data DIR --out OUTDIR [--preset maze] [--minutes M] [...]
    /usr/bin/python3 models/train.py --stream maze --out OUTDIR ...   (worlds streamed from dfview-dataset)
    PROCESSES=N scripts/train ...                                     (N processes under torchrun, DDP)

Every frame of a training window gets its own uniformly random noise level (0..999); the network
predicts v; the per-frame MSE is weighted with the fused-SNR weights of the official code; AdamW with a
linear warm-up (then cosine decay over the step or time budget); EMA weights are what gets exported.
The same code runs on a CPU (fp32, for tests) and on CUDA (whole dataset on the GPU as uint8, bf16
autocast, optional channels-last / 2D frame convolutions / torch.compile, picked by a short measurement).

Outputs in --out: NAME.safetensors (fp16 dfview model of the EMA weights, full metadata), the resumable
checkpoint NAME-ckpt-NN.pt (model, EMA, optimizer, step counters and random streams, so that an interrupted
run resumes exactly; plain dicts of tensors, split into parts of at most --checkpoint-part-mb), train.log
(one JSON line per progress report) and, when asked, rollout PNG strips.
A run stops cleanly at --steps, at the --minutes budget or on SIGTERM/SIGINT, and always exports.
"""
import argparse
import glob
import json
import math
import os
import platform
import signal
import struct
import sys
import time
import types
import zlib

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import model_file  # noqa: E402
import schedule  # noqa: E402
from data import DatasetError, WindowSampler, load_dataset  # noqa: E402
from data_stream import StreamingDataset  # noqa: E402
from distributed import Distributed  # noqa: E402
from progress import ProgressLine  # noqa: E402
from dfv_unet import (Unet3D, complete_arch, count_parameters, gflop_per_frame,  # noqa: E402
                      set_fast_training_paths, set_fused_attention_chunk)

# The sampling defaults an export carries (models/maze.md, "Sampling settings": measured on the maze model).
DEFAULT_SAMPLING_STEPS = 5
DEFAULT_STABILIZATION = 15

PRESETS = {
    # Bundled maze model: 16/32/64/128 channels at 64/32/16/8 px; 1.48 GFLOP per frame (window 8),
    # 2.43 M parameters; sized so lavapipe (~10 GFLOP/s) can still run it with the cached context.
    "maze": {"dim": 16, "dim_mults": [1, 2, 4, 8], "heads": 4, "dim_head": 32},
    # For tests and CPU experiments.
    "tiny": {"dim": 8, "dim_mults": [1, 2], "heads": 2, "dim_head": 8},
}

DEFAULT_BINDINGS = {
    "forward": ["W", "Up"], "backward": ["S", "Down"], "turn_left": ["Left", "Q"],
    "turn_right": ["Right", "E"], "strafe_left": ["A"], "strafe_right": ["D"], "jump": ["Space"],
    "look_up": ["R"], "look_down": ["F"], "up": ["W", "Up"], "down": ["S", "Down"],
    "left": ["A", "Left"], "right": ["D", "Right"],
}

SNR_CLIP = 5.0
CUM_SNR_DECAY = 0.96
CLIP_NOISE = 6.0
TIMESTEPS = 1000
# torchrun processes stream disjoint worlds: process r starts at --stream-seed + r * this.
STREAM_SEEDS_PER_PROCESS = 1 << 32


class TrainError(Exception):
    """A training run that cannot go on; the message is one line saying what failed and where."""


# --- loss -----------------------------------------------------------------------------------------

def fused_snr_weights(alphas_cumprod, t):
    """Per-frame loss weights for v-prediction (the official "fused SNR" reweighting).

    alphas_cumprod (1000,), t (B, T) long -> (B, T). Frames are in time order along dim 1. The running
    sum starts at the first frame's normalised clipped SNR and is shifted by one frame, as in the
    official code (the spec's cum[1] = 0.04·n[0] differs: the code gives n[0])."""
    a = alphas_cumprod[t].double()
    snr = a / (1.0 - a)
    clipped = snr.clamp(max=SNR_CLIP) / SNR_CLIP
    raw = snr / SNR_CLIP
    running = [clipped[:, 0]]
    for frame in range(1, t.shape[1]):
        running.append(CUM_SNR_DECAY * running[-1] + (1.0 - CUM_SNR_DECAY) * clipped[:, frame])
    cum = torch.stack([torch.zeros_like(running[0])] + running[:-1], dim=1)
    fused_clipped = 1.0 - (1.0 - CUM_SNR_DECAY * cum) * (1.0 - clipped)
    fused = 1.0 - (1.0 - CUM_SNR_DECAY * cum) * (1.0 - raw)
    return (fused_clipped * SNR_CLIP / (fused * SNR_CLIP + 1.0)).float()


def training_levels(b, t, timesteps, device, rollout_share=0.0, rollout_max_level=0, generator=None):
    """Noise levels (B, T): Diffusion Forcing's independent uniform level per frame, except that a share of
    the windows (rollout_share) look like an autoregressive rollout step instead: every frame but the last
    at one level drawn from [0, rollout_max_level), the last uniform. Uniform levels spend most of the
    batch on windows whose context is mostly noise, which a rollout never shows the model."""
    steps = torch.randint(0, timesteps, (b, t), device=device, generator=generator)
    if rollout_share <= 0.0 or t < 2:
        return steps
    chosen = torch.rand(b, device=device, generator=generator) < rollout_share
    context = torch.randint(0, rollout_max_level, (b, 1), device=device, generator=generator)
    steps[:, :-1] = torch.where(chosen[:, None], context.expand(b, t - 1), steps[:, :-1])
    return steps


def diffusion_inputs(x0, alphas_cumprod, generator=None, rollout_share=0.0, rollout_max_level=0):
    """Noisy frames, timesteps and v targets for a batch of clean windows x0 (B, T, C, H, W)."""
    b, t = x0.shape[:2]
    steps = training_levels(b, t, len(alphas_cumprod), x0.device, rollout_share, rollout_max_level, generator)
    noise = torch.randn(x0.shape, device=x0.device, generator=generator).clamp_(-CLIP_NOISE, CLIP_NOISE)
    a = alphas_cumprod[steps].view(b, t, 1, 1, 1)
    signal_scale, noise_scale = a.sqrt(), (1.0 - a).sqrt()
    noisy = signal_scale * x0 + noise_scale * noise
    target = signal_scale * noise - noise_scale * x0
    return noisy, steps, target


def diffusion_loss(model, x0, actions, alphas_cumprod, autocast, generator=None, rollout_share=0.0,
                   rollout_max_level=0):
    noisy, steps, target = diffusion_inputs(x0, alphas_cumprod, generator, rollout_share, rollout_max_level)
    with autocast():
        v = model(noisy, steps, actions)
    per_frame = (v.float() - target).pow(2).mean(dim=(2, 3, 4))
    return (per_frame * fused_snr_weights(alphas_cumprod, steps)).mean()


# --- EMA, learning rate ---------------------------------------------------------------------------

def update_ema(ema_params, params, decay):
    with torch.no_grad():
        torch._foreach_mul_(ema_params, decay)
        torch._foreach_add_(ema_params, params, alpha=1.0 - decay)


def ema_decay_at(step, target):
    """Short runs must not drag the random init along: the decay ramps up as (1+s)/(10+s)."""
    return min(target, (1.0 + step) / (10.0 + step))


def learning_rate(args, step, progress):
    """Linear warm-up over --warmup steps, then cosine decay to --min-lr-ratio over the budget.
    progress is the fraction of the budget (steps or minutes, whichever is nearer its end) used."""
    warm = min(1.0, (step + 1) / max(1, args.warmup))
    if args.lr_decay == "none":
        return args.lr * warm
    cosine = 0.5 * (1.0 + math.cos(math.pi * min(1.0, max(0.0, progress))))
    return args.lr * warm * (args.min_lr_ratio + (1.0 - args.min_lr_ratio) * cosine)


# --- speed options --------------------------------------------------------------------------------

def _conv3d_per_frame_as_2d(self, x):
    """A Conv3d with kernel (1, k, k) is a 2D convolution of each frame: cuDNN's 2D kernels are faster."""
    b, c, t, h, w = x.shape
    frames = x.transpose(1, 2).reshape(b * t, c, h, w)
    out = F.conv2d(frames, self.weight.squeeze(2), self.bias, self.stride[1:], self.padding[1:])
    return out.reshape(b, t, *out.shape[1:]).transpose(1, 2)


def use_2d_frame_convs(model, enable):
    """Routes every (1, k, k) Conv3d through conv2d (same parameters, same state_dict) or back."""
    for module in model.modules():
        if isinstance(module, torch.nn.Conv3d) and module.kernel_size[0] == 1 and module.stride[0] == 1:
            if enable:
                module.forward = types.MethodType(_conv3d_per_frame_as_2d, module)
            elif "forward" in module.__dict__:
                del module.forward


def set_channels_last(model, enable):
    fmt = torch.channels_last_3d if enable else torch.contiguous_format
    for module in model.modules():
        if isinstance(module, torch.nn.Conv3d):
            module.weight.data = module.weight.data.contiguous(memory_format=fmt)


# --- checkpoints ----------------------------------------------------------------------------------

def _text_tensor(text):
    return torch.tensor(list(text.encode("utf-8")), dtype=torch.uint8)


def _tensor_text(tensor):
    return bytes(tensor.tolist()).decode("utf-8")


def checkpoint_tensors(state):
    """The whole training state as one flat {name: tensor} dict (no pickled objects)."""
    flat = {}
    for name, value in state.model.state_dict().items():
        flat["model." + name] = value.detach().cpu().clone()
    for name, value in state.ema.state_dict().items():
        flat["ema." + name] = value.detach().cpu().clone()
    for index, param in enumerate(state.model.parameters()):
        slots = state.optimizer.state.get(param, {})
        for key, value in slots.items():
            flat[f"optimizer.{index}.{key}"] = torch.as_tensor(value).detach().cpu().clone()
    flat["meta.step"] = torch.tensor(state.step, dtype=torch.int64)
    flat["meta.frames_seen"] = torch.tensor(state.frames_seen, dtype=torch.int64)
    flat["meta.wall_seconds"] = torch.tensor(state.wall_seconds(), dtype=torch.float64)
    flat["meta.cpu_seconds"] = torch.tensor(state.cpu_seconds(), dtype=torch.float64)
    flat["meta.warmup_origin"] = torch.tensor(state.warmup_origin, dtype=torch.int64)
    # The random streams too, so that a resumed run draws the batches an unbroken one would have.
    flat["meta.rng_cpu"] = torch.get_rng_state()
    if state.alphas_cumprod.is_cuda:
        flat["meta.rng_cuda"] = torch.cuda.get_rng_state(state.alphas_cumprod.device)
    flat["meta.config"] = _text_tensor(json.dumps(state.config))
    return flat


def save_checkpoint(flat, out_dir, name, part_bytes):
    """Writes NAME-ckpt-NN.pt parts (each a plain dict of tensors) atomically, then drops stale parts."""
    os.makedirs(out_dir, exist_ok=True)
    parts, current, size = [], {}, 0
    for key, value in flat.items():
        nbytes = value.numel() * value.element_size()
        if current and size + nbytes > part_bytes:
            parts.append(current)
            current, size = {}, 0
        current[key] = value
        size += nbytes
    parts.append(current)
    parts[0]["meta.parts"] = torch.tensor(len(parts), dtype=torch.int64)
    written = []
    for index, part in enumerate(parts):
        path = os.path.join(out_dir, f"{name}-ckpt-{index:02d}.pt")
        torch.save(part, path + ".tmp")
        written.append(path)
    for path in written:
        os.replace(path + ".tmp", path)
    for stale in glob.glob(os.path.join(out_dir, f"{name}-ckpt-*.pt")):
        if stale not in written:
            os.remove(stale)
    return written[0]


def weights_only_state(flat):
    """What the repository keeps of a checkpoint: the model's raw weights in fp16, step counters, random
    streams and config, enough to continue training (a fresh optimizer, a new warm-up, the EMA restarted
    from the weights). Neither the optimizer's moments nor the EMA copy: each committed state stays in git
    history for good, and the two together weigh three times the weights. fp16 halves what is left; its
    rounding (5e-4 relative, once) is far below one AdamW step at the learning rates used, and the resumed
    run loads the values into its fp32 parameters."""
    kept = {}
    for key, value in flat.items():
        if key.startswith(("optimizer.", "ema.")):
            continue
        is_weight = key.startswith("model.") and value.is_floating_point()
        kept[key] = value.to(torch.float16) if is_weight else value
    return kept


def load_checkpoint(path):
    """Reads a checkpoint written by save_checkpoint (any of its parts may be named); weights_only."""
    match = path.rsplit("-ckpt-", 1)
    if len(match) != 2 or not match[1].endswith(".pt"):
        raise TrainError(f"{path}: not a checkpoint name (expected NAME-ckpt-NN.pt)")
    first = f"{match[0]}-ckpt-00.pt"
    try:
        flat = torch.load(first, map_location="cpu", weights_only=True)
        for index in range(1, int(flat.pop("meta.parts"))):
            flat.update(torch.load(f"{match[0]}-ckpt-{index:02d}.pt", map_location="cpu", weights_only=True))
    except (OSError, RuntimeError, KeyError, ValueError) as e:
        raise TrainError(f"{first}: cannot load checkpoint: {e}") from None
    return flat


def restore_checkpoint(state, flat, log):
    state.model.load_state_dict({k[6:]: v for k, v in flat.items() if k.startswith("model.")})
    ema = {k[4:]: v for k, v in flat.items() if k.startswith("ema.")}
    if ema:
        state.ema.load_state_dict(ema)
    else:
        # The repository's weights-only state has no EMA copy; at the decays used (0.995: a half-life of
        # about 140 steps) a copy of the weights re-converges within a few hundred steps.
        state.ema.load_state_dict(state.model.state_dict())
        log(f"resume: no EMA weights in the checkpoint (step {int(flat['meta.step'])}): the EMA starts as a "
            "copy of the model's weights")
    params = list(state.model.parameters())
    for key, value in flat.items():
        if key.startswith("optimizer."):
            _, index, slot = key.split(".", 2)
            param = params[int(index)]
            value = value.to(param.device) if slot != "step" else value
            state.optimizer.state.setdefault(param, {})[slot] = value
    state.step = int(flat["meta.step"])
    state.frames_seen = int(flat["meta.frames_seen"])
    state.previous_wall = float(flat["meta.wall_seconds"])
    state.previous_cpu = float(flat["meta.cpu_seconds"]) if "meta.cpu_seconds" in flat else 0.0
    state.warmup_origin = int(flat["meta.warmup_origin"])
    if not any(key.startswith("optimizer.") for key in flat):
        # A weights-only state (what the repository keeps): fresh AdamW moments, so warm up again.
        state.warmup_origin = state.step
    torch.set_rng_state(flat["meta.rng_cpu"])
    if "meta.rng_cuda" in flat and state.alphas_cumprod.is_cuda:
        torch.cuda.set_rng_state(flat["meta.rng_cuda"], state.alphas_cumprod.device)


# --- export ---------------------------------------------------------------------------------------

def hardware_description(device):
    if device.type == "cuda":
        return f"{torch.cuda.get_device_name(device)} (torch {torch.__version__})"
    return f"CPU {platform.processor() or platform.machine()}, {torch.get_num_threads()} threads " \
           f"(torch {torch.__version__})"


def model_config(state, final_loss):
    cfg = state.config
    actions = cfg["actions"]
    bindings = {n: DEFAULT_BINDINGS[n] for n in actions["names"] if n in DEFAULT_BINDINGS}
    provenance = {
        "source": "trained by dfview models/train.py (Diffusion Forcing, v-prediction, fused-SNR weights)",
        "training_data": cfg["data_description"],
        "steps": state.step,
        "frames_seen": state.frames_seen,
        "wall_seconds": round(state.wall_seconds(), 1),
        "cpu_seconds": round(state.cpu_seconds(), 1),
        "hardware": cfg["hardware"],
        "final_loss": None if final_loss is None else round(float(final_loss), 6),
        "recipe": cfg["recipe"],
        "license": "MIT (same as dfview)",
    }
    config = model_file.default_config(
        cfg["architecture"], name=cfg["name"], beta_schedule=cfg["beta_schedule"],
        context_frames=cfg["context_frames"], window=cfg["window"], action_dim=actions["dim"],
        action_names=actions["names"], action_kind=actions["kind"], bindings=bindings,
        provenance=provenance)
    config["diffusion"]["sampling_steps"] = cfg["sampling_steps"]
    config["diffusion"]["stabilization_level"] = cfg["stabilization_level"]
    config["diffusion"]["context_noise"] = cfg.get("context_noise", False)
    config["diffusion"]["frame_skip"] = cfg["frame_skip"]
    return config


def export(state, out_dir, final_loss):
    path = os.path.join(out_dir, f"{state.config['name']}.safetensors")
    model_file.export_model(state.ema, model_config(state, final_loss), path + ".tmp", dtype="fp16")
    os.replace(path + ".tmp", path)
    return path


# --- preview rollout ------------------------------------------------------------------------------

def write_png(path, rgb):
    """Minimal PNG writer (8-bit RGB, no filtering) so no imaging library is needed."""
    height, width, _ = rgb.shape
    rows = b"".join(b"\x00" + rgb[y].tobytes() for y in range(height))

    def chunk(kind, payload):
        body = kind + payload
        return struct.pack(">I", len(payload)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows, 6))
                + chunk(b"IEND", b""))


@torch.no_grad()
def preview_rollout(model, alphas_cumprod, context, actions, new_frames, sampling_steps, stabilization,
                    window, generator=None):
    """Autoregressive DDIM rollout (chunk 1, eta 0, spec §4) for a quick look during training.

    context (1, K, C, H, W) clean frames, actions (1, K + new_frames, A) -> (1, K + new_frames, ...)."""
    def noise(shape):
        return torch.randn(shape, device=context.device, generator=generator)

    return autoregressive_rollout(model, alphas_cumprod, context, actions, new_frames, sampling_steps,
                                  stabilization, window, noise)


def autoregressive_rollout(model, alphas_cumprod, context, actions, new_frames, sampling_steps, stabilization,
                           window, noise_fn, finish_frame=None):
    """The app's rollout: one new frame at a time from clamped noise_fn(B, C, H, W) noise, deterministic
    DDIM over sampling_steps with the last window-1 frames as clean context. finish_frame (optional) maps
    each finished frame before it becomes context (dfview passes frames on as 8-bit RGB).

    context (B, K, C, H, W), actions (B, K + new_frames, A) or None -> frames (B, K + new_frames, ...)."""
    levels = schedule.sampling_timesteps(sampling_steps, len(alphas_cumprod))
    history = context
    for _ in range(new_frames):
        first = max(0, history.shape[1] - (window - 1))
        x = noise_fn(history[:, 0].shape).to(history.device).clamp(-CLIP_NOISE, CLIP_NOISE)
        act = None if actions is None else actions[:, first:history.shape[1] + 1].to(history.device)
        for k in range(sampling_steps, 0, -1):
            x = ddim_step_last_frame(model, alphas_cumprod, torch.cat((history[:, first:], x[:, None]), dim=1),
                                     act, int(levels[k]), int(levels[k - 1]), stabilization)
        if finish_frame is not None:
            x = finish_frame(x)
        history = torch.cat((history, x[:, None]), dim=1)
    return history


def ddim_step_last_frame(model, alphas_cumprod, window_frames, actions, t_from, t_to, stabilization):
    """One deterministic DDIM step of the window's last frame from timestep t_from to t_to (-1: clean);
    the earlier frames are clean context, fed at the stabilization level (spec §4)."""
    b, t = window_frames.shape[:2]
    context_level = stabilization - 1
    steps = torch.full((b, t), context_level, dtype=torch.long, device=window_frames.device)
    steps[:, -1] = t_from
    a_ctx = alphas_cumprod[context_level]
    x_in = window_frames.clone()
    x_in[:, :-1] = window_frames[:, :-1] * a_ctx.sqrt()
    v = model(x_in, steps, actions)[:, -1].float()
    a = alphas_cumprod[t_from]
    x = x_in[:, -1]
    x0 = a.sqrt() * x - (1.0 - a).sqrt() * v
    eps = (x / a.sqrt() - x0) / (1.0 / a - 1.0).sqrt()
    a_next = alphas_cumprod[t_to] if t_to >= 0 else torch.ones_like(a)
    return x0 * a_next.sqrt() + (1.0 - a_next).sqrt() * eps


def save_rollout_png(state, sampler, path, frames_to_make, generator):
    cfg = state.config
    x0, actions = sampler.sample(1, generator)
    context = x0[:, :cfg["context_frames"]]
    steps = cfg["context_frames"] + frames_to_make
    # Truth actions for the window, then the last action repeated: a quick look, not an evaluation.
    act = actions[:, -1:].expand(1, steps, actions.shape[2]).clone()
    known = min(steps, actions.shape[1])
    act[:, :known] = actions[:, :known]
    state.ema.eval()
    out = preview_rollout(state.ema, state.alphas_cumprod, context, act, frames_to_make,
                          cfg["sampling_steps"], cfg["stabilization_level"], cfg["window"], generator)
    pixels = ((out[0].clamp(-1, 1) + 1) * 127.5).round().byte().permute(2, 0, 3, 1)  # H, T, W, C
    write_png(path, pixels.reshape(pixels.shape[0], -1, 3).cpu().numpy())


# --- training state and loop ----------------------------------------------------------------------

class TrainState:
    def __init__(self, model, ema, optimizer, config, alphas_cumprod):
        self.model, self.ema, self.optimizer = model, ema, optimizer
        self.config, self.alphas_cumprod = config, alphas_cumprod
        self.step, self.frames_seen = 0, 0
        # Warm-up and the step budget count from here: 0, or the steps an --init model already had.
        self.warmup_origin = 0
        self.previous_wall, self.started = 0.0, time.monotonic()
        self.previous_cpu, self.started_cpu = 0.0, time.process_time()

    def wall_seconds(self):
        return self.previous_wall + time.monotonic() - self.started

    def cpu_seconds(self):
        """CPU seconds (this process, all threads) of the whole training, earlier runs included."""
        return self.previous_cpu + time.process_time() - self.started_cpu


def parse_args(argv):
    p = argparse.ArgumentParser(prog="scripts/train", description=__doc__.split("\n\n")[0])
    source = p.add_mutually_exclusive_group(required=True)
    source.add_argument("--data", help="dataset directory (manifest.json + shards)")
    source.add_argument("--stream", choices=["maze", "voxel"],
                        help="train on episodes streamed from dfview-dataset as it renders them (no files)")
    p.add_argument("--stream-seed", type=int, default=1000000, help="first world seed of the stream")
    p.add_argument("--stream-frames", type=int, default=100, help="frames per streamed episode")
    p.add_argument("--stream-size", type=int, default=0,
                   help="streamed frame size, pixels per side (0: the --resume/--init model's, else 64)")
    p.add_argument("--stream-pool", type=int, default=1024, help="episodes held for sampling")
    p.add_argument("--stream-refresh", type=int, default=0,
                   help="new episodes swapped into the pool per step at most (0: a quarter of --batch)")
    p.add_argument("--stream-threads", type=int, default=0, help="dfview-dataset threads (0: every CPU)")
    p.add_argument("--dataset-tool", help="the dfview-dataset executable (default: build/worlds/, PATH)")
    p.add_argument("--out", required=True, help="output directory (export, checkpoints, log, previews)")
    p.add_argument("--name", default="maze", help="model name (file NAME.safetensors)")
    p.add_argument("--preset", choices=sorted(PRESETS), default="maze")
    p.add_argument("--dim", type=int)
    p.add_argument("--dim-mults", type=lambda s: [int(v) for v in s.split(",")])
    p.add_argument("--heads", type=int)
    p.add_argument("--dim-head", type=int)
    p.add_argument("--window", type=int, default=8)
    p.add_argument("--context-frames", type=int, default=2)
    p.add_argument("--frame-skip", type=int, default=1)
    p.add_argument("--beta-schedule", choices=["cosine", "sigmoid"], default="cosine")
    p.add_argument("--sampling-steps", type=int, default=None,
                   help=f"sampling steps written into the exported model (default {DEFAULT_SAMPLING_STEPS}; a "
                        "--resume'd run keeps its checkpoint's unless this is given)")
    p.add_argument("--stabilization", type=int, default=None,
                   help=f"stabilization level written into the exported model (default {DEFAULT_STABILIZATION}; "
                        "a --resume'd run keeps its checkpoint's unless this is given)")
    p.add_argument("--context-noise", choices=["on", "off"], default=None,
                   help="context noise written into the exported model (default off; a --resume'd run keeps "
                        "its checkpoint's unless this is given)")
    p.add_argument("--rollout-windows", type=float, default=0.0,
                   help="share of windows (0..1) whose frames but the last share one low noise level, as in a "
                        "rollout step (default 0: Diffusion Forcing's independent levels only)")
    p.add_argument("--rollout-max-level", type=int, default=400,
                   help="those windows' context level is uniform in [0, this)")
    p.add_argument("--batch", type=int, default=64, help="windows per step")
    p.add_argument("--lr", type=float, default=3e-4)
    p.add_argument("--min-lr-ratio", type=float, default=0.1)
    p.add_argument("--lr-decay", choices=["cosine", "none"], default="cosine")
    p.add_argument("--warmup", type=int, default=500)
    p.add_argument("--weight-decay", type=float, default=2e-3)
    p.add_argument("--grad-clip", type=float, default=1.0)
    p.add_argument("--ema-decay", type=float, default=0.999)
    p.add_argument("--steps", type=int, default=0,
                   help="optimizer steps of this training (0: no limit); counted from scratch or from the "
                        "--init model, and a --resume'd run counts the steps already done")
    p.add_argument("--minutes", type=float, default=0.0, help="wall-clock budget of this run (0: none)")
    p.add_argument("--cpu-minutes", type=float, default=0.0,
                   help="budget in CPU time of this process (user + sys, all its threads; 0: none): fair "
                        "comparisons on a machine shared with other work")
    p.add_argument("--device", default="auto", help="auto, cpu, cuda or cuda:N")
    p.add_argument("--precision", choices=["auto", "fp32", "bf16"], default="auto")
    p.add_argument("--channels-last", choices=["auto", "on", "off"], default="auto")
    p.add_argument("--frame-conv", choices=["auto", "conv3d", "conv2d"], default="auto")
    p.add_argument("--compile", nargs="?", const="on", default="auto", choices=["auto", "on", "off"],
                   help="torch.compile the training network (auto: on CUDA for runs of 30 minutes or more; "
                        "kept only when it measures faster than eager)")
    p.add_argument("--safe", action="store_true",
                   help="plain paths only: Conv3d, no channels-last, no fused AdamW, no torch.compile")
    p.add_argument("--threads", type=int, default=0, help="CPU threads (0: torch's default)")
    p.add_argument("--attention-chunk", type=int, default=8192,
                   help="sequences per fused attention call for huge temporal batches on CUDA (0: plain "
                        "matmuls; --safe sets 0)")
    p.add_argument("--profile-steps", type=int, default=0,
                   help="before training, profile this many steps and write OUT/profile.txt (0: off)")
    p.add_argument("--resume", help="checkpoint NAME-ckpt-NN.pt: model, EMA, optimizer, step (a weights-only "
                                    "state from models/train_state.py: model and step; fresh optimizer, EMA "
                                    "from the weights)")
    p.add_argument("--init", help="a dfview .safetensors to start from (its architecture wins)")
    p.add_argument("--max-episodes", type=int)
    p.add_argument("--log-every", type=int, default=50)
    p.add_argument("--checkpoint-minutes", type=float, default=1.0)
    p.add_argument("--checkpoint-part-mb", type=float, default=15.0)
    p.add_argument("--checkpoint-dir", help="where checkpoints go (default: --out)")
    p.add_argument("--rollout-minutes", type=float, default=0.0, help="preview PNG period (0: off)")
    p.add_argument("--rollout-frames", type=int, default=16)
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args(argv)
    if not 0.0 <= args.rollout_windows <= 1.0:
        p.error(f"--rollout-windows {args.rollout_windows} is not a share in 0..1")
    if not 1 <= args.rollout_max_level <= 1000:
        p.error(f"--rollout-max-level {args.rollout_max_level} is not a level in 1..1000")
    return args


def pick_device(args):
    if args.device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    device = torch.device(args.device)
    if device.type == "cuda" and not torch.cuda.is_available():
        raise TrainError(f"--device {args.device}: CUDA is not available in this torch build/machine")
    return device


def architecture_from_args(args, dataset):
    arch = dict(PRESETS[args.preset])
    for key in ("dim", "dim_mults", "heads", "dim_head"):
        if getattr(args, key) is not None:
            arch[key] = getattr(args, key)
    arch.update({"resolution": dataset.resolution, "groupnorm_per_frame": True, "causal": True})
    return complete_arch(arch)


def build_config(args, dataset, arch, device):
    return {
        "name": args.name, "architecture": arch, "beta_schedule": args.beta_schedule,
        "window": args.window, "context_frames": args.context_frames, "frame_skip": args.frame_skip,
        "sampling_steps": args.sampling_steps or DEFAULT_SAMPLING_STEPS,
        "stabilization_level": args.stabilization or DEFAULT_STABILIZATION,
        "context_noise": args.context_noise == "on",
        "actions": {"dim": dataset.action_dim, "names": dataset.action_names, "kind": dataset.action_kind},
        "data_description": dataset.describe(), "hardware": hardware_description(device),
        "recipe": (f"batch {args.batch} x window {args.window}, AdamW lr {args.lr} betas (0.9, 0.99) "
                   f"wd {args.weight_decay}, warm-up {args.warmup}, {args.lr_decay} decay, grad clip "
                   f"{args.grad_clip}, EMA {args.ema_decay}, frame skip {args.frame_skip}"),
    }


def check_compatible(config, dataset, arch_source):
    arch = config["architecture"]
    if arch["resolution"] != dataset.resolution:
        raise TrainError(f"{arch_source}: model resolution {arch['resolution']} but the dataset's frames "
                         f"are {dataset.resolution}x{dataset.resolution}")
    if config["actions"]["dim"] != dataset.action_dim:
        raise TrainError(f"{arch_source}: model takes {config['actions']['dim']} actions but the dataset has "
                         f"{dataset.action_dim}")


def initial_weights(args, dataset, device):
    """(architecture, state_dict or None, previous steps) from --init, or the arguments."""
    if not args.init:
        return architecture_from_args(args, dataset), None, 0
    try:
        model, config = model_file.load_model(args.init)
    except (OSError, ValueError, KeyError, RuntimeError) as e:
        raise TrainError(f"{args.init}: cannot load as a dfview model: {e}") from None
    steps = int(config.get("provenance", {}).get("steps", 0) or 0)
    return complete_arch(config["architecture"]), model.state_dict(), steps


def build_state(args, dataset, device, log):
    if args.resume and args.init:
        raise TrainError("--resume and --init exclude each other (resume restores the weights itself)")
    flat = load_checkpoint(args.resume) if args.resume else None
    if flat is not None:
        config = json.loads(_tensor_text(flat["meta.config"]))
        config["hardware"] = hardware_description(device)
        # Sampling defaults are metadata, not training state: given explicitly, they replace the checkpoint's.
        if args.sampling_steps:
            config["sampling_steps"] = args.sampling_steps
        if args.stabilization:
            config["stabilization_level"] = args.stabilization
        if args.context_noise:
            config["context_noise"] = args.context_noise == "on"
        arch, weights, previous_steps = config["architecture"], None, 0
    else:
        arch, weights, previous_steps = initial_weights(args, dataset, device)
        config = build_config(args, dataset, arch, device)
        config["architecture"] = arch
    check_compatible(config, dataset, args.resume or args.init or "--preset")
    model = Unet3D(arch, config["actions"]["dim"]).to(device)
    if weights is not None:
        model.load_state_dict(weights)
    ema = Unet3D(arch, config["actions"]["dim"]).to(device)
    ema.load_state_dict(model.state_dict())
    ema.requires_grad_(False)
    optimizer = make_optimizer(model, args, device)
    ac = torch.tensor(schedule.alphas_cumprod(config["beta_schedule"], TIMESTEPS), dtype=torch.float32,
                      device=device)
    state = TrainState(model, ema, optimizer, config, ac)
    state.step = state.warmup_origin = previous_steps
    if flat is not None:
        restore_checkpoint(state, flat, log)
    return state


def make_optimizer(model, args, device):
    options = dict(lr=args.lr, betas=(0.9, 0.99), weight_decay=args.weight_decay)
    if device.type == "cuda" and not args.safe:
        try:  # one fused kernel instead of a few per parameter group (torch >= 2.0)
            return torch.optim.AdamW(model.parameters(), fused=True, **options)
        except (TypeError, RuntimeError):
            pass
    # foreach: a few ops over all parameters instead of a dozen per parameter (~300 here).
    return torch.optim.AdamW(model.parameters(), foreach=True, **options)


def autocast_for(device, precision):
    if precision == "auto":
        precision = "bf16" if device.type == "cuda" else "fp32"
    if precision == "bf16":
        # On a CPU too: convolutions and matmuls run in bf16 (oneDNN; 2-4x fp32 on AVX-512 BF16 cores),
        # the norms compute in fp32 (dfv_unet casts their inputs to the weights' dtype).
        return lambda: torch.autocast(device_type=device.type, dtype=torch.bfloat16)
    return lambda: torch.autocast(device_type=device.type, enabled=False)


def make_train_step(state, args, autocast, network):
    params = list(state.model.parameters())
    ema_params = list(state.ema.parameters())

    def train_step(x0, actions, lr):
        for group in state.optimizer.param_groups:
            group["lr"] = lr
        loss = diffusion_loss(network, x0, actions, state.alphas_cumprod, autocast,
                              rollout_share=args.rollout_windows, rollout_max_level=args.rollout_max_level)
        state.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        if args.grad_clip > 0:
            torch.nn.utils.clip_grad_norm_(params, args.grad_clip)
        state.optimizer.step()
        update_ema(ema_params, params, ema_decay_at(state.step, args.ema_decay))
        return loss.detach()

    return train_step


def _synchronize(device):
    if device.type == "cuda":
        torch.cuda.synchronize(device)


class SavedTraining:
    """Model, EMA and optimizer state put back after trial steps (speed measurements, compile check)."""

    def __init__(self, state):
        self.state = state
        self.model = {k: v.clone() for k, v in state.model.state_dict().items()}
        self.optimizer = {p: {k: v.clone() for k, v in s.items()} for p, s in state.optimizer.state.items()}
        self.ema = [p.clone() for p in state.ema.parameters()]

    def restore(self):
        self.state.model.load_state_dict(self.model)
        self.state.optimizer.state.clear()
        self.state.optimizer.state.update(self.optimizer)
        with torch.no_grad():
            for p, s in zip(self.state.ema.parameters(), self.ema):
                p.copy_(s)


def measure_speed(state, sampler, args, autocast, network=None, steps=6, warmup=2):
    """Seconds per step (after warm-up steps) with the current options; training state restored."""
    saved = SavedTraining(state)
    step_fn = make_train_step(state, args, autocast, network or state.model)
    for i in range(warmup + steps):
        if i == warmup:
            _synchronize(sampler.device)
            begin = time.perf_counter()
        x0, actions = sampler.sample(args.batch)
        step_fn(x0, actions, 0.0)
    _synchronize(sampler.device)
    elapsed = (time.perf_counter() - begin) / steps
    saved.restore()
    return elapsed


def compiled_network(state, sampler, args, autocast, log, eager):
    """torch.compile'd `eager` network, or `eager` itself when compiling fails (logged, never fatal)."""
    begin = time.monotonic()
    try:
        network = torch.compile(eager)
        seconds = measure_speed(state, sampler, args, autocast, network, steps=4, warmup=1)
    except Exception as e:  # noqa: BLE001 - any compiler failure means: train eagerly
        log(f"torch.compile failed ({type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}); "
            f"training eagerly")
        return eager
    eager_seconds = measure_speed(state, sampler, args, autocast, eager, steps=4, warmup=1)
    rate = args.batch * state.config["window"]
    log(f"torch.compile: ready in {time.monotonic() - begin:.0f}s, {rate / seconds:.0f} frames/s "
        f"(eager {rate / eager_seconds:.0f}): training {'compiled' if seconds < eager_seconds else 'eagerly'}")
    return network if seconds < eager_seconds else eager


# A compile takes a minute or two; below this budget it cannot pay back (the maze model on an H100 spent
# 9 minutes in total, eager).
COMPILE_AUTO_MINUTES = 30.0


def wants_compile(args, device):
    """--compile on/off as said; auto: on CUDA when the run is long enough to pay back a compile."""
    if args.safe or args.compile == "off":
        return False
    if args.compile == "on":
        return True
    long_run = args.minutes >= COMPILE_AUTO_MINUTES if args.minutes else (args.steps == 0 or args.steps >= 20000)
    return device.type == "cuda" and long_run


def write_profile(state, sampler, args, autocast, network, path, log):
    """Where a training step's time goes: torch.profiler over --profile-steps steps (after one warm-up
    step), the operators sorted by their own time; the training state is put back afterwards."""
    from torch.profiler import ProfilerActivity, profile
    device = sampler.device
    on_gpu = device.type == "cuda"
    activities = [ProfilerActivity.CPU] + ([ProfilerActivity.CUDA] if on_gpu else [])
    saved = SavedTraining(state)
    step_fn = make_train_step(state, args, autocast, network)
    step_fn(*sampler.sample(args.batch), 0.0)
    _synchronize(device)
    with profile(activities=activities) as prof:
        for _ in range(args.profile_steps):
            step_fn(*sampler.sample(args.batch), 0.0)
        _synchronize(device)
    saved.restore()
    averages = prof.key_averages()
    keys = ["self_device_time_total", "self_cuda_time_total"] if on_gpu else ["self_cpu_time_total"]
    for key in keys:  # torch renamed the CUDA column to "device" in 2.4
        try:
            table = averages.table(sort_by=key, row_limit=40)
            break
        except (AttributeError, KeyError, ValueError):
            table = averages.table(row_limit=40)
    with open(path, "w", encoding="utf-8") as f:
        f.write(f"{args.profile_steps} training steps of {args.batch} x {state.config['window']} frames on "
                f"{state.config['hardware']}\n{table}\n")
    log(f"profile of {args.profile_steps} steps written to {path}")


def layout_candidates(args, device):
    """(conv, channels_last) pairs to try; on a CPU 'auto' means the plain layout, unmeasured."""
    if args.safe:
        return [("conv3d", False)]
    if device.type != "cuda":
        return [(args.frame_conv if args.frame_conv != "auto" else "conv3d", args.channels_last == "on")]
    convs = ["conv3d", "conv2d"] if args.frame_conv == "auto" else [args.frame_conv]
    layouts = [False, True] if args.channels_last == "auto" else [args.channels_last == "on"]
    return [(c, l) for c in convs for l in layouts]


def apply_layout(model, layout):
    use_2d_frame_convs(model, layout[0] == "conv2d")
    set_channels_last(model, layout[1])


def fastest_layout(state, sampler, args, autocast, candidates, log):
    """Times a few training steps with each candidate layout (training state restored after each)."""
    timings = {}
    for layout in candidates:
        apply_layout(state.model, layout)
        timings[layout] = measure_speed(state, sampler, args, autocast)
        log(f"layout {layout[0]}{' channels-last' if layout[1] else ''}: "
            f"{args.batch * state.config['window'] / timings[layout]:.0f} frames/s")
    return min(timings, key=timings.get)


def choose_layout(state, sampler, args, autocast, device, log, dist):
    """Applies --frame-conv / --channels-last; 'auto' on CUDA measures the candidates briefly (every
    process measures; the main process's choice is taken by all)."""
    candidates = layout_candidates(args, device)
    best = candidates[0]
    if len(candidates) > 1:
        best = dist.from_main(fastest_layout(state, sampler, args, autocast, candidates, log))
    apply_layout(state.model, best)
    log(f"using {best[0]}{', channels-last' if best[1] else ''}")


class StopFlag:
    """Set by SIGTERM/SIGINT so that a run killed at a time limit still checkpoints and exports."""

    def __init__(self):
        self.reason = None

    def install(self):
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, self._handler)

    def _handler(self, signum, _frame):
        self.reason = signal.Signals(signum).name


def budget_progress(state, args, run_start):
    fractions = []
    if args.steps:
        origin = state.warmup_origin
        fractions.append((state.step - origin) / max(1, args.steps))
    if args.minutes:
        fractions.append((time.monotonic() - run_start) / (args.minutes * 60.0))
    if args.cpu_minutes:
        fractions.append(cpu_seconds_since(args) / (args.cpu_minutes * 60.0))
    return max(fractions) if fractions else 0.0


def cpu_seconds_since(args):
    """CPU seconds (user + sys, every thread) this process has used since the run started."""
    return time.process_time() - args.cpu_start


def continued_model_resolution(args):
    """The frame size of the model a run continues (--resume or --init), or None."""
    try:
        if args.resume:
            config = json.loads(_tensor_text(load_checkpoint(args.resume)["meta.config"]))
            return int(config["architecture"]["resolution"])
        if args.init:
            return int(model_file.read_config(args.init)["architecture"]["resolution"])
    except (OSError, ValueError, KeyError, TypeError):
        return None  # build_state reports the unreadable file in one line
    return None


def open_dataset(args, dist):
    """The dataset directory, or a stream (each process of a torchrun job streams its own worlds)."""
    if args.data:
        return load_dataset(args.data, args.max_episodes)
    seed = args.stream_seed + dist.rank * STREAM_SEEDS_PER_PROCESS
    size = args.stream_size or continued_model_resolution(args) or 64
    return StreamingDataset(args.stream, pool=args.stream_pool, frames=args.stream_frames, size=size,
                            seed=seed, tool=args.dataset_tool, threads=args.stream_threads)


def open_log(args, dist):
    """train.log in --out, written by the main process only (the others log nowhere)."""
    if not dist.main:
        return None
    try:
        os.makedirs(args.out, exist_ok=True)
        return open(os.path.join(args.out, "train.log"), "a", encoding="utf-8")
    except OSError as e:
        raise TrainError(f"{args.out}: cannot write the output directory: {e}") from None


def run(args):
    run_start = time.monotonic()
    args.cpu_start = time.process_time()
    torch.manual_seed(args.seed)
    if args.threads:
        torch.set_num_threads(args.threads)
    dist = Distributed()
    device = dist.start(pick_device(args))
    if device.type == "cuda":
        torch.backends.cudnn.benchmark = True
        torch.backends.cuda.matmul.allow_tf32 = True
        torch.backends.cudnn.allow_tf32 = True
        if hasattr(torch.backends.cuda, "enable_cudnn_sdp"):
            # cuDNN's fused attention backward failed on this network's temporal batches (H100, torch
            # 2.11); the flash and memory-efficient kernels take them.
            torch.backends.cuda.enable_cudnn_sdp(False)
    log_file, dataset = open_log(args, dist), None
    try:
        dataset = open_dataset(args, dist)
        return train_and_export(args, dataset, device, dist, run_start, log_file)
    finally:
        if log_file:
            log_file.close()
        if hasattr(dataset, "close"):
            dataset.close()
        dist.close()


def make_logger(log_file, progress):
    def log(line, record=None):
        if log_file is None:
            return
        progress.clear()
        print(line, flush=True)
        log_file.write(json.dumps(record or {"message": line}) + "\n")
        log_file.flush()
    return log


def seed_process(args, state, dist):
    """Each torchrun process draws its own batches and noise (the weights are the same everywhere: DDP
    starts from the main process's). The main process keeps the single-process stream, so resuming a
    one-process run stays exact."""
    if dist.rank:
        torch.manual_seed(args.seed + 7919 * dist.rank + state.step)


def train_and_export(args, dataset, device, dist, run_start, log_file):
    progress = ProgressLine(enabled=None if dist.main else False)
    log = make_logger(log_file, progress)
    state = build_state(args, dataset, device, log)
    seed_process(args, state, dist)
    cfg = state.config
    refresh = (args.stream_refresh or max(1, args.batch // 4)) if args.stream else 0
    sampler = WindowSampler(dataset, cfg["window"], cfg["frame_skip"], device, refresh=refresh)
    arch = cfg["architecture"]
    log(f"data: {dataset.describe()}")
    log(f"model: {count_parameters(state.model) / 1e6:.2f} M parameters, "
        f"{gflop_per_frame(arch, cfg['window'], cfg['actions']['dim']):.2f} GFLOP per frame "
        f"(window {cfg['window']}), dims {arch['dim']}x{arch['dim_mults']}, on {cfg['hardware']}"
        f"{f' x {dist.world} processes' if dist.active else ''}")
    autocast = autocast_for(device, args.precision)
    set_fused_attention_chunk(state.model, 0 if args.safe else args.attention_chunk)
    set_fast_training_paths(state.model, not args.safe)
    args.gflop_per_frame = gflop_per_frame(arch, cfg["window"], cfg["actions"]["dim"])
    choose_layout(state, sampler, args, autocast, device, log, dist)
    network = dist.wrap(state.model)
    if wants_compile(args, device):
        network = compiled_network(state, sampler, args, autocast, log, network)
    if args.profile_steps and dist.main:
        write_profile(state, sampler, args, autocast, network, os.path.join(args.out, "profile.txt"), log)
    train_step = make_train_step(state, args, autocast, network)
    stop = StopFlag()
    stop.install()
    steps_before, loop_start = state.step, time.monotonic()
    result = train_loop(state, sampler, args, train_step, stop, log, run_start, dist, progress)
    progress.clear()
    done, seconds = state.step - steps_before, time.monotonic() - loop_start
    if not dist.parameters_agree(state.model):
        raise TrainError(f"step {state.step}: the {dist.world} processes ended with different weights")
    log(f"trained {done} steps in {seconds:.0f}s: "
        f"{done * args.batch * cfg['window'] * dist.world / max(seconds, 1e-9):.0f} frames/s on average"
        f"{f' ({dist.world} processes, weights agree)' if dist.active else ''}, final loss "
        f"{result if result is None else round(result, 5)}")
    if dist.main:
        finish(state, sampler, args, result, stop, log)
    return 0


def finish(state, sampler, args, result, stop, log):
    """Final export, checkpoint and preview (main process)."""
    cfg = state.config
    path = export(state, args.out, result)
    save_checkpoint(checkpoint_tensors(state), args.checkpoint_dir or args.out, cfg["name"],
                    int(args.checkpoint_part_mb * 2**20))
    log(f"exported {path} after {state.step} steps ({stop.reason or 'budget reached'})")
    if args.rollout_minutes and stop.reason is None:
        generator = torch.Generator(device=sampler.device)
        generator.manual_seed(args.seed + 2)
        save_rollout_png(state, sampler, os.path.join(args.out, "rollout.png"), args.rollout_frames,
                         generator)
        log(f"wrote {os.path.join(args.out, 'rollout.png')} (EMA weights, context then rollout)")


def should_stop(state, args, stop, deadline, dist):
    over = stop.reason is not None
    over = over or bool(args.steps and state.step - state.warmup_origin >= args.steps)
    over = over or (deadline is not None and time.monotonic() >= deadline)
    over = over or bool(args.cpu_minutes and cpu_seconds_since(args) >= args.cpu_minutes * 60.0)
    return dist.any(over)


def report(state, args, log, dist, loss_sum, window_steps, window_start, run_start, lr):
    """Logs the mean loss over the last steps (of every process); returns it."""
    loss = dist.mean(float(loss_sum) / window_steps)
    if not math.isfinite(loss):
        raise TrainError(f"step {state.step}: loss is {loss} (lower --lr or check the data)")
    elapsed = time.monotonic() - window_start
    frames = window_steps * args.batch * state.config["window"] * dist.world
    rate = frames / elapsed
    cpu = cpu_seconds_since(args)
    cpu_window = max(cpu - args.cpu_at_report, 1e-9)
    args.cpu_at_report = cpu
    # Effective training GFLOP: model FLOPs of forward + backward (x3) per frame.
    gflop = 3 * args.gflop_per_frame * frames
    log(f"step {state.step} loss {loss:.5f} lr {lr:.2e} {rate:.0f} frames/s "
        f"{window_steps / elapsed:.1f} steps/s {gflop / elapsed:.1f} GFLOP/s {gflop / cpu_window:.1f} GFLOP/cpu-s "
        f"elapsed {time.monotonic() - run_start:.0f}s cpu {cpu:.0f}s",
        {"step": state.step, "loss": loss, "lr": lr, "frames_per_s": rate,
         "frames_per_cpu_s": frames / cpu_window, "gflop_per_s": gflop / elapsed,
         "gflop_per_cpu_s": gflop / cpu_window, "elapsed_s": time.monotonic() - run_start, "cpu_s": cpu,
         "cpu_s_total": state.cpu_seconds()})
    return loss


def show_progress(progress, state, args, run_start, loss, frames, loop_start):
    """The status line; reads the loss (a GPU sync) only when the line is due."""
    if not progress.due():
        return
    fraction = budget_progress(state, args, run_start) if (args.steps or args.minutes or args.cpu_minutes) else None
    progress.update(fraction, state.step, float(loss), frames / max(time.monotonic() - loop_start, 1e-9),
                    time.monotonic() - run_start)


def sample_batch(sampler, args, log):
    """A batch; a data stream that stops mid-run is reported and training goes on with the pool it left."""
    try:
        return sampler.sample(args.batch)
    except DatasetError as e:
        sampler.refresh = 0
        log(f"warning: {e}; training goes on with the {sampler.frames.shape[0]} episodes already held")
        return sampler.sample(args.batch)


def train_loop(state, sampler, args, train_step, stop, log, run_start, dist, progress):
    cfg = state.config
    frames_per_step = args.batch * cfg["window"] * dist.world
    steps_before, loop_start = state.step, time.monotonic()
    last_ckpt = last_rollout = time.monotonic()
    window_start, window_steps = time.monotonic(), 0
    loss_sum, final_loss, lr = None, None, 0.0
    generator = torch.Generator(device=sampler.device)
    generator.manual_seed(args.seed + 1)
    args.cpu_at_report = cpu_seconds_since(args)
    # Reserve time for the final export and checkpoint so a --minutes run ends inside its budget.
    deadline = run_start + args.minutes * 60.0 - 5.0 if args.minutes else None
    while not should_stop(state, args, stop, deadline, dist):
        lr = learning_rate(args, state.step - state.warmup_origin, budget_progress(state, args, run_start))
        x0, actions = sample_batch(sampler, args, log)
        loss = train_step(x0, actions, lr)
        loss_sum = loss if loss_sum is None else loss_sum + loss
        state.step += 1
        state.frames_seen += frames_per_step
        window_steps += 1
        show_progress(progress, state, args, run_start, loss, (state.step - steps_before) * frames_per_step,
                      loop_start)
        if window_steps == args.log_every or (args.steps and state.step - state.warmup_origin >= args.steps):
            final_loss = report(state, args, log, dist, loss_sum, window_steps, window_start, run_start, lr)
            loss_sum, window_steps, window_start = None, 0, time.monotonic()
        if not dist.main:
            continue
        now = time.monotonic()
        if args.checkpoint_minutes and now - last_ckpt >= args.checkpoint_minutes * 60.0:
            export(state, args.out, final_loss)
            save_checkpoint(checkpoint_tensors(state), args.checkpoint_dir or args.out, cfg["name"],
                            int(args.checkpoint_part_mb * 2**20))
            last_ckpt = time.monotonic()
        if args.rollout_minutes and now - last_rollout >= args.rollout_minutes * 60.0:
            save_rollout_png(state, sampler, os.path.join(args.out, "rollout.png"), args.rollout_frames,
                             generator)
            last_rollout = time.monotonic()
    if window_steps:
        final_loss = dist.mean(float(loss_sum) / window_steps)
    return final_loss


def main(argv=None):
    args = parse_args(argv)
    try:
        return run(args)
    except (DatasetError, TrainError) as e:
        print(f"train: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())

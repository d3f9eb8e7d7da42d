"""Reference Diffusion Forcing sampler (spec §4): scheduling matrices, the per-frame-level DDIM step and
the sliding-window rollout. It is the reference the C sampler is tested against, so everything runs in
float64 numpy on (T, B, C, H, W) arrays (the official layout); only the network call uses torch.

CLI (reads/writes .npy):
  sampler.py matrix --kind autoregressive|pyramid:U|full_sequence|trapezoid[:U] --steps S --horizon H --out m.npy
  sampler.py ddim-step --x x.npy --from kf.npy --to kt.npy (--v v.npy | --model M.safetensors [--actions a.npy])
                       [--alphas a.npy | --schedule cosine|sigmoid] [--steps 100] [--stabilization 15]
                       [--objective pred_v|pred_noise|pred_x0] [--eta 0] [--noise n.npy] [--clip 6]
                       [--context-noise c.npy] --out x_new.npy [--model-input x_in.npy] [--model-timesteps tc.npy]
  sampler.py rollout --model M.safetensors --context c.npy --frames N [--actions a.npy] [--noise n.npy | --seed K]
                     [--steps S] [--schedule KIND] [--chunk H] [--window W] [--stabilization L] [--eta E]
                     [--context-noise on|off] --out f.npy

Noise order for `rollout --noise` (one flat float stream, consumed in this order, clamped to ±clip when used):
for each chunk: first the chunk's initial frames (horizon·B·C·H·W values, (T, B, C, H, W) order), then, only
with context noise, one draw for every frame in the model window (window·B·C·H·W values), then, only
when eta > 0, for each matrix row the σ-noise of the frames in the model window (window·B·C·H·W values).

Context noise (an extension, off in the official sampler): a frame fed clean enters as
sqrt(ᾱ)·x + sqrt(1 − ᾱ)·clamp(ε) at the stabilization level, a real sample at the level its timestep claims,
with one ε per frame per chunk.
"""
import argparse
import sys

import numpy as np

import schedule

OBJECTIVES = ("pred_v", "pred_noise", "pred_x0")


# ---------------------------------------------------------------- scheduling matrices

def pyramid_matrix(steps, horizon, uncertainty):
    """M[m, t] = clip(S + int(t·u) − m, 0, S); height S + int((h−1)·u) + 1 rows."""
    height = steps + int((horizon - 1) * uncertainty) + 1
    m = np.arange(height)[:, None]
    lead = np.array([int(t * uncertainty) for t in range(horizon)])[None, :]
    return np.clip(steps + lead - m, 0, steps).astype(np.int64)


def full_sequence_matrix(steps, horizon):
    return np.repeat((steps - np.arange(steps + 1))[:, None], horizon, axis=1).astype(np.int64)


def trapezoid_matrix(steps, horizon, uncertainty):
    """Both ends of the horizon lead and the middle trails, mirror-symmetric: column t is delayed by
    int(d·u) rows with d = min(t, h−1−t) its distance from the nearer end.

    The official code writes columns t and −t in one loop over t < (h+1)//2, so column 0 is written
    twice and the last column never gets its own delay, and for an even horizon the middle column is
    never written and stays at level 0 (clean from the first row). This version gives every column
    exactly the delay of its mirror and ends every column at 0 on the last row."""
    height = steps + int(((horizon - 1) // 2) * uncertainty) + 1
    m = np.arange(height)[:, None]
    lead = np.array([int(min(t, horizon - 1 - t) * uncertainty) for t in range(horizon)])[None, :]
    return np.clip(steps + lead - m, 0, steps).astype(np.int64)


def scheduling_matrix(kind, steps, horizon):
    """kind: autoregressive | pyramid:U | full_sequence | trapezoid[:U] (U defaults to 1)."""
    name, _, arg = kind.partition(":")
    if name == "autoregressive":
        return pyramid_matrix(steps, horizon, steps)
    if name == "pyramid":
        return pyramid_matrix(steps, horizon, float(arg) if arg else 1.0)
    if name == "full_sequence":
        return full_sequence_matrix(steps, horizon)
    if name == "trapezoid":
        return trapezoid_matrix(steps, horizon, float(arg) if arg else 1.0)
    raise ValueError(f"unknown scheduling {kind!r} (autoregressive, pyramid:U, full_sequence, trapezoid[:U])")


# ---------------------------------------------------------------- one DDIM step

def _per_frame(values, x):
    """(T,) per-frame values broadcast against x (T, B, C, H, W)."""
    return np.asarray(values, dtype=np.float64).reshape((-1,) + (1,) * (x.ndim - 1))


def model_inputs(x, k_from, alphas, steps, stabilization, context_noise=None, clip_noise=6.0):
    """(x_in, tc): what the network sees for a step leaving levels k_from.

    Clean frames (real level −1) are fed as sqrt(ᾱ[stab−1])·x at timestep stab−1, the others as is. With
    context_noise (x's shape) a clean frame gets + sqrt(1 − ᾱ[stab−1])·clamp(context_noise) as well."""
    real = schedule.sampling_timesteps(steps, len(alphas))[np.asarray(k_from)]
    clean = real < 0
    tc = np.where(clean, stabilization - 1, real).astype(np.int64)
    a = np.asarray(alphas, dtype=np.float64)[tc]
    x_in = np.asarray(x, dtype=np.float64) * _per_frame(np.where(clean, np.sqrt(a), 1.0), x)
    if context_noise is not None:
        eps = np.clip(np.asarray(context_noise, dtype=np.float64), -clip_noise, clip_noise)
        x_in = x_in + _per_frame(np.where(clean, np.sqrt(1.0 - a), 0.0), x) * eps
    return x_in, tc


def ddim_update(x, x_in, model_out, k_from, k_to, alphas, steps, stabilization,
                objective="pred_v", eta=0.0, noise=None, clip_noise=6.0):
    """x_new from the network output `model_out` computed on (x_in, tc) = model_inputs(...).

    Frames whose level does not change keep x exactly. `noise` (x's shape) is needed only for eta > 0."""
    if objective not in OBJECTIVES:
        raise ValueError(f"unknown objective {objective!r} ({', '.join(OBJECTIVES)})")
    alphas = np.asarray(alphas, dtype=np.float64)
    k_from, k_to = np.asarray(k_from), np.asarray(k_to)
    real = schedule.sampling_timesteps(steps, len(alphas))
    t_to = real[k_to]
    tc = np.where(real[k_from] < 0, stabilization - 1, real[k_from])
    a = _per_frame(alphas[tc], x)
    out = np.asarray(model_out, dtype=np.float64)
    if objective == "pred_v":
        x0 = np.sqrt(a) * x_in - np.sqrt(1 - a) * out
    elif objective == "pred_x0":
        x0 = out
    if objective == "pred_noise":
        eps = out
        x0 = (x_in - np.sqrt(1 - a) * eps) / np.sqrt(a)
    else:
        eps = (x_in / np.sqrt(a) - x0) / np.sqrt(1 / a - 1)
    a_next = _per_frame(np.where(t_to < 0, 1.0, alphas[np.maximum(t_to, 0)]), x)
    clean_next = _per_frame(t_to < 0, x)
    sigma = np.where(clean_next, 0.0, eta * np.sqrt(np.maximum((1 - a / a_next) * (1 - a_next) / (1 - a), 0.0)))
    c = np.sqrt(np.maximum(1 - a_next - sigma ** 2, 0.0))
    x_new = x0 * np.sqrt(a_next) + c * eps
    if eta > 0:
        if noise is None:
            raise ValueError("eta > 0 needs noise")
        x_new = x_new + sigma * np.clip(np.asarray(noise, dtype=np.float64), -clip_noise, clip_noise)
    unchanged = _per_frame(k_from == k_to, x).astype(bool)
    return np.where(unchanged, np.asarray(x, dtype=np.float64), x_new)


def ddim_step(x, k_from, k_to, alphas, steps, model_fn, stabilization=15, objective="pred_v",
              eta=0.0, noise=None, clip_noise=6.0, actions=None, context_noise=None):
    """One full step: model_fn(x_in (T,B,C,H,W), tc (T,), actions) → model output of x's shape."""
    x_in, tc = model_inputs(x, k_from, alphas, steps, stabilization, context_noise, clip_noise)
    out = model_fn(x_in, tc, actions)
    return ddim_update(x, x_in, out, k_from, k_to, alphas, steps, stabilization, objective, eta, noise,
                       clip_noise)


# ---------------------------------------------------------------- rollout

class NoiseStream:
    """Hands out consecutive slices of a flat noise array, or draws from a seeded numpy generator."""

    def __init__(self, flat=None, seed=0):
        self.flat = None if flat is None else np.asarray(flat, dtype=np.float64).ravel()
        self.pos = 0
        self.rng = np.random.default_rng(seed)

    def take(self, shape):
        count = int(np.prod(shape))
        if self.flat is None:
            return self.rng.standard_normal(shape)
        if self.pos + count > self.flat.size:
            raise ValueError(f"noise stream has {self.flat.size} values, needs more than {self.pos + count}")
        part = self.flat[self.pos:self.pos + count].reshape(shape)
        self.pos += count
        return part


def rollout(context, total_frames, model_fn, alphas, *, steps=100, scheduling="autoregressive", chunk=1,
            window=16, stabilization=15, objective="pred_v", eta=0.0, clip_noise=6.0, actions=None,
            noise=None, context_noise=False):
    """Frames (total_frames, B, C, H, W) in float64 from clean context frames (T0, B, C, H, W).

    For each chunk of `chunk` new frames: append clamped noise, then walk the scheduling matrix with all
    earlier frames at level 0; only the last `window` frames enter the model. actions: (total, B, A).
    context_noise: clean frames enter with one draw of real noise per chunk (see model_inputs)."""
    noise = noise or NoiseStream()
    frames = np.asarray(context, dtype=np.float64)
    sample_shape = frames.shape[1:]
    current = frames.shape[0]
    while current < total_frames:
        horizon = min(total_frames - current, chunk)
        matrix = scheduling_matrix(scheduling, steps, horizon)
        fresh = np.clip(noise.take((horizon,) + sample_shape), -clip_noise, clip_noise)
        frames = np.concatenate([frames, fresh])
        start = max(0, current + horizon - window)
        chunk_context_noise = noise.take(frames[start:].shape) if context_noise else None
        for m in range(matrix.shape[0] - 1):
            k_from = np.concatenate([np.zeros(current, np.int64), matrix[m]])[start:]
            k_to = np.concatenate([np.zeros(current, np.int64), matrix[m + 1]])[start:]
            step_noise = noise.take(frames[start:].shape) if eta > 0 else None
            window_actions = None if actions is None else actions[start:current + horizon]
            frames[start:] = ddim_step(frames[start:], k_from, k_to, alphas, steps, model_fn, stabilization,
                                       objective, eta, step_noise, clip_noise, window_actions, chunk_context_noise)
        current += horizon
    return frames


def torch_model_fn(model):
    """Adapts a dfv_unet.Unet3D to model_fn: (T, B, C, H, W) numpy in, same out, in the model's dtype."""
    import torch

    dtype = next(model.parameters()).dtype

    def call(x_in, tc, actions):
        x = torch.from_numpy(np.ascontiguousarray(np.swapaxes(x_in, 0, 1))).to(dtype)
        b = x.shape[0]
        t = torch.from_numpy(np.repeat(np.asarray(tc)[None, :], b, axis=0)).long()
        a = None
        if actions is not None:
            a = torch.from_numpy(np.ascontiguousarray(np.swapaxes(actions, 0, 1))).to(dtype)
        with torch.no_grad():
            v = model(x, t, a)
        return np.swapaxes(v.double().numpy(), 0, 1)

    return call


# ---------------------------------------------------------------- CLI

def _alphas_from_args(args, config=None):
    if args.alphas:
        return np.load(args.alphas).astype(np.float64)
    if args.schedule:
        return schedule.alphas_cumprod(args.schedule)
    if config is not None:
        return np.asarray(config["diffusion"]["alphas_cumprod"], dtype=np.float64)
    raise SystemExit("sampler: give --alphas, --schedule or --model")


def _load_model(path, double):
    import torch
    import model_file
    model, config = model_file.load_model(path, torch.float64 if double else torch.float32)
    return model, config


def _levels(path, frames):
    levels = np.load(path).astype(np.int64).reshape(-1)
    if levels.shape[0] != frames:
        raise SystemExit(f"sampler: {path} has {levels.shape[0]} levels for {frames} frames")
    return levels


def cmd_matrix(args):
    np.save(args.out, scheduling_matrix(args.kind, args.steps, args.horizon))


def cmd_ddim_step(args):
    x = np.load(args.x).astype(np.float64)
    k_from, k_to = _levels(args.k_from, x.shape[0]), _levels(args.k_to, x.shape[0])
    config = None
    if args.model:
        model, config = _load_model(args.model, args.double)
    alphas = _alphas_from_args(args, config)
    context_noise = np.load(args.context_noise) if args.context_noise else None
    x_in, tc = model_inputs(x, k_from, alphas, args.steps, args.stabilization, context_noise, args.clip)
    if args.v:
        out = np.load(args.v).astype(np.float64)
    elif args.model:
        actions = np.load(args.actions) if args.actions else None
        out = torch_model_fn(model)(x_in, tc, actions)
    else:
        raise SystemExit("sampler: ddim-step needs --v or --model")
    noise = np.load(args.noise) if args.noise else None
    x_new = ddim_update(x, x_in, out, k_from, k_to, alphas, args.steps, args.stabilization, args.objective,
                        args.eta, noise, args.clip)
    np.save(args.out, x_new.astype(np.float32))
    if args.model_input:
        np.save(args.model_input, x_in.astype(np.float32))
    if args.model_timesteps:
        np.save(args.model_timesteps, tc.astype(np.int64))


def cmd_rollout(args):
    model, config = _load_model(args.model, args.double)
    diffusion = config["diffusion"]
    alphas = _alphas_from_args(args, config)
    context = np.load(args.context).astype(np.float64)
    actions = np.load(args.actions).astype(np.float64) if args.actions else None
    noise = NoiseStream(np.load(args.noise)) if args.noise else NoiseStream(seed=args.seed)
    frames = rollout(context, args.frames, torch_model_fn(model), alphas,
                     steps=args.steps or diffusion["sampling_steps"],
                     scheduling=args.scheduling or diffusion["scheduling"],
                     chunk=args.chunk or diffusion["chunk_size"], window=args.window or diffusion["window"],
                     stabilization=args.stabilization or diffusion["stabilization_level"],
                     objective=diffusion.get("objective", "pred_v"), eta=args.eta,
                     clip_noise=diffusion.get("clip_noise", 6.0), actions=actions, noise=noise,
                     context_noise=(diffusion.get("context_noise", False) if args.context_noise is None
                                    else args.context_noise == "on"))
    np.save(args.out, frames.astype(np.float32))


def parse_args(argv):
    p = argparse.ArgumentParser(prog="sampler.py", description="Reference Diffusion Forcing sampler")
    sub = p.add_subparsers(dest="command", required=True)

    m = sub.add_parser("matrix", help="write a scheduling matrix (int64, rows × horizon)")
    m.add_argument("--kind", required=True)
    m.add_argument("--steps", type=int, required=True)
    m.add_argument("--horizon", type=int, required=True)
    m.add_argument("--out", required=True)

    d = sub.add_parser("ddim-step", help="one DDIM step with per-frame levels")
    d.add_argument("--x", required=True)
    d.add_argument("--from", dest="k_from", required=True)
    d.add_argument("--to", dest="k_to", required=True)
    d.add_argument("--v")
    d.add_argument("--model")
    d.add_argument("--actions")
    d.add_argument("--alphas")
    d.add_argument("--schedule", choices=["cosine", "sigmoid", "linear"])
    d.add_argument("--steps", type=int, default=100)
    d.add_argument("--stabilization", type=int, default=15)
    d.add_argument("--objective", choices=OBJECTIVES, default="pred_v")
    d.add_argument("--eta", type=float, default=0.0)
    d.add_argument("--noise")
    d.add_argument("--clip", type=float, default=6.0)
    d.add_argument("--context-noise", help="standard normals (x's shape) for frames fed clean")
    d.add_argument("--double", action="store_true", help="run the model in float64")
    d.add_argument("--out", required=True)
    d.add_argument("--model-input")
    d.add_argument("--model-timesteps")

    r = sub.add_parser("rollout", help="roll a model out from context frames")
    r.add_argument("--model", required=True)
    r.add_argument("--context", required=True)
    r.add_argument("--frames", type=int, required=True)
    r.add_argument("--actions")
    r.add_argument("--noise")
    r.add_argument("--seed", type=int, default=0)
    r.add_argument("--alphas")
    r.add_argument("--schedule", choices=["cosine", "sigmoid", "linear"])
    r.add_argument("--steps", type=int)
    r.add_argument("--scheduling")
    r.add_argument("--chunk", type=int)
    r.add_argument("--window", type=int)
    r.add_argument("--stabilization", type=int)
    r.add_argument("--eta", type=float, default=0.0)
    r.add_argument("--context-noise", choices=["on", "off"], help="default: the model's")
    r.add_argument("--double", action="store_true")
    r.add_argument("--out", required=True)
    return p.parse_args(argv)


def main(argv=None):
    args = parse_args(argv if argv is not None else sys.argv[1:])
    try:
        {"matrix": cmd_matrix, "ddim-step": cmd_ddim_step, "rollout": cmd_rollout}[args.command](args)
    except (ValueError, OSError, KeyError) as err:
        print(f"sampler {args.command}: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Dataset reader for `dfview dataset` output, window sampling, and a tiny synthetic world for tests.

On-disk layout (written by the C dataset tool, or by `write_synthetic_dataset` below):
    DIR/manifest.json
    DIR/shard_NNNN_frames.npy   uint8   (N, L, R, R, 3)
    DIR/shard_NNNN_actions.npy  float32 (N, L, A)
manifest: {"world", "size", "frames_per_episode", "action_names", "action_kind", "seed",
           "shards": [{"frames", "actions", "episodes", "first_seed"}], optional "action_alignment"}.

Action alignment: the model conditions frame l on the action that *produced* frame l from frame l-1
(the app feeds the key held when a new frame starts denoising). A manifest may say
"action_alignment": "after_frame" when actions[l] is the action taken *at* frame l (it produces l+1);
the reader then shifts by one so that the trainer always sees the "before_frame" convention.
"""
import json
import os

import numpy as np
import torch

ALIGN_BEFORE = "before_frame"
ALIGN_AFTER = "after_frame"


class DatasetError(Exception):
    """A dataset directory that cannot be used; the message names the file and the problem."""


class EpisodeDataset:
    """All episodes of a dataset in memory: frames uint8 (E, L, R, R, 3), actions float32 (E, L, A)."""

    def __init__(self, frames, actions, manifest, directory):
        self.frames = frames
        self.actions = actions
        self.manifest = manifest
        self.directory = directory

    @property
    def episodes(self):
        return self.frames.shape[0]

    @property
    def length(self):
        return self.frames.shape[1]

    @property
    def resolution(self):
        return self.frames.shape[2]

    @property
    def action_dim(self):
        return self.actions.shape[2]

    @property
    def action_names(self):
        return list(self.manifest.get("action_names", []))

    @property
    def action_kind(self):
        return self.manifest.get("action_kind", "one-hot")

    def describe(self):
        """One line for the model's provenance."""
        m = self.manifest
        return (f"{m.get('world', 'unknown')} world, {self.episodes} episodes x {self.length} frames at "
                f"{self.resolution}x{self.resolution}, seed {m.get('seed', '?')}, "
                f"{len(m.get('shards', []))} shard(s), action kind {self.action_kind}")


def _read_manifest(directory):
    path = os.path.join(directory, "manifest.json")
    try:
        with open(path, "r", encoding="utf-8") as f:
            manifest = json.load(f)
    except FileNotFoundError:
        raise DatasetError(f"{path}: not found (is {directory} a dfview dataset directory?)") from None
    except (OSError, ValueError) as e:
        raise DatasetError(f"{path}: cannot read manifest: {e}") from None
    if not isinstance(manifest, dict) or not isinstance(manifest.get("shards"), list) \
            or not manifest["shards"]:
        raise DatasetError(f"{path}: manifest has no 'shards' list")
    return manifest


def _load_npy(directory, name, dtype, ndim):
    path = os.path.join(directory, name)
    try:
        array = np.load(path, mmap_mode="r", allow_pickle=False)
    except FileNotFoundError:
        raise DatasetError(f"{path}: shard file not found") from None
    except (OSError, ValueError) as e:
        raise DatasetError(f"{path}: not a readable .npy file: {e}") from None
    if array.dtype != np.dtype(dtype) or array.ndim != ndim:
        raise DatasetError(f"{path}: expected {dtype} with {ndim} dimensions, found {array.dtype} "
                           f"with shape {tuple(array.shape)}")
    return array


def _shift_actions_to_before_frame(actions):
    """actions[l] taken at frame l -> the action that produced frame l (frame 0 gets zeros)."""
    shifted = np.zeros_like(actions)
    shifted[:, 1:] = actions[:, :-1]
    return shifted


def load_dataset(directory, max_episodes=None):
    """Reads every shard of a dataset directory into memory; raises DatasetError with one clear line."""
    manifest = _read_manifest(directory)
    frame_parts, action_parts = [], []
    total = 0
    for index, shard in enumerate(manifest["shards"]):
        if not isinstance(shard, dict) or "frames" not in shard or "actions" not in shard:
            raise DatasetError(f"{directory}/manifest.json: shard {index} lacks 'frames'/'actions'")
        frames = _load_npy(directory, shard["frames"], np.uint8, 5)
        actions = _load_npy(directory, shard["actions"], np.float32, 3)
        if frames.shape[4] != 3 or frames.shape[2] != frames.shape[3]:
            raise DatasetError(f"{directory}/{shard['frames']}: expected (N, L, R, R, 3), found "
                               f"{tuple(frames.shape)}")
        if actions.shape[:2] != frames.shape[:2]:
            raise DatasetError(f"{directory}/{shard['actions']}: shape {tuple(actions.shape)} does not "
                               f"match frames {tuple(frames.shape)}")
        if frame_parts and (frames.shape[1:] != frame_parts[0].shape[1:]
                            or actions.shape[2] != action_parts[0].shape[2]):
            raise DatasetError(f"{directory}/{shard['frames']}: shape differs from the first shard")
        take = frames.shape[0] if max_episodes is None else min(frames.shape[0], max_episodes - total)
        frame_parts.append(np.ascontiguousarray(frames[:take]))
        action_parts.append(np.ascontiguousarray(actions[:take]))
        total += take
        if max_episodes is not None and total >= max_episodes:
            break
    frames = np.concatenate(frame_parts, axis=0)
    actions = np.concatenate(action_parts, axis=0)
    if frames.shape[0] == 0:
        raise DatasetError(f"{directory}: dataset holds no episodes")
    alignment = manifest.get("action_alignment", ALIGN_BEFORE)
    if alignment == ALIGN_AFTER:
        actions = _shift_actions_to_before_frame(actions)
    elif alignment != ALIGN_BEFORE:
        raise DatasetError(f"{directory}/manifest.json: unknown action_alignment '{alignment}'")
    names = manifest.get("action_names")
    if names is not None and len(names) != actions.shape[2]:
        raise DatasetError(f"{directory}/manifest.json: {len(names)} action names but actions have "
                           f"{actions.shape[2]} columns")
    return EpisodeDataset(frames, actions, manifest, directory)


class WindowSampler:
    """Draws random windows of `window` frames (every `frame_skip`-th frame) from episodes held on a
    torch device, so a GPU trainer never waits for a data loader.

    With frame_skip k, the action for a sampled frame is the mean of the k actions that led to it from
    the previous sampled frame (for one-hot actions: how often each key was held).

    A streamed dataset (data_stream.StreamingDataset) swaps up to `refresh` newly arrived episodes into the
    pool before each batch, oldest slot first."""

    def __init__(self, dataset, window, frame_skip=1, device="cpu", refresh=0):
        span = (window - 1) * frame_skip + 1
        if span > dataset.length:
            raise DatasetError(f"{dataset.directory}: episodes have {dataset.length} frames, a window of "
                               f"{window} with frame skip {frame_skip} needs {span}")
        self.window = window
        self.frame_skip = frame_skip
        self.device = torch.device(device)
        self.frames = torch.from_numpy(dataset.frames).to(self.device)
        self.actions = torch.from_numpy(dataset.actions).to(self.device)
        self.dataset, self.refresh, self.next_slot = dataset, refresh, 0
        # A window may start at frame 0; the earliest action averaged then reaches before the episode,
        # so start at frame_skip-1 at least to keep every averaged action inside it (k=1: from 0).
        self.first_start = frame_skip - 1
        self.last_start = dataset.length - span
        if self.first_start > self.last_start:
            self.first_start = self.last_start

    def sample(self, batch, generator=None):
        """Returns frames float32 (B, T, 3, R, R) in [-1, 1] and actions float32 (B, T, A)."""
        if self.refresh:
            self._swap_in_fresh_episodes()
        device = self.device
        episodes = torch.randint(0, self.frames.shape[0], (batch,), device=device, generator=generator)
        starts = torch.randint(self.first_start, self.last_start + 1, (batch,), device=device,
                               generator=generator)
        offsets = torch.arange(self.window, device=device) * self.frame_skip
        index = starts[:, None] + offsets[None, :]
        frames = self.frames[episodes[:, None], index]
        actions = self._actions_for(episodes, index)
        frames = frames.permute(0, 1, 4, 2, 3).float().div_(127.5).sub_(1.0)
        return frames, actions

    def _swap_in_fresh_episodes(self):
        for frames, actions in self.dataset.fresh(self.refresh):
            slot = self.next_slot
            self.frames[slot].copy_(torch.from_numpy(frames), non_blocking=True)
            self.actions[slot].copy_(torch.from_numpy(actions), non_blocking=True)
            self.next_slot = (slot + 1) % self.frames.shape[0]

    def _actions_for(self, episodes, index):
        if self.frame_skip == 1:
            return self.actions[episodes[:, None], index]
        total = torch.zeros(index.shape + (self.actions.shape[2],), device=self.device)
        for back in range(self.frame_skip):
            total += self.actions[episodes[:, None], (index - back).clamp_(min=0)]
        return total / self.frame_skip


# --- synthetic "moving square" world, for tests and quick CPU experiments --------------------------

SYNTHETIC_ACTIONS = ["none", "up", "down", "left", "right"]
_SYNTHETIC_MOVES = [(0, 0), (-1, 0), (1, 0), (0, -1), (0, 1)]


def _synthetic_episode(rng, length, size, square, step):
    background = rng.integers(0, 96, size=3)
    colour = rng.integers(128, 256, size=3)
    frames = np.empty((length, size, size, 3), dtype=np.uint8)
    actions = np.zeros((length, len(SYNTHETIC_ACTIONS)), dtype=np.float32)
    y, x = (int(v) for v in rng.integers(0, size - square + 1, size=2))
    action = 0
    for l in range(length):
        if l > 0:
            if rng.random() < 0.35:  # sticky actions, like the worlds' exploration agent
                action = int(rng.integers(0, len(SYNTHETIC_ACTIONS)))
            dy, dx = _SYNTHETIC_MOVES[action]
            y = min(max(y + dy * step, 0), size - square)
            x = min(max(x + dx * step, 0), size - square)
            actions[l, action] = 1.0
        frames[l] = background
        frames[l, y:y + square, x:x + square] = colour
    return frames, actions


def write_synthetic_dataset(directory, episodes=16, length=12, size=16, seed=0, shards=1,
                            square=None, step=None):
    """Writes a dataset in the dfview layout: a coloured square on a plain background that moves by
    `step` pixels per frame in the direction of the action that produced the frame (before_frame)."""
    square = square or max(2, size // 4)
    step = step or max(1, size // 8)
    os.makedirs(directory, exist_ok=True)
    rng = np.random.default_rng(seed)
    per_shard = -(-episodes // shards)
    manifest = {"world": "synthetic-squares", "size": size, "frames_per_episode": length,
                "action_names": SYNTHETIC_ACTIONS, "action_kind": "one-hot", "seed": seed,
                "action_alignment": ALIGN_BEFORE, "shards": []}
    done = 0
    for s in range(shards):
        count = min(per_shard, episodes - done)
        if count <= 0:
            break
        pairs = [_synthetic_episode(rng, length, size, square, step) for _ in range(count)]
        frames_name, actions_name = f"shard_{s:04d}_frames.npy", f"shard_{s:04d}_actions.npy"
        np.save(os.path.join(directory, frames_name), np.stack([p[0] for p in pairs]))
        np.save(os.path.join(directory, actions_name), np.stack([p[1] for p in pairs]))
        manifest["shards"].append({"frames": frames_name, "actions": actions_name, "episodes": count,
                                   "first_seed": seed + done})
        done += count
    with open(os.path.join(directory, "manifest.json"), "w", encoding="utf-8") as f:
        json.dump(manifest, f, indent=1)
    return manifest

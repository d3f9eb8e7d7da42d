"""dfview model files: a Unet3D state_dict + the `dfview` JSON configuration in one .safetensors.

Schema: models/README.md. `export_model` writes one; `load_model` builds a Unet3D from one (strict).
"""
import copy
import hashlib
import json

import numpy as np
import torch

import safetensors_io
import schedule
from dfv_unet import ROTARY_FREQS_KEY, Unet3D, complete_arch

DTYPES = {"fp32": "F32", "fp16": "F16", "bf16": "BF16"}


def default_config(arch=None, *, name="model", beta_schedule="cosine", alphas_cumprod=None,
                   context_frames=2, window=16, action_dim=0, action_names=None, action_kind="one-hot",
                   bindings=None, provenance=None, data_mean=0.5, data_std=0.5):
    """A complete `dfview` config dict with the official sampling defaults."""
    arch = complete_arch(arch)
    if alphas_cumprod is None:
        alphas_cumprod = schedule.alphas_cumprod(beta_schedule, 1000)
    names = list(action_names) if action_names else [f"a{i}" for i in range(action_dim)]
    return {
        "format": "dfview-model", "version": 1, "name": name,
        "architecture": arch,
        "diffusion": {
            "timesteps": len(alphas_cumprod), "objective": "pred_v", "beta_schedule": beta_schedule,
            "alphas_cumprod": [float(np.float32(a)) for a in alphas_cumprod],
            "stabilization_level": 15, "context_noise": False, "clip_noise": 6.0, "sampling_steps": 100, "eta": 0.0,
            "scheduling": "autoregressive", "chunk_size": 1,
            "context_frames": context_frames, "window": window,
        },
        "data": {"mean": data_mean, "std": data_std},
        "actions": {"dim": action_dim, "kind": action_kind if action_dim else "none",
                    "names": names if action_dim else [], "bindings": bindings or {}},
        "provenance": dict({"source": "", "training_data": "", "steps": 0, "license": "",
                            "weights_sha256": ""}, **(provenance or {})),
    }


def state_dict_arrays(model):
    """{name: float32 numpy} of a Unet3D's state_dict (parameters and persistent buffers), plus its rotary
    frequencies when they are not the default (a file without them means the default)."""
    arrays = {k: v.detach().cpu().float().numpy() for k, v in model.state_dict().items()}
    if not model.rotary_freqs.is_default():
        arrays[ROTARY_FREQS_KEY] = model.rotary_freqs.values.numpy()
    return arrays


def export_arrays(tensors, config, path, dtype="fp32"):
    """Write {name: array} + config; fills provenance.weights_sha256 (sha256 of the data section)."""
    if dtype not in DTYPES:
        raise ValueError(f"unknown dtype {dtype!r} (fp32, fp16, bf16)")
    config = copy.deepcopy(config)
    # Rotary frequencies stay fp32 whatever the weights' dtype: they are exact positions' angles.
    kinds = {name: "F32" if name == ROTARY_FREQS_KEY else DTYPES[dtype] for name in tensors}
    _, data = safetensors_io.pack(tensors, kinds)
    config.setdefault("provenance", {})["weights_sha256"] = hashlib.sha256(data).hexdigest()
    metadata = {"dfview": json.dumps(config, separators=(",", ":"))}
    safetensors_io.write(path, tensors, kinds, metadata)
    return config


def export_model(model, config, path, dtype="fp32"):
    """Write a Unet3D and its config dict to a dfview .safetensors; returns the config written."""
    config = copy.deepcopy(config)
    config["architecture"] = complete_arch(model.arch)
    config.setdefault("actions", {})["dim"] = model.action_dim
    return export_arrays(state_dict_arrays(model), config, path, dtype)


def read_config(path):
    _, metadata = safetensors_io.read(path)
    if "dfview" not in metadata:
        raise ValueError(f"{path}: no `dfview` entry in __metadata__")
    return json.loads(metadata["dfview"])


def load_model(path, dtype=torch.float32):
    """(Unet3D with the file's weights loaded strictly, config dict)."""
    tensors, metadata = safetensors_io.read(path)
    if "dfview" not in metadata:
        raise ValueError(f"{path}: no `dfview` entry in __metadata__")
    config = json.loads(metadata["dfview"])
    model = Unet3D(config["architecture"], int(config.get("actions", {}).get("dim", 0)))
    if ROTARY_FREQS_KEY in tensors:
        model.rotary_freqs.set(np.array(tensors.pop(ROTARY_FREQS_KEY)))
    model.load_state_dict({k: torch.from_numpy(np.array(v)) for k, v in tensors.items()}, strict=True)
    return model.to(dtype).eval(), config

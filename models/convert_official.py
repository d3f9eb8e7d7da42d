"""Convert an official Diffusion Forcing `main`-branch video checkpoint (Lightning .ckpt) to a dfview model.

usage: convert_official.py IN.ckpt OUT.safetensors [--dtype fp32|fp16|bf16] [--heads 4] [--resolution R]
                           [--window W] [--context-frames N] [--no-linear-attention] [--name NAME]
                           [--schedule sigmoid|cosine|linear]

Keys: the official trainer saves the network as `diffusion_model.model.module.<Unet3D path>` (the official
Diffusion wraps the Unet3D in an EinopsWrapper whose attribute is `module`); `diffusion_model.model.<path>`
and a bare network state dict are accepted too (the latter has no schedule buffers: give --schedule).
Rotary frequencies: rotary_embedding_torch stores them (`rotary_time_pos_embedding.freqs` and one
`….rotary_emb.freqs` per temporal attention) and the official forward uses the stored values, so they
are carried into the model file; copies that disagree are refused; none stored means the default.

The checkpoint is loaded with torch.load(weights_only=True): nothing in it is executed. The architecture
is inferred from tensor shapes (heads cannot be: default 4; nor can linear vs softmax spatial attention,
which share their weights: the official default, linear, is assumed). The resolution is not in the
weights either: it is read from a per-pixel data_mean if there is one, taken from the two released
recipes when the shapes match them, and otherwise must be given with --resolution.
"""
import argparse
import os
import re
import sys

import numpy as np

MODELS_DIR = os.path.dirname(os.path.abspath(__file__))
if MODELS_DIR not in sys.path:
    sys.path.insert(0, MODELS_DIR)

import schedule  # noqa: E402

# The official Diffusion keeps the Unet3D in an EinopsWrapper whose attribute is `module`, so Lightning
# saves it under this prefix; a state dict of the network without the wrapper has the shorter one.
PREFIXES = ("diffusion_model.model.module.", "diffusion_model.model.")
SCHEDULE_BUFFERS = ("betas", "alphas_cumprod", "alphas_cumprod_prev", "sqrt_alphas_cumprod",
                    "sqrt_one_minus_alphas_cumprod", "log_one_minus_alphas_cumprod", "sqrt_recip_alphas_cumprod",
                    "sqrt_recipm1_alphas_cumprod", "posterior_variance", "posterior_log_variance_clipped",
                    "posterior_mean_coef1", "posterior_mean_coef2", "snr", "clipped_snr", "loss_weight")

# (dim, dim_head, dim_mults) → what the released/README recipes use (spec §1).
KNOWN_RECIPES = {
    (64, 64, (1, 2, 4, 8)): {"name": "minecraft", "resolution": 128, "window": 10},
    (48, 32, (1, 2, 4, 8)): {"name": "dmlab", "resolution": 64, "window": 16},
}


class ConversionError(ValueError):
    pass


def load_checkpoint(path):
    import torch
    try:
        ckpt = torch.load(path, map_location="cpu", weights_only=True)
    except FileNotFoundError:
        raise ConversionError(f"{path}: no such file") from None
    except Exception as err:  # noqa: BLE001 - torch raises many kinds for a bad pickle
        first = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        raise ConversionError(f"{path}: not loadable as a weights-only PyTorch checkpoint ({first})") from None
    if isinstance(ckpt, dict) and isinstance(ckpt.get("state_dict"), dict):
        return ckpt["state_dict"]
    if isinstance(ckpt, dict) and all(hasattr(v, "shape") for v in ckpt.values()):
        return ckpt
    raise ConversionError(f"{path}: not a PyTorch Lightning checkpoint (no state_dict)")


def network_prefix(keys):
    """The prefix in front of the Unet3D's own names: the official wrapped form, the bare-network form,
    or '' for a state dict of the Unet3D alone; None when no init_conv is found."""
    for prefix in PREFIXES + ("",):
        if prefix + "init_conv.weight" in keys:
            return prefix
    return None


def identify_foreign(keys):
    """A one-line description of what a checkpoint that is not a main-branch video Unet3D is, or None."""
    joined = "\n".join(keys)
    if re.search(r"init_z|\bgru\b|\.gru\.|x_from_z|conv_gru|ConvGRU", joined, re.IGNORECASE):
        return ("a paper-branch Diffusion Forcing checkpoint (U-Net + ConvGRU, spec §6); dfview runs the "
                "main-branch Unet3D only")
    if network_prefix(keys) is not None:
        return None
    network = [k for k in keys if k.startswith(PREFIXES[-1])]
    if not network:
        return "not a Diffusion Forcing checkpoint (no diffusion_model.model.* weights)"
    if any("transformer" in k or "blocks." in k for k in network):
        return ("a main-branch Diffusion Forcing checkpoint without a video Unet3D (planning/robot "
                "network); dfview runs video models only")
    return "a Diffusion Forcing checkpoint whose network is not the video Unet3D (no init_conv)"


def is_rotary_copy(name):
    return name.startswith("rotary_time_pos_embedding.") or ".rotary_emb." in name


def network_tensors(state):
    """{stripped name: float32 numpy} of the Unet3D weights, rotary copies dropped."""
    prefix = network_prefix(list(state.keys()))
    out = {}
    for key, value in state.items():
        if not key.startswith(prefix) or (not prefix and key.startswith(("diffusion_model.", "data_"))):
            continue
        name = key[len(prefix):]
        if is_rotary_copy(name):
            continue
        out[name] = value.detach().cpu().float().numpy()
    return out


def rotary_freqs(state):
    """The stored rotary frequencies (float32 numpy) or None when the checkpoint stores none.

    rotary_embedding_torch keeps them as a Parameter the official forward uses, saved once for the shared
    module and once per temporal attention; loading them gives every layer the last copy read, so copies
    that disagree have no single meaning and are refused."""
    prefix = network_prefix(list(state.keys()))
    copies = {k: v.detach().cpu().float().numpy() for k, v in state.items()
              if k.startswith(prefix) and is_rotary_copy(k[len(prefix):]) and k.endswith(".freqs")}
    if not copies:
        return None
    (first_name, first), *rest = sorted(copies.items())
    for name, value in rest:
        if value.shape != first.shape or not np.array_equal(value, first):
            raise ConversionError(f"rotary frequencies disagree between {first_name} and {name}; "
                                  "the checkpoint has no single set to use")
    return first.reshape(-1)


def infer_architecture(tensors, heads, resolution, linear_attention, data_mean):
    init = tensors["init_conv.weight"]
    if init.ndim != 5 or init.shape[2] != 1:
        raise ConversionError(f"init_conv.weight has shape {list(init.shape)}, not a per-frame Conv3d (out, in, 1, k, k)")
    dim, channels, kernel = int(init.shape[0]), int(init.shape[1]), int(init.shape[-1])
    levels = 0
    while f"down_blocks.{levels}.0.0.in_layers.2.weight" in tensors:
        levels += 1
    if levels == 0:
        raise ConversionError("no down_blocks.*: not a Unet3D")
    mults = []
    for i in range(levels):
        width = int(tensors[f"down_blocks.{i}.0.0.in_layers.2.weight"].shape[0])
        if width % dim:
            raise ConversionError(f"down level {i} width {width} is not a multiple of dim {dim}")
        mults.append(width // dim)
        for part in (2, 3):
            if not any(k.startswith(f"down_blocks.{i}.0.{part}.") for k in tensors):
                raise ConversionError(f"down level {i} has no {'spatial' if part == 2 else 'temporal'} attention; "
                                      "dfview needs attention at every level")
    qkv = tensors["init_temporal_attn.wrapper.module.attn_block.attn.to_qkv.weight"]
    inner = int(qkv.shape[0]) // 3
    if inner % heads:
        raise ConversionError(f"attention width {inner} does not split into {heads} heads (try --heads)")
    dim_head = inner // heads
    recipe = KNOWN_RECIPES.get((dim, dim_head, tuple(mults)), {})
    if resolution is None and data_mean is not None and data_mean.ndim >= 2 and data_mean.shape[-1] > 1:
        resolution = int(data_mean.shape[-1])
    if resolution is None:
        resolution = recipe.get("resolution")
    if resolution is None:
        raise ConversionError("the weights do not tell the resolution (dim "
                              f"{dim}, dim_head {dim_head}, dim_mults {mults}); pass --resolution")
    if resolution % (2 ** (levels - 1)):
        raise ConversionError(f"resolution {resolution} is not divisible by {2 ** (levels - 1)} ({levels} levels)")
    arch = {"type": "unet3d", "channels": channels, "resolution": resolution, "frame_stack": 1,
            "dim": dim, "dim_mults": mults, "heads": heads, "dim_head": dim_head,
            "linear_attention": linear_attention, "init_kernel": kernel,
            "groupnorm_groups": 8, "groupnorm_eps": 1e-6, "groupnorm_per_frame": False,
            "layernorm_eps": 1e-5, "rotary": True, "causal": True}
    return arch, recipe


def find_buffer(state, suffix):
    for key, value in state.items():
        if key == suffix or key.endswith("." + suffix):
            return value.detach().cpu().double().numpy()
    return None


def schedule_name(alphas):
    for kind in ("sigmoid", "cosine", "linear"):
        ref = schedule.alphas_cumprod(kind, len(alphas))
        if np.allclose(alphas, ref, rtol=1e-4, atol=1e-9):
            return kind
    return "custom"


def data_stat(value, default):
    """The single mean/std dfview applies to every channel."""
    if value is None:
        return default
    flat = value.ravel()
    if not np.all(flat == flat[0]):
        raise ConversionError(f"data_mean/std of shape {list(value.shape)} differs between channels or pixels; "
                              "dfview models take one value for all channels")
    return float(flat[0])


def convert(in_path, out_path, dtype="fp32", heads=4, resolution=None, window=None, context_frames=2,
            linear_attention=True, name=None, beta_schedule=None):
    import torch
    import model_file
    from dfv_unet import ROTARY_FREQS_KEY, Unet3D

    state = load_checkpoint(in_path)
    foreign = identify_foreign(list(state.keys()))
    if foreign:
        raise ConversionError(f"{in_path}: refused: {foreign}")
    tensors = network_tensors(state)
    data_mean, data_std = find_buffer(state, "data_mean"), find_buffer(state, "data_std")
    arch, recipe = infer_architecture(tensors, heads, resolution, linear_attention, data_mean)

    freqs = rotary_freqs(state)
    if freqs is not None and freqs.size != arch["dim_head"] // 2:
        raise ConversionError(f"{in_path}: {freqs.size} rotary frequencies for attention heads of "
                              f"{arch['dim_head']} (try --heads)")
    # Load strictly into the reference network: proves the names and shapes are the official layout.
    model = Unet3D(arch)
    try:
        model.load_state_dict({k: torch.from_numpy(v) for k, v in tensors.items()}, strict=True)
    except RuntimeError as err:
        lines = [ln.strip() for ln in str(err).splitlines() if ln.strip()]
        raise ConversionError(f"{in_path}: weights do not match the inferred Unet3D: {' '.join(lines[1:3])[:300]}") from None

    alphas = find_buffer(state, "diffusion_model.alphas_cumprod")
    if alphas is None:
        alphas = find_buffer(state, "alphas_cumprod")
    if alphas is None and beta_schedule:
        alphas = schedule.alphas_cumprod(beta_schedule, 1000)
    if alphas is None:
        raise ConversionError(f"{in_path}: no alphas_cumprod buffer in the checkpoint (a bare network's state "
                              "dict: pass --schedule sigmoid|cosine)")
    config = model_file.default_config(
        arch, name=name or recipe.get("name", os.path.splitext(os.path.basename(out_path))[0]),
        beta_schedule=schedule_name(alphas), alphas_cumprod=alphas, context_frames=context_frames,
        window=window or recipe.get("window", 16),
        data_mean=data_stat(data_mean, 0.5), data_std=data_stat(data_std, 0.5),
        provenance={"source": f"converted from official Diffusion Forcing checkpoint {os.path.basename(in_path)}",
                    "training_data": recipe.get("name", "unknown"), "license": "see the official repository"})
    ordered = {k: tensors[k] for k in model.state_dict().keys()}
    params = sum(v.size for v in ordered.values())
    if freqs is not None:  # the checkpoint is the truth, default values or not
        ordered[ROTARY_FREQS_KEY] = freqs
    written = model_file.export_arrays(ordered, config, out_path, dtype)
    return written, params


def parse_args(argv):
    p = argparse.ArgumentParser(prog="convert-official",
                                description="Official Diffusion Forcing main-branch checkpoint → dfview .safetensors")
    p.add_argument("input")
    p.add_argument("output")
    p.add_argument("--dtype", choices=["fp32", "fp16", "bf16"], default="fp32")
    p.add_argument("--heads", type=int, default=4)
    p.add_argument("--resolution", type=int)
    p.add_argument("--window", type=int)
    p.add_argument("--context-frames", type=int, default=2)
    p.add_argument("--no-linear-attention", action="store_true",
                   help="the checkpoint was trained with use_linear_attn=False")
    p.add_argument("--name")
    p.add_argument("--schedule", choices=["sigmoid", "cosine", "linear"],
                   help="the noise schedule, for a state dict without the schedule buffers (a bare network)")
    return p.parse_args(argv)


def main(argv=None):
    args = parse_args(argv if argv is not None else sys.argv[1:])
    if args.heads < 1:
        print("convert-official: --heads must be ≥ 1", file=sys.stderr)
        return 2
    try:
        config, params = convert(args.input, args.output, args.dtype, args.heads, args.resolution, args.window,
                                 args.context_frames, not args.no_linear_attention, args.name, args.schedule)
    except (ConversionError, OSError, ValueError) as err:
        print(f"convert-official: {err}", file=sys.stderr)
        return 1
    a = config["architecture"]
    print(f"wrote {args.output}: Unet3D dim {a['dim']} mults {a['dim_mults']} heads {a['heads']}×{a['dim_head']} "
          f"{a['resolution']}×{a['resolution']}, {params:,} parameters, {config['diffusion']['beta_schedule']} "
          f"schedule, {args.dtype}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

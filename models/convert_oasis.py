"""Convert Etched's open-oasis checkpoints (the DiT and the ViT-VAE) into one dfview model file.

usage: convert_oasis.py DIT VAE OUT.safetensors [--dit-heads 16] [--vae-heads 16] [--image 360x640]
                        [--max-frames 32] [--dtype fp32|fp16] [--name NAME]

DIT and VAE are the official files (`oasis500m.safetensors`, `vit-l-20.safetensors`) or `.pt` state dicts,
loaded with torch.load(weights_only=True): nothing in them is executed. Sizes come from the tensor shapes;
what shapes cannot tell comes from the flags (Oasis-500M's values by default): the head counts (checked
against the stored rotary frequencies where the DiT has them), the image size (the latent grid is the
image over the VAE patch) and the DiT's frame window.

The output keeps the official tensors under their official names and shapes, prefixed `dit.` and `vae.`
(layout in models/README.md, "Oasis models"); the DiT's rotary frequencies, which every block shares and
a checkpoint may store under any of their aliases, are kept once as `dit.spatial_rotary_emb.freqs` and
`dit.temporal_rotary_emb.freqs`. The sampler's schedule (generate.py: sigmoid betas over 1000 levels,
v-prediction, 10 DDIM steps, stabilization level 15, noise clamp 20) goes into the metadata.
"""
import argparse
import hashlib
import json
import os
import re
import sys

import numpy as np

MODELS_DIR = os.path.dirname(os.path.abspath(__file__))
for _path in (MODELS_DIR, os.path.join(MODELS_DIR, "oasis")):
    if _path not in sys.path:
        sys.path.insert(0, _path)

import oasis_np  # noqa: E402
import safetensors_io  # noqa: E402

SCALING_FACTOR = 0.07843137255
# utils.py ACTION_KEYS, in order; camera values are continuous in [-1, 1], the rest 0/1.
ACTION_KEYS = ["inventory", "ESC", "hotbar.1", "hotbar.2", "hotbar.3", "hotbar.4", "hotbar.5", "hotbar.6",
               "hotbar.7", "hotbar.8", "hotbar.9", "forward", "back", "left", "right", "cameraX", "cameraY",
               "jump", "sneak", "sprint", "swapHands", "attack", "use", "pickItem", "drop"]
SPATIAL_FREQS, TEMPORAL_FREQS = "spatial_rotary_emb.freqs", "temporal_rotary_emb.freqs"


class ConversionError(ValueError):
    pass


def load_state(path, what):
    """{name: float32 numpy} from a safetensors file or a weights-only .pt state dict."""
    if not os.path.exists(path):
        raise ConversionError(f"{path}: no such file")
    if path.endswith(".safetensors"):
        try:
            tensors, _ = safetensors_io.read(path)
        except (safetensors_io.SafetensorsError, OSError) as err:
            raise ConversionError(f"{path}: not a readable safetensors file ({err})") from None
        return {k: np.asarray(v, np.float32) for k, v in tensors.items()}
    import torch
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as err:  # noqa: BLE001 - torch raises many kinds for a bad pickle
        first = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        raise ConversionError(f"{path}: not loadable as a weights-only PyTorch state dict ({first})") from None
    if not isinstance(state, dict) or not all(hasattr(v, "shape") for v in state.values()):
        raise ConversionError(f"{path}: not a state dict of tensors (the {what} checkpoint)")
    return {k: v.detach().float().numpy() for k, v in state.items()}


def need(state, name, ndim, what):
    if name not in state:
        raise ConversionError(f"the {what} checkpoint lacks {name}: not an open-oasis {what}")
    if state[name].ndim != ndim:
        raise ConversionError(f"{what} tensor {name} has shape {list(state[name].shape)}, expected {ndim} dims")
    return state[name]


def count_blocks(state, prefix):
    found = {int(m.group(1)) for k in state for m in [re.match(re.escape(prefix) + r"\.(\d+)\.", k)] if m}
    if found != set(range(len(found))):
        raise ConversionError(f"{prefix} blocks are not numbered 0..n-1: {sorted(found)}")
    return len(found)


def shared_freqs(state, name, alias_pattern):
    """The one value of a rotary frequency vector stored under `name` and/or block aliases."""
    copies = {k: v for k, v in state.items() if k == name or re.fullmatch(alias_pattern, k)}
    if not copies:
        raise ConversionError(f"the DiT checkpoint has no {name} (nor a per-block copy)")
    first = next(iter(copies.values()))
    for key, value in copies.items():
        if value.shape != first.shape or not np.array_equal(value, first):
            raise ConversionError(f"DiT rotary frequencies differ between copies ({key}); every block shares one")
    return first, set(copies)


def expect_shape(state, name, shape, what):
    if name not in state:
        raise ConversionError(f"the {what} checkpoint lacks {name}")
    if tuple(state[name].shape) != tuple(shape):
        raise ConversionError(f"{what} tensor {name} has shape {list(state[name].shape)}, expected {list(shape)}")


def dit_architecture(state, heads, grid, max_frames):
    proj = need(state, "x_embedder.proj.weight", 4, "DiT")
    hidden, channels, patch = proj.shape[0], proj.shape[1], proj.shape[2]
    if proj.shape[3] != patch:
        raise ConversionError(f"DiT patch embedding is not square: {list(proj.shape)}")
    if heads < 1 or hidden % heads or (hidden // heads) % 4:
        raise ConversionError(f"--dit-heads {heads} does not split width {hidden} into heads of a multiple of 4")
    dim_head = hidden // heads
    spatial, spatial_names = shared_freqs(state, SPATIAL_FREQS, r"blocks\.\d+\.s_attn\.rotary_emb\.freqs")
    temporal, temporal_names = shared_freqs(state, TEMPORAL_FREQS, r"blocks\.\d+\.t_attn\.rotary_emb\.freqs")
    if spatial.shape != (dim_head // 4,) or temporal.shape != (dim_head // 2,):
        raise ConversionError(f"--dit-heads {heads} (head dim {dim_head}) implies {dim_head // 4} spatial and "
                              f"{dim_head // 2} temporal rotary frequencies; the checkpoint has {spatial.shape[0]} "
                              f"and {temporal.shape[0]}")
    if grid[0] % patch or grid[1] % patch:
        raise ConversionError(f"the latent grid {grid[0]}x{grid[1]} is not divisible by the DiT patch {patch}")
    freq_dim = need(state, "t_embedder.mlp.0.weight", 2, "DiT").shape[1]
    action_dim = state["external_cond.weight"].shape[1] if "external_cond.weight" in state else 0
    mlp_hidden = need(state, "blocks.0.s_mlp.fc1.weight", 2, "DiT").shape[0]
    arch = {"channels": int(channels), "input_h": int(grid[0]), "input_w": int(grid[1]), "patch": int(patch),
            "hidden": int(hidden), "depth": count_blocks(state, "blocks"), "heads": int(heads),
            "mlp_hidden": int(mlp_hidden), "frequency_dim": int(freq_dim), "action_dim": int(action_dim),
            "max_frames": int(max_frames), "layernorm_eps": 1e-6}
    return arch, spatial, temporal, spatial_names | temporal_names


def dit_tensor_shapes(a):
    d, m, p, c = a["hidden"], a["mlp_hidden"], a["patch"], a["channels"]
    shapes = {"x_embedder.proj.weight": (d, c, p, p), "x_embedder.proj.bias": (d,),
              "t_embedder.mlp.0.weight": (d, a["frequency_dim"]), "t_embedder.mlp.0.bias": (d,),
              "t_embedder.mlp.2.weight": (d, d), "t_embedder.mlp.2.bias": (d,),
              "final_layer.linear.weight": (p * p * c, d), "final_layer.linear.bias": (p * p * c,),
              "final_layer.adaLN_modulation.1.weight": (2 * d, d), "final_layer.adaLN_modulation.1.bias": (2 * d,)}
    if a["action_dim"]:
        shapes.update({"external_cond.weight": (d, a["action_dim"]), "external_cond.bias": (d,)})
    for i in range(a["depth"]):
        for kind in "st":
            pre = f"blocks.{i}.{kind}_"
            shapes.update({pre + "adaLN_modulation.1.weight": (6 * d, d), pre + "adaLN_modulation.1.bias": (6 * d,),
                           pre + "attn.to_qkv.weight": (3 * d, d), pre + "attn.to_out.weight": (d, d),
                           pre + "attn.to_out.bias": (d,), pre + "mlp.fc1.weight": (m, d), pre + "mlp.fc1.bias": (m,),
                           pre + "mlp.fc2.weight": (d, m), pre + "mlp.fc2.bias": (d,)})
    return shapes


def vae_architecture(state, heads, image):
    proj = need(state, "patch_embed.proj.weight", 4, "VAE")
    enc_dim, patch = proj.shape[0], proj.shape[2]
    if proj.shape[1] != 3 or proj.shape[3] != patch:
        raise ConversionError(f"VAE patch embedding {list(proj.shape)} is not a square patch of 3 channels")
    if image[0] % patch or image[1] % patch:
        raise ConversionError(f"--image {image[0]}x{image[1]} is not divisible by the VAE patch {patch}")
    quant = need(state, "quant_conv.weight", 2, "VAE")
    if quant.shape[0] % 2:
        raise ConversionError("VAE quant_conv has an odd width: not a variational (mean, logvar) bottleneck")
    latent = quant.shape[0] // 2
    dec_dim = need(state, "post_quant_conv.weight", 2, "VAE").shape[0]
    for dim, where in ((enc_dim, "encoder"), (dec_dim, "decoder")):
        if heads < 1 or dim % heads or (dim // heads) % 8 or dim // heads < 16:
            raise ConversionError(f"--vae-heads {heads} does not split the {where} width {dim} into heads of a "
                                  f"multiple of 8, at least 16 (its rotary needs head dim / 4 >= 4)")
    enc_depth, dec_depth = count_blocks(state, "encoder"), count_blocks(state, "decoder")
    if enc_depth < 1 or dec_depth < 1:
        raise ConversionError("the VAE checkpoint has no encoder or no decoder blocks")
    arch = {"latent": int(latent), "image_h": int(image[0]), "image_w": int(image[1]), "patch": int(patch),
            "enc_dim": int(enc_dim), "enc_depth": enc_depth, "enc_mlp": int(state["encoder.0.mlp.fc1.weight"].shape[0]),
            "dec_dim": int(dec_dim), "dec_depth": dec_depth, "dec_mlp": int(state["decoder.0.mlp.fc1.weight"].shape[0]),
            "heads": int(heads), "layernorm_eps": 1e-6, "scaling_factor": SCALING_FACTOR}
    return arch


def vae_tensor_shapes(a):
    p, latent = a["patch"], a["latent"]
    shapes = {"patch_embed.proj.weight": (a["enc_dim"], 3, p, p), "patch_embed.proj.bias": (a["enc_dim"],),
              "enc_norm.weight": (a["enc_dim"],), "enc_norm.bias": (a["enc_dim"],),
              "quant_conv.weight": (2 * latent, a["enc_dim"]), "quant_conv.bias": (2 * latent,),
              "post_quant_conv.weight": (a["dec_dim"], latent), "post_quant_conv.bias": (a["dec_dim"],),
              "dec_norm.weight": (a["dec_dim"],), "dec_norm.bias": (a["dec_dim"],),
              "predictor.weight": (3 * p * p, a["dec_dim"]), "predictor.bias": (3 * p * p,)}
    for where, dim, depth, mlp in (("encoder", a["enc_dim"], a["enc_depth"], a["enc_mlp"]),
                                   ("decoder", a["dec_dim"], a["dec_depth"], a["dec_mlp"])):
        for i in range(depth):
            pre = f"{where}.{i}."
            shapes.update({pre + "norm1.weight": (dim,), pre + "norm1.bias": (dim,), pre + "norm2.weight": (dim,),
                           pre + "norm2.bias": (dim,), pre + "attn.qkv.weight": (3 * dim, dim),
                           pre + "attn.qkv.bias": (3 * dim,), pre + "attn.proj.weight": (dim, dim),
                           pre + "attn.proj.bias": (dim,), pre + "mlp.fc1.weight": (mlp, dim),
                           pre + "mlp.fc1.bias": (mlp,), pre + "mlp.fc2.weight": (dim, mlp), pre + "mlp.fc2.bias": (dim,)})
    return shapes


def check_exact(state, shapes, what, ignored=()):
    for name, shape in shapes.items():
        expect_shape(state, name, shape, what)
    extra = sorted(set(state) - set(shapes) - set(ignored))
    if extra:
        raise ConversionError(f"the {what} checkpoint has tensors an open-oasis {what} does not: "
                              f"{', '.join(extra[:3])}{' ...' if len(extra) > 3 else ''}")


def model_config(name, dit, vae):
    return {
        "format": "dfview-model", "version": 1, "name": name,
        "architecture": {"type": "oasis", "dit": dit, "vae": vae},
        "diffusion": {"timesteps": 1000, "objective": "pred_v", "beta_schedule": "sigmoid",
                      "alphas_cumprod": [float(a) for a in oasis_np.sigmoid_alphas_cumprod()],
                      "stabilization_level": 15, "clip_noise": 20.0, "sampling_steps": 10, "eta": 0.0,
                      "scheduling": "autoregressive", "chunk_size": 1, "context_frames": 1,
                      "window": dit["max_frames"]},
        "data": {"mean": 0.5, "std": 0.5},
        "actions": {"dim": dit["action_dim"], "kind": "continuous", "names": ACTION_KEYS[:dit["action_dim"]]
                    if dit["action_dim"] == len(ACTION_KEYS) else [f"a{i}" for i in range(dit["action_dim"])]},
        "provenance": {"source": "github.com/etched-ai/open-oasis", "training_data": "", "steps": -1,
                       "license": "", "weights_sha256": ""},
    }


def parse_image(text):
    m = re.fullmatch(r"(\d+)x(\d+)", text or "")
    if not m or int(m.group(1)) < 1 or int(m.group(2)) < 1:
        raise ConversionError(f"--image {text!r}: expected HxW, e.g. 360x640")
    return int(m.group(1)), int(m.group(2))


def convert(dit_path, vae_path, out_path, dit_heads=16, vae_heads=16, image="360x640", max_frames=32, dtype="fp32",
            name=None):
    if max_frames < 1:
        raise ConversionError(f"--max-frames {max_frames} must be >= 1")
    if dtype not in ("fp32", "fp16"):
        raise ConversionError(f"--dtype {dtype}: fp32 or fp16")
    image_hw = parse_image(image)
    vae_state, dit_state = load_state(vae_path, "VAE"), load_state(dit_path, "DiT")
    vae = vae_architecture(vae_state, vae_heads, image_hw)
    check_exact(vae_state, vae_tensor_shapes(vae), "VAE")
    grid = (image_hw[0] // vae["patch"], image_hw[1] // vae["patch"])
    dit, spatial, temporal, aliases = dit_architecture(dit_state, dit_heads, grid, max_frames)
    if dit["channels"] != vae["latent"]:
        raise ConversionError(f"the DiT takes {dit['channels']} latent channels, the VAE makes {vae['latent']}")
    check_exact(dit_state, dit_tensor_shapes(dit), "DiT", ignored=aliases)
    tensors = {}
    for key in sorted(dit_tensor_shapes(dit)):
        tensors["dit." + key] = dit_state[key]
    tensors["dit." + SPATIAL_FREQS], tensors["dit." + TEMPORAL_FREQS] = spatial, temporal
    for key in sorted(vae_tensor_shapes(vae)):
        tensors["vae." + key] = vae_state[key]
    tensors = dict(sorted(tensors.items()))
    kind = {"fp32": "F32", "fp16": "F16"}[dtype]
    config = model_config(name or os.path.splitext(os.path.basename(out_path))[0], dit, vae)
    _, data = safetensors_io.pack(tensors, kind)
    config["provenance"]["weights_sha256"] = hashlib.sha256(data).hexdigest()
    safetensors_io.write(out_path, tensors, kind, {"dfview": json.dumps(config, separators=(",", ":"))})
    params = sum(int(np.prod(v.shape)) for v in tensors.values())
    return config, params


def parse_args(argv):
    p = argparse.ArgumentParser(prog="convert-oasis", description="open-oasis DiT + ViT-VAE → one dfview .safetensors")
    p.add_argument("dit")
    p.add_argument("vae")
    p.add_argument("output")
    p.add_argument("--dit-heads", type=int, default=16)
    p.add_argument("--vae-heads", type=int, default=16, help="the encoder's and the decoder's")
    p.add_argument("--image", default="360x640", help="HxW; the latent grid is the image over the VAE patch")
    p.add_argument("--max-frames", type=int, default=32)
    p.add_argument("--dtype", choices=["fp32", "fp16"], default="fp32")
    p.add_argument("--name")
    return p.parse_args(argv)


def main(argv=None):
    args = parse_args(argv if argv is not None else sys.argv[1:])
    try:
        config, params = convert(args.dit, args.vae, args.output, args.dit_heads, args.vae_heads, args.image,
                                 args.max_frames, args.dtype, args.name)
    except (ConversionError, OSError) as err:
        print(f"convert-oasis: {err}", file=sys.stderr)
        return 1
    d, v = config["architecture"]["dit"], config["architecture"]["vae"]
    print(f"wrote {args.output}: DiT width {d['hidden']} depth {d['depth']} heads {d['heads']} patch {d['patch']} "
          f"on {d['channels']}x{d['input_h']}x{d['input_w']} latents, {d['action_dim']} actions; ViT-VAE patch "
          f"{v['patch']} {v['image_h']}x{v['image_w']} enc {v['enc_dim']}x{v['enc_depth']} dec "
          f"{v['dec_dim']}x{v['dec_depth']}; {params:,} parameters, {args.dtype}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

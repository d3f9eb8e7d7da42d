"""Golden data for the Oasis-500M port: tiny configurations of the OFFICIAL open-oasis DiT and ViT-VAE.

usage: make_golden.py UPSTREAM_DIR OUT_DIR [--seed S]

UPSTREAM_DIR holds the official dit.py, vae.py, attention.py and rotary_embedding_torch.py (from
github.com/etched-ai/open-oasis, extracted with `git show`; never committed here) and must be importable
together with einops (put the einops package on PYTHONPATH). Debian's torch 1.13 lacks three things the
official code imports; they are stood in here, each with its documented behaviour:
  - timm.models.vision_transformer.Mlp: fc1 -> act_layer() -> fc2 (dropout 0, no norm), keys fc1/fc2;
  - timm.layers.helpers.to_2tuple: n -> (n, n);
  - torch.nn.functional.scaled_dot_product_attention (torch 2): softmax(q kᵀ · scale + mask) v with
    scale 1/sqrt(d) by default, is_causal = a lower-triangular (diagonal included) boolean mask, a boolean
    attn_mask keeping True entries, a float attn_mask added.
safetensors is not in Debian either: checkpoints are written as safetensors' save_model writes them
(tensors sharing storage stored once, under the alphabetically first complete name), using our own
models/safetensors_io.py.

OUT_DIR receives (all float32 unless said):
  dit.safetensors   the tiny DiT's state dict, every parameter perturbed (rotary frequencies included)
  dit_x.npy         (B, T, C, H, W) latents         dit_t.npy  (B, T) int64 noise levels
  dit_a.npy         (B, T, 25) actions              dit_v.npy  (B, T, C, H, W) the DiT's output
  vae.safetensors   the tiny ViT-VAE's state dict, every parameter perturbed
  vae_img.npy       (N, 3, H, W) images in the encoder's input range [-1, 1]
  vae_z.npy         (N, C, h, w) encode(img).mean * scaling_factor, in the DiT's layout
  vae_zin.npy       (N, C, h, w) latents in the DiT's layout (scaled as the DiT sees them)
  vae_dec.npy       (N, 3, H, W) vae.decode(zin / scaling_factor), before it becomes pixels
  sample_*.npy      the official generate.py sampling loop run end to end on these checkpoints (4 frames
                    from a 1-frame prompt, 3 DDIM steps, the DiT's window cut to 3 frames so that the
                    sliding window moves): prompt (1,1,3,H,W) in [0,1], actions (1,4,25) (row 0 zero, as
                    load_actions makes it), noise (3,1,C,h,w) (every torch.randn the loop drew, in order),
                    latents (1,4,C,h,w) (the result before decoding, in the DiT's scale), decoded
                    (4,3,H,W) (vae.decode's output, before (y+1)/2 and the clamp)
  case.json         the configurations, the upstream commit (if given) and output statistics

generate.py is imported with further stand-ins for what it needs and this machine lacks, none of which
touches the numbers: torch.cuda.is_available() answers True during its import only (its module-level
assert), `device` is then set to "cpu" (CUDA autocast is off on a CPU-only torch, so it runs in float32),
tqdm is the identity, torchvision's readers/writer and safetensors' load_model are replaced, and its
load_prompt/load_actions return the tensors above.
"""
import argparse
import json
import math
import os
import sys
import types

import numpy as np

MODELS_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if MODELS_DIR not in sys.path:
    sys.path.insert(0, MODELS_DIR)

import safetensors_io  # noqa: E402

SCALING_FACTOR = 0.07843137255  # generate.py's VAE latent scale

DIT_CONFIG = dict(input_h=6, input_w=8, patch_size=2, in_channels=4, hidden_size=64, depth=2, num_heads=4,
                  mlp_ratio=4.0, external_cond_dim=25, max_frames=32)
VAE_CONFIG = dict(latent_dim=4, input_height=24, input_width=32, patch_size=4, enc_dim=64, enc_depth=1,
                  enc_heads=2, dec_dim=32, dec_depth=2, dec_heads=2, mlp_ratio=4.0)
DIT_BATCH, DIT_FRAMES, VAE_IMAGES = 2, 3, 2


def install_stand_ins(torch):
    """The documented behaviour of what torch 1.13 and Debian lack, registered where the official code
    imports it from."""
    nn, F = torch.nn, torch.nn.functional

    class Mlp(nn.Module):
        def __init__(self, in_features, hidden_features=None, out_features=None, act_layer=nn.GELU, drop=0.0,
                     bias=True, **unused):
            super().__init__()
            hidden_features = hidden_features or in_features
            out_features = out_features or in_features
            self.fc1 = nn.Linear(in_features, hidden_features, bias=bias)
            self.act = act_layer()
            self.fc2 = nn.Linear(hidden_features, out_features, bias=bias)
            assert drop == 0

        def forward(self, x):
            return self.fc2(self.act(self.fc1(x)))

    def to_2tuple(n):
        return tuple(n) if isinstance(n, (tuple, list)) else (n, n)

    def scaled_dot_product_attention(query, key, value, attn_mask=None, dropout_p=0.0, is_causal=False,
                                     scale=None):
        assert dropout_p == 0.0
        scale = 1.0 / math.sqrt(query.shape[-1]) if scale is None else scale
        scores = query @ key.transpose(-2, -1) * scale
        if is_causal:
            keep = torch.ones(query.shape[-2], key.shape[-2], dtype=torch.bool).tril(diagonal=0)
            scores = scores.masked_fill(~keep, float("-inf"))
        if attn_mask is not None:
            if attn_mask.dtype == torch.bool:
                scores = scores.masked_fill(~attn_mask, float("-inf"))
            else:
                scores = scores + attn_mask
        return scores.softmax(dim=-1) @ value

    F.scaled_dot_product_attention = scaled_dot_product_attention
    timm = types.ModuleType("timm")
    timm_models = types.ModuleType("timm.models")
    timm_vit = types.ModuleType("timm.models.vision_transformer")
    timm_vit.Mlp = Mlp
    timm_layers = types.ModuleType("timm.layers")
    timm_helpers = types.ModuleType("timm.layers.helpers")
    timm_helpers.to_2tuple = to_2tuple
    sys.modules.update({"timm": timm, "timm.models": timm_models, "timm.models.vision_transformer": timm_vit,
                        "timm.layers": timm_layers, "timm.layers.helpers": timm_helpers})


def perturb(torch, model, generator):
    """Moves every parameter off its initial value (the official init zeroes the adaLN and final layers):
    matrices ~ N(0, 1/fan_in), norm weights 1 ± 0.2, biases ~ N(0, 0.1²), rotary frequencies × U(0.8, 1.2)."""
    with torch.no_grad():
        for name, p in model.named_parameters():  # shared parameters (the rotary modules) come once
            noise = torch.randn(p.shape, generator=generator)
            if name.endswith("freqs"):
                p.mul_(0.8 + 0.4 * torch.rand(p.shape, generator=generator))
            elif p.dim() >= 2:
                p.copy_(noise / math.sqrt(p[0].numel()))
            elif name.endswith("weight"):
                p.copy_(1.0 + 0.2 * noise)
            else:
                p.copy_(0.1 * noise)


def save_like_safetensors(torch, model, path):
    """state_dict() with each group of storage-sharing tensors kept once, under the alphabetically first
    name (safetensors.torch.save_model's rule), as float32."""
    state = model.state_dict()
    groups = {}
    for name, tensor in state.items():
        groups.setdefault(tensor.data_ptr(), []).append(name)
    tensors = {}
    for names in groups.values():
        keep = sorted(names)[0]
        tensors[keep] = state[keep].detach().cpu().numpy().astype(np.float32)
    safetensors_io.write(path, dict(sorted(tensors.items())), dtype="F32")
    return sorted(tensors)


def stats(array):
    return {"shape": list(array.shape), "mean": float(array.mean()), "std": float(array.std()),
            "max_abs": float(np.abs(array).max())}


def make_dit(torch, dit_module, out_dir, generator):
    model = dit_module.DiT(**DIT_CONFIG).eval()
    perturb(torch, model, generator)
    keys = save_like_safetensors(torch, model, os.path.join(out_dir, "dit.safetensors"))
    c, h, w = DIT_CONFIG["in_channels"], DIT_CONFIG["input_h"], DIT_CONFIG["input_w"]
    x = torch.randn(DIT_BATCH, DIT_FRAMES, c, h, w, generator=generator)
    t = torch.randint(0, 1000, (DIT_BATCH, DIT_FRAMES), generator=generator, dtype=torch.long)
    t[0, 0] = 14  # the context level generate.py uses (stabilization_level - 1)
    keys_pressed = (torch.rand(DIT_BATCH, DIT_FRAMES, 25, generator=generator) < 0.3).float()
    camera = torch.rand(DIT_BATCH, DIT_FRAMES, 2, generator=generator) * 2 - 1
    actions = keys_pressed.clone()
    actions[..., 15:17] = camera  # cameraX, cameraY: continuous in [-1, 1]
    with torch.no_grad():
        v = model(x, t, actions)
    arrays = {"dit_x": x.numpy(), "dit_t": t.numpy(), "dit_a": actions.numpy(), "dit_v": v.numpy()}
    for name, array in arrays.items():
        np.save(os.path.join(out_dir, name + ".npy"), array)
    return {"config": DIT_CONFIG, "keys": keys, "output": stats(arrays["dit_v"])}


def make_vae(torch, vae_module, out_dir, generator):
    model = vae_module.AutoencoderKL(**VAE_CONFIG).eval()
    perturb(torch, model, generator)
    keys = save_like_safetensors(torch, model, os.path.join(out_dir, "vae.safetensors"))
    height, width, patch = VAE_CONFIG["input_height"], VAE_CONFIG["input_width"], VAE_CONFIG["patch_size"]
    h, w, c = height // patch, width // patch, VAE_CONFIG["latent_dim"]
    img = torch.rand(VAE_IMAGES, 3, height, width, generator=generator) * 2 - 1
    z_in = torch.randn(VAE_IMAGES, c, h, w, generator=generator)
    with torch.no_grad():
        z = model.encode(img).mean * SCALING_FACTOR  # generate.py: vae.encode(x * 2 - 1).mean * scaling
        z = z.reshape(VAE_IMAGES, h, w, c).permute(0, 3, 1, 2).contiguous()  # "(h w) c -> c h w"
        tokens = z_in.permute(0, 2, 3, 1).reshape(VAE_IMAGES, h * w, c)  # "c h w -> (h w) c"
        dec = model.decode(tokens / SCALING_FACTOR)
    arrays = {"vae_img": img.numpy(), "vae_z": z.numpy(), "vae_zin": z_in.numpy(), "vae_dec": dec.numpy()}
    for name, array in arrays.items():
        np.save(os.path.join(out_dir, name + ".npy"), array)
    return {"config": VAE_CONFIG, "scaling_factor": SCALING_FACTOR, "keys": keys,
            "encode": stats(arrays["vae_z"]), "decode": stats(arrays["vae_dec"])}


SAMPLE_FRAMES, SAMPLE_STEPS, SAMPLE_WINDOW = 4, 3, 3


def install_generate_stand_ins(written):
    """Modules generate.py and utils.py import that Debian lacks; `written` collects write_video's frames."""
    torchvision = types.ModuleType("torchvision")
    tv_io = types.ModuleType("torchvision.io")
    tv_transforms = types.ModuleType("torchvision.transforms")
    tv_functional = types.ModuleType("torchvision.transforms.functional")

    def unavailable(*args, **kwargs):
        raise RuntimeError("not used: the prompt comes from make_golden")

    tv_io.read_image = tv_io.read_video = tv_functional.resize = unavailable
    tv_io.write_video = lambda path, frames, fps=None, **kw: written.append(frames.clone())
    tqdm = types.ModuleType("tqdm")
    tqdm.tqdm = lambda iterable, *a, **kw: iterable
    safetensors = types.ModuleType("safetensors")
    safetensors_torch = types.ModuleType("safetensors.torch")

    def load_model(model, filename, strict=True):
        """safetensors.torch.load_model: the file's tensors into the model; names it lacks may only be
        aliases of a shared tensor (which save_model stores once)."""
        import torch
        tensors, _ = safetensors_io.read(filename)
        state = {k: torch.from_numpy(np.array(v)) for k, v in tensors.items()}
        missing, unexpected = model.load_state_dict(state, strict=False)
        shared = {n for n, t in model.state_dict().items()
                  if any(t.data_ptr() == u.data_ptr() for m, u in model.state_dict().items() if m in state)}
        assert not unexpected and set(missing) <= shared, (missing, unexpected)
        return missing, unexpected

    safetensors_torch.load_model = load_model
    sys.modules.update({"torchvision": torchvision, "torchvision.io": tv_io, "torchvision.transforms": tv_transforms,
                        "torchvision.transforms.functional": tv_functional, "tqdm": tqdm,
                        "safetensors": safetensors, "safetensors.torch": safetensors_torch})


def make_sampling(torch, dit_module, vae_module, out_dir, generator):
    """Runs the official generate.main on the golden checkpoints and records what it drew and made."""
    written, noise, decode_inputs, decoded = [], [], [], []
    install_generate_stand_ins(written)
    real_available = torch.cuda.is_available
    torch.cuda.is_available = lambda: True  # generate.py asserts it at import
    try:
        import generate
    finally:
        torch.cuda.is_available = real_available
    generate.device = "cpu"
    height, width = VAE_CONFIG["input_height"], VAE_CONFIG["input_width"]
    prompt = torch.rand(1, 1, 3, height, width, generator=generator)
    actions = (torch.rand(1, SAMPLE_FRAMES, 25, generator=generator) < 0.3).float()
    actions[..., 15:17] = torch.rand(1, SAMPLE_FRAMES, 2, generator=generator) * 2 - 1
    actions[:, 0] = 0  # load_actions prepends a zero row
    generate.load_prompt = lambda path, video_offset=None, n_prompt_frames=1: prompt.clone()
    generate.load_actions = lambda path, action_offset=None: actions.clone()

    def make_vae():
        vae = vae_module.AutoencoderKL(**VAE_CONFIG)
        real_decode = vae.decode

        def decode(z):
            decode_inputs.append(z.detach().clone())
            out = real_decode(z)
            decoded.append(out.detach().clone())
            return out
        vae.decode = decode
        return vae

    generate.DiT_models = {"DiT-S/2": lambda: dit_module.DiT(**dict(DIT_CONFIG, max_frames=SAMPLE_WINDOW))}
    generate.VAE_models = {"vit-l-20-shallow-encoder": make_vae}
    real_randn = torch.randn

    def recording_randn(*args, **kwargs):
        out = real_randn(*args, **kwargs)
        noise.append(out.clone())
        return out

    args = types.SimpleNamespace(oasis_ckpt=os.path.join(out_dir, "dit.safetensors"),
                                 vae_ckpt=os.path.join(out_dir, "vae.safetensors"), num_frames=SAMPLE_FRAMES,
                                 prompt_path="prompt.png", actions_path="actions.one_hot_actions.pt",
                                 video_offset=None, n_prompt_frames=1, output_path=os.path.join(out_dir, "unused.mp4"),
                                 fps=20, ddim_steps=SAMPLE_STEPS)
    torch.randn = recording_randn
    try:
        generate.main(args)
    finally:
        torch.randn = real_randn
    assert len(decoded) == 1 and len(written) == 1 and len(noise) == SAMPLE_FRAMES - 1
    h, w, c = height // VAE_CONFIG["patch_size"], width // VAE_CONFIG["patch_size"], VAE_CONFIG["latent_dim"]
    # decode's input is x / scaling_factor laid out "(b t) (h w) c"; back to the DiT's (b, t, c, h, w)
    latents = (decode_inputs[0] * SCALING_FACTOR).reshape(1, SAMPLE_FRAMES, h, w, c).permute(0, 1, 4, 2, 3)
    arrays = {"sample_prompt": prompt.numpy(), "sample_actions": actions.numpy(),
              "sample_noise": torch.cat(noise, 0).numpy(), "sample_latents": latents.contiguous().numpy(),
              "sample_decoded": decoded[0].numpy()}
    for name, array in arrays.items():
        np.save(os.path.join(out_dir, name + ".npy"), array)
    return {"frames": SAMPLE_FRAMES, "prompt_frames": 1, "ddim_steps": SAMPLE_STEPS, "max_frames": SAMPLE_WINDOW,
            "latents": stats(arrays["sample_latents"]), "decoded": stats(arrays["sample_decoded"])}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("upstream", help="directory with the official open-oasis sources")
    parser.add_argument("out_dir")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--upstream-commit", default="", help="recorded in case.json")
    args = parser.parse_args(argv)

    import torch
    torch.set_num_threads(max(1, min(2, os.cpu_count() or 1)))
    install_stand_ins(torch)
    sys.path.insert(0, os.path.abspath(args.upstream))
    import dit as dit_module  # the official sources
    import vae as vae_module

    os.makedirs(args.out_dir, exist_ok=True)
    generator = torch.Generator().manual_seed(args.seed)
    torch.manual_seed(args.seed)  # the official constructors initialise from the global generator
    case = {"upstream": "github.com/etched-ai/open-oasis", "upstream_commit": args.upstream_commit,
            "seed": args.seed, "dit": make_dit(torch, dit_module, args.out_dir, generator),
            "vae": make_vae(torch, vae_module, args.out_dir, generator)}
    case["sampling"] = make_sampling(torch, dit_module, vae_module, args.out_dir, generator)
    with open(os.path.join(args.out_dir, "case.json"), "w") as f:
        json.dump(case, f, indent=1)
        f.write("\n")
    print(json.dumps({k: case[k] for k in ("dit", "vae", "sampling")}, default=str)[-1500:])


if __name__ == "__main__":
    main()

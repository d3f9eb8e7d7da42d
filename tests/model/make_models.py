"""Writes the model-file fixtures for tests/model/test_model_loader.c from the Python reference side
(models/dfv_unet.py, models/model_file.py, models/safetensors_io.py), independent of the C loader:

  OUT/tiny_{f32,f16,bf16}.safetensors, OUT/tiny_actions.safetensors   valid models
  OUT/expected.json   what the C loader must report for them (config values, tensor names, shapes, sums,
                      leading values, parameter counts and FLOP counts of several recipes)
  OUT/bad/*.safetensors + OUT/bad_cases.json   one hand-crafted broken file per error class, each with a
                      fragment the one-line error must contain
usage: make_models.py OUT STAMP
"""
import copy
import json
import os
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "models"))

import numpy as np  # noqa: E402
import torch  # noqa: E402

import dfv_unet  # noqa: E402
import model_file  # noqa: E402
import safetensors_io  # noqa: E402

TINY = {"dim": 16, "dim_mults": [1, 2], "heads": 2, "dim_head": 8, "resolution": 8}
RECIPES = {
    "dmlab": ({"dim": 48, "dim_head": 32, "resolution": 64}, 16, 0),
    "minecraft": ({"dim": 64, "dim_head": 64, "resolution": 128}, 10, 0),
    "tiny_actions": (dict(TINY, groupnorm_per_frame=True, linear_attention=False), 4, 3),
    "odd": ({"dim": 24, "dim_mults": [1, 3, 2], "heads": 3, "dim_head": 6, "resolution": 16, "frame_stack": 2,
             "channels": 1, "init_kernel": 5, "groupnorm_groups": 4}, 5, 2),
}


def tiny_model(action_dim=0, seed=0):
    torch.manual_seed(seed)
    model = dfv_unet.Unet3D(TINY, action_dim)
    gen = torch.Generator().manual_seed(seed + 1)
    with torch.no_grad():
        for p in model.parameters():
            p.add_(torch.randn(p.shape, generator=gen) * 0.2)
    return model


def widen(array, dtype):
    """The float32 values a reader must produce for `array` stored as `dtype`."""
    if dtype == "fp16":
        return array.astype(np.float16).astype(np.float32)
    if dtype == "bf16":
        return safetensors_io.bf16_bits_to_float32(safetensors_io.float32_to_bf16_bits(array))
    return array.astype(np.float32)


def tensor_summary(arrays, dtype):
    out = {}
    for name, array in arrays.items():
        wide = widen(array, dtype).ravel()
        out[name] = {"shape": list(array.shape), "sum": float(wide.astype(np.float64).sum()),
                     "head": [float(v) for v in wide[:4]]}
    return out


def write_valid(out):
    expected = {"models": {}}
    bindings = {"a1": ["W", "Up"], "a2": ["Space"]}
    for label, action_dim in (("tiny", 0), ("tiny_actions", 3)):
        model = tiny_model(action_dim)
        config = model_file.default_config(TINY, name=label, window=4, context_frames=2, action_dim=action_dim,
                                           action_names=["a0", "a1", "a2"][:action_dim], action_kind="multi-hot",
                                           bindings=bindings if action_dim else None,
                                           provenance={"source": "tests/model/make_models.py", "steps": 7,
                                                       "license": "MIT"})
        config["diffusion"]["context_noise"] = not action_dim  # files with the extension on, and one without
        arrays = model_file.state_dict_arrays(model)
        for dtype in (("fp32", "fp16", "bf16") if not action_dim else ("fp32",)):
            name = f"{label}_{dtype}" if not action_dim else label
            written = model_file.export_model(model, config, os.path.join(out, name + ".safetensors"), dtype)
            expected["models"][name] = {
                "config": written, "parameters": dfv_unet.count_parameters(model),
                "tensors": tensor_summary(arrays, dtype)}
    expected["recipes"] = {}
    for label, (arch, window, action_dim) in RECIPES.items():
        config = model_file.default_config(arch, name=label, window=window, action_dim=action_dim,
                                           action_names=[f"x{i}" for i in range(action_dim)])
        model = dfv_unet.Unet3D(arch, action_dim)
        expected["recipes"][label] = {
            "metadata": json.dumps(config), "parameters": dfv_unet.count_parameters(model),
            "flops_1": dfv_unet.count_flops(arch, 1, action_dim),
            "flops_window": dfv_unet.count_flops(arch, window, action_dim), "window": window}
    with open(os.path.join(out, "expected.json"), "w") as f:
        json.dump(expected, f)
    return model_file.state_dict_arrays(tiny_model()), json.loads(
        safetensors_io.read(os.path.join(out, "tiny_fp32.safetensors"))[1]["dfview"])


# ---------------------------------------------------------------- broken files

def raw_file(header_bytes, data=b"", length=None):
    return struct.pack("<Q", len(header_bytes) if length is None else length) + header_bytes + data


def packed(arrays, config, mutate_header=None, extra_metadata=None):
    """A file from arrays + config, with an optional edit of the parsed header before re-encoding."""
    metadata = {"dfview": json.dumps(config)} if config is not None else {}
    metadata.update(extra_metadata or {})
    head, data = safetensors_io.pack(arrays, "F32", metadata)
    header = json.loads(head[8:].decode())
    if mutate_header:
        data = mutate_header(header, data) or data
    return raw_file(json.dumps(header).encode(), data)


def with_config(config, section, key, value):
    c = copy.deepcopy(config)
    if section:
        c[section][key] = value
    else:
        c[key] = value
    return c


def bad_cases(arrays, config):
    first = sorted(arrays)[0]
    cases = []

    def add(name, blob, fragment):
        cases.append((name, blob, fragment))

    def edit(fn):
        def mutate(header, data):
            return fn(header, data)
        return packed(arrays, config, mutate)

    add("empty", b"", "truncated")
    add("truncated_length", b"\x10\x00\x00", "truncated")
    add("header_past_end", raw_file(b'{"a":1}', length=4096), "header length 4096 runs past the end")
    add("bad_json", raw_file(b'{"x": {"dtype": "F32", '), "not valid JSON")
    add("not_object", raw_file(b'[1, 2, 3]'), "not a JSON object")
    add("trailing_junk", raw_file(b'{}  xyz'), "bytes after its JSON object")

    def set_field(field, value):
        def fn(header, data):
            header[first][field] = value
        return fn
    add("unknown_dtype", edit(set_field("dtype", "I64")), "dtype 'I64' is not supported")
    add("negative_shape", edit(set_field("shape", [-1, 2])), "shape entry 0 is not a non-negative integer")
    add("huge_shape", edit(set_field("shape", [2 ** 40, 2 ** 40])), "more elements than the file has bytes")
    add("offsets_not_pair", edit(set_field("data_offsets", [0])), "'data_offsets' must be two")

    def past_end(header, data):
        begin, end = header[first]["data_offsets"]
        header[first]["data_offsets"] = [len(data) - (end - begin) + 4, len(data) + 4]
    add("offsets_past_end", edit(past_end), "run past the end of the data")

    def wrong_size(header, data):
        begin, end = header[first]["data_offsets"]
        header[first]["data_offsets"] = [begin, end - 4]
    add("offsets_size_mismatch", edit(wrong_size), "but shape and dtype need")

    def overlap(header, data):
        names = [n for n in header if n != "__metadata__"]
        a, b = names[0], names[1]
        header[b]["data_offsets"] = list(header[a]["data_offsets"])
        header[b]["shape"], header[b]["dtype"] = header[a]["shape"], header[a]["dtype"]
    add("overlap", edit(overlap), "overlap")
    add("hole", edit(lambda header, data: data + b"\0\0\0\0"), "belong to no tensor")

    add("no_metadata", packed(arrays, None), "no 'dfview' entry")
    add("metadata_not_json", packed(arrays, None, extra_metadata={"dfview": "{not json"}), "not valid JSON")

    head_data = packed(arrays, config)
    hlen = struct.unpack("<Q", head_data[:8])[0]
    text = head_data[8:8 + hlen].decode().rstrip()
    entry = json.dumps(json.loads(text)[first])
    dup_text = text[:-1] + ', "' + first + '": ' + entry + "}"
    add("duplicate_tensor", raw_file(dup_text.encode(), head_data[8 + hlen:]), "overlap")

    configs = [
        ("format", with_config(config, None, "format", "other"), "dfview.format 'other'"),
        ("version", with_config(config, None, "version", 2), "dfview.version = 2 is out of range"),
        ("no_architecture", {k: v for k, v in config.items() if k != "architecture"}, "no 'architecture' section"),
        ("dim_range", with_config(config, "architecture", "dim", 5000), "architecture.dim = 5000 is out of range"),
        ("dim_type", with_config(config, "architecture", "dim", "16"), "architecture.dim must be an integer"),
        ("heads_zero", with_config(config, "architecture", "heads", 0), "architecture.heads = 0 is out of range"),
        ("levels_empty", with_config(config, "architecture", "dim_mults", []), "dim_mults must be an array"),
        ("resolution_divisible", with_config(config, "architecture", "resolution", 9),
         "not divisible by 2^(levels-1)"),
        ("groups", with_config(config, "architecture", "groupnorm_groups", 5), "not divisible by groupnorm_groups"),
        ("type", with_config(config, "architecture", "type", "unet"), "architecture.type 'unet'"),
        ("alphas_length", with_config(config, "diffusion", "alphas_cumprod", config["diffusion"]["alphas_cumprod"][:-1]),
         "has 999 values but timesteps is 1000"),
        ("alphas_value", with_config(config, "diffusion", "alphas_cumprod",
                                     [1.5] + config["diffusion"]["alphas_cumprod"][1:]), "is not in (0, 1)"),
        ("alphas_increasing", with_config(config, "diffusion", "alphas_cumprod",
                                          config["diffusion"]["alphas_cumprod"][::-1]), "increases at index"),
        ("window_zero", with_config(config, "diffusion", "window", 0), "diffusion.window = 0 is out of range"),
        ("steps_range", with_config(config, "diffusion", "sampling_steps", 1001), "sampling_steps = 1001"),
        ("stabilization", with_config(config, "diffusion", "stabilization_level", 0), "stabilization_level = 0"),
        ("clip", with_config(config, "diffusion", "clip_noise", -1.0), "clip_noise = -1 is out of range"),
        ("context_noise", with_config(config, "diffusion", "context_noise", "yes"),
         "diffusion.context_noise must be true or false"),
        ("objective", with_config(config, "diffusion", "objective", "pred_y"), "objective 'pred_y'"),
        ("scheduling", with_config(config, "diffusion", "scheduling", "zigzag"), "scheduling 'zigzag'"),
        ("std", with_config(config, "data", "std", 0.0), "data.std = 0 is out of range"),
        ("action_names", with_config(config, "actions", "dim", 2), "actions.names must be an array"),
        ("sha", with_config(config, "provenance", "weights_sha256", "xyz"), "weights_sha256 must be 64"),
    ]
    for name, cfg, fragment in configs:
        add("config_" + name, packed(arrays, cfg), fragment)

    missing = dict(arrays)
    del missing["init_conv.bias"]
    add("missing_tensor", packed(missing, config), "missing tensor 'init_conv.bias'")
    extra = dict(arrays)
    extra["bonus.weight"] = np.zeros(3, np.float32)
    add("extra_tensor", packed(extra, config), "unexpected tensor")
    rot = dict(arrays)
    rot["init_conv.weight"] = rot["init_conv.weight"].reshape(rot["init_conv.weight"].shape[::-1])
    add("wrong_shape", packed(rot, config), "has shape [7, 7, 1, 3, 16] but the config needs [16, 3, 1, 7, 7]")
    bigger = with_config(config, "architecture", "dim", 32)
    add("config_mismatch", packed(arrays, bigger), "but the config needs")
    return cases


def main():
    out, stamp = sys.argv[1], sys.argv[2]
    os.makedirs(os.path.join(out, "bad"), exist_ok=True)
    arrays, config = write_valid(out)
    listing = []
    for name, blob, fragment in bad_cases(arrays, config):
        path = os.path.join(out, "bad", name + ".safetensors")
        with open(path, "wb") as f:
            f.write(blob)
        listing.append({"file": path, "expect": fragment})
    # Well-formed but the recorded weights hash is wrong: opens, but `dfview info` must refuse it.
    with open(os.path.join(out, "sha_mismatch.safetensors"), "wb") as f:
        f.write(packed(arrays, with_config(config, "provenance", "weights_sha256", "0" * 64)))
    with open(os.path.join(out, "bad_cases.json"), "w") as f:
        json.dump(listing, f, indent=1)
    with open(stamp, "w") as f:
        f.write("ok\n")


if __name__ == "__main__":
    main()

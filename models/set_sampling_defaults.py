"""Rewrite the sampling defaults a dfview model file carries (its `dfview` config's diffusion section)
without touching the tensors: the data section is copied byte for byte, so provenance.weights_sha256
(the sha256 of the data section) still holds, and only the JSON header changes.

    python3 models/set_sampling_defaults.py models/maze.safetensors --steps 5 --stabilization 300 --context-noise on
    python3 models/set_sampling_defaults.py M.safetensors --show

Prints the old and new values; --out writes elsewhere instead of in place (in place goes through a
temporary file and a rename, so an interrupted run leaves the original intact).
"""
import argparse
import hashlib
import json
import os
import struct
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import safetensors_io  # noqa: E402

# option -> (diffusion key, type)
FIELDS = {"steps": ("sampling_steps", int), "stabilization": ("stabilization_level", int),
          "context_noise": ("context_noise", lambda v: v == "on"), "eta": ("eta", float),
          "scheduling": ("scheduling", str), "chunk": ("chunk_size", int), "window": ("window", int)}


def parse_args(argv):
    p = argparse.ArgumentParser(prog="models/set_sampling_defaults.py", description=__doc__.split("\n\n")[0])
    p.add_argument("model", help="a dfview .safetensors model")
    p.add_argument("--steps", type=int, help="default sampling steps")
    p.add_argument("--stabilization", type=int, help="default stabilization level (1..timesteps)")
    p.add_argument("--context-noise", choices=["on", "off"],
                   help="feed clean context frames with real noise at the stabilization level")
    p.add_argument("--eta", type=float, help="default DDIM eta (0..1)")
    p.add_argument("--scheduling", help="default scheduling: autoregressive, pyramid:U, ...")
    p.add_argument("--chunk", type=int, help="default chunk size (new frames per matrix)")
    p.add_argument("--window", type=int, help="default window (at most the window the model was trained on)")
    p.add_argument("--out", help="write here instead of rewriting the model in place")
    p.add_argument("--show", action="store_true", help="only print the current sampling defaults")
    return p.parse_args(argv)


def check(diffusion, key, value):
    if key == "sampling_steps" and not 1 <= value <= min(1000, diffusion["timesteps"]):
        raise ValueError(f"sampling steps {value} outside 1..{min(1000, diffusion['timesteps'])}")
    if key == "stabilization_level" and not 1 <= value <= diffusion["timesteps"]:
        raise ValueError(f"stabilization level {value} outside 1..{diffusion['timesteps']}")
    if key == "eta" and not 0.0 <= value <= 1.0:
        raise ValueError(f"eta {value} outside 0..1")
    if key == "window" and not 1 <= value <= diffusion["window"]:
        raise ValueError(f"window {value} outside 1..{diffusion['window']} (the model's; it cannot grow)")
    if key == "chunk_size" and not 1 <= value <= diffusion.get("window", value):
        raise ValueError(f"chunk {value} outside 1..window")


def rewrite(path, changes, out=None):
    """Applies {diffusion key: value} to the file's config; returns (old values, new values)."""
    with open(path, "rb") as f:
        blob = f.read()
    header, metadata, start = safetensors_io.parse_header(blob, path)
    if "dfview" not in metadata:
        raise ValueError(f"{path}: no `dfview` entry in __metadata__ (not a dfview model)")
    data = blob[start:]
    config = json.loads(metadata["dfview"])
    diffusion = config["diffusion"]
    recorded = config.get("provenance", {}).get("weights_sha256", "")
    if recorded and recorded != hashlib.sha256(data).hexdigest():
        raise ValueError(f"{path}: the data section does not hash to provenance.weights_sha256; not touching it")
    old = {k: diffusion.get(k) for k in changes}
    for key, value in changes.items():
        check(diffusion, key, value)
        diffusion[key] = value
    metadata = dict(metadata, dfview=json.dumps(config, separators=(",", ":")))
    full = {"__metadata__": {str(k): str(v) for k, v in metadata.items()}, **header}
    text = json.dumps(full, separators=(",", ":")).encode("utf-8")
    text += b" " * ((-(len(text) + 8)) % safetensors_io.HEADER_ALIGN)
    target = out or path
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(os.path.abspath(target)), suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(struct.pack("<Q", len(text)) + text)
            f.write(data)
        os.replace(tmp, target)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return old, {k: diffusion[k] for k in changes}


def main(argv=None):
    args = parse_args(argv)
    changes = {key: kind(getattr(args, opt)) for opt, (key, kind) in FIELDS.items() if getattr(args, opt) is not None}
    try:
        if args.show or not changes:
            _, metadata = safetensors_io.read(args.model)
            d = json.loads(metadata["dfview"])["diffusion"]
            print(" ".join(f"{key}={d.get(key)}" for key, _ in FIELDS.values()))
            return 0
        old, new = rewrite(args.model, changes, args.out)
    except (OSError, ValueError, KeyError) as e:
        print(f"set_sampling_defaults: {e}", file=sys.stderr)
        return 1
    for key in changes:
        print(f"{key}: {old[key]} -> {new[key]}")
    print(f"wrote {args.out or args.model} (tensor bytes unchanged)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

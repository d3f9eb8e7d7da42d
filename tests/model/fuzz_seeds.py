"""Small seed files for the header fuzzer: a plain safetensors file, a tiny but complete dfview model
(10 timesteps, so the header stays short), and a few near-misses. usage: fuzz_seeds.py OUT_DIR"""
import json
import os
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "models"))

import numpy as np  # noqa: E402
import dfv_unet  # noqa: E402
import model_file  # noqa: E402
import safetensors_io  # noqa: E402


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    safetensors_io.write(os.path.join(out, "plain.safetensors"), {"a": np.ones((2, 3), np.float32)}, "F16")
    arch = {"dim": 8, "dim_mults": [1], "heads": 1, "dim_head": 2, "resolution": 8, "init_kernel": 1}
    config = model_file.default_config(arch, name="seed", window=2, context_frames=1, action_dim=2,
                                       action_names=["left", "right"], bindings={"left": ["A"]},
                                       alphas_cumprod=np.linspace(0.99, 0.01, 10))
    config["diffusion"].update(sampling_steps=10, stabilization_level=2, scheduling="pyramid:2")
    model = dfv_unet.Unet3D(arch, 2)
    model_file.export_model(model, config, os.path.join(out, "tiny_model.safetensors"), "bf16")
    head = json.dumps({"__metadata__": {"dfview": json.dumps({"format": "dfview-model"})},
                       "t": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}}).encode()
    with open(os.path.join(out, "partial_config.safetensors"), "wb") as f:
        f.write(struct.pack("<Q", len(head)) + head + b"\0\0\x80?")


if __name__ == "__main__":
    main()

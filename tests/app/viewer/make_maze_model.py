"""Writes a tiny random-weight model with the maze world's seven one-hot actions, for the viewer's
ground-truth test (tests/app/viewer/test_viewer.c --play). Uses the reference network and model-file writer in
models/. usage: make_maze_model.py OUT.safetensors"""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "..", "models"))

import torch  # noqa: E402

import dfv_unet  # noqa: E402
import model_file  # noqa: E402

MAZE_ACTIONS = ["none", "forward", "backward", "turn_left", "turn_right", "strafe_left", "strafe_right"]
ARCH = {"dim": 16, "dim_mults": [1, 2], "heads": 2, "dim_head": 8, "resolution": 8, "groupnorm_per_frame": True,
        "linear_attention": False}


def main():
    out = sys.argv[1]
    torch.manual_seed(0)
    model = dfv_unet.Unet3D(ARCH, len(MAZE_ACTIONS))
    config = model_file.default_config(ARCH, name="tiny_maze", window=4, context_frames=2, action_dim=len(MAZE_ACTIONS),
                                       action_names=MAZE_ACTIONS, action_kind="one-hot",
                                       provenance={"source": "tests/app/viewer/make_maze_model.py", "steps": 0, "license": "MIT"})
    os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
    model_file.export_model(model, config, out, "fp32")


if __name__ == "__main__":
    main()

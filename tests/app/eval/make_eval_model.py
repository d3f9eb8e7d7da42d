"""A tiny random-weight model for `dfview eval` tests: the maze world's 7 actions by name (as the trainer
exports them: the dataset manifest's action_names), per-frame GroupNorm, 16x16, 2 context frames, window 4.
usage: make_eval_model.py MODELS_DIR OUT.safetensors
"""
import sys

sys.path.insert(0, sys.argv[1])

import torch  # noqa: E402

import dfv_unet  # noqa: E402
import model_file  # noqa: E402

MAZE_ACTIONS = ["none", "forward", "backward", "turn_left", "turn_right", "strafe_left", "strafe_right"]
ARCH = {"dim": 16, "dim_mults": [1, 2], "heads": 2, "dim_head": 8, "resolution": 16, "groupnorm_per_frame": True}

torch.manual_seed(0)
model = dfv_unet.Unet3D(ARCH, len(MAZE_ACTIONS))
config = model_file.default_config(ARCH, name="eval-test", context_frames=2, window=4, action_dim=len(MAZE_ACTIONS),
                                   action_names=MAZE_ACTIONS, action_kind="one-hot",
                                   provenance={"source": "tests/app/eval/make_eval_model.py", "license": "MIT"})
model_file.export_model(model, config, sys.argv[2], "fp32")

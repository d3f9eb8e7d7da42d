"""Writes the weights-only copy of a training checkpoint: the model's raw weights in fp16, step counters,
random streams and config, without AdamW's moments and the EMA copy (three quarters of a checkpoint). This
is the resumable state the repository keeps next to a bundled model, small because every version of it
stays in git history; `models/train.py --resume` continues from it with a fresh optimizer, a new warm-up
and the EMA restarted from the weights.

    /usr/bin/python3 models/train_state.py OUT/maze-ckpt-00.pt models/train-state
"""
import argparse
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from train import (TrainError, _tensor_text, load_checkpoint, save_checkpoint,  # noqa: E402
                   weights_only_state)


def main(argv=None):
    p = argparse.ArgumentParser(prog="models/train_state.py", description=__doc__.split("\n\n")[0])
    p.add_argument("checkpoint", help="NAME-ckpt-NN.pt written by models/train.py")
    p.add_argument("out_dir", help="where NAME-ckpt-NN.pt (weights only) goes; older parts there are replaced")
    p.add_argument("--part-mb", type=float, default=15.0, help="largest part file")
    args = p.parse_args(argv)
    try:
        flat = weights_only_state(load_checkpoint(args.checkpoint))
        name = json.loads(_tensor_text(flat["meta.config"]))["name"]
        path = save_checkpoint(flat, args.out_dir, name, int(args.part_mb * 2**20))
    except (TrainError, OSError, KeyError, ValueError) as e:
        print(f"train_state: {e}", file=sys.stderr)
        return 1
    print(f"wrote {path}: step {int(flat['meta.step'])}, model weights only (no optimizer state, no EMA)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

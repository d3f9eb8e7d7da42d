"""Convert open-oasis's sample action files into a dfview action script (docs/action-scripts.md).

usage: convert_oasis_actions.py IN.one_hot_actions.pt OUT.actions

IN is what open-oasis's generate.py reads with `load_actions`: a float tensor of shape (T, 25), one row
per frame in utils.py's ACTION_KEYS order (keys 0 or 1, cameraX/cameraY in [-1, 1]), loaded with
torch.load(weights_only=True), so nothing in the file is executed. OUT gets one line per row,
`forward+jump camera=0,0.025`, whose numbers read back to exactly the same 32-bit floats.
generate.py puts a zero action in front of the first row for its prompt frame; in dfview the seed frame
has that role, so line 1 is the file's first row. Anything else is refused with one line on stderr.
"""
import os
import pickle
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from convert_oasis import ACTION_KEYS  # noqa: E402

CAMERA = ("cameraX", "cameraY")


class Refusal(Exception):
    pass


def float32(value):
    """value rounded to a 32-bit float, as C's (float) cast of a double does."""
    return struct.unpack("<f", struct.pack("<f", value))[0]


def same_bits(a, b):
    return struct.pack("<f", a) == struct.pack("<f", b)


def shortest(value):
    """The shortest decimal that strtod and a (float) cast read back to exactly this float32."""
    for digits in range(1, 10):
        text = "%.*g" % (digits, value)
        if same_bits(float32(float(text)), value):
            return text
    return "%.17g" % value


def is_set(value):
    return value != 0 or struct.pack("<f", value) != struct.pack("<f", 0.0)


def format_row(row):
    """One script line for a row of 25 float32 values (the same text dfv_action_format writes)."""
    keys = [name for name, value in zip(ACTION_KEYS, row) if name not in CAMERA and value == 1.0]
    terms = []
    x, y = row[ACTION_KEYS.index("cameraX")], row[ACTION_KEYS.index("cameraY")]
    for name, value in zip(ACTION_KEYS, row):
        if name == "cameraX" and (is_set(x) or is_set(y)):
            terms.append("camera=%s,%s" % (shortest(x), shortest(y)))
        elif name not in CAMERA and is_set(value) and value != 1.0:
            terms.append("%s=%s" % (name, shortest(value)))
    line = " ".join(filter(None, ["+".join(keys)] + terms))
    return line or "none"


def load_rows(path):
    import torch

    try:
        tensor = torch.load(path, map_location="cpu", weights_only=True)
    except FileNotFoundError:
        raise Refusal("no such file")
    except pickle.UnpicklingError:
        raise Refusal("torch.load(weights_only=True) refuses it: it holds more than tensors (open-oasis's "
                      "*.actions.pt hold raw dictionaries: convert the *.one_hot_actions.pt)")
    except Exception as error:  # not a torch file at all
        raise Refusal("not a torch file (%s)" % type(error).__name__)
    if not isinstance(tensor, torch.Tensor):
        raise Refusal("holds a %s, not a tensor" % type(tensor).__name__)
    if tensor.dim() != 2 or tensor.shape[1] != len(ACTION_KEYS) or tensor.shape[0] == 0:
        raise Refusal("holds a tensor of shape %s, not (T, %d) with T >= 1" % (tuple(tensor.shape), len(ACTION_KEYS)))
    if not tensor.is_floating_point():
        raise Refusal("holds %s values, not floats" % tensor.dtype)
    as_float32 = tensor.to(torch.float32)
    if not torch.equal(as_float32.to(tensor.dtype), tensor) or not torch.isfinite(as_float32).all():
        raise Refusal("holds values that are not finite 32-bit floats")
    return as_float32.tolist()


def check_row(index, row):
    for name, value in zip(ACTION_KEYS, row):
        low = -1.0 if name in CAMERA else 0.0
        if not low <= value <= 1.0:
            raise Refusal("row %d: %s is %r, outside [%g, 1]" % (index, name, value, low))


def convert(in_path, out_path):
    rows = load_rows(in_path)
    lines = ["# %s: %d frames of open-oasis actions (scripts/convert-oasis-actions)" % (os.path.basename(in_path),
                                                                                       len(rows))]
    for index, row in enumerate(rows):
        check_row(index, row)
        lines.append(format_row(row))
    with open(out_path, "w") as out:
        out.write("\n".join(lines) + "\n")
    return len(rows)


def main(argv):
    if len(argv) != 3:
        print("usage: convert-oasis-actions IN.one_hot_actions.pt OUT.actions", file=sys.stderr)
        return 2
    try:
        frames = convert(argv[1], argv[2])
    except Refusal as refusal:
        print("convert-oasis-actions: %s: %s" % (argv[1], refusal), file=sys.stderr)
        return 1
    print("%s: %d frames" % (argv[2], frames))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

"""scripts/convert-oasis-actions: a (T, 25) tensor saved with torch.save becomes a script that dfview's C
parser (print_actions) reads back to the same 32-bit floats, bit for bit; anything else is refused with
one line. usage: test_convert_oasis_actions.py PRINT_ACTIONS CONVERTER"""
import os
import struct
import subprocess
import sys
import tempfile

try:
    import torch
except ImportError:
    print("SKIP: no torch (Debian's /usr/bin/python3 has it)")
    sys.exit(77)

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../../models"))
from convert_oasis import ACTION_KEYS  # noqa: E402

failures = 0


def check(ok, message):
    global failures
    if not ok:
        failures += 1
        print("FAIL:", message)


def sample_actions(frames):
    """Keys 0/1 several at once, camera values on the dataset's bins ((bin - 40) / 40) and off them,
    negative zero, the ends of the range and the smallest float."""
    g = torch.Generator().manual_seed(7)
    actions = (torch.rand(frames, 25, generator=g) < 0.2).float()
    cam = [ACTION_KEYS.index("cameraX"), ACTION_KEYS.index("cameraY")]
    actions[:, cam] = (torch.randint(0, 81, (frames, 2), generator=g).float() - 40) / 40
    actions[::3, cam[0]] = torch.rand(len(range(0, frames, 3)), generator=g) * 2 - 1
    actions[1:3, :] = 0
    actions[2, cam] = torch.tensor([-0.0, 1.0])
    actions[3, cam] = torch.tensor([-1.0, 1.4e-45])
    actions[4, ACTION_KEYS.index("forward")] = 0.5
    return actions


def run(*args):
    return subprocess.run(args, capture_output=True, text=True)


def main(print_actions, converter):
    with tempfile.TemporaryDirectory() as tmp:
        pt, script = os.path.join(tmp, "a.one_hot_actions.pt"), os.path.join(tmp, "a.actions")
        actions = sample_actions(300)
        torch.save(actions, pt)
        result = run(converter, pt, script)
        check(result.returncode == 0, "conversion failed: %s" % result.stderr)
        parsed = run(print_actions, script, "continuous", *ACTION_KEYS)
        check(parsed.returncode == 0, "the C parser refused the script: %s" % parsed.stderr)
        rows = [line.split() for line in parsed.stdout.splitlines()]
        check(len(rows) == len(actions), "%d frames parsed from %d rows" % (len(rows), len(actions)))
        for t, row in enumerate(rows[: len(actions)]):
            want = ["%08x" % struct.unpack("<I", struct.pack("<f", v))[0] for v in actions[t].tolist()]
            check(row == want, "frame %d differs: %s vs %s" % (t, row, want))
        with open(script) as f:
            lines = f.read().splitlines()
        formatted = run(print_actions, "--text", script, "continuous", *ACTION_KEYS).stdout.splitlines()
        check(formatted == lines[1:], "the converter's lines differ from dfv_action_format's")
        check(lines[2] == "none" and lines[3] == "camera=-0,1", "lines 2-3: %r" % lines[2:4])
        print("\n".join(lines[:6]))

        refused = {
            "shape.pt": torch.zeros(4, 24),
            "ints.pt": torch.zeros(4, 25, dtype=torch.int64),
            "dict.pt": {"actions": torch.zeros(4, 25)},
            "range.pt": torch.full((2, 25), 0.0).index_fill_(1, torch.tensor([ACTION_KEYS.index("cameraY")]), 1.5),
            "negative_key.pt": torch.full((2, 25), -1.0),
            "nan.pt": torch.full((2, 25), float("nan")),
        }
        for name, value in refused.items():
            path = os.path.join(tmp, name)
            torch.save(value, path)
            result = run(converter, path, os.path.join(tmp, "out.actions"))
            message = result.stderr.strip()
            check(result.returncode == 1 and message.startswith("convert-oasis-actions: ") and "\n" not in message,
                  "%s: exit %d, %r" % (name, result.returncode, message))
            print(message)
        with open(os.path.join(tmp, "pickled.pt"), "wb") as f:
            import pickle
            pickle.dump([{"camera": [40, 40]}], f)
        result = run(converter, os.path.join(tmp, "pickled.pt"), os.path.join(tmp, "out.actions"))
        check(result.returncode == 1 and "weights_only" in result.stderr, "a plain pickle: %r" % result.stderr)
        result = run(converter, os.path.join(tmp, "missing.pt"), os.path.join(tmp, "out.actions"))
        check(result.returncode == 1 and "no such file" in result.stderr, "a missing file: %r" % result.stderr)
    print("%s: %d failures" % ("FAIL" if failures else "ok", failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))

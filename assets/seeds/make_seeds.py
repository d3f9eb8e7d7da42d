"""Renders the bundled seed images from the worlds (see README.md here): each is the spawn view (frame 0)
of a world seed at 64x64, the same picture `--seed world:KIND:SEED` starts from. Picked by eye among the
first 32 seeds for an open view (many spawns face a wall at arm's length).
usage: /usr/bin/python3 assets/seeds/make_seeds.py [build/worlds/dfview-dataset]
"""
import os
import struct
import subprocess
import sys
import tempfile
import zlib

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
SEEDS = {"maze-0": ("maze", 2), "maze-1": ("maze", 12), "maze-2": ("maze", 21), "maze-3": ("maze", 11),
         "voxel-0": ("voxel", 1)}
SIZE = 64


def write_png(path, rgb):
    """Plain 8-bit RGB PNG: one zlib stream of filter-0 rows."""
    height, width, _ = rgb.shape
    raw = b"".join(b"\x00" + rgb[y].tobytes() for y in range(height))

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))


def spawn_view(writer, world, seed, work):
    out = os.path.join(work, f"{world}-{seed}")
    subprocess.run([writer, "--world", world, "--episodes", "1", "--frames", "1", "--size", str(SIZE), "--seed",
                    str(seed), "--out", out, "--quiet"], check=True)
    return np.load(os.path.join(out, "shard_0000_frames.npy"))[0, 0]


def main():
    writer = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "..", "..", "build", "worlds", "dfview-dataset")
    with tempfile.TemporaryDirectory() as work:
        for name, (world, seed) in SEEDS.items():
            write_png(os.path.join(HERE, name + ".png"), spawn_view(writer, world, seed, work))
            print(f"{name}.png: world:{world}:{seed}, frame 0, {SIZE}x{SIZE}")


if __name__ == "__main__":
    main()

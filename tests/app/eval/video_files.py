"""Lossless video files for `dfview eval --video` tests, with nothing but the standard library and numpy.

  video_files.py avi-from-dataset DATA_DIR EPISODE OUT.avi OUT.actions   a dataset episode as a clip + script
  video_files.py avi-from-pngs DIR OUT.avi [FIRST]                      DIR/*.png (sorted, from FIRST) as a clip
  video_files.py psnr-still DATA_DIR EPISODE START CONTEXT FRAMES       prints the held frame's PSNR per frame

The clip is an uncompressed AVI (24-bit DIB, bottom-up BGR rows), which FFmpeg decodes to the exact bytes.
The script has one line per frame from frame 1 on: line t is the action that led into frame t (the
dataset's actions[t]), the alignment `dfview eval --video` reads.
"""
import glob
import json
import struct
import sys
import zlib

import numpy as np


def chunk(fourcc, data):
    pad = b"\0" if len(data) % 2 else b""
    return fourcc + struct.pack("<I", len(data)) + data + pad


def riff_list(kind, fourcc, body):
    return kind + struct.pack("<I", len(body) + 4) + fourcc + body


def write_avi(path, frames, fps=10):
    frames = np.asarray(frames, dtype=np.uint8)
    n, h, w, _ = frames.shape
    assert (w * 3) % 4 == 0, "rows must need no padding"
    size = w * h * 3
    avih = struct.pack("<14I", 1000000 // fps, size * fps, 0, 0x10, n, 0, 1, size, w, h, 0, 0, 0, 0)
    strh = b"vids" + b"DIB " + struct.pack("<IHHIIIIIIiI4h", 0, 0, 0, 0, 1, fps, 0, n, size, -1, 0, 0, 0, w, h)
    strf = struct.pack("<IiiHHIIiiII", 40, w, h, 1, 24, 0, size, 0, 0, 0, 0)
    hdrl = riff_list(b"LIST", b"hdrl", chunk(b"avih", avih) + riff_list(b"LIST", b"strl", chunk(b"strh", strh) +
                                                                       chunk(b"strf", strf)))
    movi_body, index, offset = b"", b"", 4
    for frame in frames:
        data = frame[::-1, :, ::-1].tobytes()  # bottom-up rows, BGR
        movi_body += chunk(b"00db", data)
        index += b"00db" + struct.pack("<III", 0x10, offset, len(data))
        offset += 8 + len(data) + len(data) % 2
    body = hdrl + riff_list(b"LIST", b"movi", movi_body) + chunk(b"idx1", index)
    with open(path, "wb") as f:
        f.write(riff_list(b"RIFF", b"AVI ", body))


def read_png(path):
    """An 8-bit RGB, non-interlaced PNG (as dfview writes them) into (H, W, 3) uint8."""
    data = open(path, "rb").read()
    pos, idat, width = 8, b"", 0
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, color = struct.unpack(">IIBB", body[:10])
            assert depth == 8 and color == 2, (path, depth, color)
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    raw = zlib.decompress(idat)
    stride = width * 3
    out = np.zeros((height, stride), dtype=np.int32)
    prev = np.zeros(stride, dtype=np.int32)
    for y in range(height):
        kind, row = raw[y * (stride + 1)], np.frombuffer(raw, np.uint8, stride, y * (stride + 1) + 1).astype(np.int32)
        cur = np.zeros(stride, dtype=np.int32)
        for x in range(stride):
            a = cur[x - 3] if x >= 3 else 0
            b, c = prev[x], prev[x - 3] if x >= 3 else 0
            pred = [0, a, b, (a + b) // 2, paeth(a, b, c)][kind]
            cur[x] = (row[x] + pred) & 255
        out[y], prev = cur, cur
    return out.reshape(height, width, 3).astype(np.uint8)


def paeth(a, b, c):
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    return a if pa <= pb and pa <= pc else b if pb <= pc else c


def dataset_episode(data_dir, episode):
    manifest = json.load(open(f"{data_dir}/manifest.json"))
    frames = np.load(f"{data_dir}/shard_0000_frames.npy")[episode]
    actions = np.load(f"{data_dir}/shard_0000_actions.npy")[episode]
    return frames, actions, manifest["action_names"]


def main(argv):
    if argv[0] == "avi-from-dataset":
        frames, actions, names = dataset_episode(argv[1], int(argv[2]))
        write_avi(argv[3], frames)
        with open(argv[4], "w") as f:
            f.write("# line t: the action into frame t (the dataset's actions[t])\n")
            for row in actions[1:]:
                f.write(names[int(np.argmax(row))] + "\n")
    elif argv[0] == "avi-from-pngs":
        first = int(argv[3]) if len(argv) > 3 else 0
        write_avi(argv[2], [read_png(p) for p in sorted(glob.glob(f"{argv[1]}/*.png"))[first:]])
    elif argv[0] == "psnr-still":
        frames = dataset_episode(argv[1], int(argv[2]))[0].astype(np.float64)
        start, context, count = (int(v) for v in argv[3:6])
        held = frames[start + context - 1]
        for k in range(1, count + 1):
            mse = ((frames[start + context - 1 + k] - held) ** 2).mean()
            print("inf" if mse == 0 else "%.4f" % (10 * np.log10(255 ** 2 / mse)))
    else:
        sys.exit("unknown command " + argv[0])


if __name__ == "__main__":
    main(sys.argv[1:])

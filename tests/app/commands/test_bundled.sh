#!/bin/sh
# The bundled models load, `dfview info` shows their cards, and a 20-frame render of each completes with the
# model's own sampling settings; the trained ones' frames must look like pictures of the seed's world.
# usage: test_bundled.sh DFVIEW MODELS_DIR WORK_DIR
dfview=$1 models=$2 work=$3
fail() { echo "FAIL: $*"; exit 1; }
# Models whose frames are held to picture checks: models/voxel.md says the voxel model is an untrained
# placeholder (its frames measure like noise: neighbour difference 95, PSNR 8.5 dB to the seed), so only
# the maze model is.
trained="maze"

# Bounds measured on maze.safetensors, seed world:maze:1, --policy random:1 (20 frames, 2 of context):
# first 4 new frames vs the last context frame 14.7-15.9 dB PSNR; every new frame's std 42-48 and mean
# |neighbour difference| 27-34. Garbage measured against the same seed: uniform noise 9.2 dB and
# neighbour difference 86, black 8.3 dB, a flat grey frame std 0.
check_frames() { # directory of %05d.png frames, context frame count
  /usr/bin/python3 - "$1" "$2" <<'PY'
import glob, struct, sys, zlib
import numpy as np

def read_png(path):  # 8-bit RGB/RGBA, not interlaced: what dfview writes
    blob = open(path, "rb").read()
    pos, idat = 8, b""
    while pos < len(blob):
        n, kind = struct.unpack(">I4s", blob[pos:pos + 8])
        body = blob[pos + 8:pos + 8 + n]
        pos += 12 + n
        if kind == b"IHDR":
            w, h, depth, ctype, _, _, interlace = struct.unpack(">IIBBBBB", body)
            assert depth == 8 and ctype in (2, 6) and interlace == 0, path
            ch = 3 if ctype == 2 else 4
        elif kind == b"IDAT":
            idat += body
    raw, stride = zlib.decompress(idat), w * ch
    prev, rows = np.zeros(stride, np.int64), []
    for y in range(h):
        kind = raw[y * (stride + 1)]
        line = np.frombuffer(raw, np.uint8, stride, y * (stride + 1) + 1).astype(np.int64)
        cur = np.zeros(stride, np.int64)
        for i in range(stride):
            a = cur[i - ch] if i >= ch else 0
            b, c = prev[i], (prev[i - ch] if i >= ch else 0)
            if kind == 4:
                pa, pb, pc = abs(b - c), abs(a - c), abs(a + b - 2 * c)
                pred = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
            else:
                pred = (0, a, b, (a + b) // 2)[kind]
            cur[i] = (line[i] + pred) & 255
        rows.append(cur)
        prev = cur
    return np.array(rows).reshape(h, w, ch)[:, :, :3].astype(np.float64)

frames = [read_png(p) for p in sorted(glob.glob(sys.argv[1] + "/*.png"))]
context = int(sys.argv[2])
seed, new = frames[context - 1], frames[context:]
bad = []
for k, f in enumerate(new):
    psnr = 10 * np.log10(255 ** 2 / max(np.mean((f - seed) ** 2), 1e-12))
    std = f.std()
    grad = (np.abs(np.diff(f, axis=0)).mean() + np.abs(np.diff(f, axis=1)).mean()) / 2
    print(f"  new frame {k}: PSNR to the seed {psnr:.1f} dB, std {std:.1f}, neighbour difference {grad:.1f}")
    if (k < 4 and psnr < 12) or std < 15 or grad > 60:
        bad.append(k)
if bad:
    print(f"frames {bad} fail the picture checks (PSNR to the seed >= 12 dB for the first 4, std >= 15, "
          "neighbour difference <= 60)")
    sys.exit(1)
PY
}
rm -rf "$work" && mkdir -p "$work" || fail "cannot make $work"
found=0
for m in "$models"/*.safetensors; do
  [ -f "$m" ] || continue
  found=$((found + 1))
  name=$(basename "$m" .safetensors)
  "$dfview" info "$m" >"$work/$name.card" || fail "$name: info failed"
  for field in parameters cost actions provenance "matches the file"; do
    grep -q "$field" "$work/$name.card" || fail "$name: card lacks '$field'"
  done
  mkdir -p "$work/$name"
  "$dfview" render --model "$m" --policy random:1 --frames 20 --out "$work/$name/%05d.png" --quiet ||
    fail "$name: render failed"
  [ "$(ls "$work/$name"/*.png | wc -l)" -eq 20 ] || fail "$name: expected 20 frames"
  case " $trained " in
  *" $name "*)
    context=$("$dfview" info "$m" | sed -n 's/.* \([0-9][0-9]*\) context frames.*/\1/p')
    [ -n "$context" ] || fail "$name: the card names no context frame count"
    check_frames "$work/$name" "$context" || fail "$name: the frames are not pictures of the seed's world"
    ;;
  esac
  echo "ok: $name"
done
[ $found -ge 1 ] || fail "no bundled model in $models"

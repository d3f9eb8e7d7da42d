#!/bin/sh
# dfview render / bench --rollout / eval on an Oasis model (the tiny converted golden checkpoints, 32×24
# frames: not square, even for FFmpeg): two renders give the same bytes, --no-cache the same as cached,
# the sidecar replays bit for bit, a non-square clip exports and seeds a render again, and what does not
# apply to Oasis is refused in one line.
# Then a model at Oasis-500M's frame size (640x360; tiny networks) renders and exports a clip at that size.
# usage: test_oasis_cli.sh DFVIEW MODEL SEED_IMAGE WORK_DIR [MODEL_360P]
dfview=$1 model=$2 seed=$3 work=$4 model360=$5
fail() { echo "FAIL: $*"; exit 1; }
rm -rf "$work" && mkdir -p "$work/a" "$work/b" "$work/c" "$work/n" || fail "cannot make $work"
printf 'forward\nforward+cameraX=0.5\nleft+jump\ncameraY=-0.25\nnone\n' >"$work/walk.actions"
common="--model $model --seed $seed --steps 3 --window 3 --frames 6 --actions $work/walk.actions --quiet"
same_frames() { # DIR_A DIR_B WHAT
  [ "$(ls "$1"/*.png | wc -l)" -eq 6 ] || fail "$3: expected 6 frames in $1"
  for f in "$1"/*.png; do cmp -s "$f" "$2/$(basename "$f")" || fail "$3 differs at $(basename "$f")"; done
}

"$dfview" render $common --out "$work/a/%05d.png" || fail "render a"
"$dfview" render $common --out "$work/b/%05d.png" || fail "render b"
same_frames "$work/a" "$work/b" "a second render"
"$dfview" render $common --no-cache --out "$work/n/%05d.png" || fail "render --no-cache"
same_frames "$work/a" "$work/n" "the uncached render"
cmp -s "$work/a/00004.png" "$work/a/00005.png" && fail "two generated frames are identical"
grep -q '"forward camera=0.5,0"' "$work/a/render.json" || fail "the sidecar lacks the continuous action"
"$dfview" render --replay "$work/a/render.json" --out "$work/c/%05d.png" --quiet || fail "replay"
same_frames "$work/a" "$work/c" "the replay"

# A non-square clip through FFmpeg, read back as a video seed (frame 5 of it) for another render.
"$dfview" render $common --out "$work/clip.mp4" || fail "render clip.mp4"
"$dfview" render $common --out "$work/clip.gif" || fail "render clip.gif"
"$dfview" render $common --scale 3 --out "$work/clip3.mp4" || fail "render clip3.mp4 at --scale 3"
"$dfview" render --model "$model" --seed "$work/clip.mp4#5" --steps 2 --frames 3 --out "$work/d.mp4" --quiet ||
  fail "render from a frame of the non-square clip"

"$dfview" bench --model "$model" --seed "$seed" --steps 2 --rollout 2 >"$work/bench.txt" || fail "bench --rollout"
grep -q "2 frames" "$work/bench.txt" || fail "bench --rollout said: $(cat "$work/bench.txt")"

expect_error() { # WHAT PATTERN COMMAND...
  what=$1 pattern=$2; shift 2
  "$@" >"$work/out.txt" 2>"$work/err.txt"; rc=$?
  [ $rc -ne 0 ] && [ $rc -lt 128 ] || fail "$what: exit $rc"
  [ "$(wc -l <"$work/err.txt")" -eq 1 ] || fail "$what: expected one line, got: $(cat "$work/err.txt")"
  grep -q "$pattern" "$work/err.txt" || fail "$what: '$(cat "$work/err.txt")' lacks '$pattern'"
}
expect_error "another schedule" "Oasis" "$dfview" render $common --schedule pyramid:2 --out "$work/x.mp4"
expect_error "context noise" "context-noise on is refused" "$dfview" render $common --context-noise on --out "$work/x.mp4"
expect_error "a world seed" "image or video seed" "$dfview" render --model "$model" --seed world:maze:1 --frames 3 \
  --out "$work/x.mp4"
expect_error "no seed" "no seed given" "$dfview" render --model "$model" --frames 3 --out "$work/x.mp4"
expect_error "eval" "oasis model" "$dfview" eval --model "$model" --out "$work/eval" --episodes 1 --frames 3

# 640x360: the seed image stretched to it (as open-oasis's load_prompt), PNG frames of that size, an H.264
# clip whose frame 2 seeds another render.
if [ -n "$model360" ]; then
  mkdir -p "$work/p"
  "$dfview" render --model "$model360" --seed "$seed" --steps 2 --frames 3 --out "$work/p/%05d.png" --quiet ||
    fail "render at 640x360"
  size=$(od -An -tu1 -j16 -N8 "$work/p/00002.png" | tr -s ' ')
  [ "$size" = " 0 0 2 128 0 0 1 104" ] || fail "a 640x360 model's frame is not 640x360 (IHDR bytes$size)"
  "$dfview" render --model "$model360" --seed "$seed" --steps 2 --frames 3 --out "$work/p.mp4" --quiet ||
    fail "render p.mp4 at 640x360"
  "$dfview" render --model "$model360" --seed "$work/p.mp4#2" --steps 2 --frames 2 --out "$work/q.gif" --quiet ||
    fail "render from the 640x360 clip's last frame"
fi
echo "ok: determinism, cached = uncached, replay, non-square export and video seed, bench, refusals${model360:+, 640x360}"

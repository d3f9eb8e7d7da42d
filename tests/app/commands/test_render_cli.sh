#!/bin/sh
# dfview render end to end on a tiny model: determinism, bit-exact replay (context noise too), action-script and seed errors,
# unwritable output, an interrupted render that still leaves a playable clip, flat memory.
# usage: test_render_cli.sh DFVIEW MODEL WORK_DIR
dfview=$1 model=$2 work=$3
fail() { echo "FAIL: $*"; exit 1; }
rm -rf "$work" && mkdir -p "$work/a" "$work/b" "$work/c" || fail "cannot make $work"
common="--model $model --seed world:maze:1 --steps 3 --frames 8 --quiet"

# Two renders with the same settings give the same frames, byte for byte; another noise seed does not.
"$dfview" render $common --policy random:5 --out "$work/a/%05d.png" || fail "render a"
"$dfview" render $common --policy random:5 --out "$work/b/%05d.png" || fail "render b"
for f in "$work"/a/*.png; do cmp -s "$f" "$work/b/$(basename "$f")" || fail "renders differ at $(basename "$f")"; done
[ "$(ls "$work"/a/*.png | wc -l)" -eq 8 ] || fail "expected 8 frames"
"$dfview" render $common --policy random:5 --seed-rng 9 --out "$work/c/%05d.png" || fail "render c"
cmp -s "$work/a/00007.png" "$work/c/00007.png" && fail "another RNG seed gave the same last frame"

# The sidecar replays the clip bit for bit.
grep -q '"seed_rng"' "$work/a/render.json" || fail "sidecar lacks settings"
rm -rf "$work/c" && mkdir "$work/c"
"$dfview" render --replay "$work/a/render.json" --out "$work/c/%05d.png" --quiet || fail "replay"
for f in "$work"/a/*.png; do cmp -s "$f" "$work/c/$(basename "$f")" || fail "replay differs at $(basename "$f")"; done

# Context noise (an extension; this model's default is off) and eta: recorded in the sidecar and replayed bit for
# bit, and context noise changes the frames.
"$dfview" render $common --policy random:5 --stabilization 300 --context-noise on --eta 0.5 --out "$work/n.png" ||
  fail "render n"
grep -q '"context_noise":	true' "$work/n.json" || fail "the sidecar does not record context noise"
grep -q '"eta":	0.5' "$work/n.json" || fail "the sidecar does not record eta"
grep -q '"context_noise":	false' "$work/a/render.json" || fail "the sidecar does not record context noise off"
"$dfview" render $common --policy random:5 --stabilization 300 --eta 0.5 --out "$work/m.png" || fail "render m"
cmp -s "$work/n.png" "$work/m.png" && fail "context noise did not change the last frame"
"$dfview" render --replay "$work/n.json" --out "$work/n2.png" --quiet || fail "replay n"
cmp -s "$work/n.png" "$work/n2.png" || fail "replay with context noise differs"

# Bad input: one line on stderr, a non-zero exit, no crash (exit codes above 128 are signals).
expect_error() { # WHAT PATTERN COMMAND...
  what=$1 pattern=$2; shift 2
  "$@" >"$work/out.txt" 2>"$work/err.txt"; rc=$?
  [ $rc -ne 0 ] && [ $rc -lt 128 ] || fail "$what: exit $rc"
  [ "$(wc -l <"$work/err.txt")" -eq 1 ] || fail "$what: expected one line, got: $(cat "$work/err.txt")"
  grep -q "$pattern" "$work/err.txt" || fail "$what: '$(cat "$work/err.txt")' lacks '$pattern'"
}
printf 'a1\n# comment\nrepeat 2 a1+a2\nfly\n' >"$work/bad.actions"
expect_error "unknown action" "bad.actions:4" "$dfview" render $common --actions "$work/bad.actions" --out "$work/x.mp4"
printf 'a1\n' >"$work/short.actions"
expect_error "short script" "short.actions" "$dfview" render $common --actions "$work/short.actions" --out "$work/x.mp4"
expect_error "missing seed" "no-such.png" "$dfview" render --model "$model" --seed "$work/no-such.png" --frames 4 --out "$work/x.mp4"
echo "not an image" >"$work/text.png"
expect_error "undecodable seed" "text.png" "$dfview" render --model "$model" --seed "$work/text.png" --frames 4 --out "$work/x.mp4"
expect_error "unwritable output" "no-such-dir" "$dfview" render $common --out "$work/no-such-dir/x.mp4"
expect_error "unknown schedule" "schedule" "$dfview" render $common --schedule zigzag --out "$work/x.mp4"
expect_error "bad context noise" "on or off" "$dfview" render $common --context-noise yes --out "$work/x.mp4"
expect_error "bad eta" "eta takes" "$dfview" render $common --eta 2 --out "$work/x.mp4"
expect_error "bad world seed" "world:KIND:N" "$dfview" render --model "$model" --seed world:maze:abc --frames 4 --out "$work/x.mp4"

# A .png without a frame-number pattern is the rollout's last frame. Its pixels are compared by reading it
# back as a seed (exact at the model's size) and writing that through the same PNG-sequence encoder.
mkdir -p "$work/d" "$work/e"
"$dfview" render $common --policy random:5 --out "$work/last.png" || fail "render last.png"
"$dfview" render --model "$model" --seed "$work/last.png" --frames 2 --out "$work/e/%05d.png" --quiet || fail "read last.png"
cmp -s "$work/e/00000.png" "$work/a/00007.png" || fail "last.png is not the clip's last frame"
grep -q '"frames":	8,' "$work/last.json" || fail "last.json does not replay the 8 frames last.png ends"
"$dfview" render $common --policy random:5 --scale 2 --out "$work/last2.png" || fail "render last2.png with --scale 2"

# Actions for a model that takes none: said, not silently dropped.
unconditioned=$(dirname "$model")/tiny_fp32.safetensors
"$dfview" render --model "$unconditioned" --actions "$work/short.actions" --frames 3 --out "$work/u.gif" --quiet \
  2>"$work/err.txt" || fail "render of an unconditioned model with --actions"
grep -q "not action-conditioned" "$work/err.txt" || fail "--actions on an unconditioned model went unmentioned"

# Ctrl-C (or SIGTERM) mid-render finalises the clip: it decodes (read back through dfview's own seed decoder) with the
# frame count the message gives.
"$dfview" render --model "$model" --seed world:maze:1 --steps 1 --frames 1000000 --policy random --quiet \
  --out "$work/int.mp4" 2>"$work/int.txt" &
pid=$!
sleep 4
kill -TERM $pid  # a background job of a script ignores SIGINT; TERM takes the same path as Ctrl-C
wait $pid; rc=$?
[ $rc -eq 1 ] || fail "interrupted render exit $rc"
n=$(sed -n 's/.*holds \([0-9]*\) frames.*/\1/p' "$work/int.txt")
[ -n "$n" ] && [ "$n" -gt 2 ] || fail "no frame count after interrupt: $(cat "$work/int.txt")"
# The seed takes the model's 2 context frames from there, so this reads frames n-2 and n-1.
"$dfview" render --model "$model" --seed "$work/int.mp4#$((n - 2))" --frames 2 --out "$work/last.gif" --quiet ||
  fail "the interrupted clip's last frames ($((n - 2)), $((n - 1))) do not decode"
"$dfview" render --model "$model" --seed "$work/int.mp4#$((n + 3))" --frames 2 --out "$work/none.gif" --quiet 2>/dev/null &&
  fail "the interrupted clip has more frames than reported"
grep -q "\"frames\":	$n," "$work/int.json" || fail "sidecar does not record $n frames"

# Memory stays flat: ten times the frames, (almost) the same peak resident size.
peak() { /usr/bin/time -f %M "$dfview" render --model "$model" --seed world:maze:1 --steps 1 --policy random \
  --frames "$1" --out "$work/mem.gif" --quiet 2>&1 >/dev/null | tail -1; }
small=$(peak 300) large=$(peak 3000)
[ "$large" -le $((small + small / 10 + 2048)) ] || fail "peak memory grew from $small KiB (300 frames) to $large KiB (3000)"
echo "ok: determinism, replay, errors, interrupt ($n frames), memory $small -> $large KiB"

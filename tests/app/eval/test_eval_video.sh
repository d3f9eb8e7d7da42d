#!/bin/sh
# dfview eval --video: a model scored against a clip and the actions recorded with it (docs/eval.md).
#  - a maze episode from `dfview dataset` as a lossless clip: the still oracle's figures equal numpy's on the
#    dataset frames (from frame 0 and from --start-frame 3); a tiny Unet3D model scored on the clip gives the
#    world eval's figures for that seed, column for column (the same seed frames, actions and noise);
#  - the tiny Oasis model (32x24, not square) on a lossless clip of its own render with the same actions
#    and settings regenerates it exactly: infinite PSNR on every frame (line k drives generated frame k);
#  - refusals in one line.
# usage: test_eval_video.sh DFVIEW PYTHON MODELS_DIR OASIS_MODEL SEED_IMAGE WORK_DIR DFVIEW_ENGINE
dfview=$1 python=$2 models=$3 oasis=$4 seed_image=$5 work=$6 engine=$7
tools="$(dirname "$0")/video_files.py"
fail() { echo "FAIL: $*"; exit 1; }
rm -rf "$work" && mkdir -p "$work/oasis-frames" || fail "cannot make $work"

# World seed 22 starts with strafe_left twice, then turn_left: a script read one line off would show.
"$dfview" dataset --world maze --episodes 1 --frames 12 --size 16 --seed 22 --out "$work/data" --quiet || fail "dataset"
"$python" "$tools" avi-from-dataset "$work/data" 0 "$work/maze.avi" "$work/maze.actions" || fail "maze.avi"

for start in 0 3; do
  "$dfview" eval --oracle still --video "$work/maze.avi" --start-frame $start --context 2 --size 16 --frames 7 \
    --quiet --out "$work/still$start" >/dev/null || fail "oracle still from frame $start"
  "$python" "$tools" psnr-still "$work/data" 0 $start 2 7 >"$work/want$start.txt" || fail "numpy psnr"
  cut -d, -f3 "$work/still$start/eval.csv" | tail -n +2 >"$work/got$start.txt"
  cmp -s "$work/want$start.txt" "$work/got$start.txt" ||
    fail "still oracle from frame $start: $(paste "$work/got$start.txt" "$work/want$start.txt" | tr '\n' ' ')"
done
# --start SECONDS: the first frame shown at or after it (the clip runs at 10 frames/s: 0.25 s is frame 3).
"$dfview" eval --oracle still --video "$work/maze.avi" --start 0.25s --context 2 --size 16 --frames 7 --quiet \
  --out "$work/still-time" >/dev/null || fail "oracle still from 0.25 s"
cmp -s "$work/still-time/eval.csv" "$work/still3/eval.csv" || fail "--start 0.25s is not frame 3"
grep -q '"start_frame":	3,' "$work/still-time/summary.json" || fail "summary.json lacks start_frame 3"
"$dfview" eval --oracle truth --video "$work/maze.avi" --size 16 --frames 10 --quiet --out "$work/truth" >/dev/null ||
  fail "oracle truth"
[ "$(cut -d, -f3 "$work/truth/eval.csv" | sort -u)" = "$(printf 'inf\npsnr')" ] || fail "truth oracle is not exact"

"$python" "$(dirname "$0")/make_eval_model.py" "$models" "$work/tiny.safetensors" || fail "could not make the model"
"$dfview" eval --model "$work/tiny.safetensors" --video "$work/maze.avi" --actions "$work/maze.actions" --frames 3 \
  --steps 2 --quiet --out "$work/unet-video" >/dev/null || fail "unet3d on the clip"
"$dfview" eval --model "$work/tiny.safetensors" --first-seed 22 --episodes 1 --frames 3 --steps 2 --quiet \
  --out "$work/unet-world" >/dev/null || fail "unet3d on the world"
cut -d, -f1-12 "$work/unet-video/eval.csv" >"$work/v.csv"
cut -d, -f1-12 "$work/unet-world/eval.csv" >"$work/w.csv"
cmp -s "$work/v.csv" "$work/w.csv" || fail "the clip's figures differ from the world's: $(diff "$work/v.csv" "$work/w.csv")"

printf 'forward\nforward+cameraX=0.5\nleft+jump\ncameraY=-0.25\nnone\n' >"$work/walk.actions"
"$dfview" render --model "$oasis" --seed "$seed_image" --steps 3 --window 3 --frames 6 --actions "$work/walk.actions" \
  --quiet --out "$work/oasis-frames/%05d.png" || fail "oasis render"
"$python" "$tools" avi-from-pngs "$work/oasis-frames" "$work/oasis.avi" || fail "oasis.avi"
"$dfview" eval --model "$oasis" --video "$work/oasis.avi" --actions "$work/walk.actions" --steps 3 --window 3 \
  --frames 5 --quiet --out "$work/oasis" >"$work/oasis.txt" || fail "oasis eval"
for f in eval.csv eval.png sheet.png summary.json; do [ -s "$work/oasis/$f" ] || fail "oasis: $f missing"; done
grep -q "action following: not measured" "$work/oasis.txt" || fail "no 'not measured': $(cat "$work/oasis.txt")"
"$python" - "$work" <<'PY' || fail "oasis results"
import csv, json, struct, sys
work = sys.argv[1]
rows = list(csv.DictReader(open(f"{work}/oasis/eval.csv")))
assert [r["psnr"] for r in rows] == ["inf"] * 5 and all(float(r["ssim"]) == 1 for r in rows), rows
s = json.load(open(f"{work}/oasis/summary.json"))
assert s["video"].endswith("oasis.avi") and s["actions"].endswith("walk.actions") and s["start_frame"] == 0, s
assert "world" not in s and "first_seed" not in s and s["episodes"] == 1 and s["frames"] == 5 and s["steps"] == 3
assert [(r["first"], r["last"], r["psnr"]) for r in s["ranges"]] == [(1, 5, "inf")], s["ranges"]
a = s["action_following"]
assert a["measured"] is False and a["turn_frames"] == 0 and a["model"] is None, a
t = s["targets"]
assert t["action_following_90_percent_of_truth"] is None and t["psnr_1_16_at_least_18_db"] and t["no_collapse"], t
assert all(v["within_tolerance"] for k, v in s["end_statistics"].items() if isinstance(v, dict))
# 32x24 frames scaled by 4 (the shorter side reaches 96 px): 11 columns of 128 px, two rows of 96 px.
w, h = struct.unpack(">II", open(f"{work}/oasis/sheet.png", "rb").read()[16:24])
assert (w, h) == (11 * 128 + 10 * 2, 2 * 96 + 2), (w, h)
PY
# --start-frame 2 on the clip is the clip cut at frame 2 with its script cut to match (line v stays the
# action into frame v): the same figures.
"$python" "$tools" avi-from-pngs "$work/oasis-frames" "$work/oasis-cut.avi" 2 || fail "oasis-cut.avi"
tail -n +3 "$work/walk.actions" >"$work/cut.actions"
for clip in oasis oasis-cut; do
  case $clip in oasis) opt="--start-frame 2" script=walk ;; *) opt="" script=cut ;; esac
  "$dfview" eval --model "$oasis" --video "$work/$clip.avi" --actions "$work/$script.actions" $opt --steps 2 \
    --frames 3 --quiet --out "$work/start-$clip" >/dev/null || fail "oasis eval of $clip $opt"
done
cmp -s "$work/start-oasis/eval.csv" "$work/start-oasis-cut/eval.csv" || fail "--start-frame 2 differs from the cut clip"
grep -q '"start_frame":	2,' "$work/start-oasis/summary.json" || fail "summary.json lacks start_frame 2"

expect_error() { # WHAT STATUS PATTERN ARGS...
  what=$1 status=$2 pattern=$3; shift 3
  "$@" >"$work/out.txt" 2>"$work/err.txt"; rc=$?
  [ $rc = "$status" ] || fail "$what: exit $rc, want $status ($(cat "$work/err.txt"))"
  [ "$(wc -l <"$work/err.txt")" -eq 1 ] || fail "$what: expected one line, got: $(cat "$work/err.txt")"
  grep -q -- "$pattern" "$work/err.txt" || fail "$what: '$(cat "$work/err.txt")' lacks '$pattern'"
}
o="--model $oasis --steps 1 --quiet"
head -n 3 "$work/walk.actions" >"$work/short.actions"
touch "$work/a-file"
expect_error "missing video" 1 "nowhere.mp4: No such file" \
  "$dfview" eval $o --video "$work/nowhere.mp4" --actions "$work/walk.actions" --frames 2 --out "$work/x"
expect_error "short script" 1 "short.actions has 3 lines of actions; video frames 1-5 need lines up to 5" \
  "$dfview" eval $o --video "$work/oasis.avi" --actions "$work/short.actions" --frames 5 --out "$work/x"
expect_error "short video" 1 "the video is shorter than asked" \
  "$dfview" eval $o --video "$work/oasis.avi" --actions "$work/walk.actions" --start-frame 3 --frames 3 --out "$work/x"
expect_error "output folder" 1 "cannot create $work/a-file/out" \
  "$dfview" eval $o --video "$work/oasis.avi" --actions "$work/walk.actions" --frames 2 --out "$work/a-file/out"
expect_error "no script" 2 "--video needs --actions" "$dfview" eval $o --video "$work/oasis.avi" --out "$work/x"
expect_error "world options" 2 "scores one clip" \
  "$dfview" eval $o --video "$work/oasis.avi" --actions "$work/walk.actions" --episodes 2 --out "$work/x"
expect_error "script without video" 2 "--actions belongs to --video" \
  "$dfview" eval $o --actions "$work/walk.actions" --out "$work/x"
expect_error "oasis on a world" 2 "oasis model" "$dfview" eval $o --episodes 1 --frames 2 --out "$work/x"
expect_error "engine" 1 "needs the full dfview" "$engine" eval --model "$work/tiny.safetensors" \
  --video "$work/maze.avi" --actions "$work/maze.actions" --frames 2 --quiet --out "$work/engine"
[ ! -e "$work/x" ] || fail "a refused command wrote $work/x"
echo "dfview eval --video: ok"

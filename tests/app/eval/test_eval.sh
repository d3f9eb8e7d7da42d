#!/bin/sh
# dfview eval end to end: the oracle modes checked against numpy on the dataset writer's frames, a tiny
# random model on lavapipe (files and rows), and bad command lines (one line, exit 2).
# usage: test_eval.sh DFVIEW PYTHON MODELS_DIR MODEL_FIXTURES_DIR WORK_DIR DFVIEW_ENGINE DFVIEW_DATASET
dfview=$1 python=$2 models=$3 fixtures=$4 work=$5 engine=$6 dataset_tool=$7
fail() { echo "FAIL: $*"; exit 1; }
rm -rf "$work" && mkdir -p "$work" || fail "cannot make $work"

# Oracle "still": the model is the last context frame held, so its PSNR is the baseline's; both are checked
# against squared errors pooled over episodes, computed here in numpy on `dfview dataset` frames of the
# same seeds (episode e = world seed S + e in both).
"$dfview" eval --oracle still --context 3 --size 32 --episodes 3 --frames 20 --first-seed 40 --quiet \
  --out "$work/still" >"$work/still.txt" || fail "oracle still failed"
"$dfview" dataset --world maze --episodes 3 --frames 23 --size 32 --seed 40 --out "$work/data" --quiet ||
  fail "dataset failed"
"$python" - "$work" <<'PY' || fail "oracle still figures disagree with numpy"
import csv, json, sys
import numpy as np
work = sys.argv[1]
frames = np.load(f"{work}/data/shard_0000_frames.npy").astype(np.float64)  # (3, 23, 32, 32, 3)
rows = list(csv.DictReader(open(f"{work}/still/eval.csv")))
assert len(rows) == 20, len(rows)
held = frames[:, 2]
for k, row in enumerate(rows, 1):
    truth = frames[:, 2 + k]
    mse = ((truth - held) ** 2).mean()
    want = float("inf") if mse == 0 else 10 * np.log10(255 ** 2 / mse)
    for col in ("psnr", "baseline_psnr"):
        assert abs(float(row[col]) - want) < 2e-3, (k, col, row[col], want)
    luma = (truth @ np.array([0.299, 0.587, 0.114])).mean() / 255
    assert abs(float(row["brightness_truth"]) - luma) < 2e-5, (k, row["brightness_truth"], luma)
    assert int(row["frame"]) == k and int(row["episodes"]) == 3
    assert int(row["turns_followed_model"]) == 0
s = json.load(open(f"{work}/still/summary.json"))
assert s["episodes"] == 3 and s["frames"] == 20 and [r["last"] for r in s["ranges"]] == [16, 20]
assert s["action_following"]["model"] in (0, None), s["action_following"]
assert s["targets"]["above_baseline_every_range"] is False
PY

# Oracle "truth": identical videos, infinite PSNR and SSIM 1 everywhere, and the turn estimator agrees
# with itself.
"$dfview" eval --oracle truth --episodes 2 --frames 80 --quiet --out "$work/truth" >"$work/truth.txt" ||
  fail "oracle truth failed"
"$python" - "$work/truth" <<'PY' || fail "oracle truth is not a perfect score"
import csv, json, sys
d = sys.argv[1]
rows = list(csv.DictReader(open(f"{d}/eval.csv")))
assert len(rows) == 80
assert all(float(r["psnr"]) == float("inf") and float(r["ssim"]) == 1.0 for r in rows)
s = json.load(open(f"{d}/summary.json"))
assert [r["psnr"] for r in s["ranges"]] == ["inf"] * 3, s["ranges"]
a = s["action_following"]
assert a["turn_frames"] > 0 and a["model"] == a["truth"] and a["truth"] >= 0.9, a
assert all(s["targets"].values()), s["targets"]
PY
# --replot redraws the plot from the CSV alone: the same picture.
cp "$work/truth/eval.png" "$work/truth-first.png"
"$dfview" eval --replot "$work/truth" >/dev/null || fail "--replot failed"
cmp -s "$work/truth/eval.png" "$work/truth-first.png" || fail "--replot drew a different plot"
"$dfview" eval --replot "$work/nowhere" 2>/dev/null && fail "--replot of a missing CSV succeeded"
grep -q "^  1-16  *inf" "$work/truth.txt" || fail "printed summary lacks the 1-16 row: $(cat "$work/truth.txt")"
[ "$(head -c 8 "$work/truth/eval.png" | od -An -c | tr -d ' ')" = "211PNG\r\n032\n" ] || fail "eval.png is not a PNG"

# A tiny random model with the maze's action names, rolled out on the device.
"$python" "$(dirname "$0")/make_eval_model.py" "$models" "$work/tiny.safetensors" || fail "could not make the model"
"$dfview" eval --model "$work/tiny.safetensors" --episodes 1 --frames 6 --steps 2 --out "$work/model" \
  >"$work/model.txt" 2>"$work/model.err" || fail "eval of the tiny model failed: $(cat "$work/model.err")"
for f in eval.csv eval.png summary.json; do [ -s "$work/model/$f" ] || fail "$f missing"; done
"$python" - "$work/model" <<'PY' || fail "tiny model results malformed"
import csv, json, math, sys
d = sys.argv[1]
rows = list(csv.DictReader(open(f"{d}/eval.csv")))
assert [int(r["frame"]) for r in rows] == [1, 2, 3, 4, 5, 6], rows
assert all(int(r["episodes"]) == 1 and math.isfinite(float(r["psnr"])) for r in rows)
s = json.load(open(f"{d}/summary.json"))
assert s["frames"] == 6 and s["episodes"] == 1 and s["steps"] == 2 and "device" in s, s
assert s["model"].endswith("tiny.safetensors")
PY
grep -q "frames 1-6" "$work/model.txt" || fail "no end-statistics line: $(cat "$work/model.txt")"
grep -q "episode 1/1" "$work/model.err" || fail "no progress on stderr"
# Same model, seeds and settings: the same figures, bit for bit.
"$dfview" eval --model "$work/tiny.safetensors" --episodes 1 --frames 6 --steps 2 --out "$work/again" --quiet \
  >/dev/null || fail "second eval failed"
cmp -s "$work/model/eval.csv" "$work/again/eval.csv" || fail "two identical evals differ: $(diff "$work/model/eval.csv" "$work/again/eval.csv")"

# SIGTERM between frames: exit 1, and the episodes that finished are scored and written.
"$dfview" eval --model "$work/tiny.safetensors" --episodes 200 --frames 4 --steps 1 --out "$work/stopped" \
  >"$work/stopped.txt" 2>"$work/stopped.err" &
pid=$!
tries=0
# Progress lines are rate-limited, so any episode from the third on will do.
until grep -Eq "episode ([3-9]|[1-9][0-9]+)/200" "$work/stopped.err" 2>/dev/null; do
  kill -0 $pid 2>/dev/null || fail "eval ended before it could be stopped"
  tries=$((tries + 1)); [ $tries -lt 1200 ] || { kill $pid; fail "eval never reached episode 3"; }
  sleep 0.1
done
kill -TERM $pid; wait $pid; rc=$?
[ "$rc" = 1 ] || fail "stopped eval exited $rc, want 1"
"$python" - "$work/stopped" <<'PY' || fail "stopped eval did not keep its finished episodes"
import csv, json, sys
s = json.load(open(f"{sys.argv[1]}/summary.json"))
assert s["interrupted"] is True and 2 <= s["episodes"] < 200, s
rows = list(csv.DictReader(open(f"{sys.argv[1]}/eval.csv")))
assert len(rows) == 4 and all(int(r["episodes"]) == s["episodes"] for r in rows), rows
PY

# Bad command lines: one line on stderr, exit 2.
expect_usage_error() {
  want=$1; shift
  err=$("$dfview" eval "$@" 2>&1 >/dev/null); rc=$?
  [ "$rc" = 2 ] || fail "eval $*: exit $rc, want 2 ($err)"
  [ "$(printf '%s\n' "$err" | wc -l)" = 1 ] || fail "eval $*: not one line: $err"
  case "$err" in *"$want"*) ;; *) fail "eval $*: '$err' lacks '$want'" ;; esac
}
expect_usage_error "--out DIR is required" --oracle truth
expect_usage_error "--model is required" --out "$work/x"
expect_usage_error "unknown world 'nowhere'" --oracle truth --world nowhere --out "$work/x"
expect_usage_error "--frames takes" --oracle truth --frames 0 --out "$work/x"
expect_usage_error "--oracle takes truth or still" --oracle maybe --out "$work/x"
expect_usage_error "--seed does not apply" --model "$work/tiny.safetensors" --seed world:maze:1 --out "$work/x"
expect_usage_error "action 'a0' is not an action of the maze world" \
  --model "$fixtures/tiny_actions.safetensors" --frames 2 --episodes 1 --out "$work/x"
[ ! -e "$work/x" ] || fail "a refused command wrote $work/x"
echo "dfview eval: ok"

# dfview-engine (no FFmpeg, no SDL) evaluates the same way: the same rows; the plot is left to --replot.
"$engine" eval --model "$work/tiny.safetensors" --episodes 1 --frames 6 --steps 2 --out "$work/engine" \
  >"$work/engine.txt" 2>"$work/engine.err" || fail "dfview-engine eval failed: $(cat "$work/engine.err")"
cmp -s "$work/engine/eval.csv" "$work/model/eval.csv" || fail "dfview-engine's eval.csv differs from dfview's"
[ ! -e "$work/engine/eval.png" ] || fail "dfview-engine wrote a plot it cannot encode"
grep -q -- "--replot $work/engine" "$work/engine.txt" || fail "no --replot hint: $(cat "$work/engine.txt")"
"$dfview" eval --replot "$work/engine" >/dev/null || fail "--replot of the engine's run failed"
cmp -s "$work/engine/eval.png" "$work/model/eval.png" || fail "the engine's run replots differently"

# --rollouts scores frames made elsewhere: the truth's own frames score as the truth oracle, the held context
# frame as the still oracle (the same rows), and a file from other seeds is refused.
"$python" - "$work" <<'PY' || fail "could not write rollouts files"
import numpy as np, sys
work = sys.argv[1]
truth = np.load(f"{work}/data/shard_0000_frames.npy")   # seeds 40-42, 23 frames at 32x32
still = truth.copy()
still[:, 3:] = truth[:, 2:3]
np.save(f"{work}/r-truth.npy", truth)
np.save(f"{work}/r-still.npy", still)
PY
"$dfview" eval --rollouts "$work/r-still.npy" --context 3 --first-seed 40 --quiet --out "$work/r-still" >/dev/null ||
  fail "--rollouts (still) failed"
cmp -s "$work/r-still/eval.csv" "$work/still/eval.csv" || fail "--rollouts of held frames differs from --oracle still"
"$dfview" eval --rollouts "$work/r-truth.npy" --context 3 --first-seed 40 --episodes 2 --frames 7 --quiet \
  --out "$work/r-truth" >/dev/null || fail "--rollouts (truth) failed"
"$python" - "$work/r-truth" <<'PY' || fail "--rollouts of the truth is not a perfect score"
import csv, json, sys
rows = list(csv.DictReader(open(f"{sys.argv[1]}/eval.csv")))
assert len(rows) == 7 and all(float(r["psnr"]) == float("inf") and int(r["episodes"]) == 2 for r in rows), rows
assert json.load(open(f"{sys.argv[1]}/summary.json"))["model"].startswith("rollouts:")
PY
"$dfview" eval --rollouts "$work/r-truth.npy" --context 3 --first-seed 41 --quiet --out "$work/r-bad" 2>"$work/r-bad.err" &&
  fail "rollouts of other seeds were scored"
[ "$(wc -l <"$work/r-bad.err")" = 1 ] && grep -q "is not world seed 41's" "$work/r-bad.err" ||
  fail "wrong-seed rollouts: $(cat "$work/r-bad.err")"
"$dfview" eval --rollouts "$work/r-truth.npy" --frames 100 --first-seed 40 --out "$work/r-bad" 2>/dev/null &&
  fail "asking for more frames than the file holds succeeded"

# models/eval_rollouts.py makes such a file from a model (batched, on the CPU here) and dfview eval scores it.
"$python" "$models/eval_rollouts.py" --model "$work/tiny.safetensors" --episodes 2 --frames 3 --steps 2 \
  --device cpu --dataset-tool "$dataset_tool" --out "$work/py.npy" >"$work/py.txt" ||
  fail "eval_rollouts.py failed"
grep -q -- "--rollouts $work/py.npy --context 2" "$work/py.txt" || fail "no scoring hint: $(cat "$work/py.txt")"
"$dfview" eval --rollouts "$work/py.npy" --out "$work/py" --quiet >/dev/null || fail "scoring eval_rollouts.py's file failed"
"$python" -c "import json, sys; s = json.load(open(sys.argv[1])); assert (s['frames'], s['episodes']) == (3, 2), s" \
  "$work/py/summary.json" || fail "eval_rollouts.py's file scored the wrong shape"

#!/usr/bin/env bash
# Trains a bundled model (maze by default) on a GPU machine in one run (the device tool's `run`), e.g.
#   MINUTES=8.5 scripts/train-device.sh          (timeout_s 600; carry build/ or let it compile the writer)
# 1. makes the dataset with build/worlds/dfview-dataset (compiled here with cc if that one won't run), or
#    with STREAM=1 streams fresh worlds from it for the whole run instead (EPISODES is then the pool size),
# 2. trains with models/train.py for $MINUTES minutes of wall clock (setup included), writing the fp16
#    export, split checkpoints, train.log and rollout.png into $OUT as it goes (a run killed at a time
#    limit still leaves the last minute's model), and prints frames/s.
# Knobs (environment): WORLD (maze or voxel), MINUTES (8.5), OUT ($OUT or out/train), EPISODES (2000),
# FRAMES (100), SEED (1000000 for the maze, 2000000 for voxel: far from the small seeds eval and the
# bundled seeds use), STREAM (0/1), GPUS (1; more runs one process per GPU under torchrun), EVAL (0/1:
# afterwards the eval protocol, EVAL_EPISODES x EVAL_FRAMES (16 x 300), into OUT/eval; needs a runnable
# dfview-engine, ENGINE=path, and adds minutes on top of MINUTES), BATCH (64), LR (3e-4), WARMUP (500),
# COMPILE (1: torch.compile, kept if faster; 0: never; unset: the trainer's auto), INIT (a .safetensors to continue from), RESUME (a checkpoint), EXTRA (more trainer flags),
# SIZE (frame size; default: the INIT/RESUME model's when streaming, else 64), CKPT_DIR (OUT; checkpoints), DATA_DIR (/tmp/dfview-$WORLD), PYTHON (python3). CPU check: MINUTES=0.5 EPISODES=8 FRAMES=24 BATCH=2 ...
set -euo pipefail
cd "$(dirname "$0")/.."
WORLD=${WORLD:-maze}
case "$WORLD" in maze) default_seed=1000000 ;; voxel) default_seed=2000000 ;;
  *) echo "train-device: WORLD must be maze or voxel" >&2; exit 2 ;; esac
MINUTES=${MINUTES:-8.5}
OUT=${OUT:-out/train}
CKPT_DIR=${CKPT_DIR:-$OUT}
EPISODES=${EPISODES:-2000}
FRAMES=${FRAMES:-100}
SEED=${SEED:-$default_seed}
BATCH=${BATCH:-64}
LR=${LR:-3e-4}
WARMUP=${WARMUP:-500}
DATA_DIR=${DATA_DIR:-/tmp/dfview-$WORLD}
PYTHON=${PYTHON:-python3}
mkdir -p "$OUT"
started=$(date +%s)

writer=build/worlds/dfview-dataset
if ! "$writer" --help >/dev/null 2>&1; then
  writer=/tmp/dfview-dataset
  echo "train-device: compiling the dataset writer into $writer"
  cc -O3 -std=c11 -D_GNU_SOURCE -pthread worlds/*.c -lm -o "$writer"
fi

echo "train-device: $(nproc) cores; $("$PYTHON" -c 'import torch; print("torch", torch.__version__,
  torch.cuda.get_device_name(0) if torch.cuda.is_available() else "no CUDA")')"
if [ "${STREAM:-0}" = 1 ]; then
  data=(--stream "$WORLD" --stream-seed "$SEED" --stream-frames "$FRAMES" --stream-size "${SIZE:-0}"
        --stream-pool "$EPISODES" --dataset-tool "$writer")
else
  rm -rf "$DATA_DIR"
  "$writer" --world "$WORLD" --episodes "$EPISODES" --frames "$FRAMES" --size "${SIZE:-64}" --seed "$SEED" \
    --out "$DATA_DIR" --quiet
  echo "train-device: dataset $EPISODES x $FRAMES frames in $(( $(date +%s) - started )) s"
  data=(--data "$DATA_DIR")
fi

# The trainer's --minutes budget starts when it does: give it what is left of MINUTES.
left=$("$PYTHON" -c "print(max(0.2, $MINUTES - ($(date +%s) - $started) / 60.0))")
args=("${data[@]}" --out "$OUT" --name "$WORLD" --preset maze --window 8 --context-frames 2
      --batch "$BATCH" --lr "$LR" --warmup "$WARMUP" --minutes "$left" --log-every 100
      --checkpoint-minutes 1 --checkpoint-dir "$CKPT_DIR" --rollout-minutes 3 --rollout-frames 14 --sampling-steps 20)
case "${COMPILE:-}" in 1) args+=(--compile on) ;; 0) args+=(--compile off) ;; esac
[ -n "${INIT:-}" ] && args+=(--init "$INIT")
[ -n "${RESUME:-}" ] && args+=(--resume "$RESUME")
# shellcheck disable=SC2206
[ -n "${EXTRA:-}" ] && args+=($EXTRA)
train() { PYTHONUNBUFFERED=1 PYTHON="$PYTHON" PROCESSES="${GPUS:-1}" scripts/train "$@"; }
if ! train "${args[@]}"; then
  # One retry without the optional speed paths, resuming from the last checkpoint if there is one, so a
  # failure in an untested GPU-only path does not cost the whole run.
  left=$("$PYTHON" -c "print($MINUTES - ($(date +%s) - $started) / 60.0)")
  if "$PYTHON" -c "import sys; sys.exit(0 if $left > 1.0 else 1)"; then
    echo "train-device: trainer failed; retrying for $left min with --safe (plain paths only)"
    retry=("${args[@]}" --safe --minutes "$left")   # --safe also turns torch.compile off
    if [ -f "$CKPT_DIR/$WORLD-ckpt-00.pt" ] && [ -z "${RESUME:-}" ] && [ -z "${INIT:-}" ]; then
      retry+=(--resume "$CKPT_DIR/$WORLD-ckpt-00.pt")
    fi
    train "${retry[@]}"
  else
    exit 1
  fi
fi
echo "train-device: trained in $(( $(date +%s) - started )) s"

# The evaluation protocol on the new model, batched on the GPU (models/eval_rollouts.py), scored by
# dfview-engine on this machine's CPU: only eval.csv and summary.json come back (the rollouts are ~60 MB).
if [ "${EVAL:-0}" = 1 ]; then
  engine=${ENGINE:-build/dfview-engine}
  rollouts=/tmp/dfview-$WORLD-rollouts.npy
  PYTHONUNBUFFERED=1 "$PYTHON" models/eval_rollouts.py --model "$OUT/$WORLD.safetensors" --world "$WORLD" \
    --episodes "${EVAL_EPISODES:-16}" --frames "${EVAL_FRAMES:-300}" --dataset-tool "$writer" --out "$rollouts"
  context=$("$PYTHON" -c "import sys; sys.path.insert(0, 'models'); import model_file
print(model_file.load_model(sys.argv[1])[1]['diffusion']['context_frames'])" "$OUT/$WORLD.safetensors")
  "$engine" eval --rollouts "$rollouts" --context "$context" --world "$WORLD" --out "$OUT/eval" --quiet
fi
echo "train-device: done in $(( $(date +%s) - started )) s; files in $OUT:"
ls -lR "$OUT"

#!/usr/bin/env bash
# One prepared GPU session: `scripts/device-prepare` here, then the device tool's run with
#   carry [".gl", "devkit"], timeout_s 600, command: bash scripts/device-session.sh
# Three parts, each leaving its results in $OUT before the next starts (a run cut short keeps them):
#   1. engine: the Vulkan loader, `devices`, every op test (the CPU-era kernels and the fused residual conv
#      have run on lavapipe only), DMLab parity fp32/fp16, cached-context parity, network benches
#   2. training: the bundled maze model continued (INIT), on streamed worlds, the first steps profiled
#      (maze/profile.txt), torch.compile tried against eager (COMPILE=0 skips it), for TRAIN_MINUTES (5.5)
#   3. evaluation: 16 world seeds x 300 frames batched in PyTorch, scored by dfview-engine (maze/eval/)
# Files back (the tool returns 8): device.log, maze/{maze.safetensors, train.log, profile.txt, rollout.png},
# maze/eval/{eval.csv, summary.json}; the checkpoint (too large to return) stays on the machine.
# DRY=1 checks the script on a machine without a GPU: lavapipe, a few CPU steps, a 1 x 1 evaluation.
set -uo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-out/device}
mkdir -p "$OUT"
exec > >(tee -a "$OUT/device.log") 2>&1
t0=$(date +%s)
stamp() { echo "=== $1 at $(( $(date +%s) - t0 )) s"; }
dry=${DRY:-0}
PYTHON=${PYTHON:-python3}
if [ "$dry" != 1 ]; then
  for f in .gl/*.deb; do dpkg -x "$f" /; done
  ldconfig
  icd=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
  [ -f "$icd" ] && export VK_DRIVER_FILES=$icd
  nvidia-smi --query-gpu=name,driver_version --format=csv,noheader
fi
export LD_LIBRARY_PATH=$PWD/devkit:${LD_LIBRARY_PATH:-}
engine=$PWD/devkit/dfview-engine
timeout 30 "$engine" devices

# 1. engine
for t in devkit/tests/test_*; do
  timeout 120 "$t" >/tmp/dfview-op.log 2>&1
  echo "$(tail -1 /tmp/dfview-op.log)"
  grep '^FAIL' /tmp/dfview-op.log | head -5
done
compare() {
  "$PYTHON" -c "import numpy as np, sys; a = np.load(sys.argv[1]); b = np.load(sys.argv[2])[-a.shape[0]:]
print(sys.argv[1], 'max abs err', float(abs(a - b).max()), 'reference std', float(b.std()))" "$@"
}
preset=dmlab
[ "$dry" = 1 ] && preset=tiny
"$PYTHON" models/make_parity.py --preset "$preset" --float32 /tmp/dfview-pd >/dev/null
"$PYTHON" models/make_parity.py --preset tiny --per-frame-gn --actions 5 --frames 6 \
  --timesteps 14,14,14,14,500,999 /tmp/dfview-pc >/dev/null
for fp in "" --fp16; do
  timeout 60 "$engine" forward --model /tmp/dfview-pd/model.safetensors --input /tmp/dfview-pd/x.npy \
    --timesteps /tmp/dfview-pd/t.npy --output "/tmp/dfview-pd/out$fp.npy" $fp &&
    compare "/tmp/dfview-pd/out$fp.npy" /tmp/dfview-pd/v.npy
done
timeout 60 "$engine" forward --model /tmp/dfview-pc/model.safetensors --input /tmp/dfview-pc/x.npy \
  --timesteps /tmp/dfview-pc/t.npy --actions /tmp/dfview-pc/a.npy --output /tmp/dfview-pc/outc.npy \
  --cache-context 4 && compare /tmp/dfview-pc/outc.npy /tmp/dfview-pc/v.npy
DFVIEW_PROFILE=1 timeout 60 "$engine" bench --model /tmp/dfview-pd/model.safetensors 2>&1 | tail -14
timeout 60 "$engine" bench --model /tmp/dfview-pd/model.safetensors --fp16 2>&1 | tail -2
timeout 60 "$engine" bench --model models/maze.safetensors --cached 2>&1 | tail -2
stamp "engine checks done"

# 2 and 3. training and evaluation
mkdir -p build/worlds && cp devkit/dfview-dataset build/worlds/
train_env=(INIT=models/maze.safetensors WARMUP=200 STREAM=1 EVAL=1 ENGINE="$engine" OUT="$OUT/maze"
           CKPT_DIR=/tmp/dfview-checkpoints COMPILE="${COMPILE:-1}"
           PYTHON="$PYTHON" MINUTES="${TRAIN_MINUTES:-5.5}" EXTRA="--profile-steps 5 ${EXTRA:-}")
if [ "$dry" = 1 ]; then
  train_env+=(COMPILE=0 MINUTES="${TRAIN_MINUTES:-0.4}" BATCH=1 EPISODES=4 FRAMES=12 EVAL_EPISODES=1 EVAL_FRAMES=1
              EXTRA="--profile-steps 1 --device cpu --log-every 1 --rollout-frames 1 ${EXTRA:-}")
fi
env "${train_env[@]}" bash scripts/train-device.sh
stamp "training and evaluation done"
cat "$OUT/maze/eval/summary.json" 2>/dev/null | head -40
stamp "all done"

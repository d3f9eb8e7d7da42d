#!/bin/sh
# The bundled models load, `dfview info` shows their cards, and a 20-frame render of each completes with the
# model's own sampling settings.
# usage: test_bundled.sh DFVIEW MODELS_DIR WORK_DIR
dfview=$1 models=$2 work=$3
fail() { echo "FAIL: $*"; exit 1; }
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
  echo "ok: $name"
done
[ $found -ge 1 ] || fail "no bundled model in $models"

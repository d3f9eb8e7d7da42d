#!/bin/sh
# Builds the model-header fuzzer with clang (-fsanitize=fuzzer,address) in its own build dir and runs it
# for a bounded time on a small seed corpus. Exit 77 (skip) when clang or its libFuzzer runtime is missing.
# usage: fuzz.sh [SECONDS]   (default $DFV_FUZZ_SECONDS or 60; build dir $DFV_FUZZ_BUILD or build-fuzz)
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
seconds=${1:-${DFV_FUZZ_SECONDS:-60}}
build=${DFV_FUZZ_BUILD:-$root/build-fuzz}

command -v clang >/dev/null 2>&1 || { echo "SKIP: clang is not installed"; exit 77; }
probe=$(mktemp -d)
trap 'rm -rf "$probe"' EXIT
printf 'int LLVMFuzzerTestOneInput(const unsigned char *d, unsigned long n) { (void)d; (void)n; return 0; }\n' \
  >"$probe/probe.c"
if ! clang -fsanitize=fuzzer,address "$probe/probe.c" -o "$probe/probe" >/dev/null 2>&1; then
  echo "SKIP: clang's libFuzzer runtime is missing (Debian: libclang-rt-14-dev)"
  exit 77
fi

if [ ! -f "$build/build.ninja" ]; then
  CC=clang meson setup "$build" "$root" -Dfuzz=true -Dbuildtype=debug -Db_ndebug=false >/dev/null
fi
ninja -C "$build" tests/model/fuzz_model_header >/dev/null

seeds=$build/fuzz-seeds
corpus=$build/fuzz-corpus
mkdir -p "$corpus"
[ -f "$seeds/tiny_model.safetensors" ] || /usr/bin/python3 "$root/tests/model/fuzz_seeds.py" "$seeds"
# Short crash reproducers (if any) land in the build dir, never in the source tree.
cd "$build"
# libFuzzer's own default exit code on a crash is 77, which meson would count as a skip.
exec ./tests/model/fuzz_model_header -error_exitcode=1 -max_total_time="$seconds" -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
  -print_final_stats=1 "$corpus" "$seeds" "$root/tests/model/fuzz-regressions"

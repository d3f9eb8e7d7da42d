#!/bin/sh
# dfview info: a valid model prints its card (exit 0); a broken one gives one line naming the file (exit 1).
# usage: test_info.sh DFVIEW FIXTURES_DIR
dfview=$1 dir=$2
fail() { echo "FAIL: $*"; exit 1; }

out=$("$dfview" info "$dir/tiny_actions.safetensors") || fail "valid model refused"
params=$(/usr/bin/python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['models']['tiny_actions']['parameters'])" "$dir/expected.json")
echo "$out" | grep -q "^parameters *$params " || fail "card lacks the parameter count $params: $out"
for word in architecture cost diffusion actions provenance "W, Up" multi-hot; do
  echo "$out" | grep -q "$word" || fail "card lacks '$word'"
done

for bad in "$dir"/bad/*.safetensors /nonexistent.safetensors; do
  err=$("$dfview" info "$bad" 2>&1 >/dev/null); rc=$?
  [ "$rc" = 1 ] || fail "$bad: exit $rc, want 1"
  [ "$(printf '%s\n' "$err" | wc -l)" = 1 ] || fail "$bad: error is not one line: $err"
  case "$err" in *"$bad"*) ;; *) fail "$bad: error does not name the file: $err" ;; esac
done
err=$("$dfview" info "$dir/sha_mismatch.safetensors" 2>&1 >/dev/null) && fail "a wrong weights hash was accepted"
case "$err" in *"provenance.weights_sha256 says 0000"*) ;; *) fail "hash mismatch message: $err" ;; esac
echo "$out" | grep -q "(matches the file)" || fail "the recorded hash was not checked"
"$dfview" info >/dev/null 2>&1; [ $? = 2 ] || fail "no argument should be a usage error"
echo "dfview info: ok"

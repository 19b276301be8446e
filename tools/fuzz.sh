#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (ASan + UBSan) and runs each for a bounded time:
#   tools/fuzz.sh [SECONDS_PER_TARGET, default 20] [TARGET...]
# Each run starts from a scratch copy of the target's seed corpus (fuzz/corpus/T) so the
# repository is not modified. A crash stops the script: its input is left in build-fuzz/crashes/T/;
# copy it to fuzz/regressions/T/ and fix the bug, and every build replays it from then on.
set -euo pipefail
cd "$(dirname "$0")/.."
# ccache outlives a clean clone: paths under the checkout are hashed relative to it, so a
# clone in another folder hits the same cache.
export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=true
seconds=${1:-20}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] ||
  targets=(protocol provider sse config http1 redactor chat anthropic_door native_answer event_stream
    http_request pattern)

cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++ \
  -DSWITCHYARD_FUZZ=ON >/dev/null
build_targets=()
for t in "${targets[@]}"; do build_targets+=(--target "fuzz_$t"); done
if ! cmake --build build-fuzz -j"$(nproc)" "${build_targets[@]}" >build-fuzz/build.log 2>&1; then
  grep -E "error" build-fuzz/build.log | head -40
  echo "fuzz build failed; full log: build-fuzz/build.log"
  exit 1
fi

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
for t in "${targets[@]}"; do
  work=build-fuzz/corpus/$t
  crashes=build-fuzz/crashes/$t
  rm -rf "$work" "$crashes"
  mkdir -p "$work" "$crashes"
  cp fuzz/corpus/"$t"/* "$work"/
  echo "== fuzz $t for ${seconds}s"
  if ! build-fuzz/fuzz/fuzz_"$t" "$work" -max_total_time="$seconds" -max_len=65536 \
      -rss_limit_mb=2048 -timeout=10 -artifact_prefix="$crashes/" -print_final_stats=1 \
      >build-fuzz/fuzz_"$t".log 2>&1; then
    tail -40 build-fuzz/fuzz_"$t".log
    echo "fuzz $t: found a crash; input in $crashes/"
    exit 1
  fi
  grep -E "stat::number_of_executed_units|stat::new_units_added" build-fuzz/fuzz_"$t".log |
    tr '\n' ' ' | sed 's/stat:://g'
  echo
done

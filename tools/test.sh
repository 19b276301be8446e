#!/usr/bin/env bash
# The whole test suite, as CI runs it: install, build twice (plain -Werror, and with
# AddressSanitizer + UndefinedBehaviorSanitizer), run every test in both (the fuzz targets'
# corpora and past crashes are replayed there too), then fuzz each target for a bounded time.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup.sh

echo "== build (RelWithDebInfo, -Werror)"
bash tools/build.sh build -DCMAKE_BUILD_TYPE=RelWithDebInfo
echo "== build (ASan + UBSan)"
bash tools/build.sh build-asan -DCMAKE_BUILD_TYPE=Debug -DSWITCHYARD_SANITIZE=address,undefined

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
status=0
for b in build build-asan; do
  echo "== tests in $b"
  # End-to-end tests measure real time on a small shared machine: one retry of a failed
  # test absorbs a scheduling hiccup; a test that fails twice fails the suite.
  (cd "$b" && ctest -j"$(nproc)" --output-on-failure --timeout 300 --repeat until-pass:2) || status=1
done
echo "== fuzzing (clang, libFuzzer + ASan + UBSan), 20 s per target"
bash tools/fuzz.sh 20 || status=1
exit $status

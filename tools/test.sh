#!/usr/bin/env bash
# The whole test suite, as CI runs it: install, build twice (plain -Werror, and with
# AddressSanitizer + UndefinedBehaviorSanitizer), run every test in both (the fuzz targets'
# corpora and past crashes are replayed there too), run the threaded tests under
# ThreadSanitizer, then fuzz each target for a bounded time.
set -euo pipefail
cd "$(dirname "$0")/.."
# ccache outlives a clean clone: paths under the checkout are hashed relative to it, so a
# clone in another folder hits the same cache.
export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=true
bash tools/setup.sh

echo "== build (RelWithDebInfo, -Werror)"
bash tools/build.sh build -DCMAKE_BUILD_TYPE=RelWithDebInfo
echo "== build (ASan + UBSan)"
bash tools/build.sh build-asan -DCMAKE_BUILD_TYPE=Debug -DSWITCHYARD_SANITIZE=address,undefined

echo "== from npm: the official OpenAI and Anthropic SDKs for Node (the front door's tests), and"
echo "   playwright-core to drive Debian's chromium (the dashboard's)"
npm install --silent --no-audit --no-fund --prefix build/npm openai@4.104.0 \
  @anthropic-ai/sdk@0.79.0 playwright-core@1.64.1
export SWITCHYARD_NODE_MODULES="$PWD/build/npm/node_modules"

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
status=0
for b in build build-asan; do
  echo "== tests in $b"
  # End-to-end tests measure real time on a small shared machine: one retry of a failed
  # test absorbs a scheduling hiccup; a test that fails twice fails the suite.
  (cd "$b" && ctest -j"$(nproc)" --output-on-failure --timeout 300 --repeat until-pass:2) || status=1
done
echo "== ThreadSanitizer: the history's writer thread and the client library shared by threads"
# The tests that run threads: the store's writer (in-process and in a TSan-built daemon that
# the end-to-end tests start), and one Client used from many threads at once.
cmake -S . -B build-tsan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSWITCHYARD_SANITIZE=thread >/dev/null
if cmake --build build-tsan -j"$(nproc)" --target switchyard_tests switchyardd fake_provider \
    >build-tsan/build.log 2>&1; then
  TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1 build-tsan/tests/switchyard_tests \
    --gtest_filter='SqliteStore*:Concurrency*:History*:Stream.*' --gtest_brief=1 || status=1
else
  grep -E "error" build-tsan/build.log | head -40
  status=1
fi

echo "== fuzzing (clang, libFuzzer + ASan + UBSan), 20 s per target"
bash tools/fuzz.sh 20 || status=1
exit $status

#!/usr/bin/env bash
# Builds an optimised switchyard and prints the benchmark figures. Arguments go to
# switchyard_bench (e.g. --only store).
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup.sh
bash tools/build.sh build-release -DCMAKE_BUILD_TYPE=Release
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
build-release/bench/switchyard_bench --bin-dir build-release "$@"

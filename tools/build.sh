#!/usr/bin/env bash
# Configures and builds one flavour of switchyard: tools/build.sh DIR [cmake args...]
# The compiler's output goes to DIR/build.log and is shown only when the build fails.
set -euo pipefail
export CCACHE_BASEDIR="$(cd "$(dirname "$0")/.." && pwd)" CCACHE_NOHASHDIR=true
dir=$1; shift
cmake -S "$(dirname "$0")/.." -B "$dir" "$@" >/dev/null
if ! cmake --build "$dir" -j"$(nproc)" >"$dir/build.log" 2>&1; then
  grep -E "error|Error" "$dir/build.log" | head -40
  echo "build failed; full log: $dir/build.log"
  exit 1
fi

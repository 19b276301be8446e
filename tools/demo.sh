#!/usr/bin/env bash
# The demo: a provider incident replayed against fake providers, live, in about a minute.
# switchyardd learns gpt-4o's latency, gpt-4o slows to 12 s, requests move to the next tier
# within the learned timeout, the breaker opens, later closes, and sqlite3 shows the history.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup.sh
echo "building (the first time takes a few minutes)..."
bash tools/build.sh build -DCMAKE_BUILD_TYPE=RelWithDebInfo
exec build/incident_demo --bin-dir build "$@"

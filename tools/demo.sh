#!/usr/bin/env bash
# The demo: switchyardd in front of a fake OpenAI + Anthropic, a primary model that fails
# in three ways, and every request still answered by the next tier.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup.sh
echo "building (first time: a couple of minutes)..."
bash tools/build.sh build -DCMAKE_BUILD_TYPE=RelWithDebInfo

work=$(mktemp -d /tmp/switchyard-demo.XXXXXX)
cleanup() {
  kill "$daemon_pid" "$fake_pid" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

build/fake_provider --port 0 --port-file "$work/port" 2>"$work/fake.log" &
fake_pid=$!
for _ in $(seq 100); do [ -s "$work/port" ] && break; sleep 0.05; done
port=$(cat "$work/port")
fake="http://127.0.0.1:$port"

sed -e "s|https://api.openai.com/v1|$fake/v1|; s|https://api.anthropic.com/v1|$fake/v1|" \
    -e "s|/run/switchyard/switchyard.sock|$work/switchyard.sock|" \
    -e "s|/var/lib/switchyard/history.db|$work/history.db|" \
    -e "s|default_ms = 5000|default_ms = 800|" examples/switchyard.toml >"$work/switchyard.toml"
export OPENAI_API_KEY=sk-demo-openai ANTHROPIC_API_KEY=sk-ant-demo
build/switchyardd --config "$work/switchyard.toml" 2>"$work/daemon.log" &
daemon_pid=$!
for _ in $(seq 100); do [ -S "$work/switchyard.sock" ] && break; sleep 0.05; done
export SWITCHYARD_SOCKET="$work/switchyard.sock"

say() { printf '\n\033[1m%s\033[0m\n' "$*"; }
fault() { curl -s "$fake/_control/fault?model=$1&$2" >/dev/null; }
ask() { printf '$ switchyard ask "%s"\n' "$1"; build/switchyard ask "$1" 2>&1 | sed 's/^/  /'; }

say "Route 'chat' tries gpt-4o, then gpt-4o-mini, then claude-haiku (timeout per attempt: 800 ms)."
build/switchyard status | sed 's/^/  /'

say "1. All healthy: gpt-4o answers."
fault gpt-4o "latency_ms=150&jitter_ms=50"
ask "What is a circuit breaker?"

say "2. gpt-4o starts returning HTTP 500: the request falls back to gpt-4o-mini."
fault gpt-4o "mode=error&status=500"
ask "Summarize the incident."

say "3. gpt-4o hangs: the attempt is cut off at 800 ms and gpt-4o-mini answers."
fault gpt-4o "mode=hang"
ask "Are you there?"

say "4. gpt-4o hangs and gpt-4o-mini is rate limited (429, Retry-After: 5): claude-haiku answers."
fault gpt-4o-mini "mode=error&status=429&retry_after_s=5"
ask "Anyone?"

say "5. Every provider is down: the client gets all_models_failed with every attempt."
fault claude-3-5-haiku-latest "mode=reset"
ask "Hello?" || true

say "6. gpt-4o recovers: it serves again."
fault gpt-4o "mode=ok"
ask "Back to normal?"

say "7. Everything it did is in SQLite. While the daemon runs, an operator asks:"
q() { printf '$ sqlite3 -box history.db "%s"\n' "$1"; sqlite3 -box "$work/history.db" "$1" | sed 's/^/  /'; }
sleep 0.2  # the writer commits every 50 ms
q "SELECT id, route, served_by, outcome, latency_ms, attempts FROM requests ORDER BY id"
q "SELECT request_id, from_model, to_model, reason FROM fallbacks ORDER BY request_id"
q "SELECT model, attempts, ok, timeouts, p50_ms, p95_ms FROM latency_by_model_hour"
q "SELECT model, attempts, input_tokens, output_tokens, cost_usd FROM cost_by_model_day"

say "The daemon's log:"
sed 's/^/  /' "$work/daemon.log"

#!/usr/bin/env bash
# Installs what switchyard needs to build, test and run, from Debian 12's packages.
# Idempotent: packages already present are left as they are.
set -euo pipefail

packages=(
  build-essential cmake pkg-config git ca-certificates curl
  libuv1-dev libmsgpack-cxx-dev libcurl4-openssl-dev libsqlite3-dev sqlite3
  libspdlog-dev libgtest-dev googletest libjemalloc-dev
  libtomlplusplus-dev libsimdjson-dev libcli11-dev libsystemd-dev
  python3 python3-msgpack python3-venv
  clang libclang-rt-14-dev
  openssl socat
  libhttp-parser-dev prometheus
  libhiredis-dev redis-server redis-tools
  rapidjson-dev json-schema-test-suite libre2-dev ccache zlib1g-dev
  help2man lintian libjs-chart.js chromium
)
# Node.js and npm, for the OpenAI SDK the front door is tested with: Debian's, unless the
# machine already has them.
command -v npm >/dev/null 2>&1 || packages+=(nodejs npm)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
echo "setup: installing ${missing[*]}"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null

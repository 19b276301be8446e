#!/usr/bin/env bash
# `pip install ./client/python` with no network: into a fresh venv that sees Debian's
# python3-msgpack, from the local tree only (--no-index: pip may not reach an index).
# Usage: pip_install_test.sh PYTHON3 CLIENT_DIR WORK_DIR
set -euo pipefail
python=$1 client=$2 work=$3
rm -rf "$work"
"$python" -m venv --system-site-packages "$work/venv"
"$work/venv/bin/pip" install --no-index --no-cache-dir --quiet "$client"
cd "$work"  # not the source tree: the installed copy must be the one imported
"$work/venv/bin/python" - <<'PY'
import os, sys
import switchyard
assert switchyard.__file__.startswith(sys.prefix), switchyard.__file__
assert os.path.exists(os.path.join(os.path.dirname(switchyard.__file__), "_sync.py"))
assert switchyard.Client and switchyard.AsyncClient and issubclass(switchyard.NoRoute, switchyard.Error)
from importlib.metadata import requires, version
assert version("switchyard-client") == switchyard.__version__, version("switchyard-client")
assert requires("switchyard-client") == ["msgpack>=1.0"], requires("switchyard-client")
print("installed", switchyard.__version__, "at", switchyard.__file__)
PY
"$work/venv/bin/pip" uninstall --yes --quiet switchyard-client

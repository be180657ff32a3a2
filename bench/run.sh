#!/usr/bin/env bash
# Run every benchmark (bench/browser_proxy.py needs node) against a regular (non-editable) install, as a user gets it from the README.
#   bash bench/run.sh
set -euo pipefail
cd "$(dirname "$0")/.."
venv=$(mktemp -d)/venv
python3 -m venv "$venv"
"$venv/bin/python" -m pip install -q --disable-pip-version-check ".[redis]" 2>/dev/null
echo "== machine: $(nproc) cores, $(uname -m), $(python3 --version), $(date -u +%Y-%m-%d)"
echo "== bench/startup.py"
.ci/with-keyring "$venv/bin/python" bench/startup.py
echo "== bench/breakdown.py"
.ci/with-keyring "$venv/bin/python" bench/breakdown.py
echo "== bench/derive.py"
"$venv/bin/python" bench/derive.py
echo "== bench/verify.py"
"$venv/bin/python" bench/verify.py
echo "== bench/fleet.py"
"$venv/bin/python" bench/fleet.py
echo "== bench/sdp.py"
"$venv/bin/python" bench/sdp.py
echo "== bench/endorsements.py"
"$venv/bin/python" bench/endorsements.py
echo "== bench/browser_proxy.py"
"$venv/bin/python" bench/browser_proxy.py
echo "== bench/explain.py"
.ci/with-keyring "$venv/bin/python" bench/explain.py
rm -rf "$(dirname "$venv")"

#!/usr/bin/env bash
# Start-up of this checkout and of an earlier commit, side by side in one run (both installed as the
# README installs them: a regular `pip install .` into a throwaway venv).
#   bash bench/compare.sh REV        # e.g. bash bench/compare.sh HEAD~10
set -euo pipefail
cd "$(dirname "$0")/.."
rev=${1:?usage: bash bench/compare.sh REV}
work=$(mktemp -d)
trap 'git worktree remove --force "$work/tree" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
git worktree add --detach "$work/tree" "$rev" >/dev/null 2>&1
for side in new old; do
    python3 -m venv "$work/$side"
done
"$work/new/bin/python" -m pip install -q --disable-pip-version-check . 2>/dev/null
"$work/old/bin/python" -m pip install -q --disable-pip-version-check "$work/tree" 2>/dev/null
echo "== machine: $(nproc) cores, $(uname -m), $(python3 --version), $(date -u +%Y-%m-%d)"
echo "== this checkout ($(git rev-parse --short HEAD)) against $rev ($(git rev-parse --short "$rev")): 'other' columns"
.ci/with-keyring "$work/new/bin/python" bench/startup.py --against "$work/old/bin"

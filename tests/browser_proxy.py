"""Helpers for the browser-path tests: the IdP proxy as `wallet idp proxy` renders it, run under node."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

from conftest import TESTS, require_real_part

RUNNER = TESTS / "js" / "idp_proxy_run.js"


def node() -> str:
    found = shutil.which("node")
    if found is None:
        require_real_part("node (the IdP proxy's JavaScript runs under node and in Firefox)")
    assert found is not None
    return found


def write_proxy(directory: Path, **config: Any) -> Path:
    """The proxy script with ``config`` (wallet.browser.proxy.render's arguments) baked in."""
    from wallet.browser.proxy import render

    path = directory / "idp-proxy.js"
    path.write_bytes(render(**config))
    return path


def run(proxy: Path, ops: list[dict[str, Any]], timeout: float = 300) -> list[Any]:
    """Each operation's result (tests/js/idp_proxy_run.js), in one node process."""
    out = subprocess.run([node(), str(RUNNER), str(proxy)], input=json.dumps(ops).encode(), capture_output=True,
                         timeout=timeout, check=True)
    results: list[Any] = json.loads(out.stdout)
    return results

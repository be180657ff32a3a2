"""The core library and CLI type-check under mypy --strict (configured in pyproject.toml)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from conftest import REPO

pytestmark = pytest.mark.slow


def test_mypy_strict() -> None:
    pytest.importorskip("mypy")
    out = subprocess.run(
        [sys.executable, "-m", "mypy", "wallet"], cwd=REPO, capture_output=True, text=True, timeout=600
    )
    assert out.returncode == 0, out.stdout + out.stderr


def test_core_never_imports_the_cli() -> None:
    """The library is usable without typer: no module outside wallet/cli imports it."""
    import re

    importing = re.compile(r"^\s*(from|import)\s+(wallet\.cli|typer|rich)\b", re.M)
    offenders = [
        str(path.relative_to(REPO))
        for path in (REPO / "wallet").rglob("*.py")
        if "cli" not in path.relative_to(REPO / "wallet").parts
        and path.name not in ("_entry.py", "__main__.py")
        and importing.search(path.read_text())
    ]
    assert offenders == []

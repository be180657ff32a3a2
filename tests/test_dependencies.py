"""Every third-party module the package imports is a declared dependency (pyproject.toml), and the CLI's
own (typer, rich) stay out of the library."""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from importlib.metadata import packages_distributions

from conftest import REPO


def imported_top_level_modules() -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for path in (REPO / "wallet").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            for name in names:
                top = name.split(".")[0]
                if top != "wallet" and top not in sys.stdlib_module_names:
                    found.setdefault(top, set()).add(str(path.relative_to(REPO)))
    return found


def declared() -> set[str]:
    """The dependencies, and the extras a user installs for a feature (not the test extra)."""
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    extras = [dep for name, deps in project.get("optional-dependencies", {}).items() if name != "test" for dep in deps]
    return {re.split(r"[<>=;\[ ]", dep, maxsplit=1)[0].strip().lower() for dep in project["dependencies"] + extras}


def test_every_imported_module_is_declared() -> None:
    distributions = packages_distributions()
    missing = {}
    for module, files in imported_top_level_modules().items():
        names = {d.lower() for d in distributions.get(module, [module])}
        if not names & declared():
            missing[module] = sorted(files)
    assert missing == {}


def test_typer_and_rich_are_imported_by_the_cli_only() -> None:
    for module in ("typer", "rich"):
        files = imported_top_level_modules().get(module, set())
        assert files and all(f.startswith("wallet/cli/") for f in files), (module, files)


def test_redis_is_imported_by_the_shared_replay_store_only() -> None:
    """An optional extra (wallet[redis]): imported when a redis:// store is opened, never on the common path."""
    assert imported_top_level_modules().get("redis") == {"wallet/assertions/shared_replay.py"}


def test_cryptography_is_imported_by_the_webrtc_helper_only() -> None:
    """An optional extra (wallet[webrtc]): read only from an aiortc transport; the library never needs aiortc."""
    assert imported_top_level_modules().get("cryptography") == {"wallet/webrtc.py"}
    assert "aiortc" not in imported_top_level_modules()

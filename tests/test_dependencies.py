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


def test_cryptography_is_imported_by_the_webrtc_helper_the_jwe_and_the_sip_interworking_only() -> None:
    """Read only from an aiortc transport (wallet.webrtc), for JWE disclosures (wallet.jwe) and for ES256
    (wallet.interworking); the library never needs aiortc."""
    files = imported_top_level_modules().get("cryptography", set())
    assert files and all(f in ("wallet/webrtc.py", "wallet/jwe.py") or f.startswith("wallet/interworking/")
                         for f in files), files
    assert "aiortc" not in imported_top_level_modules()


def test_a_plain_verify_does_not_load_cryptography(tmp_path) -> None:
    """python -X importtime: wallet verify (and its start-up) never imports cryptography; verify --sip does."""
    import subprocess

    (tmp_path / "x.sdp").write_text("v=0\r\n")
    env = {"WALLET_HOME": str(tmp_path / "home"), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    plain = subprocess.run([sys.executable, "-X", "importtime", "-m", "wallet", "verify", str(tmp_path / "x.sdp"),
                            "--audience", "shop.example", "--no-replay-check"], capture_output=True, text=True, env=env)
    assert plain.returncode == 20 and "import time:" in plain.stderr
    assert "cryptography" not in plain.stderr
    sip = subprocess.run([sys.executable, "-X", "importtime", "-m", "wallet", "verify", "--sip", str(tmp_path / "x.sdp"),
                          "--gateway-key", str(tmp_path / "x.sdp")], capture_output=True, text=True, env=env)
    assert sip.returncode == 2 and "cryptography" in sip.stderr

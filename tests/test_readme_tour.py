"""The README's tour runs exactly as written: every line, in order, in a throwaway home, from a copy of
examples/, once with the file store and once with the keyring (a real gnome-keyring under .ci/with-keyring)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


def tour() -> str:
    text = (REPO / "README.md").read_text()
    section = text[text.index("## A short tour"):]
    block = re.search(r"```sh\n(.*?)```", section, re.S)
    assert block is not None
    return block.group(1)


def _run(tmp_path: Path, extra: dict[str, str]) -> subprocess.CompletedProcess[str]:
    home = tmp_path / "user"
    home.mkdir()
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("WALLET_", "XDG_", "PYTHON_KEYRING"))}
    env.update(HOME=str(home), PATH=f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '/usr/bin:/bin')}",
               **extra)
    script = "set -euo pipefail\n" + tour()
    return subprocess.run(["bash", "-c", script], cwd=REPO, env=env, capture_output=True, text=True, timeout=600)


def _check(done: subprocess.CompletedProcess[str], home: Path) -> None:
    assert done.returncode == 0, done.stderr[-3000:]
    assert "Traceback" not in done.stderr
    assert '"valid": true' in done.stdout  # the JSON verdict, and the batch's results
    assert "valid: did:key:" in done.stdout and "verified by https://idp.example" in done.stdout
    assert (home / "wallet-tour" / "callcentre.sdp").is_file() and (home / "wallet.backup").is_file()


@pytest.mark.slow
def test_the_tour_with_the_file_store(tmp_path: Path) -> None:
    passphrase = tmp_path / "passphrase"
    passphrase.write_text("correct horse battery staple\n")
    passphrase.chmod(0o600)
    done = _run(tmp_path, {"WALLET_PASSPHRASE_FILE": str(passphrase),
                           "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"})
    _check(done, tmp_path / "user")
    assert "secret store: file" in done.stderr


@pytest.mark.slow
@pytest.mark.keyring
def test_the_tour_with_the_keyring(tmp_path: Path) -> None:
    if not os.environ.get("DBUS_SESSION_BUS_ADDRESS"):
        from conftest import require_real_part

        require_real_part("a Secret Service session (.ci/with-keyring)")
    done = _run(tmp_path, {"DBUS_SESSION_BUS_ADDRESS": os.environ["DBUS_SESSION_BUS_ADDRESS"]})
    _check(done, tmp_path / "user")
    assert "secret store: keyring" in done.stderr

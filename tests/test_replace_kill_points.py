"""kill -9 at every step of `import --force` and `init --force`: the next command finds the old wallet or the
new one, whole, and nothing is left behind (no staged file, no orphaned keyring item). Issue 7, point 7.

tests/tools/kill_at.py counts the file-system and keyring steps of a run and SIGKILLs the process at step N;
each test first counts the steps, then kills at every one of them.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import PASSPHRASE, TESTS, wallet_exe

pytestmark = pytest.mark.slow
KILL_AT = str(TESTS / "tools" / "kill_at.py")


def run(args: list[str], env: dict[str, str], *, kill_at: int | None = None) -> subprocess.CompletedProcess[bytes]:
    cmd = [sys.executable, KILL_AT, str(kill_at), *args] if kill_at is not None else [*wallet_exe(), *args]
    return subprocess.run(cmd, env=env, capture_output=True, timeout=120, stdin=subprocess.DEVNULL)


def identity(home: Path, env: dict[str, str]) -> tuple[str, str]:
    """(GUID, a pairwise did:key) of the wallet in ``home``, through the normal program (which recovers)."""
    env = {**env, "WALLET_HOME": str(home)}
    status = run(["status", "--json"], env)
    assert status.returncode == 0, status.stderr.decode()
    did = run(["pseudonym", "shop.example"], env)
    assert did.returncode == 0, did.stderr.decode()
    return json.loads(status.stdout)["guid"], did.stdout.decode().strip()


def leftovers(home: Path) -> list[str]:
    return sorted(p.name for p in home.iterdir() if p.name == ".staging" or p.name.endswith((".new", ".tmp")))


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    passfile = tmp_path / "pass"
    passfile.write_text(PASSPHRASE + "\n")
    return {**os.environ, "WALLET_PASSPHRASE_FILE": str(passfile), "PASSFILE": str(passfile)}


@pytest.fixture
def wallets(cli, tmp_path: Path, env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> dict:
    """An old wallet (a template copied for each kill) and a backup of another wallet, both file stores."""
    monkeypatch.setenv("WALLET_PASSPHRASE_FILE", env["PASSFILE"])
    found = {}
    for name in ("old", "other"):
        home = tmp_path / name
        monkeypatch.setenv("WALLET_HOME", str(home))
        assert cli(["init", "--store", "file"]).code == 0
        found[name] = identity(home, env)
    backup = tmp_path / "other.backup"
    assert cli(["export", str(backup), "--backup-passphrase-file", env["PASSFILE"]]).code == 0
    return {"template": tmp_path / "old", "old": found["old"], "new": found["other"], "backup": backup}


def _every_kill_point(tmp_path: Path, env: dict[str, str], wallets: dict, args: list[str], new: tuple | None) -> None:
    counting = tmp_path / "counting"
    shutil.copytree(wallets["template"], counting)
    done = run(args, {**env, "WALLET_HOME": str(counting)}, kill_at=0)
    assert done.returncode == 0, done.stderr.decode()
    steps = int(done.stderr.decode().rsplit("steps: ", 1)[1])
    assert steps >= 10
    outcomes = set()
    for n in range(1, steps + 1):
        home = tmp_path / f"kill-{n}"
        shutil.copytree(wallets["template"], home)
        killed = run(args, {**env, "WALLET_HOME": str(home)}, kill_at=n)
        assert killed.returncode == -9, (n, killed.returncode, killed.stderr.decode())
        found = identity(home, env)
        if new is not None:
            assert found in (wallets["old"], new), n
        else:
            assert found == wallets["old"] or found[0] != wallets["old"][0], n
        outcomes.add("old" if found == wallets["old"] else "new")
        assert leftovers(home) == [], (n, leftovers(home))
        shutil.rmtree(home)
    assert outcomes == {"old", "new"}  # the kills landed on both sides of the commit point


def test_import_force_killed_at_every_step(tmp_path: Path, env: dict[str, str], wallets: dict) -> None:
    args = ["import", str(wallets["backup"]), "--backup-passphrase-file", env["PASSFILE"], "--store", "file",
            "--force", "--yes"]
    _every_kill_point(tmp_path, env, wallets, args, wallets["new"])


def test_init_force_killed_at_every_step(tmp_path: Path, env: dict[str, str], wallets: dict) -> None:
    _every_kill_point(tmp_path, env, wallets, ["init", "--store", "file", "--force", "--yes"], None)


def test_leftovers_of_the_earlier_protocol_are_removed(tmp_path: Path, env: dict[str, str], wallets: dict) -> None:
    home = tmp_path / "legacy"
    shutil.copytree(wallets["template"], home)
    for name in (".state.db.4242.new", ".secret.key.4242.new"):
        (home / name).write_bytes(b"staged secret")
        (home / name).chmod(0o600)
    assert identity(home, env) == wallets["old"]
    assert leftovers(home) == []


def _wallet_items() -> set[str]:
    import secretstorage

    conn = secretstorage.dbus_init()
    try:
        return {item.get_attributes()["username"]
                for item in secretstorage.search_items(conn, {"service": "wallet"})}
    finally:
        conn.close()


def _delete_items(usernames: set[str]) -> None:
    import secretstorage

    conn = secretstorage.dbus_init()
    try:
        for name in usernames:
            for item in secretstorage.search_items(conn, {"service": "wallet", "username": name}):
                item.delete()
    finally:
        conn.close()


@pytest.mark.keyring
def test_keyring_import_force_killed_at_every_step_leaves_no_orphaned_item(
        cli, tmp_path: Path, env: dict[str, str], wallets: dict, monkeypatch: pytest.MonkeyPatch) -> None:
    if not os.environ.get("WALLET_TEST_SECRET_SERVICE"):
        from conftest import require_real_part

        require_real_part("a Secret Service session (.ci/with-keyring)")
    old_backup = tmp_path / "old.backup"
    monkeypatch.setenv("WALLET_HOME", str(wallets["template"]))
    assert cli(["export", str(old_backup), "--backup-passphrase-file", env["PASSFILE"]]).code == 0
    args = ["import", str(wallets["backup"]), "--backup-passphrase-file", env["PASSFILE"], "--store", "keyring",
            "--force", "--yes"]

    def fresh_old(home: Path) -> None:
        r = run(["import", str(old_backup), "--backup-passphrase-file", env["PASSFILE"], "--store", "keyring"],
                {**env, "WALLET_HOME": str(home)})
        assert r.returncode == 0, r.stderr.decode()

    before = _wallet_items()
    counting = tmp_path / "counting"
    fresh_old(counting)
    done = run(args, {**env, "WALLET_HOME": str(counting)}, kill_at=0)
    assert done.returncode == 0, done.stderr.decode()
    steps = int(done.stderr.decode().rsplit("steps: ", 1)[1])
    _delete_items(_wallet_items() - before)
    outcomes = set()
    for n in range(1, steps + 1):
        home = tmp_path / f"kill-{n}"
        fresh_old(home)
        killed = run(args, {**env, "WALLET_HOME": str(home)}, kill_at=n)
        assert killed.returncode == -9, (n, killed.stderr.decode())
        found = identity(home, env)
        assert found in (wallets["old"], wallets["new"]), n
        outcomes.add("old" if found == wallets["old"] else "new")
        current = json.loads((home / "wallet.json").read_text())["keyring"]["username"]
        assert _wallet_items() - before == {current}, n  # no orphan: only the wallet's own item is left
        assert leftovers(home) == [] and not (home / "secret.key").exists(), n
        _delete_items({current})
    assert outcomes == {"old", "new"}

"""kill -9 at every step of `passwd`, `store migrate` (both ways) and `destroy` (issue 10): the next command finds
a working wallet with the same identity (old passphrase or new, old store or new) or, for destroy, the wallet
whole or gone with its keyring item; never a lost secret, an orphaned keyring item or a staged file.

tests/tools/kill_at.py counts the file-system and keyring steps of a run and SIGKILLs the process at step N, as
in test_replace_kill_points.py; the keyring is tests/fake_keyrings.FileBackedKeyring (a copy per kill) and, under
.ci/with-keyring, the real gnome-keyring.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from conftest import PASSPHRASE, TESTS
from test_replace_kill_points import _delete_items, _wallet_items, identity, leftovers, run

pytestmark = pytest.mark.slow
NEW_PASSPHRASE = "a new and longer passphrase"


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    old, new = tmp_path / "pass", tmp_path / "newpass"
    old.write_text(PASSPHRASE + "\n")
    new.write_text(NEW_PASSPHRASE + "\n")
    return {**os.environ, "WALLET_PASSPHRASE_FILE": str(old), "OLD": str(old), "NEW": str(new),
            "PYTHONPATH": os.pathsep.join([str(TESTS), os.environ.get("PYTHONPATH", "")])}


def keyring_env(env: dict[str, str], keyring_file: Path) -> dict[str, str]:
    return {**env, "PYTHON_KEYRING_BACKEND": "fake_keyrings.FileBackedKeyring", "FAKE_KEYRING_FILE": str(keyring_file)}


def items(keyring_file: Path) -> set[str]:
    return set(json.loads(keyring_file.read_text())) if keyring_file.exists() else set()


def every_kill_point(tmp_path: Path, args: list[str], prepare: Callable[[Path], dict[str, str]],
                     check: Callable[[Path, dict[str, str]], str],
                     counted: Callable[[Path], None] | None = None) -> set[str]:
    """Run ``args`` once to count its steps, then kill it at each; ``prepare(home)`` makes a fresh wallet and
    returns the environment, ``check`` judges what is left (returning "old" or "new"), ``counted`` tidies up
    after the counting run. The outcomes seen."""
    counting = tmp_path / "counting"
    done = run(args, {**prepare(counting), "WALLET_HOME": str(counting)}, kill_at=0)
    assert done.returncode == 0, done.stderr.decode()
    if counted is not None:
        counted(counting)
    steps = int(done.stderr.decode().rsplit("steps: ", 1)[1])
    assert steps >= 5
    outcomes = set()
    for n in range(1, steps + 1):
        home = tmp_path / f"kill-{n}"
        env = {**prepare(home), "WALLET_HOME": str(home)}
        killed = run(args, env, kill_at=n)
        assert killed.returncode == -9, (n, killed.returncode, killed.stderr.decode())
        outcomes.add(check(home, env))
        assert leftovers(home) == [], (n, leftovers(home))
        shutil.rmtree(home, ignore_errors=True)
    return outcomes


@pytest.fixture
def file_template(cli, tmp_path: Path, env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> tuple[Path, tuple]:
    """A file-store wallet (copied for each kill) and its identity."""
    template = tmp_path / "template"
    monkeypatch.setenv("WALLET_HOME", str(template))
    monkeypatch.setenv("WALLET_PASSPHRASE_FILE", env["OLD"])
    assert cli(["init", "--store", "file"]).code == 0
    assert cli(["persona", "add", "work"]).code == 0
    return template, identity(template, env)


def test_passwd_killed_at_every_step_leaves_one_passphrase_working(tmp_path: Path, env: dict[str, str],
                                                                   file_template: tuple[Path, tuple]) -> None:
    template, before = file_template

    def prepare(home: Path) -> dict[str, str]:
        shutil.copytree(template, home)
        return env

    def check(home: Path, env: dict[str, str]) -> str:
        old = run(["status"], {**env, "WALLET_HOME": str(home)})
        new = run(["status"], {**env, "WALLET_HOME": str(home), "WALLET_PASSPHRASE_FILE": env["NEW"]})
        assert sorted([old.returncode, new.returncode]) == [0, 4], (old.stderr, new.stderr)  # one, never neither
        which = "old" if old.returncode == 0 else "new"
        assert identity(home, {**env, "WALLET_PASSPHRASE_FILE": env[which.upper()]}) == before
        return which

    assert every_kill_point(tmp_path, ["passwd", "--new-passphrase-file", env["NEW"]], prepare, check) == {"old", "new"}


def test_migrate_to_keyring_killed_at_every_step(tmp_path: Path, env: dict[str, str],
                                                 file_template: tuple[Path, tuple]) -> None:
    template, before = file_template

    def prepare(home: Path) -> dict[str, str]:
        shutil.copytree(template, home)
        return keyring_env(env, home.parent / f"{home.name}.keyring.json")

    def check(home: Path, env: dict[str, str]) -> str:
        assert identity(home, env) == before
        config = json.loads((home / "wallet.json").read_text())
        held = items(Path(env["FAKE_KEYRING_FILE"]))
        if config["store"] == "file":
            assert held == set() and (home / "secret.key").exists()  # no orphaned item
            return "old"
        assert held == {f"wallet/{config['keyring']['username']}"} and not (home / "secret.key").exists()
        return "new"

    assert every_kill_point(tmp_path, ["store", "migrate", "--to", "keyring"], prepare, check) == {"old", "new"}


def _keyring_wallet(tmp_path: Path, env: dict[str, str]) -> tuple[Any, Any]:
    """A keyring wallet (on the fake keyring file) to copy before each run, and its identity."""
    template, template_keyring = tmp_path / "template", tmp_path / "template.keyring.json"
    made = run(["init", "--store", "keyring"], {**keyring_env(env, template_keyring), "WALLET_HOME": str(template)})
    assert made.returncode == 0, made.stderr.decode()

    def copy(home: Path) -> dict[str, str]:
        shutil.copytree(template, home)
        shutil.copy(template_keyring, home.parent / f"{home.name}.keyring.json")
        # as if made in this home (a copy of a keyring home keeps the original's item: KeyringStore.owner_elsewhere)
        config = json.loads((home / "wallet.json").read_text())
        config["keyring"]["home"] = os.path.realpath(home)
        (home / "wallet.json").write_text(json.dumps(config))
        return keyring_env(env, home.parent / f"{home.name}.keyring.json")

    return copy, identity(template, keyring_env(env, template_keyring))


def test_migrate_to_file_killed_at_every_step(tmp_path: Path, env: dict[str, str]) -> None:
    copy, before = _keyring_wallet(tmp_path, env)

    def prepare(home: Path) -> dict[str, str]:
        return {**copy(home), "WALLET_PASSPHRASE_FILE": env["NEW"]}

    def check(home: Path, env: dict[str, str]) -> str:
        assert identity(home, env) == before
        config = json.loads((home / "wallet.json").read_text())
        held = items(Path(env["FAKE_KEYRING_FILE"]))
        if config["store"] == "keyring":
            assert held == {f"wallet/{config['keyring']['username']}"} and not (home / "secret.key").exists()
            return "old"
        assert held == set() and (home / "secret.key").exists()  # the old item went only after the commit
        return "new"

    assert every_kill_point(tmp_path, ["store", "migrate", "--to", "file"], prepare, check) == {"old", "new"}


def test_destroy_killed_at_every_step_leaves_the_wallet_whole_or_gone(tmp_path: Path, env: dict[str, str]) -> None:
    copy, before = _keyring_wallet(tmp_path, env)

    def prepare(home: Path) -> dict[str, str]:
        return copy(home)

    def check(home: Path, env: dict[str, str]) -> str:
        status = run(["status"], env)
        if status.returncode == 0:
            assert identity(home, env) == before
            return "old"
        assert status.returncode == 3, status.stderr.decode()  # no wallet, and the next command deleted the item
        assert items(Path(env["FAKE_KEYRING_FILE"])) == set()
        assert not home.exists() or set(os.listdir(home)) <= {".lock"}
        return "new"

    assert every_kill_point(tmp_path, ["destroy", "--yes"], prepare, check) == {"old", "new"}


# -- the real Secret Service (.ci/with-keyring) ---------------------------------------------------------------------
def _need_secret_service() -> None:
    if not os.environ.get("WALLET_TEST_SECRET_SERVICE"):
        from conftest import require_real_part

        require_real_part("a Secret Service session (.ci/with-keyring)")


@pytest.mark.keyring
def test_migrate_both_ways_with_the_real_secret_service(cli, tmp_path: Path, env: dict[str, str],
                                                        file_template: tuple[Path, tuple]) -> None:
    _need_secret_service()
    template, before = file_template
    real = {k: v for k, v in env.items() if k != "PYTHON_KEYRING_BACKEND"}
    home_env = {**real, "WALLET_HOME": str(template)}
    existing = _wallet_items()
    moved = run(["store", "migrate", "--to", "keyring"], home_env)
    assert moved.returncode == 0, moved.stderr.decode()
    username = json.loads((template / "wallet.json").read_text())["keyring"]["username"]
    assert _wallet_items() - existing == {username} and not (template / "secret.key").exists()
    assert identity(template, {**real, "WALLET_PASSPHRASE_FILE": "/nonexistent"}) == before
    back = run(["store", "migrate", "--to", "file"], {**home_env, "WALLET_PASSPHRASE_FILE": env["NEW"]})
    assert back.returncode == 0, back.stderr.decode()
    assert _wallet_items() == existing  # the item went once the file was written and read back
    assert identity(template, {**real, "WALLET_PASSPHRASE_FILE": env["NEW"]}) == before


@pytest.mark.keyring
@pytest.mark.parametrize("to", ["keyring", "file"])
def test_migrate_killed_at_every_step_with_the_real_secret_service(cli, tmp_path: Path, env: dict[str, str],
                                                                   file_template: tuple[Path, tuple],
                                                                   to: str) -> None:
    _need_secret_service()
    template, before = file_template
    real = {k: v for k, v in env.items() if k != "PYTHON_KEYRING_BACKEND"}
    existing = _wallet_items()

    def prepare(home: Path) -> dict[str, str]:
        shutil.copytree(template, home)
        if to == "file":  # start from a keyring wallet of the same identity, with its own item
            r = run(["store", "migrate", "--to", "keyring"], {**real, "WALLET_HOME": str(home)})
            assert r.returncode == 0, r.stderr.decode()
            return {**real, "WALLET_PASSPHRASE_FILE": env["NEW"]}
        return real

    def own_item(home: Path) -> set[str]:
        config = json.loads((home / "wallet.json").read_text())
        return {config["keyring"]["username"]} if config["store"] == "keyring" else set()

    def check(home: Path, env: dict[str, str]) -> str:
        assert identity(home, env) == before
        mine = own_item(home)
        assert _wallet_items() - existing == mine  # no orphaned item, and the wallet's own is there
        _delete_items(mine)
        return "new" if json.loads((home / "wallet.json").read_text())["store"] == to else "old"

    try:
        outcomes = every_kill_point(tmp_path, ["store", "migrate", "--to", to], prepare, check,
                                    counted=lambda home: _delete_items(own_item(home)))
    finally:
        _delete_items(_wallet_items() - existing)
    assert outcomes == {"old", "new"}

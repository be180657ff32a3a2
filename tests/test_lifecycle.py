"""Living with a wallet (issue 10), as attacks: wallet passwd, wallet store migrate, wallet destroy, and the
passphrases they ask for. Wrong and short passphrases, loose passphrase files, no terminal, a keyring that is
absent, erroring or hanging, a full disk; prompts answered on a real pseudo-terminal (tests/terminal.py).
Kills at every step are in test_lifecycle_kill_points.py.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from conftest import PASSPHRASE, TESTS, SmallDisk, snapshot
from tty_program import Terminal

NEW_PASSPHRASE = "a new and longer passphrase"


def write_private(path: Path, text: str, mode: int = 0o600) -> Path:
    path.write_text(text + "\n")
    path.chmod(mode)
    return path


@pytest.fixture
def newpass(tmp_path: Path) -> Path:
    return write_private(tmp_path / "new-passphrase", NEW_PASSPHRASE)


def identity(cli) -> dict:
    """Everything a migration or passphrase change must keep: GUID, personas, rules, ledger and identifiers."""
    status = cli(["status", "--json"])
    assert status.code == 0, status.err
    out = {"guid": json.loads(status.out)["guid"]}
    for args in (["persona", "list", "--json"], ["rule", "list", "--json"], ["history", "--json"]):
        r = cli(args)
        assert r.code == 0, r.err
        out[args[0]] = json.loads(r.out)
    for persona, dest in (("default", "shop.example"), ("work", "bank.example"), ("PokerAce", "poker.example")):
        r = cli(["pseudonym", dest, "--persona", persona, "--json"])
        assert r.code == 0, r.err
        out[f"{persona}@{dest}"] = json.loads(r.out)["id"]
    return out


def populate(cli) -> None:
    """Personas, a rule and a ledger entry: a wallet that has lived a little."""
    for args in (["persona", "add", "work", "--attr", "email=ann@corp.example"],
                 ["persona", "add", "PokerAce", "--kind", "pseudonym"],
                 ["rule", "add", "--dest", "shop.example", "--state", "unlinkable"],
                 ["assert", "--to", "shop.example", "--fingerprint", "sha-256 " + ":".join(["AB"] * 32)]):
        r = cli(args)
        assert r.code == 0, (args, r.err)


# -- wallet passwd ----------------------------------------------------------------------------------------------
def test_passwd_changes_the_passphrase_and_nothing_else(cli, file_wallet: Path, passfile: Path, newpass: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    populate(cli)
    before = identity(cli)
    state = (file_wallet / "state.db").read_bytes()
    r = cli(["passwd", "--new-passphrase-file", str(newpass), "--json"])
    assert r.code == 0 and json.loads(r.out) == {"home": str(file_wallet), "store": "file", "error": None}, r.err
    assert "the old one no longer opens it" in r.err
    assert (file_wallet / "state.db").read_bytes() == state  # the state's keys come from the master secret
    old = cli(["status"])
    assert old.code == 4 and "wrong passphrase" in old.err
    monkeypatch.setenv("WALLET_PASSPHRASE_FILE", str(newpass))
    assert identity(cli) == before
    assert sorted(p.name for p in file_wallet.iterdir()) == [".lock", "secret.key", "state.db", "wallet.json"]
    assert (file_wallet / "secret.key").stat().st_mode & 0o777 == 0o600


def test_passwd_with_a_wrong_current_passphrase_changes_nothing(cli, file_wallet: Path, tmp_path: Path,
                                                                newpass: Path) -> None:
    before = snapshot(file_wallet)
    wrong = write_private(tmp_path / "wrong", "not the passphrase at all")
    r = cli(["passwd", "--passphrase-file", str(wrong), "--new-passphrase-file", str(newpass)])
    assert r.code == 4 and "wrong passphrase" in r.err and r.out == ""
    assert snapshot(file_wallet) == before


@pytest.mark.parametrize("new,words", [("short", "at least 8 characters"), ("1234567", "at least 8 characters")])
def test_passwd_refuses_a_short_new_passphrase(cli, file_wallet: Path, tmp_path: Path, new: str, words: str) -> None:
    before = snapshot(file_wallet)
    r = cli(["passwd", "--new-passphrase-file", str(write_private(tmp_path / "short", new))])
    assert r.code == 2 and words in r.err and r.err.count("\n") == 1
    assert snapshot(file_wallet) == before


def test_passwd_without_a_terminal_for_the_new_passphrase_says_how(cli, file_wallet: Path) -> None:
    before = snapshot(file_wallet)
    r = cli(["passwd"])
    assert r.code == 2 and "new wallet passphrase is needed and there is no terminal" in r.err
    assert "--new-passphrase-file" in r.err
    assert snapshot(file_wallet) == before


def test_passwd_cannot_read_both_passphrases_from_stdin(cli, file_wallet: Path) -> None:
    r = cli(["passwd", "--passphrase-file", "-", "--new-passphrase-file", "-"], stdin=PASSPHRASE.encode())
    assert r.code == 2 and "standard input already gives" in r.err


def test_passwd_on_a_full_disk_keeps_the_old_passphrase(cli, small_disk: SmallDisk, passfile: Path, newpass: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    home = small_disk.path / "home"
    monkeypatch.setenv("WALLET_HOME", str(home))
    monkeypatch.setenv("WALLET_PASSPHRASE_FILE", str(passfile))
    assert cli(["init", "--store", "file"]).code == 0
    before = snapshot(home)
    small_disk.fill()
    r = cli(["passwd", "--new-passphrase-file", str(newpass)])
    assert r.code == 9 and "Traceback" not in r.err and r.err.count("\n") == 1, r.err
    assert snapshot(home) == before  # no temp file left behind, the old envelope untouched
    small_disk.free()
    assert cli(["status"]).code == 0


def test_passwd_on_a_keyring_wallet_is_a_clear_error(proc, home: Path, tmp_path: Path, newpass: Path) -> None:
    keyring = fake_keyring(tmp_path)
    assert proc(["init", "--store", "keyring"], env=keyring).code == 0
    before = snapshot(home)
    r = proc(["passwd", "--new-passphrase-file", str(newpass)], env=keyring)
    assert r.code == 2 and "OS keyring" in r.err and "store migrate --to file" in r.err
    assert snapshot(home) == before


def test_passwd_without_a_wallet_says_so(cli, home: Path, newpass: Path) -> None:
    r = cli(["passwd", "--new-passphrase-file", str(newpass)])
    assert r.code == 3 and "no wallet" in r.err and not home.exists()


# -- passphrases --------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604, 0o660])
@pytest.mark.parametrize("how", ["option", "environment", "backup"])
def test_a_passphrase_file_others_can_read_is_refused_like_a_loose_key(cli, file_wallet: Path, passfile: Path,
                                                                       tmp_path: Path, monkeypatch, mode: int,
                                                                       how: str) -> None:
    loose = write_private(tmp_path / "loose", PASSPHRASE, mode)
    before = snapshot(file_wallet)
    if how == "option":
        args = ["status", "--passphrase-file", str(loose)]
    elif how == "environment":
        monkeypatch.setenv("WALLET_PASSPHRASE_FILE", str(loose))
        args = ["status"]
    else:
        args = ["export", str(tmp_path / "backup"), "--backup-passphrase-file", str(loose)]
    r = cli(args)
    assert r.code == 6, r.err
    assert f"passphrase file {loose} is accessible by other users (mode {mode:o})" in r.err
    assert f"chmod 600 {loose}" in r.err and r.err.count("\n") == 1
    assert snapshot(file_wallet) == before and not (tmp_path / "backup").exists()
    # the same words as a loose key file: one rule, one message
    (file_wallet / "secret.key").chmod(mode)
    key = cli(["status"])
    assert key.code == 6 and "is accessible by other users" in key.err and "chmod 600" in key.err


def test_a_passphrase_file_of_another_user_is_refused(cli, file_wallet: Path, tmp_path: Path) -> None:
    if os.getuid() != 0:
        pytest.skip("chown needs root")
    theirs = write_private(tmp_path / "theirs", PASSPHRASE)
    os.chown(theirs, 4242, 4242)
    r = cli(["status", "--passphrase-file", str(theirs)])
    assert r.code == 6 and "owned by another user" in r.err


def test_a_new_wallet_needs_a_passphrase_of_eight_characters(cli, home: Path, tmp_path: Path) -> None:
    r = cli(["init", "--store", "file", "--passphrase-file", str(write_private(tmp_path / "p", "seven77"))])
    assert r.code == 2 and "at least 8 characters" in r.err and not (home / "wallet.json").exists()
    multibyte = write_private(tmp_path / "p8", "pässwörd")  # 8 characters, 10 bytes
    assert cli(["init", "--store", "file", "--passphrase-file", str(multibyte)]).code == 0


def test_a_wallet_made_with_a_short_passphrase_still_opens(cli, home: Path, tmp_path: Path) -> None:
    from wallet.facade import create_wallet
    from wallet.storage.paths import WalletHome

    create_wallet(WalletHome.resolve(home), store="file", passphrase=lambda _confirm: b"pw")
    r = cli(["status", "--passphrase-file", str(write_private(tmp_path / "old", "pw"))])
    assert r.code == 0, r.err


def test_a_backup_needs_a_passphrase_of_eight_characters(cli, file_wallet: Path, tmp_path: Path) -> None:
    r = cli(["export", str(tmp_path / "b"), "--backup-passphrase-file", str(write_private(tmp_path / "s", "short"))])
    assert r.code == 2 and "backup passphrase is too short" in r.err and not (tmp_path / "b").exists()


# -- wallet store migrate --------------------------------------------------------------------------------------------
def fake_keyring(tmp_path: Path, **extra: str) -> dict[str, str]:
    """A keyring backend that works across processes (tests/fake_keyrings.py), for subprocesses."""
    return {
        "PYTHON_KEYRING_BACKEND": "fake_keyrings.FileBackedKeyring",
        "FAKE_KEYRING_FILE": str(tmp_path / "keyring.json"),
        "PYTHONPATH": os.pathsep.join([str(TESTS), os.environ.get("PYTHONPATH", "")]),
        "WALLET_KEYRING_TIMEOUT": "1",
        **extra,
    }


def items(tmp_path: Path) -> dict[str, str]:
    try:
        return json.loads((tmp_path / "keyring.json").read_text())
    except FileNotFoundError:
        return {}


def proc_identity(proc, env: dict[str, str]) -> dict:
    """identity() through the real program in subprocesses (a keyring backend is chosen once per process)."""
    return identity(lambda args: proc(args, env=env))


def test_migrate_both_ways_keeps_everything(cli, proc, file_wallet: Path, tmp_path: Path, passfile: Path) -> None:
    populate(cli)
    keyring = fake_keyring(tmp_path, WALLET_PASSPHRASE_FILE=str(passfile))
    before = proc_identity(proc, keyring)

    r = proc(["store", "migrate", "--to", "keyring", "--json"], env=keyring)
    assert r.code == 0 and json.loads(r.out)["store"] == "keyring", r.err
    assert "GUID, personas and identifiers are unchanged" in r.err
    assert not (file_wallet / "secret.key").exists() and not (file_wallet / ".staging").exists()
    config = json.loads((file_wallet / "wallet.json").read_text())
    assert config["store"] == "keyring" and list(items(tmp_path)) == [f"wallet/{config['keyring']['username']}"]
    assert proc_identity(proc, {**keyring, "WALLET_PASSPHRASE_FILE": "/nonexistent"}) == before  # no passphrase

    newpass = write_private(tmp_path / "new", NEW_PASSPHRASE)
    r = proc(["store", "migrate", "--to", "file", "--passphrase-file", str(newpass)], env=keyring)
    assert r.code == 0, r.err
    assert items(tmp_path) == {}  # the keyring item went, once the file was written and read back
    assert json.loads((file_wallet / "wallet.json").read_text()) == {"format": 1, "store": "file"}
    assert (file_wallet / "secret.key").stat().st_mode & 0o777 == 0o600
    assert proc_identity(proc, {**keyring, "WALLET_PASSPHRASE_FILE": str(newpass)}) == before
    assert proc(["status"], env=keyring).code == 4  # the file's passphrase is the one chosen at the migration


def test_migrate_to_the_store_in_use_is_refused(cli, file_wallet: Path) -> None:
    r = cli(["store", "migrate", "--to", "file"])
    assert r.code == 2 and "already keeps its secret in the file store" in r.err


@pytest.mark.parametrize("backend", ["keyring.backends.fail.Keyring", "keyring.backends.null.Keyring"])
def test_migrate_to_a_missing_keyring_changes_nothing(proc, file_wallet: Path, passfile: Path, backend: str) -> None:
    before = snapshot(file_wallet)
    r = proc(["store", "migrate", "--to", "keyring"],
             env={"PYTHON_KEYRING_BACKEND": backend, "WALLET_PASSPHRASE_FILE": str(passfile)})
    assert r.code == 8 and "no usable OS keyring" in r.err and r.err.count("\n") == 1
    assert snapshot(file_wallet) == before


def test_migrate_with_a_wrong_passphrase_changes_nothing(proc, file_wallet: Path, tmp_path: Path) -> None:
    before = snapshot(file_wallet)
    wrong = write_private(tmp_path / "wrong", "not the passphrase at all")
    r = proc(["store", "migrate", "--to", "keyring", "--passphrase-file", str(wrong)], env=fake_keyring(tmp_path))
    assert r.code == 4 and snapshot(file_wallet) == before and items(tmp_path) == {}


@pytest.mark.parametrize("mode,words", [("hang", "did not answer"), ("error", "failed to read")])
def test_migrate_from_a_broken_keyring_changes_nothing_and_hints_no_init(proc, home: Path, tmp_path: Path,
                                                                         newpass: Path, mode: str, words: str) -> None:
    assert proc(["init", "--store", "keyring"], env=fake_keyring(tmp_path)).code == 0
    before, held = snapshot(home), items(tmp_path)
    r = proc(["store", "migrate", "--to", "file", "--passphrase-file", str(newpass)],
             env=fake_keyring(tmp_path, FAKE_KEYRING_MODE=mode))
    assert r.code == 8 and words in r.err and r.err.count("\n") == 1
    assert "init" not in r.err  # 'init --store file' would need --force and destroy the identity
    assert "try again" in r.err
    assert snapshot(home) == before and items(tmp_path) == held


def test_migrate_to_file_on_a_full_disk_keeps_the_keyring_wallet(proc, small_disk: SmallDisk, tmp_path: Path,
                                                                  newpass: Path) -> None:
    env = {**fake_keyring(tmp_path), "WALLET_HOME": str(small_disk.path / "home")}
    assert proc(["init", "--store", "keyring"], env=env).code == 0
    did = proc(["pseudonym", "shop.example"], env=env).out
    before, held = snapshot(small_disk.path / "home"), items(tmp_path)
    small_disk.fill()
    r = proc(["store", "migrate", "--to", "file", "--passphrase-file", str(newpass)], env=env)
    assert r.code == 9 and "Traceback" not in r.err, r.err
    assert snapshot(small_disk.path / "home") == before and items(tmp_path) == held
    small_disk.free()
    assert proc(["pseudonym", "shop.example"], env=env).out == did


# -- wallet destroy ---------------------------------------------------------------------------------------------------
def test_destroy_without_a_terminal_needs_yes(cli, file_wallet: Path) -> None:
    before = snapshot(file_wallet)
    r = cli(["destroy"])
    assert r.code == 2 and "--yes" in r.err and r.out == ""
    assert snapshot(file_wallet) == before


def test_destroy_removes_the_wallet_and_its_directory(cli, file_wallet: Path) -> None:
    populate(cli)
    r = cli(["destroy", "--yes", "--json"])
    assert r.code == 0, r.err
    assert json.loads(r.out) == {"home": str(file_wallet), "removed": ["wallet.json", "secret.key", "state.db"],
                                 "keyring_item": False, "kept": [], "keyring_owner": None, "error": None}
    assert not file_wallet.exists()
    assert cli(["status"]).code == 3
    again = cli(["destroy", "--yes"])
    assert again.code == 3 and "nothing to destroy" in again.err and not file_wallet.exists()


def test_destroy_without_a_wallet_creates_nothing(cli, home: Path) -> None:
    r = cli(["destroy", "--yes"])
    assert r.code == 3 and "nothing to destroy" in r.err and not home.exists()
    home.mkdir(mode=0o700)
    assert cli(["destroy"]).code == 3 and list(home.iterdir()) == []  # no question when there is nothing


def test_destroy_keeps_what_is_not_the_wallets(cli, file_wallet: Path) -> None:
    (file_wallet / "trust.json").write_text("{}")
    (file_wallet / "notes.txt").write_text("mine")
    r = cli(["destroy", "--yes", "--json"])
    assert r.code == 0 and json.loads(r.out)["kept"] == ["notes.txt", "trust.json"]
    assert sorted(p.name for p in file_wallet.iterdir()) == ["notes.txt", "trust.json"]
    assert "kept" in r.err


def test_destroy_removes_a_damaged_wallet_too(cli, file_wallet: Path) -> None:
    (file_wallet / "wallet.json").unlink()
    assert cli(["status"]).code == 5
    r = cli(["destroy", "--yes"])
    assert r.code == 0 and not file_wallet.exists()


def test_destroy_deletes_the_keyring_item(proc, home: Path, tmp_path: Path) -> None:
    keyring = fake_keyring(tmp_path)
    other = fake_keyring(tmp_path, WALLET_HOME=str(tmp_path / "other"))
    assert proc(["init", "--store", "keyring"], env=keyring).code == 0
    assert proc(["init", "--store", "keyring"], env=other).code == 0
    theirs = json.loads((tmp_path / "other" / "wallet.json").read_text())["keyring"]["username"]
    r = proc(["destroy", "--yes", "--json"], env=keyring)
    assert r.code == 0 and json.loads(r.out)["keyring_item"] is True, r.err
    assert list(items(tmp_path)) == [f"wallet/{theirs}"]  # only the other wallet's item is left
    assert not home.exists()
    assert proc(["status"], env=other).code == 0


@pytest.mark.parametrize("mode", ["hang", "error"])
def test_destroy_with_an_unreachable_keyring_changes_nothing(proc, home: Path, tmp_path: Path, mode: str) -> None:
    assert proc(["init", "--store", "keyring"], env=fake_keyring(tmp_path)).code == 0
    before, held = snapshot(home), items(tmp_path)
    r = proc(["destroy", "--yes"], env=fake_keyring(tmp_path, FAKE_KEYRING_MODE=mode))
    assert r.code == 8 and "nothing was deleted" in r.err and r.err.count("\n") == 1
    assert snapshot(home) == before and items(tmp_path) == held
    assert proc(["destroy", "--yes"], env=fake_keyring(tmp_path)).code == 0 and items(tmp_path) == {}


def test_an_item_the_keyring_would_not_delete_is_deleted_by_the_next_command(proc, home: Path,
                                                                             tmp_path: Path) -> None:
    """The files go, a marker names the item, and the next command deletes it (no item is orphaned)."""
    keyring = fake_keyring(tmp_path)
    assert proc(["init", "--store", "keyring"], env=keyring).code == 0
    held = items(tmp_path)
    r = proc(["destroy", "--yes"], env=fake_keyring(tmp_path, FAKE_KEYRING_MODE="no-delete"))
    assert r.code == 8 and "could not be deleted yet" in r.err and "run 'wallet destroy' again" in r.err
    assert sorted(p.name for p in home.iterdir()) == [".destroying"] and items(tmp_path) == held
    assert proc(["status"], env=fake_keyring(tmp_path, FAKE_KEYRING_MODE="no-delete")).code == 3  # gone, retried
    assert items(tmp_path) == held
    r = proc(["init", "--store", "keyring", "--json"], env=keyring)  # a new wallet here: the old item goes first
    assert r.code == 0, r.err
    new = json.loads((home / "wallet.json").read_text())["keyring"]["username"]
    assert list(items(tmp_path)) == [f"wallet/{new}"] and not (home / ".destroying").exists()
    assert proc(["status"], env=keyring).code == 0


def test_destroy_finishes_a_destruction_the_keyring_held_up(proc, home: Path, tmp_path: Path) -> None:
    assert proc(["init", "--store", "keyring"], env=fake_keyring(tmp_path)).code == 0
    assert proc(["destroy", "--yes"], env=fake_keyring(tmp_path, FAKE_KEYRING_MODE="no-delete")).code == 8
    r = proc(["destroy", "--yes"], env=fake_keyring(tmp_path))
    assert r.code == 0 and items(tmp_path) == {} and not home.exists(), r.err


def test_destroy_on_a_read_only_disk_changes_nothing(cli, small_disk: SmallDisk, passfile: Path, monkeypatch) -> None:
    home = small_disk.path / "home"
    monkeypatch.setenv("WALLET_HOME", str(home))
    monkeypatch.setenv("WALLET_PASSPHRASE_FILE", str(passfile))
    assert cli(["init", "--store", "file"]).code == 0
    before = snapshot(home)
    small_disk.remount("ro")
    r = cli(["destroy", "--yes"])
    assert r.code == 9 and "Traceback" not in r.err, r.err
    small_disk.remount("rw")
    assert snapshot(home) == before and cli(["status"]).code == 0


# -- prompts on a real terminal ---------------------------------------------------------------------------------------
@pytest.fixture
def tty_env(home: Path) -> dict[str, str]:
    return {**os.environ, "WALLET_HOME": str(home), "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"}


def test_init_on_a_terminal_says_why_first_and_asks_again(tty_env: dict[str, str], home: Path) -> None:
    term = Terminal(["init"], tty_env)
    before_prompt = term.expect("Wallet passphrase: ")
    assert "secret store: file (no usable OS keyring" in before_prompt  # the reason, before the prompt
    assert "at least 8 characters" in before_prompt
    term.send("short")
    assert "too short" in term.expect("Wallet passphrase: ")
    term.send(NEW_PASSPHRASE)
    term.expect("Repeat the wallet passphrase: ")
    term.send(NEW_PASSPHRASE + " but different")
    assert "do not match; try again" in term.expect("Wallet passphrase: ")
    term.send(NEW_PASSPHRASE)
    term.expect("Repeat the wallet passphrase: ")
    term.send(NEW_PASSPHRASE)
    assert term.wait() == 0, term.text()
    assert "created a wallet" in term.text() and NEW_PASSPHRASE not in term.text()  # no echo
    assert (home / "secret.key").exists()


def test_init_on_a_terminal_gives_up_after_three_attempts(tty_env: dict[str, str], home: Path) -> None:
    term = Terminal(["init", "--store", "file"], tty_env)
    for _ in range(3):
        term.expect("Wallet passphrase: ")
        term.send("short")
    assert term.wait() == 2 and "after 3 attempts; nothing was changed" in term.text()
    assert not (home / "wallet.json").exists()


def _terminal_wallet(cli, home: Path, passfile: Path) -> None:
    assert cli(["init", "--store", "file", "--passphrase-file", str(passfile)]).code == 0


@pytest.mark.parametrize("wrong,code", [(2, 0), (3, 4)])
def test_a_wrong_passphrase_on_a_terminal_gets_three_tries(cli, tty_env, home: Path, passfile: Path, wrong: int,
                                                           code: int) -> None:
    _terminal_wallet(cli, home, passfile)
    term = Terminal(["pseudonym", "shop.example"], tty_env)
    for attempt in range(wrong):
        between = term.expect("Wallet passphrase: ")
        if attempt:
            assert f"wrong passphrase (or the file was altered); try again ({3 - attempt} " in between
        term.send(f"wrong guess {attempt}")
    if wrong < 3:
        term.expect("Wallet passphrase: ")
        term.send(PASSPHRASE)
    assert term.wait() == code, term.text()
    assert term.text().count("Wallet passphrase: ") == min(wrong + 1, 3)
    assert ("did:key:z6Mk" in term.text()) == (code == 0)


def test_passwd_on_a_terminal(cli, tty_env, home: Path, passfile: Path) -> None:
    _terminal_wallet(cli, home, passfile)
    term = Terminal(["passwd"], tty_env)
    term.expect("Current wallet passphrase: ")
    term.send("wrong guess")
    term.expect("Current wallet passphrase: ")
    term.send(PASSPHRASE)
    assert "from now on it alone opens the wallet" in term.expect("New wallet passphrase: ")
    term.send(NEW_PASSPHRASE)
    term.expect("Repeat the new wallet passphrase: ")
    term.send(NEW_PASSPHRASE)
    assert term.wait() == 0, term.text()
    newpass = write_private(home.parent / "newpass", NEW_PASSPHRASE)
    assert cli(["status", "--passphrase-file", str(newpass)]).code == 0
    assert cli(["status", "--passphrase-file", str(passfile)]).code == 4


@pytest.mark.parametrize("answer,code", [("n", 2), ("", 2), ("y", 0)])
def test_destroy_asks_on_a_terminal(cli, tty_env, home: Path, passfile: Path, answer: str, code: int) -> None:
    _terminal_wallet(cli, home, passfile)
    before = snapshot(home)
    term = Terminal(["destroy"], tty_env)
    term.expect("cannot be recovered without a backup [y/N] ")
    term.send(answer)
    assert term.wait() == code, term.text()
    if code:
        assert "cancelled; nothing was changed" in term.text() and snapshot(home) == before
    else:
        assert not home.exists()

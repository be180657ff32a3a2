"""Attacks and accidents found in review: each must be refused cleanly and change nothing."""

from __future__ import annotations

import base64
import json
import os
import subprocess
from pathlib import Path

import pytest

import wallet.backup
import wallet.storage.encryption
from conftest import PASSPHRASE, snapshot, wallet_exe


def guid(cli) -> str:
    return json.loads(cli(["status", "--json"]).out)["guid"]


def forged_backup(tmp_path: Path, persona: dict) -> Path:
    """A correctly encrypted backup (right passphrase) whose contents are hostile."""
    doc = {
        "format": "wallet-backup/1",
        "guid": "6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b",
        "master": base64.b64encode(os.urandom(32)).decode(),
        "records": {"persona": [{"name": persona.get("name"), "value": persona}]},
    }
    blob = wallet.storage.encryption.seal_with_passphrase(json.dumps(doc).encode(), PASSPHRASE.encode(), purpose=b"B")
    path = tmp_path / "forged.wallet"
    path.write_bytes(blob)
    return path


GOOD = {"name": "x", "kind": "real", "id": "00" * 16, "attributes": {}, "created": "2026-01-01T00:00:00+00:00"}


@pytest.mark.parametrize(
    "persona",
    [
        {**GOOD, "name": "\ud800"},
        {**GOOD, "name": "\x1b]0;pwned\x07"},
        {**GOOD, "attributes": {"email": 42}},
        {**GOOD, "attributes": {"Bad Key": "v"}},
        {**GOOD, "attributes": {"email": "not-an-email"}},
        {**GOOD, "kind": "robot"},
        {**GOOD, "id": "00"},
    ],
    ids=["surrogate-name", "escape-sequence-name", "non-string-value", "bad-key", "bad-email", "bad-kind", "short-id"],
)
def test_hostile_backup_is_rejected_and_the_wallet_survives(cli, file_wallet: Path, tmp_path: Path, passfile: Path, persona) -> None:
    before, old_guid = snapshot(file_wallet), guid(cli)
    bad = forged_backup(tmp_path, persona)
    r = cli(["import", str(bad), "--backup-passphrase-file", str(passfile), "--store", "file", "--force", "--yes"])
    assert r.code == 5 and "malformed" in r.err, r.err
    assert snapshot(file_wallet) == before and guid(cli) == old_guid


def test_failure_while_replacing_keeps_the_old_wallet(cli, file_wallet: Path, passfile: Path, monkeypatch) -> None:
    import wallet.storage.records

    old_guid, before = guid(cli), snapshot(file_wallet)

    def disk_full(*_a, **_k):  # type: ignore[no-untyped-def]
        raise OSError(28, "No space left on device")

    with monkeypatch.context() as patch:
        patch.setattr(wallet.storage.records.RecordStore, "put", disk_full)
        r = cli(["init", "--store", "file", "--force", "--yes"])
    assert r.code == 9 and "No space left on device" in r.err
    assert snapshot(file_wallet) == before and guid(cli) == old_guid
    assert sorted(p.name for p in file_wallet.iterdir()) == [".lock", "secret.key", "state.db", "wallet.json"]


def test_force_asks_even_when_only_leftovers_exist(cli, file_wallet: Path) -> None:
    (file_wallet / "wallet.json").unlink()
    before = snapshot(file_wallet)
    r = cli(["status"])
    assert r.code == 5 and "missing" in r.err and "init --force" in r.err
    r = cli(["init", "--store", "file", "--force"])
    assert r.code == 2 and "--yes" in r.err
    assert snapshot(file_wallet) == before


@pytest.mark.parametrize("kind", ["symlink", "fifo", "directory"])
def test_export_force_never_replaces_special_files(cli, file_wallet: Path, passfile: Path, tmp_path: Path, kind: str) -> None:
    real = tmp_path / "real-target"
    real.write_text("keep me")
    target = tmp_path / "target"
    if kind == "symlink":
        target.symlink_to(real)
    elif kind == "fifo":
        os.mkfifo(target)
    else:
        target.mkdir()
    r = cli(["export", str(target), "--backup-passphrase-file", str(passfile), "--force"])
    assert r.code == 9 and "not a regular file" in r.err
    assert real.read_text() == "keep me"
    assert target.is_symlink() if kind == "symlink" else True
    assert not any(p.name.endswith(".tmp") for p in tmp_path.iterdir())


@pytest.mark.parametrize("name", ["", ".", "/"])
def test_export_to_a_non_file_name(cli, file_wallet: Path, passfile: Path, name: str) -> None:
    r = cli(["export", name, "--backup-passphrase-file", str(passfile), "--force"])
    assert r.code in (2, 7, 9) and "internal error" not in r.err and r.err.count("\n") == 1


def test_hostile_kdf_cost_in_a_backup_is_refused_fast(cli, file_wallet: Path, passfile: Path, tmp_path: Path, monkeypatch) -> None:
    import hashlib
    import struct
    import time

    path = tmp_path / "b.wallet"
    assert cli(["export", str(path), "--backup-passphrase-file", str(passfile)]).code == 0
    blob = bytearray(path.read_bytes())
    struct.pack_into(">I", blob, 9, 32)
    struct.pack_into(">Q", blob, 13, 4 << 30)
    blob[-32:] = hashlib.sha256(bytes(blob[:-32])).digest()
    path.write_bytes(bytes(blob))
    monkeypatch.setenv("WALLET_HOME", str(tmp_path / "other"))
    start = time.monotonic()
    r = cli(["import", str(path), "--backup-passphrase-file", str(passfile), "--store", "file"])
    assert r.code == 5 and "out-of-range" in r.err
    assert time.monotonic() - start < 2


def test_oversized_import_is_refused_without_reading_it_all(cli, home: Path, tmp_path: Path, passfile: Path, monkeypatch) -> None:
    monkeypatch.setattr(wallet.backup, "MAX_BACKUP_SIZE", 1000)
    big = tmp_path / "big"
    big.write_bytes(b"\0" * 5000)
    r = cli(["import", str(big), "--backup-passphrase-file", str(passfile), "--store", "file"])
    assert r.code == 2 and "larger than 1000 bytes" in r.err


def test_import_from_dev_zero_stops_at_the_limit(home: Path, passfile: Path) -> None:
    out = subprocess.run([*wallet_exe(), "import", "/dev/zero", "--backup-passphrase-file", str(passfile)],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 2 and "larger than" in out.stderr


@pytest.mark.parametrize("dest", ["example.org:\u00b2", "example.org:\u0664\u0664\u0663", "sip:a@b.org:\u00b2"])
def test_non_ascii_digits_are_not_ports(cli, file_wallet: Path, dest: str) -> None:
    r = cli(["pseudonym", dest])
    assert r.code == 2 and "internal error" not in r.err
    r = cli(["persona", "add", "z", "--attr", f"sip={dest}" if dest.startswith("sip:") else "sip=sip:a@b.org:\u00b2"])
    assert r.code == 2 and "internal error" not in r.err


def test_fifo_as_secret_file_does_not_hang(file_wallet: Path) -> None:
    secret = file_wallet / "secret.key"
    secret.unlink()
    os.mkfifo(secret, 0o600)
    out = subprocess.run([*wallet_exe(), "status"], capture_output=True, text=True, timeout=30)
    assert out.returncode == 5 and "not a regular file" in out.stderr


def test_config_cannot_load_arbitrary_code(cli, file_wallet: Path) -> None:
    config = file_wallet / "wallet.json"
    config.write_text(json.dumps({"format": 1, "store": "keyring",
                                  "keyring": {"backend": "os.system", "username": "root-x"}}))
    r = cli(["status"])
    assert r.code == 5 and "not allowed" in r.err


def test_stdin_cannot_serve_two_inputs(cli, file_wallet: Path, monkeypatch) -> None:
    monkeypatch.setenv("WALLET_PASSPHRASE_FILE", "-")
    r = cli(["export", "-", "--backup-passphrase-file", "-"], stdin=b"pw\n")
    assert r.code == 2 and "standard input cannot give both" in r.err
    monkeypatch.delenv("WALLET_PASSPHRASE_FILE")
    r = cli(["import", "-", "--backup-passphrase-file", "-", "--store", "file", "--force", "--yes"], stdin=b"x")
    assert r.code == 2 and "standard input already gives the backup" in r.err


def test_empty_passphrase_path_is_a_usage_error(cli, file_wallet: Path) -> None:
    r = cli(["status", "--passphrase-file", ""])
    assert r.code == 2 and "needs a path" in r.err


@pytest.mark.parametrize("name", ["state.db", "wallet.json"])
def test_every_wallet_file_is_mode_checked(cli, file_wallet: Path, name: str) -> None:
    (file_wallet / name).chmod(0o644)
    r = cli(["status"])
    assert r.code == 6 and name in r.err


def test_write_without_hard_links_still_never_overwrites(tmp_path: Path, monkeypatch) -> None:
    import errno

    from wallet.storage.files import write_new_file

    def no_links(*_a, **_k):  # type: ignore[no-untyped-def]
        raise OSError(errno.EPERM, "Operation not permitted")

    monkeypatch.setattr(os, "link", no_links)
    target = tmp_path / "f"
    write_new_file(target, b"first")
    assert target.read_bytes() == b"first" and target.stat().st_mode & 0o777 == 0o600
    with pytest.raises(FileExistsError):
        write_new_file(target, b"second")
    assert target.read_bytes() == b"first"


def test_short_writes_are_completed(tmp_path: Path, monkeypatch) -> None:
    from wallet.storage.files import write_new_file

    real_write = os.write
    monkeypatch.setattr(os, "write", lambda fd, data: real_write(fd, bytes(data[:3])))
    write_new_file(tmp_path / "f", b"0123456789")
    assert (tmp_path / "f").read_bytes() == b"0123456789"

"""export/import: the same GUID, personas and pseudonyms elsewhere; bad backups change nothing."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from conftest import snapshot


@pytest.fixture
def backup(cli, file_wallet: Path, tmp_path: Path, passfile: Path) -> Path:
    assert cli(["persona", "add", "work", "--attr", "email=ann@corp.example"]).code == 0
    assert cli(["persona", "add", "PokerAce", "--kind", "pseudonym"]).code == 0
    path = tmp_path / "backup.wallet"
    r = cli(["export", str(path), "--backup-passphrase-file", str(passfile), "--json"])
    assert r.code == 0, r.err
    assert json.loads(r.out)["file"] == str(path)
    assert path.stat().st_mode & 0o777 == 0o600
    return path


def identities(cli) -> dict:
    status = json.loads(cli(["status", "--json"]).out)
    ids = {
        (dest, persona): cli(["pseudonym", dest, "--persona", persona]).out
        for dest in ("a.example", "sip:bob@b.example")
        for persona in ("default", "work", "PokerAce")
    }
    personas = json.loads(cli(["persona", "list", "--json"]).out)["personas"]
    return {"guid": status["guid"], "ids": ids, "personas": personas}


def test_round_trip_restores_identity(cli, backup: Path, passfile: Path, tmp_path: Path, monkeypatch) -> None:
    original = identities(cli)
    monkeypatch.setenv("WALLET_HOME", str(tmp_path / "other-machine"))
    r = cli(["import", str(backup), "--backup-passphrase-file", str(passfile), "--store", "file", "--json"])
    assert r.code == 0, r.err
    assert json.loads(r.out)["personas"] == ["PokerAce", "default", "work"]
    assert identities(cli) == original


def test_backup_reveals_nothing(cli, backup: Path) -> None:
    raw = backup.read_bytes()
    guid = json.loads(cli(["status", "--json"]).out)["guid"]
    for needle in (guid.encode(), b"ann@corp.example", b"PokerAce", b"work"):
        assert needle not in raw


def test_wrong_backup_passphrase_changes_nothing(cli, backup: Path, tmp_path: Path, monkeypatch) -> None:
    wrong = tmp_path / "wrong"
    wrong.write_text("nope")
    target = tmp_path / "other"
    monkeypatch.setenv("WALLET_HOME", str(target))
    r = cli(["import", str(backup), "--backup-passphrase-file", str(wrong), "--store", "file"])
    assert r.code == 4 and "wrong passphrase" in r.err
    assert snapshot(target) == {}


@pytest.mark.parametrize(
    "damage,code",
    [("flip", 5), ("flip-and-fix-checksum", 4), ("truncate", 5), ("append", 5), ("empty", 5)],
)
def test_tampered_backup_rejected(cli, backup: Path, passfile: Path, tmp_path: Path, monkeypatch, damage: str, code: int) -> None:
    raw = bytearray(backup.read_bytes())
    if damage.startswith("flip"):
        raw[100] ^= 0x40
        if damage == "flip-and-fix-checksum":
            raw[-32:] = hashlib.sha256(bytes(raw[:-32])).digest()
    elif damage == "truncate":
        raw = raw[: len(raw) // 2]
    elif damage == "append":
        raw += b"extra"
    else:
        raw = bytearray()
    bad = tmp_path / "bad.wallet"
    bad.write_bytes(bytes(raw))
    target = tmp_path / "other"
    monkeypatch.setenv("WALLET_HOME", str(target))
    r = cli(["import", str(bad), "--backup-passphrase-file", str(passfile), "--store", "file"])
    assert r.code == code, r.err
    assert ("corrupted" in r.err or "truncated" in r.err or "altered" in r.err)
    assert snapshot(target) == {}


def test_import_refuses_existing_wallet(cli, backup: Path, passfile: Path, file_wallet: Path) -> None:
    before = snapshot(file_wallet)
    r = cli(["import", str(backup), "--backup-passphrase-file", str(passfile), "--store", "file"])
    assert r.code == 7 and snapshot(file_wallet) == before


def test_import_force_replaces(cli, backup: Path, passfile: Path, file_wallet: Path) -> None:
    original = identities(cli)
    assert cli(["init", "--store", "file", "--force", "--yes"]).code == 0
    assert identities(cli)["guid"] != original["guid"]
    r = cli(["import", str(backup), "--backup-passphrase-file", str(passfile), "--store", "file", "--force", "--yes"])
    assert r.code == 0, r.err
    assert identities(cli) == original


def test_export_never_overwrites_silently(cli, backup: Path, passfile: Path) -> None:
    before = backup.read_bytes()
    r = cli(["export", str(backup), "--backup-passphrase-file", str(passfile)])
    assert r.code == 7 and backup.read_bytes() == before
    assert cli(["export", str(backup), "--backup-passphrase-file", str(passfile), "--force"]).code == 0
    assert backup.read_bytes() != before


def test_export_to_missing_directory_leaves_nothing(cli, file_wallet: Path, passfile: Path, tmp_path: Path) -> None:
    before = sorted(p.name for p in tmp_path.iterdir())
    r = cli(["export", str(tmp_path / "no" / "such" / "dir" / "b"), "--backup-passphrase-file", str(passfile)])
    assert r.code == 9 and "cannot write" in r.err
    assert sorted(p.name for p in tmp_path.iterdir()) == before


def test_both_passphrases_from_stdin_is_refused(cli, file_wallet: Path, tmp_path: Path) -> None:
    r = cli(["export", str(tmp_path / "b"), "--backup-passphrase-file", "-", "--passphrase-file", "-"])
    assert r.code == 2 and "standard input cannot give both" in r.err
    assert not (tmp_path / "b").exists()


def test_export_to_stdout_and_import_from_stdin(proc, file_wallet: Path, passfile: Path, tmp_path: Path) -> None:
    import subprocess

    from conftest import wallet_exe

    out = subprocess.run([*wallet_exe(), "export", "-", "--backup-passphrase-file", str(passfile)],
                         capture_output=True, timeout=60)
    assert out.returncode == 0 and out.stdout[:6] == b"WALLET"
    ident = proc(["pseudonym", "a.example"]).out
    other = {"WALLET_HOME": str(tmp_path / "elsewhere")}
    r = proc(["import", "-", "--backup-passphrase-file", str(passfile), "--store", "file",
              "--passphrase-file", str(passfile)], stdin=out.stdout, env=other)
    assert r.code == 0, r.err
    assert proc(["pseudonym", "a.example"], env=other).out == ident

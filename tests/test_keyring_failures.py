"""OS keyrings that error, hang or are absent: bounded, clear fallback or error, never a hang."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from conftest import TESTS, snapshot

pytestmark = pytest.mark.slow


def env(backend: str, **extra: str) -> dict[str, str]:
    return {
        "PYTHON_KEYRING_BACKEND": f"fake_keyrings.{backend}",
        "PYTHONPATH": os.pathsep.join([str(TESTS), os.environ.get("PYTHONPATH", "")]),
        "WALLET_KEYRING_TIMEOUT": "1",
        **extra,
    }


@pytest.mark.parametrize("backend", ["HangingKeyring", "ErroringKeyring"])
def test_auto_falls_back_to_file_with_notice(proc, home: Path, passfile: Path, backend: str) -> None:
    start = time.monotonic()
    r = proc(["init", "--passphrase-file", str(passfile), "--json"], env=env(backend))
    assert time.monotonic() - start < 20
    assert r.code == 0, r.err
    assert json.loads(r.out)["store"] == "file"
    assert "using an encrypted file instead" in r.err
    assert "exploded storing" not in r.err  # the backend's message (may echo a secret) is not shown


@pytest.mark.parametrize("backend,needle", [("HangingKeyring", "did not answer within 1 s"), ("ErroringKeyring", "failed")])
def test_explicit_keyring_store_errors_cleanly(proc, home: Path, backend: str, needle: str) -> None:
    r = proc(["init", "--store", "keyring", "--json"], env=env(backend))
    assert r.code == 8, r.err
    assert needle in r.err and "Traceback" not in r.err
    assert json.loads(r.out)["error"]["code"] == "store-unavailable"
    assert not (home / "wallet.json").exists()


def test_no_keyring_at_all_falls_back(proc, home: Path, passfile: Path) -> None:
    r = proc(
        ["init", "--passphrase-file", str(passfile)],
        env={"PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"},
    )
    assert r.code == 0, r.err
    assert "no usable OS keyring" in r.err and "encrypted file" in r.err


def test_plaintext_keyring_is_not_a_real_keyring(proc, home: Path, passfile: Path) -> None:
    r = proc(["init", "--store", "keyring"], env={"PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring"})
    assert r.code == 8 and "no usable OS keyring" in r.err


@pytest.mark.parametrize("mode,needle", [("hang", "did not answer"), ("error", "failed to read")])
def test_keyring_that_breaks_after_init(proc, home: Path, tmp_path: Path, mode: str, needle: str) -> None:
    store = {"FAKE_KEYRING_FILE": str(tmp_path / "kr.json")}
    r = proc(["init", "--json"], env=env("FileBackedKeyring", **store))
    assert r.code == 0 and json.loads(r.out)["store"] == "keyring", r.err
    good = proc(["pseudonym", "a.example"], env=env("FileBackedKeyring", **store))
    assert good.code == 0 and good.out.startswith("did:key:")
    before = snapshot(home)
    start = time.monotonic()
    bad = proc(["pseudonym", "a.example"], env=env("FileBackedKeyring", FAKE_KEYRING_MODE=mode, **store))
    assert time.monotonic() - start < 20
    assert bad.code == 8 and needle in bad.err and "Traceback" not in bad.err
    assert snapshot(home) == before


def test_keyring_entry_deleted_is_corrupt_not_reinit(proc, home: Path, tmp_path: Path) -> None:
    store = {"FAKE_KEYRING_FILE": str(tmp_path / "kr.json")}
    assert proc(["init"], env=env("FileBackedKeyring", **store)).code == 0
    (tmp_path / "kr.json").write_text("{}")
    r = proc(["status"], env=env("FileBackedKeyring", **store))
    assert r.code == 5 and "missing from the OS keyring" in r.err

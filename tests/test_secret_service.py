"""The keyring store against a real Secret Service (gnome-keyring under dbus-run-session).

.ci/run wraps the suite in .ci/with-keyring, which starts a private D-Bus session
with an unlocked gnome-keyring and sets WALLET_TEST_SECRET_SERVICE=1. Without
it these tests skip locally; in CI (CI=true, or WALLET_CI=1 from .ci/run) a missing Secret Service fails.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO

pytestmark = [pytest.mark.keyring, pytest.mark.slow]

if not os.environ.get("WALLET_TEST_SECRET_SERVICE"):
    if os.environ.get("CI") or os.environ.get("WALLET_CI"):
        raise RuntimeError("CI must run the suite under .ci/with-keyring (a real Secret Service)")
    pytest.skip("no Secret Service session: run under .ci/with-keyring", allow_module_level=True)


def items(username: str) -> list:
    import secretstorage

    conn = secretstorage.dbus_init()
    found = [
        (item.get_attributes(), item.get_secret())
        for item in secretstorage.search_items(conn, {"service": "wallet", "username": username})
    ]
    conn.close()
    return found


def test_init_uses_secret_service_and_leaves_no_secret_on_disk(proc, home: Path) -> None:
    r = proc(["init", "--json"])
    assert r.code == 0, r.err
    assert json.loads(r.out)["store"] == "keyring"
    assert "keyring.backends.SecretService.Keyring" in r.err
    config = json.loads((home / "wallet.json").read_text())
    assert config["store"] == "keyring"
    username = config["keyring"]["username"]
    [(attrs, secret)] = items(username)
    assert attrs["service"] == "wallet" and attrs["application"] == "Python keyring library"
    assert not (home / "secret.key").exists()
    status = json.loads(proc(["status", "--json"]).out)
    assert status["store"] == "keyring"
    for path in home.iterdir():  # neither the stored value nor the GUID is in any file
        raw = path.read_bytes()
        assert secret not in raw and status["guid"].encode() not in raw


def test_keyring_library_reads_the_same_item(proc, home: Path) -> None:
    """Interoperable with keyring: its own SecretService backend finds what the fast path reads."""
    assert proc(["init", "--store", "keyring"]).code == 0
    username = json.loads((home / "wallet.json").read_text())["keyring"]["username"]
    from keyring.backends.SecretService import Keyring

    value = Keyring().get_password("wallet", username)
    assert value and value.startswith("wallet-root-v1:")


def test_pseudonyms_are_stable_across_processes(proc, home: Path) -> None:
    assert proc(["init", "--store", "keyring"]).code == 0
    first = proc(["pseudonym", "example.org"])
    second = proc(["pseudonym", "https://EXAMPLE.org:443/"])
    assert first.code == 0 and first.out == second.out and first.out.startswith("did:key:z6Mk")


def test_force_reinit_removes_the_old_item(proc, home: Path) -> None:
    assert proc(["init", "--store", "keyring"]).code == 0
    old = json.loads((home / "wallet.json").read_text())["keyring"]["username"]
    r = proc(["init", "--store", "keyring", "--force", "--yes"])
    assert r.code == 0, r.err
    new = json.loads((home / "wallet.json").read_text())["keyring"]["username"]
    assert new != old and items(old) == [] and len(items(new)) == 1


def test_keyring_wallet_moves_to_a_file_store(proc, home: Path, tmp_path: Path, passfile: Path) -> None:
    assert proc(["init", "--store", "keyring"]).code == 0
    ident = proc(["pseudonym", "example.org"]).out
    backup = tmp_path / "b.wallet"
    assert proc(["export", str(backup), "--backup-passphrase-file", str(passfile)]).code == 0
    other = {"WALLET_HOME": str(tmp_path / "elsewhere")}
    r = proc(["import", str(backup), "--backup-passphrase-file", str(passfile), "--store", "file",
              "--passphrase-file", str(passfile)], env=other)
    assert r.code == 0, r.err
    moved = proc(["pseudonym", "example.org", "--passphrase-file", str(passfile)], env=other)
    assert moved.out == ident


def test_locked_keyring_is_a_clear_bounded_error(tmp_path: Path) -> None:
    """Lock the collection (in a private session of its own) and ask for a pseudonym."""
    script = f"""
set -e
export WALLET_HOME={tmp_path}/home WALLET_KEYRING_TIMEOUT=5
{sys.executable} -m wallet init --store keyring
{sys.executable} -c 'import secretstorage; c = secretstorage.dbus_init(); secretstorage.get_default_collection(c).lock()'
set +e
{sys.executable} -m wallet pseudonym example.org
echo "exit=$?"
"""
    out = subprocess.run(
        [str(REPO / ".ci" / "with-keyring"), "bash", "-c", script],
        capture_output=True, text=True, timeout=120,
    )
    assert "exit=8" in out.stdout, out.stdout + out.stderr
    assert "keyring is locked" in out.stderr
    assert "Traceback" not in out.stderr


def test_sign_sdp_with_the_keyring_store_and_verify_elsewhere(proc, home: Path, tmp_path: Path) -> None:
    offer = Path(__file__).parent / "fixtures" / "sdp" / "sdp_firefox_offer_session_level_fingerprint.sdp"
    assert proc(["init", "--store", "keyring"]).code == 0
    signed = tmp_path / "signed.sdp"
    r = proc(["sign-sdp", "--to", "shop.example", str(offer), "-o", str(signed), "--state", "identified"])
    assert r.code == 0, r.err
    assert "identified: persona key of persona 'default'" in r.err
    v = proc(["verify", str(signed), "--audience", "shop.example", "--json"],
             env={"WALLET_HOME": str(tmp_path / "verifier"), "DBUS_SESSION_BUS_ADDRESS": "unix:path=/nonexistent"})
    assert v.code == 0 and json.loads(v.out)["identity"]["state"] == "identified"
    history = json.loads(proc(["history", "--json"]).out)["history"]
    assert [e["destination"] for e in history] == ["https://shop.example"]

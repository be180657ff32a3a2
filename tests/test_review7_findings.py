"""The adversarial review of the issue-7 fixes: each finding, reproduced as an attack that must now fail.

Numbers refer to the review's list (docs/design.md keeps the threat model these belong to).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from attack_corpus import AUDIENCE, CHROME, T0, _V, fresh_signed_sdp, signed_sdp
from conftest import PASSPHRASE, SmallDisk, snapshot, wallet_exe
from wallet.storage.encryption import open_with_passphrase, seal_with_passphrase
from wallet.assertions.verify import verify

FP = "sha-256 " + ":".join(["AB"] * 32)


# 1, 7: normalisation that is not a fixed point -------------------------------------------------------------
@pytest.mark.parametrize("value", ["email=ann@\uff11.\uff12.\uff13", "email=" + "a" * 900 + "@\u4f8b\u3048." + "\u30c6" * 60])
def test_an_attribute_value_that_would_not_read_back_is_refused(cli, file_wallet: Path, value: str) -> None:
    r = cli(["persona", "add", "work", "--attr", value])
    assert r.code == 2, r.err
    for command in (["persona", "list"], ["status"]):
        assert cli(command).code == 0


@pytest.mark.parametrize("destination", ["https://\uff11.\uff12.\uff13", "sip:" + "u" * 2040 + "@\u4f8b\u3048.\u30c6\u30b9\u30c8"])
def test_a_destination_that_would_not_read_back_is_refused(cli, file_wallet: Path, destination: str) -> None:
    assert cli(["dest", "set", destination, "--category", "trusted"]).code == 2
    assert cli(["rule", "add", "--dest", destination, "--state", "identified"]).code == 2
    assert cli(["dest", "list"]).code == 0 and cli(["rule", "list"]).code == 0


def test_full_width_digits_are_one_ipv4_address_everywhere() -> None:
    from wallet.destination import normalize_destination

    once = normalize_destination("https://\uff11.\uff12.\uff13.\uff14")
    assert once == "https://1.2.3.4" and normalize_destination(once) == once


def test_an_origin_the_verifier_would_refuse_is_never_signed(cli, file_wallet: Path, tmp_path: Path) -> None:
    assert cli(["rule", "add", "--dest", "shop.example", "--state", "pseudonymous", "--origin", "disclose"]).code == 0
    r = cli(["assert", "--to", "shop.example", "--fingerprint", FP, "--origin", "https://\uff11.\uff12.\uff13"])
    assert r.code == 2 and r.out == ""
    assert json.loads(cli(["history", "--json"]).out)["history"] == []


# 2, 8: what the wallet writes into its ledger always reads back ----------------------------------------------
def test_persona_names_follow_the_character_rule(cli, file_wallet: Path) -> None:
    for name in ("ann\u202egpj.exe", "a\u200bb", "a\u0085b", "a\u2028b"):
        r = cli(["persona", "add", name])
        assert r.code == 2 and "invalid persona name" in r.err, (name, r.err)


def test_a_long_rule_description_keeps_history_and_export_working(cli, file_wallet: Path, tmp_path: Path,
                                                                   passfile: Path) -> None:
    dest = "sip:" + "u" * 2030 + "@example.org"
    assert cli(["rule", "add", "--dest", dest, "--state", "pseudonymous"]).code == 0
    assert cli(["assert", "--to", dest, "--fingerprint", FP]).code == 0
    assert cli(["history"]).code == 0
    assert cli(["export", str(tmp_path / "b"), "--backup-passphrase-file", str(passfile)]).code == 0


# 3: the byte 0x85 inside a UTF-8 character -----------------------------------------------------------------
def test_a_character_ending_in_0x85_cannot_hide_a_fingerprint_from_a_latin1_reader() -> None:
    attacked = signed_sdp() + "a=x-note:\u00c5a=fingerprint:sha-256 ".encode() + ":".join(["EE"] * 32).encode() + b"\r\n"
    result = verify(attacked, **_V)
    assert result.error is not None and result.error.code == "malformed"


# 4: batch with a policy that accepts undetectable callers ----------------------------------------------------
def test_batch_accepts_an_undetectable_caller_when_the_policy_does(tmp_path: Path) -> None:
    policy = tmp_path / "policy.json"
    policy.write_text(json.dumps({"version": 1, "accept": ["undetectable", "pseudonymous"], "require": []}))
    lines = json.dumps({"sdp": CHROME.decode(), "ref": "anonymous"}) + "\n" + json.dumps({"sdp": fresh_signed_sdp().decode(), "ref": "signed"}) + "\n"
    out = subprocess.run([*wallet_exe(), "verify", "--batch", "-", "--audience", AUDIENCE, "--policy", str(policy),
                          "--replay-store", str(tmp_path / "v" / "replay.db")], input=lines.encode(),
                         capture_output=True, timeout=60)
    assert out.returncode == 0, out.stderr
    docs = {d["ref"]: d for d in map(json.loads, out.stdout.decode().splitlines())}
    assert docs["anonymous"]["valid"] and docs["anonymous"]["identity"] is None and docs["signed"]["valid"]
    assert b"2 valid, 0 rejected" in out.stderr


# 5: side files of the replay store ---------------------------------------------------------------------------
@pytest.mark.parametrize("problem", ["foreign-owner", "readable", "hard-link", "symlink"])
def test_planted_side_files_of_the_replay_store_are_refused(cli, tmp_path: Path, problem: str) -> None:
    from wallet.assertions.replay import ReplayStore

    store = tmp_path / "verifier" / "replay.db"
    ReplayStore.open(store).close()
    wal = store.with_name("replay.db-wal")
    if problem == "symlink":
        (tmp_path / "elsewhere").touch(mode=0o600)
        wal.symlink_to(tmp_path / "elsewhere")
    else:
        wal.touch(mode=0o600)
        if problem == "foreign-owner":
            if os.getuid() != 0:
                pytest.skip("needs root to give the file to another user")
            os.chown(wal, 65534, 65534)
        elif problem == "readable":
            wal.chmod(0o644)
        else:
            os.link(wal, tmp_path / "other-link")
    r = cli(["verify", "-", "--audience", AUDIENCE, "--replay-store", str(store)], stdin=fresh_signed_sdp())
    assert r.code == 6 and "side file" in r.err and r.out == "", r.err


# 6: --at in the past with a replay store ---------------------------------------------------------------------
def test_batch_refuses_a_past_time_with_a_replay_store(tmp_path: Path) -> None:
    past = int(time.time()) - 3600
    out = subprocess.run([*wallet_exe(), "verify", "--batch", "-", "--audience", AUDIENCE, "--at", str(past),
                          "--replay-store", str(tmp_path / "v" / "r.db")], input=b"", capture_output=True, timeout=60)
    assert out.returncode == 2 and b"--no-replay-check" in out.stderr


# 9: attribute names are matched whole ------------------------------------------------------------------------
def test_names_with_a_trailing_newline_are_not_attribute_names(tmp_path: Path) -> None:
    from wallet.errors import UsageError
    from wallet.identity.personas import is_attribute_name, validate_attribute
    from wallet.privacy.policy import load_policy

    assert not is_attribute_name("email\n")
    with pytest.raises(UsageError):
        validate_attribute("x\n", "hello")
    doc = tmp_path / "p.json"
    doc.write_text(json.dumps({"version": 1, "accept": ["identified"], "require": ["email\n"]}))
    with pytest.raises(UsageError):
        load_policy(str(doc))


# 10: a symlinked wallet.json is refused before anything is replaced -------------------------------------------
def test_replacing_a_wallet_with_a_symlinked_config_changes_nothing(cli, file_wallet: Path, tmp_path: Path) -> None:
    real = tmp_path / "wallet.json.real"
    (file_wallet / "wallet.json").rename(real)
    (file_wallet / "wallet.json").symlink_to(real)
    guid = json.loads(cli(["status", "--json"]).out)["guid"]
    before = snapshot(file_wallet)
    r = cli(["init", "--store", "file", "--force", "--yes"])
    assert r.code == 9 and "not a regular file" in r.err
    assert snapshot(file_wallet) == before and not (file_wallet / ".staging").exists()
    assert json.loads(cli(["status", "--json"]).out)["guid"] == guid


# 11, 17: a command that raced a replacement says so -----------------------------------------------------------
def test_a_command_that_waited_through_a_replacement_says_run_again(file_wallet: Path, tmp_path: Path) -> None:
    fifo = tmp_path / "pass.fifo"
    os.mkfifo(fifo)
    env = {**os.environ, "WALLET_HOME": str(file_wallet)}
    reader = subprocess.Popen([*wallet_exe(), "persona", "list", "--passphrase-file", str(fifo)], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    time.sleep(1.0)  # it has read wallet.json and secret.key and waits for its passphrase
    passfile = tmp_path / "p"
    passfile.write_text(PASSPHRASE + "\n")
    r = subprocess.run([*wallet_exe(), "init", "--store", "file", "--force", "--yes", "--passphrase-file", str(passfile)],
                       env=env, capture_output=True, timeout=60)
    assert r.returncode == 0, r.stderr
    with open(fifo, "wb") as fh:
        fh.write(PASSPHRASE.encode() + b"\n")
    _, err = reader.communicate(timeout=60)
    assert reader.returncode == 9 and b"replaced while this command ran" in err, err


# 12, 18: crafted backups -------------------------------------------------------------------------------------
@pytest.fixture
def backup_doc(cli, file_wallet: Path, tmp_path: Path, passfile: Path) -> dict:
    assert cli(["rule", "add", "--dest", "shop.example", "--state", "identified"]).code == 0
    path = tmp_path / "real.backup"
    assert cli(["export", str(path), "--backup-passphrase-file", str(passfile)]).code == 0
    return json.loads(open_with_passphrase(path.read_bytes(), PASSPHRASE.encode(), purpose=b"B"))


@pytest.mark.parametrize("case", ["rule-on-conflict-number", "rule-dest-number", "rule-disclose-numbers",
                                  "rule-disclose-string", "rule-origin-object", "created-escapes",
                                  "attributes-as-pairs", "record-name-number", "deep-nesting"])
def test_more_crafted_backups_are_refused_cleanly(cli, backup_doc: dict, tmp_path: Path, passfile: Path,
                                                  monkeypatch, case: str) -> None:
    doc = json.loads(json.dumps(backup_doc))
    rule = doc["records"]["rule"][0]["value"]
    persona = doc["records"]["persona"][0]["value"]
    raw = None
    if case == "rule-on-conflict-number":
        rule["on_conflict"] = 5
    elif case == "rule-dest-number":
        rule["dest"] = 5
    elif case == "rule-disclose-numbers":
        rule["disclose"] = [5]
    elif case == "rule-disclose-string":
        rule["disclose"] = "email"
    elif case == "rule-origin-object":
        rule["origin"] = {}
    elif case == "created-escapes":
        persona["created"] = "\x1b]0;owned\x07\x1b[2J"
    elif case == "attributes-as-pairs":
        persona["attributes"] = [["email", "a@b.example"]]
    elif case == "record-name-number":
        doc["records"]["persona"][0]["name"] = 7
    else:
        raw = b"[" * 100_000 + b"]" * 100_000
    crafted = tmp_path / "crafted.backup"
    crafted.write_bytes(seal_with_passphrase(raw or json.dumps(doc).encode(), PASSPHRASE.encode(), purpose=b"B"))
    monkeypatch.setenv("WALLET_HOME", str(tmp_path / "other"))
    r = cli(["import", str(crafted), "--backup-passphrase-file", str(passfile), "--store", "file"])
    assert r.code == 5 and "internal" not in r.err and "\x1b" not in r.err, r.err
    assert snapshot(tmp_path / "other") == {}


# 13: sign-sdp checks its own output -------------------------------------------------------------------------
@pytest.mark.parametrize("padding", ["size", "lines"])
def test_sign_sdp_never_signs_what_verifiers_refuse(cli, file_wallet: Path, tmp_path: Path, padding: str) -> None:
    base = CHROME
    if padding == "size":
        sdp = base + b"a=x-pad:" + b"p" * (256 * 1024 - len(base) - 10) + b"\r\n"
    else:
        sdp = base + b"a=x:1\r\n" * (10_000 - base.count(b"\n"))
    src = tmp_path / "offer.sdp"
    src.write_bytes(sdp)
    r = cli(["sign-sdp", "--to", "shop.example", str(src), "-o", str(tmp_path / "out.sdp")])
    assert r.code == 2 and "verifiers would refuse" in r.err and not (tmp_path / "out.sdp").exists()
    assert json.loads(cli(["history", "--json"]).out)["history"] == []


# 14: nobody waits forever on the home lock ------------------------------------------------------------------
def test_the_home_lock_is_not_held_during_a_prompt_and_waits_are_bounded(file_wallet: Path, tmp_path: Path,
                                                                          monkeypatch) -> None:
    import fcntl

    import wallet.storage.paths
    from wallet.errors import FileError
    from wallet.storage.paths import WalletHome

    fifo = tmp_path / "pass.fifo"
    os.mkfifo(fifo)
    env = {**os.environ, "WALLET_HOME": str(file_wallet)}
    waiting = subprocess.Popen([*wallet_exe(), "init", "--force", "--yes", "--store", "file", "--passphrase-file",
                                str(fifo)], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        time.sleep(1.0)
        fd = os.open(file_wallet / ".lock", os.O_RDWR)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # free: the prompt does not hold it
            monkeypatch.setattr(wallet.storage.paths, "LOCK_TIMEOUT_S", 0.3)
            with pytest.raises(FileError, match="busy"):
                with WalletHome.resolve(file_wallet).locked(timeout=0.3):
                    pass
        finally:
            os.close(fd)
    finally:
        waiting.kill()
        waiting.communicate(timeout=30)


# 15: no secret before the process is protected ---------------------------------------------------------------
def test_a_new_master_secret_is_created_in_a_protected_process() -> None:
    code = (
        "import ctypes, os\n"
        "libc = ctypes.CDLL(None)\n"
        "real = os.urandom\n"
        "seen = []\n"
        "os.urandom = lambda n: (seen.append(libc.prctl(3, 0, 0, 0, 0)), real(n))[1]\n"
        "from wallet.identity.root import IdentityRoot\n"
        "IdentityRoot.generate()\n"
        "print(seen)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == [0, 0]


# 16: a full disk under an existing replay store ---------------------------------------------------------------
def test_a_full_disk_under_an_existing_replay_store_says_full(small_disk: SmallDisk, tmp_path: Path) -> None:
    from wallet.assertions.replay import ReplayStore

    store = small_disk.path / "v" / "replay.db"
    ReplayStore.open(store).close()
    small_disk.fill()
    out = subprocess.run([*wallet_exe(), "verify", "-", "--audience", AUDIENCE, "--replay-store", str(store)],
                         input=fresh_signed_sdp(), capture_output=True, timeout=60)
    assert out.returncode == 9 and b"the disk is full" in out.stderr, out.stderr


# 19: a non-finite number in a request -------------------------------------------------------------------------
def test_a_request_with_1e999_is_malformed_and_the_output_stays_json(tmp_path: Path) -> None:
    line = '{"sdp": ' + json.dumps(signed_sdp().decode()) + ', "ref": 1e999}\n'
    out = subprocess.run([*wallet_exe(), "verify", "--batch", "-", "--audience", AUDIENCE, "--at", str(T0 + 10),
                          "--no-replay-check"], input=line.encode(), capture_output=True, timeout=60)
    assert out.returncode == 0
    doc = json.loads(out.stdout, parse_constant=lambda name: pytest.fail(f"{name} in the output"))
    assert doc["valid"] is False and doc["error"]["code"] == "malformed"


# 20: a closed stdout ------------------------------------------------------------------------------------------
def test_a_closed_stdout_is_an_io_error_and_nothing_is_recorded(cli, file_wallet: Path, tmp_path: Path) -> None:
    src = tmp_path / "offer.sdp"
    src.write_bytes(CHROME)
    read, write = os.pipe()
    os.close(read)
    try:
        out = subprocess.run([*wallet_exe(), "sign-sdp", "--to", "shop.example", str(src)], stdout=write,
                             stderr=subprocess.PIPE, env={**os.environ, "WALLET_HOME": str(file_wallet)}, timeout=60)
    finally:
        os.close(write)
    assert out.returncode == 9 and out.stderr.count(b"\n") == 1 and b"Exception ignored" not in out.stderr, out.stderr
    assert json.loads(cli(["history", "--json"]).out)["history"] == []

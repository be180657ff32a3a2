"""The adversarial review of issue 10 (persona edit, output-first signing, co-process batch verify, the replay
store's new home, passwd / store migrate / destroy, completion, JSON shapes, messages): each confirmed finding
as a test of the CORRECT behaviour.

Every test here fails on the reviewed code and passes once its finding is fixed.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import PASSPHRASE, run_process, wallet_exe

FP = "sha-256 " + ":".join(["AB"] * 32)


def _tokens(cli, n: int, to: str = "shop.example") -> list[str]:
    out = []
    for _ in range(n):
        r = cli(["assert", "--to", to, "--fingerprint", FP, "--format", "token"])
        assert r.code == 0, r.err
        out.append(r.out.strip())
    return out


# -- verify --batch ---------------------------------------------------------------------------------

@pytest.mark.parametrize("n", [256, 512])
def test_batch_of_a_whole_number_of_chunks_answers_every_request(cli, file_wallet: Path, tmp_path: Path,
                                                                 n: int) -> None:
    """HIGH. With worker processes (the default on a machine with two cores), a batch whose last chunk is
    full (exactly 256 requests, 512, ... or a last chunk reaching CHUNK_BYTES) gets NO answer for its last
    chunks: verify_batch's pool branch only drains its queue of in-flight chunks when _chunks marks one
    idle, and _chunks yields the final full chunk with idle=False and then nothing. The verifier prints
    nothing for those requests, exits 0 and says "verified 0 requests" -- a caller waiting for N answers
    hangs, and a script reading results sees silently missing verdicts (wallet/assertions/batch.py
    verify_batch / _chunks)."""
    token = _tokens(cli, 1)[0]
    requests = tmp_path / "requests.jsonl"
    requests.write_bytes(b"".join(json.dumps({"assertion": token, "fingerprints": [FP], "ref": i}).encode() + b"\n"
                                  for i in range(n)))
    r = run_process(["verify", "--batch", str(requests), "--audience", "shop.example", "--no-replay-check"],
                    env={"WALLET_VERIFY_WORKERS": "2"})
    docs = [json.loads(x) for x in r.out.splitlines()]
    assert [d["ref"] for d in docs] == list(range(n)), r.err
    assert f"verified {n} requests" in r.err


# -- sign-sdp -o: output first ------------------------------------------------------------------------

def _history_count(cli) -> int:
    r = cli(["history", "--json"])
    assert r.code == 0, r.err
    return len(json.loads(r.out)["history"])


def test_a_killed_sign_sdp_never_leaves_an_unrecorded_signed_sdp(cli, file_wallet: Path, tmp_path: Path) -> None:
    """MEDIUM. sign-sdp -o writes the complete, fsynced signed SDP under '.OUT.<pid>.tmp' BEFORE the ledger
    entry is recorded. A kill -9 in between (here: at each file-system step, as tests/tools/kill_at.py does for
    passwd and destroy) leaves a valid signed identity assertion on disk, next to OUT, that the ledger does not
    know about -- the one thing design.md section 5 promises never happens ("a kill between recording and
    writing can over-report a disclosure, never hide one") -- and nothing ever deletes that temp file (it is in
    the user's directory, not the wallet home). wallet/cli/assertions.py sign_sdp records after
    StagedFile.write; record first (unrecord on failure), or stage with O_TMPFILE + linkat so a kill leaves
    nothing."""
    sdp = Path(__file__).parent.parent / "examples" / "offer.sdp"
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(Path(__file__).parent), os.environ.get("PYTHONPATH", "")])}
    tool = str(Path(__file__).parent / "tools" / "kill_at.py")
    args = ["sign-sdp", "--to", "shop.example", str(sdp), "-o", str(out_dir / "signed.sdp")]
    counting = subprocess.run([sys.executable, tool, "0", *args], env=env, capture_output=True, timeout=60)
    assert counting.returncode == 0, counting.stderr.decode()
    steps = int(counting.stderr.decode().rsplit("steps: ", 1)[1])
    (out_dir / "signed.sdp").unlink()
    hidden = []
    for n in range(1, steps + 1):
        before = _history_count(cli)
        killed = subprocess.run([sys.executable, tool, str(n), *args], env=env, capture_output=True, timeout=60)
        assert killed.returncode == -9, (n, killed.stderr.decode())
        recorded = _history_count(cli) > before
        on_disk = [p for p in out_dir.iterdir() if b"a=identity:" in p.read_bytes()]
        if on_disk and not recorded:
            hidden.append((n, [p.name for p in on_disk]))
        for p in out_dir.iterdir():
            p.unlink()
    assert hidden == [], f"kill points leaving a signed SDP that the ledger does not hold: {hidden}"


# -- JSON products --------------------------------------------------------------------------------------

@pytest.mark.parametrize("args", [
    ["verify", "TOKEN"],  # no --audience: a usage error
    ["verify", "TOKEN", "--audience", "shop.example", "--replay-store", "/dev/null"],  # a store that is no file
    ["verify", "--batch", "TOKEN", "--audience", "shop.example", "--replay-store", "/dev/null"],
])
def test_a_failed_verify_prints_its_documented_shape(cli, tmp_path: Path, args: list[str]) -> None:
    """LOW. The man page's JSON OUTPUT (rendered from wallet/cli/json_shapes.py) says a failure of verify and
    verify --batch prints "their result, with error {code, message}" -- valid, identity, disclosed, ... --
    but a failure before any assertion is read (a missing --audience, a refused replay store) prints the generic
    {"error": {code, message, hint}} document instead: a script that reads doc["valid"] (the documented key)
    crashes with a KeyError. tests/test_json_shapes.py never exercises these paths (its verify failures are
    all verdicts). Either print the verify shape (valid false, error) for every verify failure, or document
    the generic error document for verify's usage/io failures (json_shapes.mismatches and the man page)."""
    from wallet.cli.json_shapes import mismatches

    token = tmp_path / "token"
    token.write_text("x\n")
    command = "verify --batch" if "--batch" in args else "verify"
    r = cli([a if a != "TOKEN" else str(token) for a in args] + ["--json"])
    assert r.code != 0
    doc = json.loads(r.out.splitlines()[0])
    assert mismatches(doc, command) == [], doc


def test_a_stale_temp_file_does_not_make_sign_sdp_fail_with_file_exists(cli, file_wallet: Path,
                                                                       tmp_path: Path) -> None:
    """LOW. StagedFile names its temp file '.OUT.<pid>.tmp' and creates it with O_EXCL. A leftover of a killed run
    (see the kill test above; PIDs repeat, in containers exactly) makes every later 'sign-sdp -o OUT' -- with
    or without --force -- fail AFTER unlocking and signing with "cannot write OUT: File exists", although OUT
    does not exist and the early check passed; the message names a file that is not there and gives no hint
    about the hidden one. wallet/storage/files.py StagedFile: use a random temp name (tempfile.mkstemp in the
    directory) or O_TMPFILE, and retry on EEXIST."""
    sdp = Path(__file__).parent.parent / "examples" / "offer.sdp"
    (tmp_path / f".signed.sdp.{os.getpid()}.tmp").write_bytes(b"left by a killed run\n")
    r = cli(["sign-sdp", "--to", "shop.example", str(sdp), "-o", str(tmp_path / "signed.sdp")])
    assert r.code == 0, r.err
    assert b"a=identity:" in (tmp_path / "signed.sdp").read_bytes()


# -- persona rename -------------------------------------------------------------------------------------

def test_rename_does_not_claim_the_history_of_a_removed_namesake(cli, file_wallet: Path) -> None:
    """LOW. Ledger entries name their persona by name only, and persona rename rewrites every entry whose
    persona field equals the old name. After 'persona rm work' and 'persona add work' (a new persona with
    unrelated keys, design.md section 2), 'persona rename work job' also rewrites the removed persona's
    disclosures, so history now says persona 'job' disclosed as an identifier that job never had (its id is
    the removed persona's key). The ledger is the user's record of who disclosed what (draft section 8); it
    must not be rewritten to a persona that did not sign. wallet/facade.py rename_persona (and
    remove_persona, which leaves entries naming a name that can be reused): key ledger entries by the
    persona's id, or mark a removed persona's entries."""
    assert cli(["persona", "add", "work", "--kind", "pseudonym"]).code == 0
    first = cli(["assert", "--to", "shop.example", "--fingerprint", FP, "--persona", "work",
                 "--state", "pseudonymous", "--format", "token"])
    assert first.code == 0, first.err
    assert cli(["persona", "rm", "work", "--yes"]).code == 0
    assert cli(["persona", "add", "work", "--kind", "pseudonym"]).code == 0
    assert cli(["persona", "rename", "work", "job"]).code == 0
    job_id = json.loads(cli(["pseudonym", "shop.example", "--persona", "job", "--json"]).out)["id"]
    history = json.loads(cli(["history", "--json"]).out)["history"]
    assert len(history) == 1
    entry = history[0]
    assert not (entry["persona"] == "job" and entry["id"] != job_id), entry


# -- messages ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("args, close", [
    (["sign-sdp", "--to", "shop.example", "SDP"], "stdout"),
    (["pseudonym", "shop.example"], "stdout"),
    (["verify", "--batch", "--audience", "shop.example", "--no-replay-check"], "stdin"),
    (["sign-sdp", "--to", "shop.example", "-"], "stdin"),
])
def test_a_closed_standard_stream_is_an_io_error_not_a_bug(file_wallet: Path, args: list[str], close: str) -> None:
    """LOW. Run with stdout or stdin closed (cmd >&- / <&-), Python's sys.stdout / sys.stdin is None and every
    command ends with "internal error (AttributeError) (hint: this is a bug; rerun with WALLET_DEBUG=1 ...)",
    exit 1 -- the message the CLI keeps for real bugs, and with WALLET_DEBUG=1 a traceback. It is the same
    environmental failure as a full or closed stdout, which sign-sdp reports as exit 9 "cannot write the
    output". wallet/cli/dispatch.py to_wallet_error (or _entry.main): treat a missing standard stream as a
    FileError ("standard output is closed"), and have the output/input helpers check for None."""
    sdp = str(Path(__file__).parent.parent / "examples" / "offer.sdp")
    argv = [*wallet_exe(), *[sdp if a == "SDP" else a for a in args]]
    # Popen cannot leave a standard descriptor closed itself: close it in a shell.
    redirect = ">&-" if close == "stdout" else "<&-"
    import shlex

    done = subprocess.run(["sh", "-c", " ".join(shlex.quote(a) for a in argv) + " " + redirect],
                          stdout=subprocess.PIPE if close == "stdin" else None, stderr=subprocess.PIPE, timeout=60)
    err = done.stderr.decode()
    assert "internal error" not in err and "this is a bug" not in err, err
    assert done.returncode in (2, 9), (done.returncode, err)


def test_a_device_as_passphrase_file_is_not_answered_with_chmod_of_the_device(cli, file_wallet: Path) -> None:
    """LOW (misleading, harmful hint). A passphrase file is checked with os.stat (which follows /dev/stdin and
    accepts devices) and refused with the loose-key message, whose hint is "run 'chmod 600 /dev/null' if you trust
    that nobody copied it" (for /dev/null, or /dev/stdin when stdin is /dev/null or a terminal). Followed as root,
    that hint makes /dev/null unusable for every other user. A device is not a loose key file: say it is not a
    regular file (or read /dev/stdin as '-'). wallet/cli/passphrase.py read_passphrase_file /
    wallet/storage/files.py check_private."""
    r = cli(["status", "--passphrase-file", "/dev/null"])
    assert r.code != 0
    assert "chmod" not in r.err, r.err


def _read_line(proc: subprocess.Popen, timeout: float) -> bytes:
    import select

    fd = proc.stdout.fileno()
    line = b""
    while not line.endswith(b"\n"):
        ready, _, _ = select.select([fd], [], [], timeout)
        assert ready, f"no answer within {timeout} s (got {line!r})"
        chunk = os.read(fd, 1)
        assert chunk, "the verifier exited"
        line += chunk
    return line


@pytest.mark.parametrize("workers", ["1", "2"])
def test_ctrl_c_of_a_batch_does_not_say_nothing_was_changed(cli, file_wallet: Path, tmp_path: Path,
                                                            workers: str) -> None:
    """LOW (misleading message). A co-process batch that has already answered "valid" -- and so committed that
    acceptance to the replay store, as design.md section 5 requires -- ends on Ctrl-C with "interrupted; nothing
    was changed". The replay store was changed: the assertion accepted before the interrupt is now refused as
    replayed. A verifier operator told nothing changed may believe the accepted calls were not recorded.
    wallet/cli/dispatch.py to_wallet_error maps every KeyboardInterrupt to that one message; verify --batch
    (and any command interrupted after a commit) needs its own ("interrupted after N results; their
    acceptances are recorded")."""
    import signal

    token = _tokens(cli, 1)[0]
    store = tmp_path / "v" / "replay.db"
    proc = subprocess.Popen([*wallet_exe(), "verify", "--batch", "--audience", "shop.example",
                             "--replay-store", str(store)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env={**os.environ, "WALLET_VERIFY_WORKERS": workers})
    assert proc.stdin is not None
    proc.stdin.write(json.dumps({"assertion": token, "fingerprints": [FP]}).encode() + b"\n")
    proc.stdin.flush()
    assert json.loads(_read_line(proc, 20))["valid"] is True
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=30)
    again = run_process(["verify", "-", "--audience", "shop.example", "--fingerprint", FP, "--replay-store",
                         str(store), "--json"], stdin=token.encode())
    assert json.loads(again.out)["error"]["code"] == "replayed"  # the store WAS changed by the batch
    assert "nothing was changed" not in err.decode(), err.decode()


# -- destroy ------------------------------------------------------------------------------------------------

def test_destroy_does_not_break_the_homes_lock_for_a_command_waiting_on_it(cli, file_wallet: Path) -> None:
    """MEDIUM. destroy (finish_destroy, also run by any command's recovery) unlinks '.lock' while holding it. A
    command waiting for the lock at that moment (exclusive_lock polls flock on the file it opened) then "got"
    the lock of the unlinked file, while the next command created a fresh '.lock' and got that one too: two
    init/import/passwd/migrate runs in one home at once (design.md section 4). Fixed in
    wallet/storage/files.py exclusive_lock: after flock, the lock must be on the file the name holds now."""
    import threading
    import time

    from wallet.errors import FileError
    from wallet.storage.paths import WalletHome

    home = WalletHome.resolve()
    got, release = threading.Event(), threading.Event()

    def waiter() -> None:  # a command waiting for the home while destroy holds it
        with home.locked(timeout=20):
            got.set()
            release.wait(20)

    with home.locked():  # destroy holding the lock, deleting the lock file before letting go
        thread = threading.Thread(target=waiter)
        thread.start()
        time.sleep(0.3)
        os.unlink(home.lock_path)
    try:
        assert got.wait(20), "the waiting command never got the lock"
        with pytest.raises(FileError, match="busy"):  # the next command must wait for the waiter
            with home.locked(timeout=0.5):
                pass
    finally:
        release.set()
        thread.join(20)


def test_destroying_a_copy_of_a_keyring_home_does_not_destroy_the_original(home: Path, tmp_path: Path) -> None:
    """MEDIUM (data loss). A keyring wallet's directory holds no secret, so copying it (cp -a, a home-directory
    backup restored elsewhere, a test copy) is harmless -- until 'wallet destroy' (or 'store migrate --to file',
    or 'init --force') runs in the copy: it deletes the keyring item its wallet.json names, which is the
    original's only copy of the GUID and master secret. The original then fails with "the wallet's entry is
    missing from the OS keyring" and its identity is gone for good unless a backup exists. Nothing checks that the
    item belongs to the home being destroyed. wallet/storage/lifecycle.py destroy / finish_destroy (and
    provisioning._roll_forward's deletion of the old item): bind the item to its home (e.g. record the home's
    path or a per-home random id in the item's attributes or value) and keep an item that belongs to another
    home, saying so."""
    import shutil

    from test_lifecycle import fake_keyring

    env = fake_keyring(tmp_path)
    assert run_process(["init", "--store", "keyring"], env=env).code == 0
    copy = tmp_path / "copy"
    shutil.copytree(home, copy, symlinks=True)
    r = run_process(["destroy", "--yes"], env={**env, "WALLET_HOME": str(copy)})
    assert r.code == 0, r.err
    status = run_process(["status"], env=env)
    assert status.code == 0, status.err


def test_unsetting_an_attribute_of_default_warns_about_rules_that_sign_as_default(cli, file_wallet: Path) -> None:
    """LOW. 'persona set NAME --unset K' warns when rules of the persona disclose K, which it no longer has; but
    Wallet.rules_using(name) matches only rules that NAME the persona, and a rule without --persona signs as
    'default'. So 'persona set default --unset email' says nothing about such a rule, and the next call it
    decides is signed disclosing nothing where the rule says email -- the notice exists precisely to
    prevent that surprise (and 'rule add --persona default' does get the warning, the same rule in effect).
    wallet/cli/persona.py set_ / wallet/facade.py rules_using: treat persona None as DEFAULT_PERSONA."""
    assert cli(["persona", "set", "default", "--attr", "email=ann@corp.example"]).code == 0
    assert cli(["rule", "add", "--dest", "shop.example", "--state", "identified", "--disclose", "email"]).code == 0
    r = cli(["persona", "set", "default", "--unset", "email"])
    assert r.code == 0, r.err
    assert "no longer has" in r.err, r.err

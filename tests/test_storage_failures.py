"""A full, read-only or busy disk is exit 9 with a message that says so, and changes nothing; the replay store
commits before it reports, never holds its lock while blocked on output, and is checked like every wallet file.

Full and read-only disks are real: a 2 MiB tmpfs mounted for the test (root, as in CI).
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest

from attack_corpus import AUDIENCE, b64u, fresh_signed_sdp
from conftest import PASSPHRASE, SmallDisk, snapshot, wallet_exe

FP = "sha-256 " + ":".join(["AB"] * 32)
SDP = (
    "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 0\r\n"
    f"a=fingerprint:{FP}\r\n"
).encode()


def requests(count: int, start: int = 0) -> bytes:
    lines = []
    for i in range(start, start + count):
        sdp = fresh_signed_sdp(jti=b64u(i.to_bytes(16, "big")))
        lines.append(json.dumps({"sdp": sdp.decode(), "ref": i}))
    return ("\n".join(lines) + "\n").encode()


def batch_args(store: Path) -> list[str]:
    return [*wallet_exe(), "verify", "--batch", "-", "--audience", AUDIENCE, "--replay-store", str(store)]


def accepted(out: bytes) -> list[int]:
    return [doc["ref"] for doc in map(json.loads, out.decode().splitlines()) if doc["valid"]]


@pytest.fixture
def disk_wallet(cli, small_disk: SmallDisk, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> SmallDisk:
    passfile = tmp_path / "pass"
    passfile.write_text(PASSPHRASE + "\n")
    monkeypatch.setenv("WALLET_HOME", str(small_disk.path / "home"))
    monkeypatch.setenv("WALLET_PASSPHRASE_FILE", str(passfile))
    assert cli(["init", "--store", "file"]).code == 0
    assert cli(["persona", "add", "work", "--attr", "email=ann@corp.example"]).code == 0
    (tmp_path / "offer.sdp").write_bytes(SDP)
    return small_disk


def writing_commands(tmp_path: Path) -> list[list[str]]:
    return [
        ["persona", "add", "home"],
        ["rule", "add", "--dest", "shop.example", "--state", "unlinkable"],
        ["dest", "set", "shop.example", "--category", "trusted"],
        ["sign-sdp", "--to", "shop.example", str(tmp_path / "offer.sdp")],
        ["assert", "--to", "shop.example", "--fingerprint", FP],
    ]


@pytest.mark.parametrize("trouble,words", [("full", "the disk is full"), ("ro", "read-only")])
def test_full_or_read_only_disk_is_io_and_changes_nothing(cli, disk_wallet: SmallDisk, tmp_path: Path,
                                                          trouble: str, words: str) -> None:
    home = disk_wallet.path / "home"
    before = snapshot(home)
    if trouble == "full":
        disk_wallet.fill()
    else:
        disk_wallet.remount("ro")
    for args in writing_commands(tmp_path):
        r = cli(args)
        assert r.code == 9, (args, r.err)
        assert words in r.err and "corrupt" not in r.err and "bug" not in r.err, (args, r.err)
        assert r.err.count("\n") == 1 and r.out == "", (args, r.err)
    assert snapshot(home) == before
    disk_wallet.free()
    assert cli(["persona", "add", "home"]).code == 0
    assert {"work", "home", "default"} <= {p["name"] for p in json.loads(cli(["persona", "list", "--json"]).out)["personas"]}
    assert json.loads(cli(["history", "--json"]).out)["history"] == []  # nothing recorded that was not signed


def test_a_busy_state_file_is_busy_not_corrupted(cli, file_wallet: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import wallet.storage.records

    monkeypatch.setattr(wallet.storage.records, "_BUSY_TIMEOUT_S", 0.3)
    holder = sqlite3.connect(file_wallet / "state.db", isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        r = cli(["persona", "add", "home"])
        assert r.code == 9 and "busy" in r.err and "corrupt" not in r.err, r.err
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert cli(["persona", "add", "home"]).code == 0


def _read_then_stall(proc: subprocess.Popen, first: int = 100_000) -> bytes:
    """Read ``first`` bytes, stop reading until the writer blocks on the full pipe (mid-chunk), freeze it,
    and take what the pipe holds: everything the verifier had printed when it was killed."""
    import select

    assert proc.stdout is not None
    fd = proc.stdout.fileno()
    data = b""
    while len(data) < first:
        chunk = os.read(fd, first - len(data))
        assert chunk, "the verifier ended before the test could stall it"
        data += chunk
    time.sleep(1.5)
    os.kill(proc.pid, signal.SIGSTOP)
    os.set_blocking(fd, False)
    while select.select([fd], [], [], 0)[0]:
        try:
            chunk = os.read(fd, 1 << 16)
        except BlockingIOError:
            break
        if not chunk:
            break
        data += chunk
    return data


def test_batch_commits_before_printing_so_a_kill_cannot_reopen_replays(tmp_path: Path) -> None:
    """The output pipe is read for a while, then not: the verifier blocks while writing some chunk.
    Everything that reached the pipe must already be recorded: after kill -9 a new verifier refuses each
    accepted one as a replay."""
    store = tmp_path / "verifier" / "replay.db"
    inputs = tmp_path / "requests.jsonl"
    inputs.write_bytes(requests(1500))
    with open(inputs, "rb") as stdin:
        first = subprocess.Popen(batch_args(store), stdin=stdin, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                 env={**os.environ, "WALLET_VERIFY_WORKERS": "1"})
        assert first.stdout is not None
        printed = _read_then_stall(first)
        os.kill(first.pid, signal.SIGKILL)
        first.wait(timeout=30)
        first.stdout.close()
    complete = printed[: printed.rfind(b"\n") + 1]  # the last line may be cut
    shown_valid = set(accepted(complete))
    assert 300 <= len(shown_valid) < 1499, len(shown_valid)  # it stopped in the middle, blocked on output
    again = subprocess.run(batch_args(store), input=inputs.read_bytes(), capture_output=True, timeout=120)
    assert again.returncode == 0, again.stderr
    results = {doc["ref"]: doc for doc in map(json.loads, again.stdout.decode().splitlines())}
    reopened = [ref for ref in shown_valid if results[ref]["valid"]]
    assert reopened == [], f"{len(reopened)} assertions shown as accepted were accepted again"


def test_a_blocked_batch_does_not_lock_out_other_verifiers(tmp_path: Path) -> None:
    store = tmp_path / "verifier" / "replay.db"
    inputs = tmp_path / "requests.jsonl"
    inputs.write_bytes(requests(2000))
    with open(inputs, "rb") as stdin:
        blocked = subprocess.Popen(batch_args(store), stdin=stdin, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        try:
            assert blocked.stdout is not None
            blocked.stdout.readline()  # it is running, and its output is not read from now on
            time.sleep(1.0)
            other = fresh_signed_sdp(jti=b64u(b"another verifier"))
            start = time.monotonic()
            r = subprocess.run([*wallet_exe(), "verify", "-", "--audience", AUDIENCE, "--replay-store", str(store)],
                               input=other, capture_output=True, timeout=60)
            assert r.returncode == 0, r.stderr
            assert time.monotonic() - start < 10
        finally:
            blocked.kill()
            blocked.wait(timeout=30)
            if blocked.stdout is not None:
                blocked.stdout.close()


def test_concurrent_batches_accept_each_assertion_exactly_once(tmp_path: Path) -> None:
    store = tmp_path / "verifier" / "replay.db"
    data = requests(50)
    procs = [subprocess.Popen(batch_args(store), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, env={**os.environ, "WALLET_VERIFY_WORKERS": "1"})
             for _ in range(12)]
    outputs = [p.communicate(data, timeout=120) for p in procs]
    for p, (_, err) in zip(procs, outputs):
        assert p.returncode == 0, err.decode()
        assert b"Traceback" not in err and b"internal error" not in err
    everything = [ref for out, _ in outputs for ref in accepted(out)]
    assert sorted(everything) == list(range(50))


def test_batch_on_a_full_disk_prints_no_acceptance_and_loses_none(small_disk: SmallDisk, tmp_path: Path) -> None:
    store = small_disk.path / "verifier" / "replay.db"
    data = requests(300)
    small_disk.fill()
    r = subprocess.run(batch_args(store), input=data, capture_output=True, timeout=120)
    assert r.returncode == 9 and b"full" in r.stderr and b"corrupt" not in r.stderr, r.stderr
    assert accepted(r.stdout) == []
    small_disk.free()
    r = subprocess.run(batch_args(store), input=data, capture_output=True, timeout=120)
    assert r.returncode == 0 and accepted(r.stdout) == list(range(300))


def test_verify_on_a_busy_replay_store_is_busy(cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import wallet.assertions.replay

    store = tmp_path / "verifier" / "replay.db"
    wallet.assertions.replay.ReplayStore.open(store).close()
    monkeypatch.setattr(wallet.assertions.replay, "BUSY_TIMEOUT_S", 0.3)
    holder = sqlite3.connect(store, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        r = cli(["verify", "-", "--audience", AUDIENCE, "--replay-store", str(store)], stdin=fresh_signed_sdp())
        assert r.code == 9 and "busy" in r.err and "corrupt" not in r.err and r.out == "", r.err
    finally:
        holder.execute("ROLLBACK")
        holder.close()


def _verify_with_store(cli, store: Path):
    return cli(["verify", "-", "--audience", AUDIENCE, "--replay-store", str(store)], stdin=fresh_signed_sdp())


def test_replay_store_in_a_directory_others_can_write_is_refused(cli, tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o777)
    r = _verify_with_store(cli, shared / "replay.db")
    assert r.code == 6 and "accessible by other users" in r.err and r.out == ""


def test_replay_store_readable_or_writable_by_others_is_refused(cli, tmp_path: Path) -> None:
    store = tmp_path / "verifier" / "replay.db"
    store.parent.mkdir(mode=0o700)
    store.touch()
    store.chmod(0o666)
    r = _verify_with_store(cli, store)
    assert r.code == 6 and "chmod 600" in r.err


@pytest.mark.parametrize("kind", ["symlink", "device"])
def test_replay_store_must_be_a_regular_file(cli, tmp_path: Path, kind: str) -> None:
    directory = tmp_path / "verifier"
    directory.mkdir(mode=0o700)
    store = directory / "replay.db"
    if kind == "symlink":
        target = tmp_path / "elsewhere.db"
        target.touch(mode=0o600)
        store.symlink_to(target)
    r = _verify_with_store(cli, store if kind == "symlink" else Path("/dev/null"))
    assert r.code in (6, 9) and "corrupt" not in r.err and r.out == "", r.err
    if kind == "symlink":
        assert r.code == 9 and "not a regular file" in r.err
        assert (tmp_path / "elsewhere.db").stat().st_size == 0

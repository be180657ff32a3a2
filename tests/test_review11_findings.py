"""Review 11: defects found in the wallet agent and the shared replay store, each shown by a test that fails.

Agent tests reuse tests/test_agent.py's helpers (real detached agents on real sockets, reaped at teardown);
replay store tests reuse tests/test_shared_replay.py's real redis-server fixture.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import threading
import time
from pathlib import Path

import pytest

from conftest import wallet_exe
from test_agent import alive, env, no_passphrase, reap, start, wallet  # noqa: F401 - fixtures
from wallet.cli.agent.protocol import encode, read_frame


def _full_pipe() -> tuple[int, int]:
    """A pipe whose buffer is already full and that nobody reads (a stalled consumer of `wallet ... |`)."""
    r, w = os.pipe()
    os.set_blocking(w, False)
    try:
        while True:
            os.write(w, b"x" * 4096)
    except BlockingIOError:
        pass
    os.set_blocking(w, True)
    return r, w


# -- the agent -------------------------------------------------------------------------------------------------
def test_agent_never_hands_out_the_guid_through_endorse_request_with_guid(env: dict[str, str]) -> None:
    """`status` is in NEVER because "it shows the GUID, which is for the user's eyes at a terminal, not for any
    process of the user's" -- but `endorse request` is ALLOWED and accepts `--with-guid`, which puts the GUID into
    the request it prints. Any process of the user's (no passphrase, no keyring) gets the GUID from the agent:
    the one identifier that links every persona and pseudonym of the wallet. The agent must refuse --with-guid
    (or the whole option must need a local unlock)."""
    guid = json.loads(wallet(["status", "--json"], env).stdout)["guid"]
    sock, _ = start(env)
    via = no_passphrase({**env, "WALLET_AGENT_SOCK": sock})
    done = wallet(["endorse", "request", "--idp", "https://idp.example", "--with-guid"], via)
    import base64

    leaked = False
    for word in done.stdout.decode(errors="replace").split():
        parts = word.split(".")
        if len(parts) == 3:
            payload = base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4))
            leaked |= guid.encode() in payload
    assert not leaked, "the agent signed and printed a request carrying the wallet's GUID"


def test_a_stalled_stdout_consumer_cannot_hang_the_agent_past_its_request_timeout_and_lifetime(
        env: dict[str, str]) -> None:
    """Agent._run disarms the per-request timer (setitimer 0) and only *then* closes the client's streams, and
    stream.close() flushes what the command buffered on stdout with a blocking write. A client whose stdout is
    a pipe nobody reads (`wallet pseudonym x | stalled-consumer`) leaves the agent blocked in that write forever:
    --request-timeout does not stop it, the serve loop never reaches its --lifetime check (the unlocked secret
    stays in memory past the lifetime), and every other client of the agent hangs. Flush inside the timed region
    (or write non-blocking with a deadline) before disarming the timer."""
    sock, pid = start(env, "--request-timeout", "2", "--lifetime", "6")
    via = no_passphrase({**env, "WALLET_AGENT_SOCK": sock})
    r, w = _full_pipe()
    stuck = subprocess.Popen([*wallet_exe(), "pseudonym", "shop.example"], env=via, stdin=subprocess.DEVNULL,
                             stdout=w, stderr=subprocess.DEVNULL)
    os.close(w)
    try:
        time.sleep(1)
        stuck.kill()  # even the client giving up does not free the agent: the pipe's reader is still open
        stuck.wait()
        started = time.monotonic()
        try:
            other = wallet(["pseudonym", "shop.example"], via, timeout=15)
            answered = other.returncode == 0
        except subprocess.TimeoutExpired:
            answered = False
        agent_ended_by_lifetime = not alive(pid)
        assert answered or agent_ended_by_lifetime, (
            f"after {time.monotonic() - started:.0f} s another client still gets no answer and the agent outlived "
            "its 6 s lifetime: it is stuck flushing the first client's stdout with no timer armed")
    finally:
        os.close(r)


def test_a_client_that_drips_its_request_cannot_hold_the_agent_beyond_the_5_s_receive_limit(
        env: dict[str, str]) -> None:
    """docs/design.md: "A client has 5 s to send its request." Agent._connection sets a 5 s *socket* timeout,
    which applies to each recv, not to the request: read_frame loops on recv, so a client sending one byte every
    second is never timed out and can hold the single-threaded agent for as long as its frame (up to 256 KiB,
    i.e. days). Meanwhile every other client waits, and --lifetime/--idle are not checked (the agent keeps the
    unlocked secret past its lifetime). Bound the whole request with a deadline (remaining time per recv)."""
    sock, pid = start(env, "--lifetime", "30")
    via = no_passphrase({**env, "WALLET_AGENT_SOCK": sock})
    frame = encode([b"run", b"", b"1", b"history"])  # 27 bytes: 27 s at one byte a second
    conn = socket.socket(socket.AF_UNIX)
    conn.connect(sock)
    stop = threading.Event()

    def drip() -> None:
        for byte in frame[:-1]:
            if stop.is_set():
                return
            try:
                conn.send(bytes([byte]))
            except OSError:
                return
            time.sleep(1)

    dripper = threading.Thread(target=drip, daemon=True)
    dripper.start()
    try:
        time.sleep(0.5)
        started = time.monotonic()
        try:
            wallet(["pseudonym", "shop.example"], via, timeout=12)
            waited = time.monotonic() - started
        except subprocess.TimeoutExpired:
            waited = time.monotonic() - started
        assert waited < 8, f"a dripping client held the agent for {waited:.0f} s (the limit is 5 s per request)"
    finally:
        stop.set()
        conn.close()


def test_a_relative_wallet_home_is_resolved_in_the_client_s_directory_not_the_agent_s(
        env: dict[str, str], tmp_path: Path) -> None:
    """Agent._run calls _check_home() (realpath of the client's WALLET_HOME) *before* fchdir to the client's
    directory, so a relative WALLET_HOME is resolved against the agent's own cwd ("/" once detached). A client
    in another directory whose WALLET_HOME names a different (here: no) wallet relative to *its* cwd is served
    with the agent's wallet: the command signs/derives with an identity the client did not name (locally the
    same command says "no wallet found"). Resolve the home after fchdir, or refuse a relative WALLET_HOME."""
    home = env["WALLET_HOME"]
    sock, _ = start(env)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    relative = {**env, "WALLET_HOME": home.lstrip("/")}  # relative: names elsewhere/<home> for this client
    local = wallet(["pseudonym", "shop.example"], relative, cwd=elsewhere)
    assert local.returncode != 0 and b"no wallet" in local.stderr  # what the client's WALLET_HOME means
    via = wallet(["pseudonym", "shop.example"], no_passphrase({**relative, "WALLET_AGENT_SOCK": sock}), cwd=elsewhere)
    assert via.returncode != 0, ("the agent served a client whose WALLET_HOME (relative to its directory) names "
                                 f"another wallet, with its own identity: {via.stdout!r}")


def test_clients_whose_stdout_reader_went_away_do_not_leak_descriptors_until_the_agent_is_unusable(
        env: dict[str, str]) -> None:
    """A command whose stdout is a closed pipe (`wallet pseudonym x | head -c0`, a consumer that exited) ends in
    dispatch.to_wallet_error -> output.silence_stdout(), which os.open()s /dev/null, dup2()s it over stdout and
    never closes it. Harmless in a one-shot process; in the long-lived agent every such request leaks one
    descriptor, so an ordinary script (`... | head -1` in a loop, ~1000 times in an 8 h lifetime) exhausts
    RLIMIT_NOFILE: from then on every command through the agent that opens a file (sign-sdp FILE -o OUT, a
    persona's --attr-file, SQLite's journal) fails with "input/output error: Too many open files" for every
    client. Close the /dev/null descriptor after dup2 (and do not dup2 over a descriptor the agent will close
    anyway)."""
    import resource

    def few_descriptors() -> None:
        resource.setrlimit(resource.RLIMIT_NOFILE, (40, 40))

    sock, _ = start(env, preexec=few_descriptors)
    via = no_passphrase({**env, "WALLET_AGENT_SOCK": sock})
    for _ in range(45):
        r, w = os.pipe()
        os.close(r)  # the consumer is gone
        try:
            subprocess.run([*wallet_exe(), "pseudonym", "shop.example"], env=via, stdin=subprocess.DEVNULL,
                           stdout=w, stderr=subprocess.DEVNULL, timeout=20)
        finally:
            os.close(w)
    from test_agent import OFFER

    out = Path(env["WALLET_HOME"]).parent / "signed.sdp"
    try:
        after = wallet(["sign-sdp", "--to", "shop.example", str(OFFER), "-o", str(out)], via, timeout=20)
        served = after.returncode == 0
    except subprocess.TimeoutExpired:
        served = False
    assert served, ("after 45 clients with a closed stdout the agent can no longer open a file for anyone "
                    f"(one descriptor leaked per such client): {after.stderr!r}")


def test_a_request_without_stderr_whose_command_fails_does_not_kill_the_agent(env: dict[str, str]) -> None:
    """The protocol lets a client send only the standard streams it has open (``streams`` is a subset of
    b"012"); for a missing stderr Agent._run gives the command a dispatch._Closed stand-in. When the command
    fails (here: an unknown persona), guarded() -> report() writes the error to that stand-in, which raises
    FileError *from inside guarded's except clause*; Agent._connection catches only FrameError, timeouts,
    AgentError and OSError, so the FileError unwinds serve() and the agent exits. One well-formed request takes
    the agent away from every other command of the user's (exit 31 until restarted), contrary to design.md
    ("Any breach is an error answer ... the agent serves on"). Catch every exception per request in
    _connection and answer an error; let report() survive a closed stderr."""
    from test_agent import raw

    sock, pid = start(env)
    via = no_passphrase({**env, "WALLET_AGENT_SOCK": sock})
    cwd = os.open(".", os.O_PATH | os.O_DIRECTORY)
    args = [b"persona", b"show", b"no-such-persona"]
    try:
        try:
            raw(sock, encode([b"run", b"", b"%d" % len(args), *args, b"WALLET_HOME=" + env["WALLET_HOME"].encode()]),
                [cwd])
        except Exception:  # noqa: BLE001 - whatever the answer, the agent must still be there
            pass
    finally:
        os.close(cwd)
    time.sleep(0.5)
    after = wallet(["pseudonym", "shop.example"], via, timeout=30)
    assert after.returncode == 0, f"the agent died on a well-formed request without stderr: {after.stderr!r}"


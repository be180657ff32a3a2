"""The wallet agent (issue 11): real agent processes on real Unix sockets, attacked as a hostile local process would.

Each test starts its own agent (`wallet agent`, detached, or --foreground where its log matters) on its own
wallet and stops or kills it at teardown.
"""

from __future__ import annotations

import inspect
import json
import os
import re
import resource
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import PASSPHRASE, REPO, wallet_exe
from wallet.cli.agent.protocol import ALLOWED, MAX_BODY, NEVER, FrameError, decode, encode, read_frame

OFFER = REPO / "tests" / "fixtures" / "sdp" / "sdp_chrome_offer_bundle_media_level_fingerprint.sdp"
NOBODY = 65534
_started: list[int] = []


@pytest.fixture(autouse=True)
def reap() -> Iterator[None]:
    yield
    while _started:
        pid = _started.pop()
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def start(env: dict[str, str], *options: str, preexec: object = None) -> tuple[str, int]:
    done = subprocess.run([*wallet_exe(), "agent", *options], env=env, capture_output=True, text=True,
                          stdin=subprocess.DEVNULL, timeout=60, preexec_fn=preexec)  # type: ignore[arg-type]
    assert done.returncode == 0, done.stderr
    sock = re.fullmatch(r"WALLET_AGENT_SOCK=(\S+); export WALLET_AGENT_SOCK;\nWALLET_AGENT_PID=(\d+); "
                        r"export WALLET_AGENT_PID;\n", done.stdout)
    assert sock, done.stdout
    _started.append(int(sock.group(2)))
    return sock.group(1), int(sock.group(2))


def wallet(args: list[str], env: dict[str, str], stdin: bytes | None = b"", cwd: Path | None = None,
           timeout: float = 60) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([*wallet_exe(), *args], env=env, input=stdin, capture_output=True, cwd=cwd,
                          stdin=None if stdin is not None else subprocess.DEVNULL, timeout=timeout)


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie of this test process does not count
        return Path(f"/proc/{pid}/stat").read_text().split(") ", 1)[1][0] != "Z"
    except OSError:
        return False


def gone_within(pid: int, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not alive(pid):
            return True
        time.sleep(0.1)
    return False


@pytest.fixture
def env(file_wallet: Path) -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k != "WALLET_AGENT_SOCK"}


def no_passphrase(env: dict[str, str]) -> dict[str, str]:
    """Without WALLET_PASSPHRASE_FILE: a command that tried to unlock would fail (no terminal), not prompt."""
    return {k: v for k, v in env.items() if k != "WALLET_PASSPHRASE_FILE"}


def raw(sock: str, frame: bytes, fds: list[int] | None = None) -> list[bytes]:
    import array

    with socket.socket(socket.AF_UNIX) as conn:
        conn.settimeout(20)
        conn.connect(sock)
        anc = [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", fds).tobytes())] if fds else []
        conn.sendmsg([frame], anc)
        conn.shutdown(socket.SHUT_WR)
        return read_frame(conn.recv)


# -- what it is for ------------------------------------------------------------------------------------------
def test_sign_sdp_through_the_agent_verifies_and_signs_as_the_same_identity(env: dict[str, str], tmp_path: Path) -> None:
    direct = wallet(["sign-sdp", "--to", "shop.example", str(OFFER), "-o", str(tmp_path / "direct.sdp")], env)
    assert direct.returncode == 0, direct.stderr
    sock, _ = start(env)
    via = no_passphrase({**env, "WALLET_AGENT_SOCK": sock})
    shutil.copy(OFFER, tmp_path / "offer.sdp")
    signed = wallet(["sign-sdp", "--to", "shop.example", "offer.sdp", "-o", "agent.sdp"], via, cwd=tmp_path)
    assert signed.returncode == 0, signed.stderr
    assert b"signed for https://shop.example" in signed.stderr  # its notice reached this process's stderr
    ids = []
    for name in ("direct.sdp", "agent.sdp"):  # a relative -o was resolved in the client's directory
        verdict = wallet(["verify", str(tmp_path / name), "--audience", "shop.example", "--json"], env)
        assert verdict.returncode == 0, verdict.stdout
        ids.append(json.loads(verdict.stdout)["identity"]["id"])
    assert ids[0] == ids[1]
    piped = wallet(["sign-sdp", "--to", "shop.example", "-"], via, stdin=OFFER.read_bytes())  # stdin reaches it
    assert piped.returncode == 0 and b"a=identity:" in piped.stdout
    unlocked = wallet(["pseudonym", "shop.example"], env).stdout
    assert wallet(["pseudonym", "shop.example"], via).stdout == unlocked


def test_the_ledger_records_what_the_agent_signed(env: dict[str, str]) -> None:
    sock, _ = start(env)
    via = no_passphrase({**env, "WALLET_AGENT_SOCK": sock})
    assert wallet(["sign-sdp", "--to", "bank.example", str(OFFER)], via).returncode == 0
    for who in (via, env):  # through the agent, and unlocked directly
        history = json.loads(wallet(["history", "--json"], who).stdout)
        assert [e["destination"] for e in history["history"]] == ["https://bank.example"]


def test_commands_that_must_unlock_themselves_never_reach_the_agent(env: dict[str, str], tmp_path: Path) -> None:
    sock, _ = start(env)
    via = {**env, "WALLET_AGENT_SOCK": sock}
    status = wallet(["status", "--json"], no_passphrase(via))
    assert status.returncode != 0 and b"passphrase" in status.stderr  # it tried to unlock, not to ask the agent
    assert wallet(["status"], via).returncode == 0  # with its passphrase it runs, locally
    for args in (["export", "x.backup"], ["status"], ["passwd"], ["destroy", "--yes"], ["init"]):
        answer = raw(sock, encode([b"run", b"", b"%d" % len(args), *map(str.encode, args)]),
                     [os.open(tmp_path, os.O_PATH)])
        assert answer[0] == b"error" and b"does not run" in answer[1], args


def test_every_command_that_unlocks_is_either_allowed_or_refused_with_a_reason() -> None:
    import importlib

    from wallet.cli.commands import DECLARATIONS, IMPLEMENTATIONS

    assert not ALLOWED & set(NEVER)
    for path in DECLARATIONS:
        module, _, name = IMPLEMENTATIONS[path].partition(":")
        source = inspect.getsource(getattr(importlib.import_module(module), name))
        if "unlock_wallet(" in source:
            assert path in ALLOWED or path in NEVER, f"'wallet {path}' unlocks: add it to ALLOWED or NEVER"
        else:
            assert path not in ALLOWED, f"'wallet {path}' needs no secret: it has no business in the agent"


# -- its limits ---------------------------------------------------------------------------------------------
def test_agent_stop_removes_the_socket_and_ends_the_process(env: dict[str, str]) -> None:
    sock, pid = start(env)
    stopped = wallet(["agent", "stop"], {**env, "WALLET_AGENT_SOCK": sock})
    assert stopped.returncode == 0, stopped.stderr
    assert stopped.stdout == b"unset WALLET_AGENT_SOCK; unset WALLET_AGENT_PID;\n"
    assert not os.path.exists(sock) and not os.path.exists(os.path.dirname(sock))
    assert gone_within(pid, 10)
    again = wallet(["agent", "stop"], env)
    assert again.returncode == 31 and b"WALLET_AGENT_SOCK is not set" in again.stderr


def test_idle_timeout_and_lifetime_end_the_agent(env: dict[str, str]) -> None:
    sock, pid = start(env, "--idle", "1s")
    assert gone_within(pid, 10) and not os.path.exists(sock)
    sock, pid = start(env, "--idle", "1h", "--lifetime", "3")
    via = no_passphrase({**env, "WALLET_AGENT_SOCK": sock})
    assert wallet(["pseudonym", "a.example"], via).returncode == 0  # requests do not extend a lifetime
    assert gone_within(pid, 10) and not os.path.exists(sock)


def test_a_killed_agent_leaves_a_stale_socket_that_is_a_clear_error_not_a_prompt(env: dict[str, str]) -> None:
    sock, pid = start(env)
    os.kill(pid, signal.SIGKILL)
    assert gone_within(pid, 10)
    assert os.path.exists(sock)
    for args in (["sign-sdp", "--to", "shop.example", str(OFFER)], ["pseudonym", "a.example", "--json"]):
        done = wallet(args, {**env, "WALLET_AGENT_SOCK": sock}, stdin=None)
        assert done.returncode == 31, done.stderr
        assert b"no wallet agent answers at" in done.stderr and b"unset WALLET_AGENT_SOCK" in done.stderr
    assert json.loads(done.stdout)["error"]["code"] == "agent"


def test_a_client_for_another_wallet_home_is_refused(env: dict[str, str], tmp_path: Path) -> None:
    sock, _ = start(env)
    other = {**env, "WALLET_AGENT_SOCK": sock, "WALLET_HOME": str(tmp_path / "other")}
    done = wallet(["pseudonym", "a.example"], other)
    assert done.returncode == 31 and b"serves the wallet in" in done.stderr


def test_a_command_that_outlives_the_request_timeout_is_stopped_and_the_agent_serves_on(env: dict[str, str]) -> None:
    sock, pid = start(env, "--request-timeout", "2")
    via = no_passphrase({**env, "WALLET_AGENT_SOCK": sock})
    read_end, write_end = os.pipe()  # a stdin that never ends
    try:
        done = subprocess.run([*wallet_exe(), "sign-sdp", "--to", "shop.example", "-"], env=via, stdin=read_end,
                              capture_output=True, timeout=30)
    finally:
        os.close(read_end)
        os.close(write_end)
    assert done.returncode == 31 and b"stopped the command after 2 s" in done.stderr
    assert wallet(["pseudonym", "a.example"], via).returncode == 0 and alive(pid)


# -- a hostile peer -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("frame,why", [
    (b"GET / HTTP/1.1\r\n\r\n", b"malformed"),
    (b"WAG1" + (MAX_BODY + 1).to_bytes(4, "big"), b"malformed"),
    (b"WAG1\x00\x00\x00\x06\x00\x02\x00\x00\x00\x09", b"malformed"),  # a field longer than the frame
    (encode([b"run", b"012", b"1", b"pseudonym"]), b"file descriptors"),  # streams announced, none passed
    (encode([b"run", b"", b"99", b"pseudonym"]), b"argument count"),
    (encode([b"run", b"", b"1", b"pseudonym", b"LD_PRELOAD=/tmp/x.so"]), b"environment"),
    (encode([b"launch", b"missiles"]), b"unknown request"),
    (b"WAG1\x00\x00\x00\x02", b"malformed"),  # a promised body that never comes
])
def test_malformed_and_oversized_requests_get_an_error_and_the_agent_serves_on(
        env: dict[str, str], frame: bytes, why: bytes) -> None:
    sock, pid = start(env)
    answer = raw(sock, frame, [os.open(".", os.O_PATH)])
    assert answer[0] == b"error" and why in answer[1], answer
    via = no_passphrase({**env, "WALLET_AGENT_SOCK": sock})
    assert wallet(["pseudonym", "a.example"], via).returncode == 0 and alive(pid)


def test_the_frame_parser_refuses_every_truncation_and_trailing_byte() -> None:
    body = encode([b"run", b"012", b"x" * 100])[8:]
    assert decode(body) == [b"run", b"012", b"x" * 100]
    for cut in range(len(body)):
        with pytest.raises(FrameError):
            decode(body[:cut])
    with pytest.raises(FrameError):
        decode(body + b"\x00")
    with pytest.raises(FrameError):
        encode([b"x"] * 2000)


@pytest.fixture
def nobody_wallet(tmp_path: Path) -> Iterator[tuple[dict[str, str], Path]]:
    """A file-store wallet owned by an unprivileged user, in a directory that user can reach."""
    if os.geteuid() != 0:
        pytest.skip("needs root to run an agent as another user")
    try:
        subprocess.run([*wallet_exe(), "--version"], preexec_fn=_as_nobody, capture_output=True, check=True)
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("this interpreter cannot be run by nobody (it lives in a private directory)")
    base = Path(tempfile.mkdtemp(prefix="wallet-agent-test."))
    try:
        base.chmod(0o755)
        os.chown(base, NOBODY, NOBODY)
        passfile = base / "pass"
        passfile.write_text(PASSPHRASE + "\n")
        passfile.chmod(0o600)
        os.chown(passfile, NOBODY, NOBODY)
        env = {**{k: v for k, v in os.environ.items() if not k.startswith(("WALLET_", "XDG_"))},
               "HOME": str(base), "WALLET_HOME": str(base / "home"), "WALLET_PASSPHRASE_FILE": str(passfile)}
        done = subprocess.run([*wallet_exe(), "init", "--store", "file"], env=env, capture_output=True,
                              preexec_fn=_as_nobody, timeout=120)
        assert done.returncode == 0, done.stderr
        yield env, base
    finally:
        shutil.rmtree(base, ignore_errors=True)


def _as_nobody() -> None:
    os.setgroups([])
    os.setgid(NOBODY)
    os.setuid(NOBODY)


@pytest.fixture
def shared_dir() -> Iterator[Path]:
    """A directory another user can reach (the agent's own is 0700: this gets past that, to SO_PEERCRED)."""
    if os.geteuid() != 0:
        pytest.skip("needs root to become another user")
    base = Path(tempfile.mkdtemp(prefix="wallet-agent-test."))
    base.chmod(0o777)
    yield base
    shutil.rmtree(base, ignore_errors=True)


def test_the_agent_refuses_a_connection_from_another_uid(file_wallet: Path, shared_dir: Path) -> None:
    """The real check of the real agent code, on a real connection from a process that became nobody."""
    from wallet.cli.agent.server import Agent
    from wallet.facade import open_wallet
    from wallet.storage.paths import WalletHome

    path = str(shared_dir / "sock")
    listener = socket.socket(socket.AF_UNIX)
    listener.bind(path)
    os.chmod(path, 0o777)
    listener.listen(1)
    held = open_wallet(WalletHome.resolve(), passphrase=lambda confirm: PASSPHRASE.encode())
    log = tempfile.TemporaryFile("w+")
    agent = Agent(held, path, listener, idle=60, lifetime=60, request_timeout=5, log=log)

    def intruder() -> bytes:
        with socket.socket(socket.AF_UNIX) as conn:
            conn.connect(path)
            try:
                conn.sendall(encode([b"run", b"", b"1", b"history"]))
            except BrokenPipeError:  # refused before it could even ask: the answer is waiting
                pass
            return b"|".join(read_frame(conn.recv))

    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read_end)
        try:
            _as_nobody()
            out = intruder()
        except BaseException as exc:  # noqa: BLE001
            out = repr(exc).encode()
        os.write(write_end, out)
        os._exit(0)
    os.close(write_end)
    conn, _ = listener.accept()
    with conn:
        served = agent._connection(conn)
    with os.fdopen(read_end, "rb") as pipe:
        got = pipe.read()
    os.waitpid(pid, 0)
    agent.close()
    assert served is False
    assert got.startswith(b"error|this wallet agent serves another user"), got
    log.seek(0)
    assert f"refused a connection from uid {NOBODY}" in log.read()


def test_a_client_refuses_an_agent_of_another_user(env: dict[str, str], shared_dir: Path) -> None:
    """A socket another user listens on (a squatter) never receives this user's streams or command line."""
    path = str(shared_dir / "sock")
    ready_r, ready_w = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            _as_nobody()
            listener = socket.socket(socket.AF_UNIX)
            listener.bind(path)
            listener.listen(1)
            os.write(ready_w, b"x")
            conn, _ = listener.accept()
            conn.settimeout(5)
            os._exit(3 if conn.recv(100) else 0)
        except BaseException:  # noqa: BLE001
            os._exit(4)
    os.read(ready_r, 1)
    done = wallet(["history"], {**env, "WALLET_AGENT_SOCK": path})
    _, status = os.waitpid(pid, 0)
    assert done.returncode == 31 and b"runs as another user" in done.stderr
    assert os.waitstatus_to_exitcode(status) == 0  # it received nothing


def test_an_agent_run_by_another_user_refuses_root_and_is_not_dumpable(nobody_wallet: tuple[dict[str, str], Path]) -> None:
    """Root passes the 0700 directory; SO_PEERCRED still refuses it, and the client refuses another user's agent."""
    env, _ = nobody_wallet
    sock, pid = start(env, preexec=_as_nobody)
    assert Path(f"/proc/{pid}/status").read_text().split("Uid:")[1].split()[0] == str(NOBODY)
    with socket.socket(socket.AF_UNIX) as conn:  # the agent's own check, with no help from the client
        conn.connect(sock)
        conn.sendall(encode([b"run", b"", b"1", b"history"]))
        answer = read_frame(conn.recv)
    assert answer[0] == b"error" and b"another user" in answer[1]
    done = wallet(["history"], {**env, "WALLET_AGENT_SOCK": sock})
    assert done.returncode == 31 and b"runs as another user" in done.stderr
    # non-dumpable: the kernel makes its /proc files root's, though it runs as nobody
    assert os.stat(f"/proc/{pid}/status").st_uid == 0 and os.stat(f"/proc/{pid}/environ").st_uid == 0


def test_the_agent_leaves_no_core_dump_and_never_prints_the_secret(env: dict[str, str], tmp_path: Path) -> None:
    from wallet.facade import open_wallet
    from wallet.storage.paths import WalletHome

    pattern = Path("/proc/sys/kernel/core_pattern").read_text().strip()
    opened = open_wallet(WalletHome.resolve(), passphrase=lambda confirm: PASSPHRASE.encode())
    master = opened.root.master
    opened.close()
    work = tmp_path / "cwd"
    work.mkdir()
    log = tmp_path / "log"

    def unlimited() -> None:
        resource.setrlimit(resource.RLIMIT_CORE, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))

    with open(log, "wb") as err:
        agent = subprocess.Popen([*wallet_exe(), "agent", "--foreground"], env=env, cwd=work, stdout=subprocess.PIPE,
                                 stderr=err, stdin=subprocess.DEVNULL, preexec_fn=unlimited)
    _started.append(agent.pid)
    assert agent.stdout is not None
    lines = agent.stdout.readline() + agent.stdout.readline()
    sock = lines.split(b"WALLET_AGENT_SOCK=")[1].split(b";")[0].decode()
    via = no_passphrase({**env, "WALLET_AGENT_SOCK": sock})
    assert wallet(["sign-sdp", "--to", "shop.example", str(OFFER)], via).returncode == 0
    raw(sock, b"garbage")
    limits = Path(f"/proc/{agent.pid}/limits").read_text()
    assert next(line for line in limits.splitlines() if line.startswith("Max core file size")).split()[4:6] == ["0", "0"]
    os.kill(agent.pid, signal.SIGABRT)
    agent.wait(timeout=30)
    time.sleep(0.5)
    if not (pattern.startswith("|") or "/" in pattern):
        assert [p for p in work.iterdir() if p.name.startswith("core")] == []
    seen = log.read_bytes() + lines + agent.stdout.read()
    assert b"wallet agent" in seen or b"agent" in seen
    for form in (master, master.hex().encode(), PASSPHRASE.encode()):
        assert form not in seen


def test_wipe_zeroes_the_master_secret_and_the_keys_derived_from_it(file_wallet: Path) -> None:
    from wallet.facade import open_wallet
    from wallet.storage.paths import WalletHome

    opened = open_wallet(WalletHome.resolve(), passphrase=lambda confirm: PASSPHRASE.encode())
    held = [opened.root.master, opened._deriver._prk, opened.records._index_key, opened.records._record_key]
    assert all(any(key) for key in held)
    opened.wipe()
    assert all(key == bytes(len(key)) for key in held)

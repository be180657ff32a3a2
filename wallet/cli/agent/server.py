"""The wallet agent process: one unlocked wallet, serving its own user's allow-listed commands on a Unix socket.

    >>> from wallet.cli.agent.server import parse_duration
    >>> parse_duration("15m", option="--idle"), parse_duration("8h", option="--lifetime")
    (900, 28800)

One request at a time (so changing directory and environment for a request races with nothing): accept,
check the peer's uid (SO_PEERCRED), read one bounded frame with a short timeout, check the command is
allow-listed (protocol.ALLOWED) and names this agent's wallet home, run it with the client's working directory,
standard streams and forwarded environment, under the per-request timeout, and answer its exit status. It stops
after ``idle`` seconds without a request, after ``lifetime`` seconds in any case, on ``wallet agent stop``, or
on SIGTERM, SIGHUP or SIGINT; then it removes its socket and directory and zeroes the secrets it holds.
Its log (stderr, in --foreground) says when it started and stopped and which connections it refused: never a
command line, an environment or a secret.
"""

from __future__ import annotations

import io
import os
import select
import signal
import socket
import stat
import sys
import time
TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs start-up; mypy honours the name

from wallet.cli.agent.protocol import FORWARDED_ENV, MAX_ARGS, FrameError, command_path, encode, read_frame
from wallet.errors import AgentError, FileError, UsageError

if TYPE_CHECKING:
    from typing import TextIO

    from wallet.facade import Wallet

#: Seconds a client has to send its request once connected.
RECEIVE_TIMEOUT = 5.0
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_duration(text: str, *, option: str) -> int:
    """Seconds in ``90``, ``90s``, ``15m``, ``8h`` or ``2d`` (a positive whole number and one unit)."""
    number, unit = (text[:-1], text[-1]) if text[-1:] in _UNITS else (text, "s")
    if not number.isascii() or not number.isdigit() or int(number) == 0 or len(number) > 9:
        raise UsageError(f"{option} {text!r} is not a duration", hint="e.g. 90s, 15m, 8h or 2d")
    return int(number) * _UNITS[unit]


def socket_directory() -> str:
    """A fresh 0700 directory for the socket: in $XDG_RUNTIME_DIR when it is this user's and private, else
    in the temporary directory (mkdtemp: unpredictable name, exclusive create, mode 0700)."""
    import tempfile

    runtime = os.environ.get("XDG_RUNTIME_DIR", "")
    base = None
    if os.path.isabs(runtime):
        try:
            st = os.stat(runtime)
            if stat.S_ISDIR(st.st_mode) and st.st_uid == os.geteuid() and not st.st_mode & 0o077:
                base = runtime
        except OSError:
            pass
    try:
        return tempfile.mkdtemp(prefix="wallet-agent.", dir=base)
    except OSError as exc:
        raise FileError(f"cannot create the agent's socket directory: {exc.strerror}") from None


def listen() -> tuple[str, socket.socket]:
    """The socket's path and a listening socket on it, in a fresh private directory."""
    directory = socket_directory()
    path = os.path.join(directory, "sock")
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM | socket.SOCK_CLOEXEC)
    old = os.umask(0o177)
    try:
        listener.bind(path)
        listener.listen(16)
    except OSError as exc:
        listener.close()
        os.rmdir(directory)
        raise FileError(f"cannot listen on {path}: {exc.strerror}") from None
    finally:
        os.umask(old)
    return path, listener


class _Timeout(BaseException):
    """Raised by the per-request alarm; becomes an AgentError where the command can report it."""


def _stream(fd: int, writing: bool, name: str) -> TextIO:
    raw = io.FileIO(fd, "w" if writing else "r", closefd=False)
    buffered: io.BufferedWriter | io.BufferedReader = io.BufferedWriter(raw) if writing else io.BufferedReader(raw)
    return io.TextIOWrapper(buffered, encoding="utf-8", errors="backslashreplace" if name == "stderr" else "strict",
                            line_buffering=raw.isatty(), write_through=name == "stderr")


#: The longest a client's stream may block the agent when it is flushed and closed after a command.
CLOSE_TIMEOUT = 1.0


def _close_streams(opened: list[TextIO]) -> None:
    """Flush and close the client's streams, each under its own short timer: a reader that stopped reading
    (a full pipe) costs the agent at most CLOSE_TIMEOUT, never its service (a closed stream is not flushed
    again; the descriptor itself is closed by the caller)."""
    for stream in opened:
        # A repeating timer: closing a text stream flushes it, then closes its buffer, which flushes again.
        signal.setitimer(signal.ITIMER_REAL, CLOSE_TIMEOUT, CLOSE_TIMEOUT)
        try:
            stream.close()
        except (Exception, _Timeout):  # noqa: BLE001 - the alarm's AgentError, OSError, ValueError: all end here
            pass
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)


class Agent:
    """Serves one unlocked wallet on ``listener`` until a limit is reached or it is told to stop."""

    def __init__(self, wallet: Wallet, path: str, listener: socket.socket, *, idle: int, lifetime: int,
                 request_timeout: int, log: TextIO) -> None:
        self.wallet = wallet
        self.path = path
        self.listener = listener
        self.idle, self.lifetime, self.request_timeout = idle, lifetime, request_timeout
        self.log = log
        self._env = {k: v for k, v in os.environ.items() if k not in FORWARDED_ENV}
        self._cwd = os.open(".", os.O_PATH | os.O_DIRECTORY | os.O_CLOEXEC)
        self._files = self._file_ids()
        self._busy = False
        self._stop: str | None = None

    def _say(self, message: str) -> None:
        try:
            self.log.write(f"wallet agent[{os.getpid()}]: {message}\n")
            self.log.flush()
        except (OSError, ValueError):
            pass

    def _file_ids(self) -> list[tuple[int, int] | None]:
        """Which files the wallet is (device, inode): its own writes keep them, a replacement does not."""
        return [None if st is None else (st.st_dev, st.st_ino) for st in self.wallet.home.file_stats()]

    # -- the loop --------------------------------------------------------------------------------
    def serve(self) -> str:
        """Serve until stopped; why it stopped."""
        from wallet.cli.common import hold

        def on_signal(signum: int, frame: object) -> None:
            self._stop = signal.Signals(signum).name
            if not self._busy:
                raise _Timeout

        def on_alarm(signum: int, frame: object) -> None:  # the command reports it (guarded), or the agent does
            raise AgentError(f"the wallet agent stopped the command after {self.request_timeout} s",
                             hint="start the agent with a longer --request-timeout")

        for signum in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
            signal.signal(signum, on_signal)
        signal.signal(signal.SIGALRM, on_alarm)
        signal.signal(signal.SIGPIPE, signal.SIG_IGN)
        hold(self.wallet)
        started = last = time.monotonic()
        try:
            while self._stop is None:
                now = time.monotonic()
                if now - started >= self.lifetime:
                    return f"its lifetime ({self.lifetime} s) is over"
                if now - last >= self.idle:
                    return f"it was idle for {self.idle} s"
                wait = min(started + self.lifetime, last + self.idle) - now
                try:
                    ready, _, _ = select.select([self.listener], [], [], wait)
                except _Timeout:
                    break
                if not ready:
                    continue
                try:
                    conn, _ = self.listener.accept()
                except (OSError, _Timeout):
                    continue
                with conn:
                    if self._connection(conn):
                        last = time.monotonic()
            return f"it received {self._stop}" if self._stop != "stop" else "it was told to stop"
        finally:
            hold(None)
            self.close()

    def close(self) -> None:
        """Remove the socket and its directory; zero the secrets."""
        self.close_socket_now()
        self.listener.close()
        self.wallet.wipe()

    def _connection(self, conn: socket.socket) -> bool:
        """Serve one connection; whether it was this user's."""
        from wallet.cli.agent.peer import peer_credentials

        pid, uid, _ = peer_credentials(conn)
        if uid != os.geteuid():
            self._say(f"refused a connection from uid {uid} (pid {pid}): only uid {os.geteuid()} may use this agent")
            self._reply(conn, [b"error", b"this wallet agent serves another user", b""])
            return False
        fds: list[int] = []
        deadline = time.monotonic() + RECEIVE_TIMEOUT  # for the whole request, not for each piece of it

        def recv(n: int) -> bytes:
            left = deadline - time.monotonic()
            if left <= 0:
                raise socket.timeout("the request took too long")
            conn.settimeout(left)
            return conn.recv(n)

        try:
            conn.settimeout(RECEIVE_TIMEOUT)
            first, fds, flags, _ = socket.recv_fds(conn, 8, 8)
            if flags & socket.MSG_CTRUNC:
                raise AgentError("the request carried too many file descriptors")
            fields = read_frame(recv, first)
            conn.settimeout(None)
            answer = self._request(fields, fds)
        except FrameError as exc:
            self._say(f"refused a malformed request: {exc}")
            answer = [b"error", f"the wallet agent refused a malformed request ({exc})".encode(), b""]
        except (socket.timeout, _Timeout):
            answer = [b"error", b"the wallet agent did not receive a whole request in time", b""]
        except AgentError as err:
            answer = [b"error", err.message.encode(), (err.hint or "").encode()]
        except OSError as exc:
            answer = [b"error", f"the wallet agent could not read the request ({exc.strerror})".encode(), b""]
        except Exception as exc:  # noqa: BLE001 - one request's failure never ends the agent (design.md 10)
            self._say(f"a request failed ({type(exc).__name__})")
            answer = [b"error", f"the wallet agent could not serve the request ({type(exc).__name__})".encode(), b""]
        finally:
            for fd in fds:
                try:
                    os.close(fd)
                except OSError:
                    pass
        self._reply(conn, answer)
        return True

    def _reply(self, conn: socket.socket, fields: list[bytes]) -> None:
        try:
            conn.settimeout(RECEIVE_TIMEOUT)
            conn.sendall(encode(fields))
        except (OSError, FrameError, _Timeout):
            pass

    # -- one request ------------------------------------------------------------------------------
    def _request(self, fields: list[bytes], fds: list[int]) -> list[bytes]:
        if fields == [b"stop"] and not fds:
            self._stop = "stop"
            self.close_socket_now()
            return [b"exit", b"0"]
        if len(fields) < 3 or fields[0] != b"run":
            raise AgentError("the wallet agent received an unknown request")
        streams = fields[1].decode("ascii", "replace")
        if len(set(streams)) != len(streams) or not set(streams) <= set("012") or len(fds) != 1 + len(streams):
            raise AgentError("the request's standard streams do not match its file descriptors")
        if not fields[2].isdigit() or len(fields[2]) > 4 or int(fields[2]) > MAX_ARGS \
                or 3 + int(fields[2]) > len(fields):
            raise AgentError("the request's argument count is malformed")
        argc = int(fields[2])
        args = [os.fsdecode(a) for a in fields[3:3 + argc]]
        env: dict[str, str] = {}
        for item in fields[3 + argc:]:
            name, eq, value = os.fsdecode(item).partition("=")
            if not eq or name not in FORWARDED_ENV or name in env or "\0" in value:
                raise AgentError("the request's environment is malformed")
            env[name] = value
        if command_path(args) is None:
            shown = " ".join(args[:2]) if args else ""
            raise AgentError(f"the wallet agent does not run 'wallet {shown}'",
                             hint="unset WALLET_AGENT_SOCK to run it without the agent (see AGENT in man wallet)")
        if not stat.S_ISDIR(os.fstat(fds[0]).st_mode):
            raise AgentError("the request's working directory is not a directory")
        status = self._run(args, env, fds[0], dict(zip((int(s) for s in streams), fds[1:])))
        return [b"exit", b"%d" % status]

    def close_socket_now(self) -> None:
        """`wallet agent stop`: the socket is gone before the answer, so a client that saw it succeed never
        finds a stale one."""
        for remove, name in ((os.unlink, self.path), (os.rmdir, os.path.dirname(self.path))):
            try:
                remove(name)
            except OSError:
                pass

    def _check_home(self) -> None:
        from wallet.storage.paths import WalletHome

        asked = os.path.realpath(WalletHome.resolve().path)
        mine = os.path.realpath(self.wallet.home.path)
        if asked != mine:
            raise AgentError(f"the wallet agent serves the wallet in {mine}, not the one in {asked}",
                             hint="unset WALLET_AGENT_SOCK, or start an agent for this WALLET_HOME")
        if self._file_ids() != self._files:
            raise AgentError(f"the wallet in {mine} was replaced or re-keyed since the agent unlocked it",
                             hint="stop the agent (eval \"$(wallet agent stop)\") and start it again")

    def _run(self, args: list[str], env: dict[str, str], cwd: int, streams: dict[int, int]) -> int:
        from wallet.cli.dispatch import _Closed

        saved = sys.stdin, sys.stdout, sys.stderr
        opened: list[TextIO] = []
        os.environ.clear()
        os.environ.update({**self._env, **env})
        time.tzset()
        self._busy = True
        try:
            os.fchdir(cwd)  # first: a relative WALLET_HOME (or path) is the client's, never the agent's
            self._check_home()
            made = []
            for fd, name, writing in ((0, "input", False), (1, "output", True), (2, "stderr", True)):
                if fd in streams:
                    made.append(_stream(streams[fd], writing, name))
                    opened.append(made[-1])
                else:
                    made.append(_Closed(name))  # type: ignore[arg-type]
            sys.stdin, sys.stdout, sys.stderr = made
            signal.setitimer(signal.ITIMER_REAL, self.request_timeout)
            try:
                return self._command(args)
            finally:
                signal.setitimer(signal.ITIMER_REAL, 0)
        finally:
            self._busy = False
            _close_streams(opened)
            sys.stdin, sys.stdout, sys.stderr = saved
            os.fchdir(self._cwd)
            os.environ.clear()
            os.environ.update(self._env)
            time.tzset()

    def _command(self, args: list[str]) -> int:
        """Run a command line as wallet/_entry.py would (its errors reported on the client's stderr)."""
        from wallet.cli.fast import run as run_fast

        try:
            code = run_fast(args)
            if code is None:
                from wallet.cli.app import run

                code = run(args)
            return code
        except SystemExit as exc:
            return exc.code if isinstance(exc.code, int) else 1

"""A command through the wallet agent: connect to WALLET_AGENT_SOCK, hand over the command line, wait for its status.

    >>> from wallet.cli.agent.client import forwarded
    >>> forwarded("", ["status"]) is None    # not run by an agent: the command unlocks the wallet itself
    True

The command runs inside the agent, with this process's working directory and standard streams passed as file
descriptors (SCM_RIGHTS): it reads this stdin, writes this stdout and stderr, asks on this terminal, and resolves
relative paths here, as if run here. This path imports socket and the frame format, never typer, nacl, keyring
or sqlite3: that is what makes a command through the agent cost little more than starting Python.
"""

from __future__ import annotations

import os
TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs start-up; mypy honours the name

from wallet.cli.agent.protocol import FORWARDED_ENV, command_path, encode, read_frame, FrameError
from wallet.errors import AgentError

if TYPE_CHECKING:
    import socket

_START_HINT = "start one with: eval \"$(wallet agent)\"; or unset WALLET_AGENT_SOCK to unlock the wallet directly"


def forwarded(sock: str, args: list[str]) -> int | None:
    """Run ``args`` in the agent at ``sock`` if it is one the agent runs; its exit status, or None."""
    if not sock or command_path(args) is None:
        return None
    try:
        return run_remote(sock, args)
    except AgentError as err:
        from wallet.cli.dispatch import report
        from wallet.cli.fast import json_requested

        return report(err, json_mode=json_requested(args))


def connect(path: str) -> socket.socket:
    """A connection to the agent at ``path``, checked to run as this user."""
    import socket

    conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM | socket.SOCK_CLOEXEC)
    try:
        conn.connect(path)
    except OSError as exc:
        conn.close()
        raise AgentError(f"no wallet agent answers at {path} ({exc.strerror or type(exc).__name__})",
                         hint=_START_HINT) from None
    from wallet.cli.agent.peer import peer_uid

    if peer_uid(conn) != os.geteuid():  # an agent of another user's cannot hold this user's secret
        conn.close()
        raise AgentError(f"the wallet agent at {path} runs as another user", hint=_START_HINT)
    return conn


def exchange(conn: socket.socket, fields: list[bytes], fds: list[int]) -> list[bytes]:
    import socket

    frame = encode(fields)
    try:
        sent = conn.sendmsg([frame[:4096]], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, _fd_array(fds))]
                           if fds else [])
        if sent < len(frame):  # nothing left to send may meet an agent that already answered and hung up
            conn.sendall(frame[sent:])
        return read_frame(conn.recv)
    except (OSError, FrameError) as exc:
        raise AgentError(f"the wallet agent did not answer ({exc})", hint="it may have stopped; " + _START_HINT) \
            from None


def _fd_array(fds: list[int]) -> bytes:
    import array

    return array.array("i", fds).tobytes()


def run_remote(path: str, args: list[str]) -> int:
    conn = connect(path)
    fds: list[int] = []
    try:
        fds.append(os.open(".", os.O_PATH | os.O_DIRECTORY | os.O_CLOEXEC))
        streams = b""
        for fd in (0, 1, 2):
            try:
                os.fstat(fd)
            except OSError:
                continue
            streams += b"%d" % fd
            fds.append(fd)
        env = [f"{name}={os.environ[name]}" for name in FORWARDED_ENV if name in os.environ]
        fields = [b"run", streams, b"%d" % len(args), *map(os.fsencode, args), *map(os.fsencode, env)]
        try:
            answer = exchange(conn, fields, fds)
        except FrameError:
            raise AgentError("the command line is too long for the wallet agent",
                             hint="unset WALLET_AGENT_SOCK to run it without the agent") from None
    finally:
        if fds:
            os.close(fds[0])
        conn.close()
    return status_of(answer)


def status_of(answer: list[bytes]) -> int:
    if len(answer) == 2 and answer[0] == b"exit" and answer[1].isdigit() and len(answer[1]) <= 3:
        return int(answer[1])
    if len(answer) == 3 and answer[0] == b"error":
        message, hint = (field.decode("utf-8", "replace") for field in answer[1:])
        raise AgentError(message, hint=hint or None)
    raise AgentError("the wallet agent's answer is malformed")

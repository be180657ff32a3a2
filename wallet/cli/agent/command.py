"""``wallet agent`` and ``wallet agent stop``: start an agent holding the unlocked wallet, or stop it.

    eval "$(wallet agent --idle 15m --lifetime 8h)"
    eval "$(wallet agent stop)"

Like ``ssh-agent -s``, starting prints shell lines on stdout that set WALLET_AGENT_SOCK (and
WALLET_AGENT_PID); stopping prints the lines that unset them.
"""

from __future__ import annotations

import enum
import os
import shlex
import sys
TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs start-up; mypy honours the name

from wallet.errors import AgentError, UsageError

if TYPE_CHECKING:
    from wallet.cli._args import AgentArgs


class AgentAction(enum.StrEnum):
    START = "start"
    STOP = "stop"


def agent(a: AgentArgs) -> int:
    if a["action"] == AgentAction.STOP:
        return stop()
    from wallet.cli.agent.server import parse_duration

    idle = parse_duration(a["idle"], option="--idle")
    lifetime = parse_duration(a["lifetime"], option="--lifetime")
    if not 1 <= a["request_timeout"] <= 86400:
        raise UsageError("--request-timeout must be 1-86400 seconds")
    if not sys.platform.startswith("linux"):
        raise UsageError("wallet agent needs Linux: it checks who connects with SO_PEERCRED")
    if a["foreground"]:
        return _start(a, idle, lifetime, ready=None)
    import signal

    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the agent: it unlocks (asking on this terminal), then detaches and tells the parent
        os.close(read_end)
        return _start(a, idle, lifetime, ready=write_end)
    os.close(write_end)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C at the passphrase prompt is the agent's to handle
    with os.fdopen(read_end, "rb") as pipe:
        told = pipe.read(4096)
    if told.startswith(b"ready\n"):
        sys.stdout.write(told[6:].decode())
        sys.stdout.flush()
        return 0
    _, status = os.waitpid(pid, 0)
    code = os.waitstatus_to_exitcode(status)
    return code if code >= 0 else 128 - code


def _start(a: AgentArgs, idle: int, lifetime: int, ready: int | None) -> int:
    from wallet.cli.agent.server import Agent, listen
    from wallet.cli.common import unlock_wallet
    from wallet.cli.output import Output
    from wallet.storage.hardening import lock_memory, protect_process

    wallet = unlock_wallet(a["passphrase_file"])
    protect_process()
    unlocked = lock_memory()
    path, listener = listen()
    lines = (f"WALLET_AGENT_SOCK={shlex.quote(path)}; export WALLET_AGENT_SOCK;\n"
             f"WALLET_AGENT_PID={os.getpid()}; export WALLET_AGENT_PID;\n")
    Output.notice(f"agent {os.getpid()} holds the wallet in {wallet.home.path} (idle {a['idle']}, lifetime "
                  f"{a['lifetime']}); " + ("its memory is locked" if unlocked is None else
                                           f"its memory is not locked, so it could be swapped: {unlocked}"))
    log = sys.stderr
    if ready is None:
        sys.stdout.write(lines)
        sys.stdout.flush()
    else:
        os.setsid()
        devnull = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):
            os.dup2(devnull, fd)
        os.close(devnull)
        os.chdir("/")
        os.write(ready, b"ready\n" + lines.encode())
        os.close(ready)
    agent = Agent(wallet, path, listener, idle=idle, lifetime=lifetime, request_timeout=a["request_timeout"], log=log)
    why = agent.serve()
    agent._say(f"stopped: {why}")
    return 0


def stop() -> int:
    """Stop the agent WALLET_AGENT_SOCK names; print the lines that unset its variables."""
    from wallet.cli.agent.client import connect, exchange, status_of
    from wallet.cli.output import Output

    path = os.environ.get("WALLET_AGENT_SOCK", "")
    if not path:
        raise AgentError("WALLET_AGENT_SOCK is not set: no agent to stop", hint="it is set by eval \"$(wallet agent)\"")
    conn = connect(path)
    try:
        status_of(exchange(conn, [b"stop"], []))
    finally:
        conn.close()
    sys.stdout.write("unset WALLET_AGENT_SOCK; unset WALLET_AGENT_PID;\n")
    sys.stdout.flush()
    Output.notice("the agent stopped; it zeroed the secrets it held")
    return 0

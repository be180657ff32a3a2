"""Keep the suite's gnome-keyring alive, and say so when it was not (a pytest plugin loaded by conftest).

.ci/with-keyring runs gnome-keyring-daemon as its child and leaves, in $WALLET_TEST_KEYRING_DIR, the daemon's
pid, its log (with a line for each exit) and ``start-daemon``, which starts it again on the same keyrings with
the same password. Without this guard, a daemon that exits mid-run (seen once in CI: a D-Bus NoReply in the
middle of a test, then every later keyring test failed) is replaced by one that D-Bus activation starts with
no password, whose keyring is locked: eight tests would fail for one event, and the report would not say that
the Secret Service had gone.

For each test marked ``keyring``:

- before it, a Secret Service that is not usable (the daemon gone, not answering within 10 s, or its default
  collection locked) is started again, and the terminal summary says when;
- if it became unusable while the test ran and the test failed, the failure is kept in the summary (with the
  daemon's log) and the test runs once more against a restarted daemon. Its second result is the one that
  counts. A test that fails with the Secret Service usable is never run again.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import pytest
from _pytest.runner import runtestprotocol

_DIR = os.environ.get("WALLET_TEST_KEYRING_DIR")
_events: list[str] = []


def _file(name: str) -> Path:
    """A file .ci/with-keyring keeps in its directory: daemon.pid, daemon.log, start-daemon."""
    return Path(_DIR or "") / name


def _pid() -> int | None:
    try:
        return int(_file("daemon.pid").read_text())
    except (OSError, ValueError):
        return None


def running() -> bool:
    """The daemon .ci/with-keyring started (or its latest restart) is alive and not a zombie."""
    pid = _pid()
    if pid is None:
        return False
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False
    return b"gnome-keyring-daemon" in cmdline and stat.rsplit(") ", 1)[1][:1] not in ("Z", "X")


def healthy() -> bool:
    """Running, and its default collection answers within 10 s and is unlocked (what every keyring test needs)."""
    if not running():
        return False
    from jeepney import DBusAddress, MessageType, Properties, new_method_call
    from jeepney.io.blocking import open_dbus_connection

    try:
        conn = open_dbus_connection(bus="SESSION")
    except (OSError, KeyError, ValueError):
        return False
    try:
        service = DBusAddress("/org/freedesktop/secrets", bus_name="org.freedesktop.secrets",
                              interface="org.freedesktop.Secret.Service")
        reply = conn.send_and_get_reply(new_method_call(service, "ReadAlias", "s", ("default",)), timeout=10)
        if reply.header.message_type == MessageType.error or len(reply.body[0]) <= 1:
            return False
        collection = DBusAddress(reply.body[0], bus_name="org.freedesktop.secrets",
                                 interface="org.freedesktop.Secret.Collection")
        reply = conn.send_and_get_reply(Properties(collection).get("Locked"), timeout=10)
        return reply.header.message_type != MessageType.error and reply.body[0][1] is False
    except (OSError, TimeoutError):
        return False
    finally:
        conn.close()


def wait_gone(seconds: float = 10) -> None:
    """Until the daemon is no longer running (at most ``seconds``)."""
    deadline = time.monotonic() + seconds
    while running() and time.monotonic() < deadline:
        time.sleep(0.05)


def _log_tail() -> str:
    try:
        lines = _file("daemon.log").read_text(errors="replace").splitlines()
    except OSError:
        return "(no daemon log)"
    return "\n".join("    " + line for line in lines[-12:])


def restart(why: str | None) -> None:
    """Start the daemon again on the same keyrings; ``why`` (None: not worth reporting) goes to the summary."""
    if why is not None:
        _events.append(f"{why}; its log ends:\n{_log_tail()}")
    pid = _pid()
    if pid is not None and running():  # alive but of no use (hung, or its keyring locked): replaced
        os.kill(pid, signal.SIGKILL)
        wait_gone()
    subprocess.run([str(_file("start-daemon"))], check=True, timeout=60)
    if not healthy():
        raise RuntimeError("gnome-keyring-daemon did not start again unlocked")


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> bool | None:
    if not _DIR or item.get_closest_marker("keyring") is None:
        return None
    if not healthy():
        restart(f"the Secret Service was not usable (daemon gone, hung or locked) before {item.nodeid}: "
                "started again")
    item.ihook.pytest_runtest_logstart(nodeid=item.nodeid, location=item.location)
    reports = runtestprotocol(item, nextitem=nextitem, log=False)
    if any(report.failed for report in reports) and not healthy():
        first = "\n".join(str(report.longrepr)[-1500:] for report in reports if report.failed)
        restart(f"the Secret Service became unusable (daemon gone, hung or locked) during {item.nodeid}, which "
                "failed; ran it again against a restarted daemon. "
                f"The first failure:\n{first}\n")
        reports = runtestprotocol(item, nextitem=nextitem, log=False)
    for report in reports:
        item.ihook.pytest_runtest_logreport(report=report)
    item.ihook.pytest_runtest_logfinish(nodeid=item.nodeid, location=item.location)
    return True


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if _events:
        terminalreporter.section("gnome-keyring-daemon (the suite's Secret Service)")
        for event in _events:
            terminalreporter.write_line(event)

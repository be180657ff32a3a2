"""A real interactive shell (bash, zsh, fish) on a pseudo-terminal: type a line, press Tab, read the screen.

    with ShellSession(["bash", "--norc", "-i"], env, cwd) as sh:
        shown = sh.tab("wallet init --store=")

After Tab the session erases the line (Ctrl-U) and runs ``printf '%s-%s\\n' tab done``: the shell
handles keys in order, so once ``tab-done`` is printed, everything it showed for the Tab press (a list of
candidates, or the text it inserted) came before it. No sleeps, no guessing when the shell is done.
"""

from __future__ import annotations

import fcntl
import os
import pty
import re
import select
import signal
import struct
import subprocess
import termios
import time

PROMPT = "PROMPT> "
_SENTINEL = "tab-done"
_ESCAPES = re.compile(r"\x1b\[[0-9;?=>]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[()][0-9A-B]|\x1b[=>78cDEHM]")


def plain(text: str) -> str:
    """What a terminal would show, roughly: escape sequences and carriage returns dropped."""
    return _ESCAPES.sub("", text).replace("\r", "").replace("\x07", "")


def _controlling_terminal() -> None:
    """In the child: a session of its own, with the pseudo-terminal as its controlling terminal (job control)."""
    os.setsid()
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


class ShellSession:
    def __init__(self, argv: list[str], env: dict[str, str], cwd: str, *, setup: list[str] = (), timeout: float = 20):
        self.timeout = timeout
        self._master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 60, 250, 0, 0))
        self._proc = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=slave, env=env, cwd=cwd,
                                      preexec_fn=_controlling_terminal, close_fds=True)
        os.close(slave)
        self._buffer = ""
        self.transcript = ""
        self._read_until(PROMPT)
        for line in setup:
            self.run(line)

    def __enter__(self) -> ShellSession:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        try:
            os.killpg(self._proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self._proc.wait(timeout=10)
        os.close(self._master)

    def _read_until(self, marker: str) -> str:
        deadline = time.monotonic() + self.timeout
        while marker not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"no {marker!r} from the shell; it showed:\n{plain(self._buffer)}\n---\n"
                                   f"{plain(self.transcript)[-3000:]}")
            ready, _, _ = select.select([self._master], [], [], left)
            if ready:
                try:
                    chunk = os.read(self._master, 65536).decode("utf-8", "replace")
                except OSError:
                    chunk = ""
                if not chunk:
                    raise EOFError(f"the shell exited; it showed:\n{plain(self._buffer)}")
                self._buffer += chunk
                self.transcript += chunk
        before, _, self._buffer = self._buffer.partition(marker)
        return before

    def _type(self, keys: str) -> None:
        os.write(self._master, keys.encode())

    def run(self, command: str) -> str:
        """Run a command line; what it printed (and its echo)."""
        self._type(command + "\n")
        return plain(self._read_until(PROMPT))

    def tab(self, line: str) -> str:
        """Type ``line``, press Tab once; what the shell showed in answer (the inserted text or the list)."""
        self._type(line + "\t\x15printf '%s-%s\\n' tab done\n")
        shown = self._read_until(_SENTINEL)
        self._read_until(PROMPT)
        shown = plain(shown)
        return shown.partition("printf")[0]  # what came before the next command line was typed

"""The real program on a real pseudo-terminal: prompts are read from /dev/tty as a person would answer them.

    term = Terminal(["init", "--store", "file"], env)
    term.expect("Wallet passphrase: ")
    term.send("a long passphrase")
    assert term.wait() == 0

The child is a session leader whose controlling terminal is the pty (pty.fork), so getpass opens it as it
would a person's terminal, with echo off. Everything the program writes to stdout and stderr is collected in
``output``; :meth:`expect` moves past each expected text in order, so a test also checks what came before what.
"""

from __future__ import annotations

import os
import pty
import select
import signal
import sys
import time

from conftest import wallet_exe


class Terminal:
    def __init__(self, args: list[str], env: dict[str, str]) -> None:
        command = [*wallet_exe(), *args]
        pid, fd = pty.fork()
        if pid == 0:  # the child: the wallet, on the pty
            try:
                os.execve(sys.executable, command, {**env, "NO_COLOR": "1"})
            finally:
                os._exit(127)
        self.pid, self.fd = pid, fd
        self.output = b""
        self._seen = 0
        self.status: int | None = None

    def _read(self, deadline: float) -> bool:
        ready, _, _ = select.select([self.fd], [], [], max(0.0, deadline - time.monotonic()))
        if not ready:
            return False
        try:
            chunk = os.read(self.fd, 4096)
        except OSError:  # EIO: the child closed the terminal
            chunk = b""
        self.output += chunk
        return bool(chunk)

    def expect(self, text: str, timeout: float = 60) -> str:
        """Wait for ``text`` after what was expected before; what came in between is returned."""
        deadline = time.monotonic() + timeout
        wanted = text.encode()
        while wanted not in self.output[self._seen:]:
            if not self._read(deadline):
                raise AssertionError(f"no {text!r} on the terminal; it shows {self.text()!r}")
        end = self.output.index(wanted, self._seen) + len(wanted)
        between = self.output[self._seen:end].decode("utf-8", "replace")
        self._seen = end
        return between

    def send(self, line: str) -> None:
        os.write(self.fd, line.encode() + b"\r")

    def wait(self, timeout: float = 60) -> int:
        """Read the rest and return the exit status."""
        deadline = time.monotonic() + timeout
        while self._read(deadline):
            pass
        if time.monotonic() >= deadline:  # still waiting for an answer nobody gives
            os.kill(self.pid, signal.SIGKILL)
        _, status = os.waitpid(self.pid, 0)
        os.close(self.fd)
        self.status = os.waitstatus_to_exitcode(status)
        return self.status

    def text(self) -> str:
        return self.output.decode("utf-8", "replace").replace("\r\n", "\n")

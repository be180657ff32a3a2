"""rich for people, and only for people: tables, a spinner and a progress line on a real terminal (a pty);
the plain text scripts rely on everywhere else, and with NO_COLOR."""

from __future__ import annotations

import json
import os
import pty
import select
import subprocess
import time
from pathlib import Path

import pytest

from attack_corpus import AUDIENCE, b64u, fresh_signed_sdp
from conftest import PASSPHRASE, wallet_exe


def in_pty(args: list[str], env: dict[str, str], stdin: bytes | None = None, timeout: float = 60) -> str:
    """Run the real program with stdout and stderr on a pseudo-terminal (80 columns); all it printed."""
    controller, terminal = pty.openpty()
    import fcntl
    import struct
    import termios

    fcntl.ioctl(terminal, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    proc = subprocess.Popen([*wallet_exe(), *args], stdout=terminal, stderr=terminal,
                            stdin=subprocess.PIPE if stdin is not None else terminal,
                            env={**env, "TERM": "xterm-256color", "COLUMNS": "120"}, close_fds=True)
    os.close(terminal)
    if stdin is not None:
        import threading

        def feed() -> None:  # in a thread: the program writes to the terminal while it reads
            assert proc.stdin is not None
            proc.stdin.write(stdin)
            proc.stdin.close()

        threading.Thread(target=feed, daemon=True).start()
    out = b""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([controller], [], [], 0.2)
        if ready:
            try:
                chunk = os.read(controller, 65536)
            except OSError:
                break
            if not chunk:
                break
            out += chunk
        elif proc.poll() is not None:
            break
    proc.wait(timeout=10)
    os.close(controller)
    return out.decode("utf-8", "replace")


@pytest.fixture
def env(file_wallet: Path, passfile: Path) -> dict[str, str]:
    return {**os.environ, "WALLET_HOME": str(file_wallet), "WALLET_PASSPHRASE_FILE": str(passfile)}


def test_lists_are_tables_on_a_terminal(cli, env: dict[str, str]) -> None:
    assert cli(["persona", "add", "work", "--attr", "email=ann@corp.example"]).code == 0
    shown = in_pty(["persona", "list"], env)
    assert "persona" in shown and "attributes" in shown and "work" in shown and "━" in shown, shown


def test_plain_text_with_no_color_or_without_a_terminal(cli, env: dict[str, str]) -> None:
    assert cli(["persona", "add", "work", "--attr", "email=ann@corp.example"]).code == 0
    shown = in_pty(["persona", "list"], {**env, "NO_COLOR": "1"})
    assert "━" not in shown and "work\treal\temail" in shown.replace("\r\n", "\n")
    assert cli(["persona", "list"]).out == "default\treal\t-\nwork\treal\temail\n"


@pytest.mark.parametrize("command,words", [
    (["history"], "nothing disclosed yet"),
    (["rule", "list"], "no rules yet"),
    (["dest", "list"], "no destination has a category yet"),
])
def test_an_empty_list_says_so_on_a_terminal_and_prints_nothing_in_a_pipe(cli, env: dict[str, str],
                                                                          command: list[str], words: str) -> None:
    assert words in in_pty(command, env)
    assert cli(command).out == ""


def test_status_and_explain_are_tables_on_a_terminal(env: dict[str, str]) -> None:
    assert "guid" in in_pty(["status"], env) and "━" in in_pty(["status"], env)
    shown = in_pty(["explain", "--to", "shop.example"], env)
    assert "decided by" in shown and "key scope" in shown and "━" in shown, shown


def test_a_spinner_shows_while_argon2id_unlocks(tmp_path: Path) -> None:
    """A wallet created at the real cost (about a quarter of a second to unlock): the spinner is seen."""
    home = tmp_path / "real-cost"
    passfile = tmp_path / "pass"
    passfile.write_text(PASSPHRASE + "\n")
    env = {**os.environ, "WALLET_HOME": str(home), "WALLET_PASSPHRASE_FILE": str(passfile)}
    assert subprocess.run([*wallet_exe(), "init", "--store", "file"], env=env, capture_output=True).returncode == 0
    shown = in_pty(["persona", "list"], env)
    assert "unlocking the secret file" in shown, shown
    quiet = subprocess.run([*wallet_exe(), "persona", "list"], env=env, capture_output=True)
    assert b"unlocking" not in quiet.stderr and b"\x1b" not in quiet.stderr


def test_batch_shows_progress_on_a_terminal_only(tmp_path: Path) -> None:
    lines = "".join(json.dumps({"sdp": fresh_signed_sdp(jti=b64u(i.to_bytes(16, "big"))).decode()}) + "\n"
                    for i in range(600)).encode()
    env = {**os.environ, "WALLET_HOME": str(tmp_path / "h"), "WALLET_VERIFY_WORKERS": "1"}
    args = ["verify", "--batch", "-", "--audience", AUDIENCE, "--no-replay-check"]
    shown = in_pty(args, env, stdin=lines)
    assert "verifying: " in shown and "requests so far" in shown, shown[-2000:]
    piped = subprocess.run([*wallet_exe(), *args], input=lines, env=env, capture_output=True, timeout=120)
    assert piped.stderr == b"wallet: verified 600 requests: 600 valid, 0 rejected\n"

"""Shared fixtures: every test gets its own WALLET_HOME and a cheap Argon2id cost.

The reduced KDF cost is set by monkeypatching ``wallet.storage.encryption.DEFAULT_KDF`` in
this process only; subprocesses that unlock a file made here read the cost
from the file's header, while a subprocess that *creates* a file pays the real
cost (no option or variable can lower it).
"""

from __future__ import annotations

import hashlib
import io
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

import wallet.storage.hardening
import wallet.storage.encryption
from wallet._entry import main
from keyring_daemon import pytest_runtest_protocol, pytest_terminal_summary  # noqa: F401  (hooks, by name)

# Test files (passphrase files above all) are private, as a careful user's are: a passphrase file others could
# read is refused like a loose key file (tests/test_lifecycle.py makes such files on purpose).
os.umask(0o077)

TESTS = Path(__file__).resolve().parent
REPO = TESTS.parent
WEAK_KDF = wallet.storage.encryption.KdfParams(opslimit=1, memlimit=8192)
PASSPHRASE = "correct horse battery staple"


def require_real_part(what: str) -> None:
    """Skip a test whose real part (a server, a browser, node) is missing here; in CI, fail instead.

    .ci/run sets WALLET_CI=1 after installing every such part, so a missing one there is a bug in CI.
    """
    if os.environ.get("WALLET_CI") or os.environ.get("CI"):
        pytest.fail(f"CI must provide {what}")
    pytest.skip(f"needs {what}")


@dataclass
class Result:
    code: int
    out: str
    err: str


@pytest.fixture(autouse=True)
def isolated(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Own WALLET_HOME, no inherited passphrase file, weak KDF, and no keyring at all.

    Only tests marked ``keyring`` (run inside .ci/with-keyring's private
    gnome-keyring) may reach a Secret Service: the developer's own keyring
    is never written by the suite.
    """
    home = tmp_path / "home"
    monkeypatch.setenv("WALLET_HOME", str(home))
    monkeypatch.setenv("WALLET_IDP_HOME", str(tmp_path / "idp"))  # never the user's own identity provider
    for var in ("WALLET_PASSPHRASE_FILE", "PYTHON_KEYRING_BACKEND", "WALLET_DEBUG", "NO_COLOR", "WALLET_AGENT_SOCK"):
        monkeypatch.delenv(var, raising=False)
    if request.node.get_closest_marker("keyring") is None:
        monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
        monkeypatch.delenv("DBUS_SESSION_BUS_ADDRESS", raising=False)
    monkeypatch.setattr(wallet.storage.encryption, "DEFAULT_KDF", WEAK_KDF)
    # The in-process CLI would make the test runner itself non-dumpable with a zero core limit, and
    # its children could then not be given one: hardening is tested in subprocesses (test_core_dumps).
    monkeypatch.setattr(wallet.storage.hardening, "_protected", True)
    yield home


@pytest.fixture
def home(isolated: Path) -> Path:
    return isolated


@pytest.fixture
def passfile(tmp_path: Path) -> Path:
    path = tmp_path / "passphrase"
    path.write_text(PASSPHRASE + "\n")
    return path


class _Stdin(io.TextIOWrapper):
    def isatty(self) -> bool:
        return False


def run(args: list[str], stdin: bytes = b"") -> Result:
    """Run the CLI in this process (fast; weak KDF applies), capturing everything (text and binary)."""
    out = io.TextIOWrapper(io.BytesIO(), encoding="utf-8", write_through=True)
    err = io.StringIO()
    old = sys.stdin, sys.stdout, sys.stderr
    sys.stdin = _Stdin(io.BytesIO(stdin), encoding="utf-8")
    sys.stdout, sys.stderr = out, err
    try:
        code = main(args)
    finally:
        sys.stdin, sys.stdout, sys.stderr = old
    out.flush()
    return Result(code, out.buffer.getvalue().decode("utf-8"), err.getvalue())


@pytest.fixture
def cli() -> type:
    class CLI:
        __call__ = staticmethod(run)

    return CLI()


def wallet_exe() -> list[str]:
    return [sys.executable, "-m", "wallet"]


def run_process(
    args: list[str], *, stdin: bytes | None = b"", env: dict[str, str] | None = None, timeout: float = 60
) -> Result:
    """Run the real program in a subprocess, stdin not a TTY."""
    full_env = {**os.environ, **(env or {})}
    proc = subprocess.run(
        [*wallet_exe(), *args],
        input=stdin,
        stdin=None if stdin is not None else subprocess.DEVNULL,
        capture_output=True,
        env=full_env,
        timeout=timeout,
    )
    return Result(proc.returncode, proc.stdout.decode(), proc.stderr.decode())


@pytest.fixture
def proc() -> type:
    class Proc:
        __call__ = staticmethod(run_process)

    return Proc()


@pytest.fixture
def file_wallet(cli, passfile: Path, home: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An initialised file-store wallet; WALLET_PASSPHRASE_FILE points at its passphrase."""
    r = cli(["init", "--store", "file", "--passphrase-file", str(passfile)])
    assert r.code == 0, r.err
    monkeypatch.setenv("WALLET_PASSPHRASE_FILE", str(passfile))
    return home


def snapshot(directory: Path) -> dict[str, str]:
    """Name -> SHA-256 of every file under ``directory`` (to prove nothing changed)."""
    if not directory.exists():
        return {}
    return {
        str(p.relative_to(directory)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(directory.rglob("*"))
        if p.is_file() and p.name != ".lock"
    }


class SmallDisk:
    """A real tmpfs of a few MiB (root only): fill it, remount it read-only, free it again."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._filler = path / "filler"

    def fill(self) -> None:
        for name, size in (("filler", 1 << 16), ("filler2", 64)):  # big blocks, then tmpfs's last slack
            fd = os.open(self.path / name, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
            try:
                while True:
                    os.write(fd, b"\0" * size)
            except OSError:
                pass
            finally:
                os.close(fd)

    def free(self) -> None:
        self.remount("rw")
        for name in ("filler", "filler2"):
            (self.path / name).unlink(missing_ok=True)

    def remount(self, mode: str) -> None:
        import gc

        gc.collect()  # close SQLite connections the in-process CLI left to the collector
        done = subprocess.run(["mount", "-o", f"remount,{mode}", str(self.path)], capture_output=True)
        assert done.returncode == 0, done.stderr


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[SmallDisk]:
    mount_point = tmp_path / "disk"
    mount_point.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m,mode=0700", "tmpfs", str(mount_point)],
                          capture_output=True)
    if done.returncode != 0:
        require_real_part("a tmpfs mount (run as root) for full and read-only disk tests")
    try:
        yield SmallDisk(mount_point)
    finally:
        subprocess.run(["umount", "-l", str(mount_point)], capture_output=True)

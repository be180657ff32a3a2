"""A process that holds the master secret or a passphrase never leaves a core dump (issue 7, point 5)."""

from __future__ import annotations

import os
import resource
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import PASSPHRASE, wallet_exe


def _unlimited_cores() -> None:
    resource.setrlimit(resource.RLIMIT_CORE, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))


def _cores(directory: Path) -> list[Path]:
    return [p for p in directory.iterdir() if p.name.startswith("core")]


def _abort_and_collect(args: list[str], cwd: Path, env: dict[str, str], wait_for: Path | None = None) -> list[Path]:
    proc = subprocess.Popen(args, cwd=cwd, env=env, preexec_fn=_unlimited_cores,
                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(2.0)  # it is now blocked on the FIFO, the secret in memory
    assert proc.poll() is None, "the process ended before it could be aborted"
    os.kill(proc.pid, signal.SIGABRT)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGABRT
    time.sleep(0.5)
    return _cores(cwd)


def test_this_machine_writes_core_dumps(tmp_path: Path) -> None:
    """The control: an ordinary process aborted the same way leaves a core (else the next test proves nothing)."""
    pattern = Path("/proc/sys/kernel/core_pattern").read_text().strip()
    if pattern.startswith("|") or "/" in pattern:
        pytest.skip(f"core dumps go to {pattern!r}, not the working directory")
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    cores = _abort_and_collect([sys.executable, "-c", f"open({str(fifo)!r}).read()"], tmp_path, dict(os.environ))
    assert cores, "no core file from the control process"


def test_an_aborted_export_leaves_no_core_dump_with_the_secret(file_wallet: Path, tmp_path: Path) -> None:
    pattern = Path("/proc/sys/kernel/core_pattern").read_text().strip()
    if pattern.startswith("|") or "/" in pattern:
        pytest.skip(f"core dumps go to {pattern!r}, not the working directory")
    work = tmp_path / "cwd"
    work.mkdir()
    fifo = tmp_path / "backup-pass"
    os.mkfifo(fifo)
    env = {**os.environ, "WALLET_HOME": str(file_wallet)}
    cores = _abort_and_collect([*wallet_exe(), "export", str(tmp_path / "out.backup"), "--backup-passphrase-file",
                                str(fifo)], work, env)
    assert cores == [], f"core dump written: {cores}"


def test_the_limits_of_a_process_holding_the_secret(file_wallet: Path, tmp_path: Path) -> None:
    fifo = tmp_path / "backup-pass"
    os.mkfifo(fifo)
    env = {**os.environ, "WALLET_HOME": str(file_wallet)}
    proc = subprocess.Popen([*wallet_exe(), "export", str(tmp_path / "out.backup"), "--backup-passphrase-file",
                             str(fifo)], env=env, preexec_fn=_unlimited_cores, stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        time.sleep(2.0)
        limits = Path(f"/proc/{proc.pid}/limits").read_text()
        core = next(line for line in limits.splitlines() if line.startswith("Max core file size"))
        assert core.split()[4:6] == ["0", "0"], core
    finally:
        proc.kill()
        proc.wait(timeout=30)
    assert PASSPHRASE  # the wallet passphrase came from WALLET_PASSPHRASE_FILE, set by the fixture


def test_the_api_makes_the_process_non_dumpable(file_wallet: Path) -> None:
    code = (
        "import ctypes, os\n"
        "from wallet.storage.paths import WalletHome\nfrom wallet.facade import open_wallet\n"
        "libc = ctypes.CDLL(None)\n"
        "assert libc.prctl(3, 0, 0, 0, 0) == 1\n"  # PR_GET_DUMPABLE before
        "pw = open(os.environ['WALLET_PASSPHRASE_FILE'], 'rb').read().strip()\n"
        "open_wallet(WalletHome.resolve(), passphrase=lambda confirm: pw)\n"
        "print(libc.prctl(3, 0, 0, 0, 0))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, timeout=60,
                         env={**os.environ, "WALLET_HOME": str(file_wallet)})
    assert out.returncode == 0, out.stderr
    assert out.stdout.decode().strip() == "0"

"""The real program in a subprocess: exit codes, no tracebacks, no prompts, concurrency, demo."""

from __future__ import annotations

import json
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from conftest import wallet_exe

pytestmark = pytest.mark.slow


def test_version(proc) -> None:
    from wallet import __version__

    r = proc(["--version"])
    assert r.code == 0 and r.out == f"wallet {__version__}\n" and r.err == ""


def test_demo_runs_without_prompts_and_keeps_nothing(proc, home: Path, tmp_path: Path) -> None:
    r = proc(["demo"], stdin=None, env={"TMPDIR": str(tmp_path)})
    assert r.code == 0, r.err
    ids = [line.split()[-1] for line in r.out.splitlines() if " sees did:key:" in line]
    assert len(ids) == 4
    assert ids[0] != ids[1]  # shop and bank see unrelated identifiers
    assert ids[2] == ids[3]  # the named pseudonym is the same to everyone
    assert "the same identifier" in r.out
    assert "valid=True" in r.out and "error=fingerprint-mismatch" in r.out and "error=audience-mismatch" in r.out
    assert "https://insurer-a.example   -> undetectable" in r.out and "insurer-b.example   -> pseudonymous" in r.out
    assert "-> unlinkable, one-time key" in r.out and "-> identified, persona key" in r.out
    assert not home.exists()  # the user's wallet is untouched
    assert list(tmp_path.iterdir()) == []  # the throwaway home is gone


@pytest.mark.parametrize(
    "args,stdin,code",
    [
        (["status"], b"", 3),
        (["pseudonym", "\udcff"], b"", 2),
        (["persona", "add", "\x1b[31mred"], b"", 2),
        (["persona", "add", "bad\udcffname"], b"", 2),
        (["persona", "add", "ok", "--attr", "display_name=\udcff"], b"", 2),
        (["init", "--store", "nope"], b"", 2),
        (["init", "--store", "file"], None, 2),  # no TTY, no passphrase file: fails, never hangs
        (["init", "--store", "file", "--passphrase-file", "-"], b"", 2),
        (["init", "--store", "file", "--passphrase-file", "/nonexistent/file"], b"", 9),
        (["import", "/nonexistent/backup", "--backup-passphrase-file", "/dev/null"], b"", 9),
        (["export"], b"", 2),
        (["--bogus"], b"", 2),
    ],
)
def test_bad_input_never_tracebacks(proc, home: Path, args, stdin, code) -> None:
    r = proc(args, stdin=stdin, timeout=30)
    assert r.code == code, (r.code, r.err)
    assert "Traceback" not in r.err and "Traceback" not in r.out
    assert r.err.startswith("wallet: error:") and r.err.count("\n") == 1
    assert not (home / "wallet.json").exists()


def test_invalid_utf8_passphrase_file_works_as_bytes(proc, home: Path, tmp_path: Path) -> None:
    pw = tmp_path / "pw"
    pw.write_bytes(b"\xff\xfe binary passphrase")
    assert proc(["init", "--store", "file", "--passphrase-file", str(pw)]).code == 0
    assert proc(["pseudonym", "a.example", "--passphrase-file", str(pw)]).code == 0


def test_concurrent_writers_do_not_lose_or_corrupt(cli, file_wallet: Path) -> None:
    """Eight processes add personas at once: all land, the state stays readable."""

    def add(i: int) -> int:
        out = subprocess.run([*wallet_exe(), "persona", "add", f"p{i}"], capture_output=True, timeout=120)
        return out.returncode

    with ThreadPoolExecutor(max_workers=8) as pool:
        codes = list(pool.map(add, range(8)))
    assert codes == [0] * 8
    names = {p["name"] for p in json.loads(cli(["persona", "list", "--json"]).out)["personas"]}
    assert names == {"default", *(f"p{i}" for i in range(8))}


def test_concurrent_init_one_wins(home: Path, passfile: Path) -> None:
    cmd = [*wallet_exe(), "init", "--store", "file", "--passphrase-file", str(passfile)]
    procs = [subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in range(3)]
    codes = sorted(p.wait(timeout=120) for p in procs)
    for p in procs:
        p.stdout.close()
        p.stderr.close()
    assert codes == [0, 7, 7]
    guid_runs = subprocess.run([*wallet_exe(), "status", "--json", "--passphrase-file", str(passfile)],
                               capture_output=True, timeout=60)
    assert guid_runs.returncode == 0


def test_python_dash_m_entry() -> None:
    out = subprocess.run([sys.executable, "-m", "wallet", "--version"], capture_output=True, text=True)
    assert out.returncode == 0 and out.stdout.startswith("wallet ")

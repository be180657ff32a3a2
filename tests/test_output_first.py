"""Nothing is recorded or announced before it is done: sign-sdp and assert check their output first, write it
atomically, and the disclosure ledger holds only assertions whose output was actually written."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from conftest import snapshot, wallet_exe

FIXTURES = Path(__file__).parent / "fixtures" / "sdp"
CHROME = FIXTURES / "sdp_chrome_offer_bundle_media_level_fingerprint.sdp"
FP = "sha-256 " + ":".join(["AB"] * 32)


def _history(cli) -> list[dict]:
    r = cli(["history", "--json"])
    assert r.code == 0, r.err
    return json.loads(r.out)["history"]


@pytest.mark.parametrize("target,needle", [
    ("/nonexistent/dir/out.sdp", "no such directory"),
    ("DIR", "not a regular file"),
    ("DIR/", "not a file name"),
])
def test_an_impossible_output_is_refused_before_signing(cli, file_wallet: Path, tmp_path: Path, target: str,
                                                        needle: str) -> None:
    target = target.replace("DIR", str(tmp_path))
    before = snapshot(file_wallet)
    r = cli(["sign-sdp", "--to", "shop.example", str(CHROME), "-o", target, "--force"])
    assert r.code in (2, 9) and needle in r.err, r.err
    assert "signed for" not in r.err and "Traceback" not in r.err
    assert snapshot(file_wallet) == before  # no ledger entry: nothing was signed


def test_an_existing_output_needs_force(cli, file_wallet: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.sdp"
    out.write_text("keep me")
    r = cli(["sign-sdp", "--to", "shop.example", str(CHROME), "-o", str(out)])
    assert r.code == 7 and "--force" in r.err and out.read_text() == "keep me"
    assert _history(cli) == []
    r = cli(["sign-sdp", "--to", "shop.example", str(CHROME), "-o", str(out), "--force"])
    assert r.code == 0, r.err
    assert "a=identity:" in out.read_text() and len(_history(cli)) == 1


def test_a_read_only_directory_is_refused_before_signing(cli, file_wallet: Path, tmp_path: Path) -> None:
    if os.geteuid() == 0:
        pytest.skip("root writes anywhere")
    ro = tmp_path / "ro"
    ro.mkdir(mode=0o500)
    r = cli(["sign-sdp", "--to", "shop.example", str(CHROME), "-o", str(ro / "out.sdp")])
    assert r.code == 9 and "not writable" in r.err and _history(cli) == []


@pytest.mark.parametrize("args", [
    ["sign-sdp", "--to", "shop.example", str(CHROME)],
    ["sign-sdp", "--to", "shop.example", str(CHROME), "--json"],
    ["assert", "--to", "shop.example", "--fingerprint", FP],
    ["assert", "--to", "shop.example", "--fingerprint", FP, "--json"],
])
def test_a_full_stdout_records_and_announces_nothing(cli, file_wallet: Path, args: list[str]) -> None:
    """/dev/full as stdout: the write fails, the command says so, and the ledger is as it was."""
    with open("/dev/full", "wb") as full:
        proc = subprocess.run([*wallet_exe(), *args], stdout=full, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
                              env=os.environ.copy(), timeout=60)
    err = proc.stderr.decode()
    assert proc.returncode == 9, err
    assert "signed for" not in err and "Traceback" not in err and "nothing was disclosed" in err
    assert _history(cli) == []


def test_the_ledger_holds_what_was_written(cli, file_wallet: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.sdp"
    r = cli(["sign-sdp", "--to", "shop.example", str(CHROME), "-o", str(out), "--json"])
    assert r.code == 0, r.err
    jti = json.loads(r.out)["jti"]
    assert [e["jti"] for e in _history(cli)] == [jti]
    assert jti in out.read_text() or "a=identity:" in out.read_text()

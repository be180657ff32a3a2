"""verify --batch as a co-process: a signalling server writes one request line and waits for its answer.

Each answer must come back while the verifier's stdin stays open (no waiting for 256 lines or EOF), with one
worker and with two, and a full pipe must still be read in chunks (throughput: bench/verify.py)."""

from __future__ import annotations

import json
import os
import select
import subprocess
from pathlib import Path

import pytest

from conftest import wallet_exe

FP = "sha-256 " + ":".join(["AB"] * 32)


def _tokens(cli, n: int) -> list[str]:
    out = []
    for _ in range(n):
        r = cli(["assert", "--to", "shop.example", "--fingerprint", FP, "--format", "token"])
        assert r.code == 0, r.err
        out.append(r.out.strip())
    return out


def _read_line(proc: subprocess.Popen[bytes], timeout: float) -> bytes:
    assert proc.stdout is not None
    fd = proc.stdout.fileno()
    line = b""
    while not line.endswith(b"\n"):
        ready, _, _ = select.select([fd], [], [], timeout)
        if not ready:
            raise AssertionError(f"no answer within {timeout} s (got {line!r} so far)")
        chunk = os.read(fd, 1)
        if not chunk:
            raise AssertionError("the verifier exited")
        line += chunk
    return line


@pytest.mark.parametrize("workers", ["1", "2"])
def test_each_request_is_answered_while_stdin_stays_open(cli, file_wallet: Path, tmp_path: Path, workers: str) -> None:
    tokens = _tokens(cli, 3)
    env = {**os.environ, "WALLET_VERIFY_WORKERS": workers}
    proc = subprocess.Popen([*wallet_exe(), "verify", "--batch", "--audience", "shop.example",
                             "--replay-store", str(tmp_path / "replay.db")],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    assert proc.stdin is not None
    try:
        for n, token in enumerate([*tokens, tokens[0]], 1):
            proc.stdin.write(json.dumps({"assertion": token, "fingerprints": [FP], "ref": n}).encode() + b"\n")
            proc.stdin.flush()
            doc = json.loads(_read_line(proc, timeout=20))
            assert doc["ref"] == n and doc["line"] == n
            assert doc["valid"] is (n <= 3), doc  # the fourth repeats the first: a replay
        proc.stdin.write(b"{not json\n")
        proc.stdin.flush()
        assert json.loads(_read_line(proc, timeout=20))["error"]["code"] == "malformed"
    finally:
        proc.stdin.close()
    err = proc.stderr.read().decode() if proc.stderr else ""
    assert proc.wait(timeout=30) == 0, err  # a batch's verdicts are in its results (man page)
    assert "verified 5 requests: 3 valid, 2 rejected" in err


def test_a_full_pipe_gets_every_answer_in_order(cli, file_wallet: Path, tmp_path: Path) -> None:
    """All lines at once on a pipe (read in blocks, verified in chunks: bench/verify.py measures throughput)."""
    token = _tokens(cli, 1)[0]
    lines = b"".join(json.dumps({"assertion": token, "fingerprints": [FP], "ref": i}).encode() + b"\n"
                     for i in range(600))
    proc = subprocess.run([*wallet_exe(), "verify", "--batch", "--audience", "shop.example", "--no-replay-check"],
                          input=lines, capture_output=True, timeout=120,
                          env={**os.environ, "WALLET_VERIFY_WORKERS": "2"})
    docs = [json.loads(x) for x in proc.stdout.splitlines()]
    assert [d["ref"] for d in docs] == list(range(600)) and all(d["valid"] for d in docs), proc.stderr

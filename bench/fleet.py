"""A fleet of 4 verifier processes sharing one replay store: on Redis against the same fleet on one SQLite file.

    .venv/bin/python bench/fleet.py          # BENCH_N=20000 requests by default; needs redis-server

The same N requests (bare tokens, 1,000 signers) are split into 4 equal parts, and 4
`wallet verify --batch` processes (WALLET_VERIFY_WORKERS=1 each: 4 processes is the
fleet) verify one part each at the same time, sharing one replay store: a
redis-server started here on a loopback port (no persistence), or one SQLite
replay.db (the file store, WAL, every chunk committed). The figure is requests per
second of the whole fleet (wall clock from the start of the first process to the
end of the last); the ratio is Redis over the file store, measured in the same run.
A second pass sends every request to all 4 processes (a race: each assertion is
accepted by exactly one), and checks that count.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from verify import make_requests  # noqa: E402  (the same requests as bench/verify.py)

N = int(os.environ.get("BENCH_N", "20000"))
FLEET = 4
WALLET = str(Path(sys.executable).parent / "wallet")


def start_redis(directory: Path) -> tuple[subprocess.Popen[bytes], int]:
    binary = shutil.which("redis-server") or shutil.which("valkey-server")
    if binary is None:
        sys.exit("bench/fleet.py needs redis-server (apt-get install redis-server)")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    proc = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                             "--dir", str(directory)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(200):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.1) as c:
                c.sendall(b"PING\r\n")
                if c.recv(16).startswith(b"+PONG"):
                    return proc, port
        except OSError:
            time.sleep(0.05)
    proc.kill()
    sys.exit("redis-server did not start")


def run_fleet(parts: list[Path], store: str, env: dict[str, str]) -> tuple[float, int]:
    """(seconds, acceptances) of FLEET processes, one part each, all sharing ``store``."""
    start = time.perf_counter()
    procs = [subprocess.Popen([WALLET, "verify", "--batch", str(part), "--audience", "shop.example",
                               "--replay-store", store], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env)
             for part in parts]
    outputs = [p.communicate()[0] for p in procs]
    seconds = time.perf_counter() - start
    if any(p.returncode for p in procs):
        sys.exit(f"a verifier failed: {[p.returncode for p in procs]}")
    accepted = sum(json.loads(line)["valid"] for out in outputs for line in out.splitlines())
    return seconds, accepted


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        requests = root / "requests.jsonl"
        make_requests(N, requests)
        lines = requests.read_bytes().splitlines(keepends=True)
        parts = []
        for i in range(FLEET):
            part = root / f"part{i}.jsonl"
            part.write_bytes(b"".join(lines[i::FLEET]))
            parts.append(part)
        home = root / "home"
        home.mkdir(mode=0o700)
        env = {**os.environ, "WALLET_HOME": str(home), "WALLET_VERIFY_WORKERS": "1"}
        server, port = start_redis(root)
        try:
            url = f"redis://127.0.0.1:{port}/0"
            results = {}
            for name, store in (("file", str(home / "replay.db")), ("redis", url)):
                # warm-up (imports, page cache), on a separate store, then the measured run on a fresh one
                run_fleet(parts[:1], store + ("?prefix=warmup:" if store == url else ".warmup"), env)
                seconds, accepted = run_fleet(parts, store, env)
                assert accepted == N, (name, accepted)
                results[name] = N / seconds
                print(f"{FLEET}-process fleet, {name} store: {N} requests in {seconds:.2f} s = {N / seconds:,.0f}/s")
            print(f"ratio redis/file: {results['redis'] / results['file']:.2f}x")
            # the race: every process gets every request
            everything = [requests] * FLEET
            seconds, accepted = run_fleet(everything, url + "?prefix=race:", env)
            print(f"race, {FLEET} processes x the same {N} requests on redis: {accepted} acceptances "
                  f"(must be {N}), {FLEET * N / seconds:,.0f} verifications/s")
            seconds, accepted = run_fleet(everything, str(home / "race.db"), env)
            print(f"race, {FLEET} processes x the same {N} requests on the file store: {accepted} acceptances "
                  f"(must be {N}), {FLEET * N / seconds:,.0f} verifications/s")
        finally:
            server.terminate()
            server.wait()


if __name__ == "__main__":
    main()

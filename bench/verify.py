"""`wallet verify --batch` throughput against a bare PyNaCl verify loop, and its memory, in one run.

    .venv/bin/python bench/verify.py          # BENCH_N=20000 requests by default

Requests are JSON Lines of bare tokens (each with its fingerprint) signed by 1,000
distinct identities, as a calling service would see from many callers. The
baseline verifies the same signatures with PyNaCl (VerifyKey(pk).verify, the
key already decoded): libsodium plus the minimum of Python around it. The
wallet's figure is the whole process: reading and parsing each line, the
envelope-free token, strict JSON, did:key decoding, every claim check, the
replay store (on, as by default) and one JSON result line out.

Peak memory (max RSS) is measured for one `wallet verify` of an SDP and for
batches of N and 10*N lines: a streaming verifier stays flat.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from nacl.bindings import crypto_sign_seed_keypair
from nacl.signing import VerifyKey

from wallet.assertions.token import claims, sign
from wallet.identity.derivation import Pseudonym, KeyScope
from wallet.encoding import b64url_decode
from wallet.assertions.sdp import Fingerprint

N = int(os.environ.get("BENCH_N", "20000"))
BIN = Path(sys.executable).parent
WALLET = str(BIN / "wallet")
FP = Fingerprint.parse("sha-256 " + ":".join(["AB"] * 32))


def make_requests(n: int, path: Path) -> list[tuple[bytes, bytes, bytes]]:
    keys = [crypto_sign_seed_keypair(os.urandom(32)) for _ in range(1000)]
    triples = []
    with path.open("w") as out:
        for i in range(n):
            public, secret = keys[i % len(keys)]
            key = Pseudonym(KeyScope.ONE_TIME, public, secret)
            token = sign(key, claims(key, audience="https://shop.example", fingerprints=[FP], state="unlinkable", disclosed={}))
            out.write(json.dumps({"assertion": token, "fingerprints": [FP.line()]}) + "\n")
            head, payload, sig = token.split(".")
            triples.append((public, (head + "." + payload).encode(), b64url_decode(sig)))
    return triples


def bare_loop(triples: list[tuple[bytes, bytes, bytes]]) -> float:
    start = time.perf_counter()
    for public, message, signature in triples:
        VerifyKey(public).verify(message, signature)
    return len(triples) / (time.perf_counter() - start)


def max_rss_kb(cmd: list[str], stdin_path: Path | None = None) -> tuple[int, float]:
    """Peak RSS of one child process (measured in a fresh helper so children do not mix)."""
    code = (
        "import resource, subprocess, sys, time, json;"
        "t = time.perf_counter();"
        f"subprocess.run({cmd!r}, stdin=open({str(stdin_path)!r}, 'rb') if {stdin_path is not None} else None,"
        " stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True);"
        "print(json.dumps([resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, time.perf_counter() - t]))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    rss, seconds = json.loads(out.stdout)
    return int(rss), float(seconds)


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        tmpdir = Path(tmp)
        requests = tmpdir / "requests.jsonl"
        triples = make_requests(N, requests)
        env_home = ["--replay-store", str(tmpdir / "replay.db"), "--audience", "shop.example"]
        def batch_rate(workers: str) -> float:
            (tmpdir / "replay.db").unlink(missing_ok=True)
            start = time.perf_counter()
            subprocess.run([WALLET, "verify", "--batch", str(requests), *env_home],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True,
                           env={**os.environ, "WALLET_VERIFY_WORKERS": workers})
            return N / (time.perf_counter() - start)

        def piped_rate() -> float:
            """The requests arrive on a pipe (a signalling server's co-process): read as they come."""
            (tmpdir / "replay.db").unlink(missing_ok=True)
            start = time.perf_counter()
            with requests.open("rb") as source:
                cat = subprocess.Popen(["cat"], stdin=source, stdout=subprocess.PIPE)
                subprocess.run([WALLET, "verify", "--batch", "-", *env_home], stdin=cat.stdout,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
                assert cat.stdout is not None
                cat.stdout.close()
                cat.wait()
            return N / (time.perf_counter() - start)

        bare, default, single, piped = 0.0, 0.0, 0.0, 0.0
        for _ in range(3):  # interleaved rounds, best of each
            bare = max(bare, bare_loop(triples))
            default = max(default, batch_rate("0"))
            single = max(single, batch_rate("1"))
            piped = max(piped, piped_rate())
        print(f"{N} requests, 1000 identities; best of 3 interleaved rounds; whole process, replay store on")
        print(f"bare PyNaCl verify loop (1 core)          {bare:>9.0f}/s  1.00x")
        print(f"wallet verify --batch (2 worker processes) {default:>9.0f}/s  {default / bare:.2f}x  (goal >= 0.7x)")
        print(f"wallet verify --batch (1 worker)          {single:>9.0f}/s  {single / bare:.2f}x")
        print(f"same, 2 workers, requests on a pipe       {piped:>9.0f}/s  {piped / bare:.2f}x")

        big = tmpdir / "big.jsonl"
        with big.open("w") as out:
            text = requests.read_text()
            for _ in range(10):
                out.write(text)
        from wallet.assertions.token import envelope
        from wallet.assertions.sdp import Sdp

        offer = Sdp.parse(Path(__file__).resolve().parents[1].joinpath(
            "tests/fixtures/sdp/sdp_chrome_offer_bundle_media_level_fingerprint.sdp").read_bytes())
        public, secret = crypto_sign_seed_keypair(os.urandom(32))
        key = Pseudonym(KeyScope.ONE_TIME, public, secret)
        token = sign(key, claims(key, audience="https://shop.example", fingerprints=offer.fingerprints,
                                 state="unlinkable", disclosed={}))
        sdp = tmpdir / "one.sdp"
        sdp.write_bytes(offer.with_identity(envelope(token)))
        rss_batch, _ = max_rss_kb([WALLET, "verify", "--batch", str(requests), "--no-replay-check", "--audience", "shop.example"])
        rss_big, big_s = max_rss_kb([WALLET, "verify", "--batch", str(big), "--no-replay-check", "--audience", "shop.example"])
        rss_one, _ = max_rss_kb([WALLET, "verify", str(sdp), "--audience", "shop.example", "--no-replay-check"])
        print(f"peak RSS, verify one SDP            {rss_one / 1024:6.1f} MB  (goal <= 40 MB)")
        print(f"peak RSS, verify --batch {N:>7} lines {rss_batch / 1024:6.1f} MB")
        print(f"peak RSS, verify --batch {10 * N:>7} lines {rss_big / 1024:6.1f} MB  ({10 * N / big_s:.0f}/s; flat if ~equal)")


if __name__ == "__main__":
    main()

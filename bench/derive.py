"""In-process pseudonym derivations per second against a bare HKDF + Ed25519 key-generation loop.

    .venv/bin/python bench/derive.py

Baseline: one HMAC-SHA256 HKDF-Expand block (the PRK precomputed, as the
wallet does) and libsodium's crypto_sign_seed_keypair, nothing else. The
wallet's number is the library call a command makes,
``Wallet.pseudonym``-equivalent: destination normalisation, the
length-prefixed HKDF info, key generation; the did:key text is measured
separately because a caller that only signs does not need it.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import time

from nacl.bindings import crypto_sign_seed_keypair

from wallet.identity.derivation import Deriver
from wallet.vocabulary import KeyScope
from wallet.destination import normalize_destination

N = int(os.environ.get("BENCH_N", "20000"))
ROUNDS = 5


def rates(fns: dict) -> dict[str, float]:  # type: ignore[type-arg]
    """Best rate of each function over ROUNDS interleaved rounds (noise hits all alike)."""
    best = dict.fromkeys(fns, 0.0)
    for _ in range(ROUNDS):
        for name, fn in fns.items():
            start = time.perf_counter()
            fn()
            best[name] = max(best[name], N / (time.perf_counter() - start))
    return best


def main() -> None:
    master = os.urandom(32)
    persona = os.urandom(16)
    dests = [f"https://shop{i}.example" for i in range(N)]
    prk = hmac.digest(b"salt", master, hashlib.sha256)

    def bare() -> None:
        for d in dests:
            seed = hmac.digest(prk, d.encode() + b"\x01", hashlib.sha256)
            crypto_sign_seed_keypair(seed)

    deriver = Deriver(master)

    def wallet_derive() -> None:
        for d in dests:
            deriver.derive(persona, KeyScope.PAIRWISE, normalize_destination(d))

    def wallet_did() -> None:
        for d in dests:
            _ = deriver.derive(persona, KeyScope.PAIRWISE, normalize_destination(d)).did

    results = rates({"bare HKDF + Ed25519": bare, "wallet derive": wallet_derive, "wallet derive + did:key": wallet_did})
    base = results["bare HKDF + Ed25519"]
    print(f"{N} derivations per round, best of {ROUNDS} interleaved rounds")
    for name, r in results.items():
        goal = "  (goal >= 0.8x)" if name == "wallet derive" else ""
        print(f"{name:<26}{r:>10.0f}/s {r / base:>6.2f}x{goal}")


if __name__ == "__main__":
    main()

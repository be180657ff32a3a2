"""Whole-process `wallet explain` with 10,000 destinations and 10,000 rules vs an empty wallet, in one run.

    .ci/with-keyring .venv/bin/python bench/explain.py

Both wallets use the keyring store (the file store's Argon2id would hide everything else). The big one is
filled through the library in one transaction (validated Rule objects, real categories), then both are
timed alternately: median of 30 runs each.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from wallet.storage.paths import WalletHome
from wallet.privacy.preferences import DESTINATION, RULE, RULE_ID
from wallet.privacy.rules import Rule
from wallet.facade import open_wallet

RUNS = int(os.environ.get("BENCH_RUNS", "30"))
N = int(os.environ.get("BENCH_N", "10000"))
WALLET = str(Path(sys.executable).parent / "wallet")
CATS = ("trusted", "inner-circle", "uncertain", "untrusted")


def fill(home: Path) -> None:
    vault = open_wallet(WalletHome.resolve(home), passphrase=lambda _c: b"")
    with vault.records.transaction():
        for i in range(N):
            dest = f"https://d{i}.example"
            vault.records.put(DESTINATION, dest, {"destination": dest, "category": CATS[i % 4]})
            rule = Rule.new(dest=f"d{i}.example" if i % 2 else f"*.s{i}.example",
                            state=("identified", "pseudonymous", "unlinkable")[i % 3])
            vault.records.put(RULE, rule.selector(), rule.to_record())
            vault.records.put(RULE_ID, rule.rule_id, {"selector": rule.selector()})
    vault.close()
    assert len(open_wallet(WalletHome.resolve(home), passphrase=lambda _c: b"").prefs.rules()) == N


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        homes = {"empty": Path(tmp) / "empty", "10k": Path(tmp) / "full"}
        for home in homes.values():
            subprocess.run([WALLET, "init", "--store", "keyring"], env={**os.environ, "WALLET_HOME": str(home)},
                           check=True, capture_output=True)
        start = time.perf_counter()
        fill(homes["10k"])
        print(f"filled {N} destinations and {N} rules in {time.perf_counter() - start:.1f} s")
        cmd = [WALLET, "explain", "--to", f"d{N // 2 + 1}.example", "--service", "click-to-link", "--json"]
        samples: dict[str, list[float]] = {k: [] for k in homes}
        for _ in range(RUNS):
            for name, home in homes.items():
                t = time.perf_counter()
                subprocess.run(cmd, env={**os.environ, "WALLET_HOME": str(home)}, check=True, capture_output=True)
                samples[name].append(time.perf_counter() - t)
        empty, full = (statistics.median(samples[k]) for k in ("empty", "10k"))
        print(f"explain, empty wallet            {empty * 1000:7.1f} ms")
        print(f"explain, {N} dest + {N} rules {full * 1000:7.1f} ms  {full / empty:.2f}x  (goal <= 1.2x)")
        size = (homes["10k"] / "state.db").stat().st_size
        print(f"state.db with {N} + {N} records: {size / 1e6:.1f} MB")


if __name__ == "__main__":
    main()

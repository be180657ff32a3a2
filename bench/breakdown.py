"""Where start-up time goes: each import (or call) in a fresh interpreter, minus the bare interpreter.

    .ci/with-keyring .venv/bin/python bench/breakdown.py

Each line is the median over N runs of `python -c "<statement>"` minus the
median of `python -c pass`, so it shows what that piece adds on its own
(pieces share dependencies, so the lines do not add up to a whole command).
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time

RUNS = int(os.environ.get("BENCH_RUNS", "25"))
PIECES = {
    "python -c pass": "pass",
    "import typer (0.28)": "import typer",
    "typer path: build the app": "from wallet.cli.app import command; command()",
    "fast path: parse a command line": "from wallet.cli.fast import plan; plan(['pseudonym', 'example.org'])",
    "import rich.console": "import rich.console",
    "import keyring": "import keyring",
    "keyring backend discovery": "import keyring; keyring.get_keyring()",
    "import secretstorage": "import secretstorage",
    "import jeepney (our read path)": "import jeepney, jeepney.io.blocking",
    "import nacl.bindings": "import nacl.bindings",
    "import sqlite3": "import sqlite3",
    "wallet core (vault, derivation)": "import wallet.facade, wallet.identity.derivation",
}


def run(stmt: str) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", stmt], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> None:
    samples: dict[str, list[float]] = {name: [] for name in PIECES}
    for stmt in PIECES.values():
        run(stmt)
    for _ in range(RUNS):
        for name, stmt in PIECES.items():
            samples[name].append(run(stmt))
    medians = {name: statistics.median(v) for name, v in samples.items()}
    base = medians["python -c pass"]
    print(f"{RUNS} runs each, median; 'adds' = median minus python -c pass ({base * 1000:.1f} ms)")
    for name, value in medians.items():
        print(f"{name:<34}{(value - base) * 1000:>8.1f} ms")


if __name__ == "__main__":
    main()

"""The ``wallet`` console script: answers ``--version`` and Tab completion without loading the CLI.

    $ wallet --version
    wallet 0.1.0

Everything else is handed to :func:`wallet.cli.app.run`. Keeping these two
paths free of typer, keyring and crypto imports is what makes a Tab press cost
little more than starting the interpreter (see docs/performance.md).
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args in (["--version"], ["-V"]):
        from wallet._version import __version__

        sys.stdout.write(f"wallet {__version__}\n")
        return 0
    shell = os.environ.get("_WALLET_COMPLETE")
    if shell:
        from wallet._completion import complete

        return complete(shell, args)
    from wallet.cli.app import run

    return run(args)

"""The ``wallet`` console script: answers ``--version`` and Tab completion without loading the CLI.

    $ wallet --version
    wallet 0.1.0

A well-formed command line is parsed by :mod:`wallet.cli.fast` from the
generated table; anything else (help, usage errors) goes to typer in
:func:`wallet.cli.app.run`. Keeping these paths free of typer, keyring and
crypto imports is what makes a Tab press cost little more than starting the
interpreter, and a `wallet verify` a few interpreter starts (docs/performance.md).
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if sys.stdin is None or sys.stdout is None:  # started with <&- or >&-: Python sets the stream to None
        from wallet.cli.dispatch import closed_streams

        closed_streams()
    if args in (["--version"], ["-V"]):
        from wallet._version import __version__

        sys.stdout.write(f"wallet {__version__}\n")
        return 0
    shell = os.environ.get("_WALLET_COMPLETE")
    if shell:
        from wallet._completion import complete

        return complete(shell, args)
    sock = os.environ.get("WALLET_AGENT_SOCK")
    if sock:  # like SSH_AUTH_SOCK: a command that needs the secret runs in the agent (wallet/cli/agent/)
        from wallet.cli.agent.client import forwarded

        code = forwarded(sock, args)
        if code is not None:
            return code
    from wallet.cli.fast import run as run_fast

    code = run_fast(args)
    if code is not None:
        return code
    from wallet.cli.app import run

    return run(args)

"""The one place where failures become one-line messages and exit codes (typer-free).

    >>> from wallet.cli.dispatch import guarded
    >>> guarded(lambda: None, json_mode=False)
    0

Both the typer path (wallet.cli.app) and the fast path (wallet.cli.fast) run
commands through :func:`guarded`, so an error looks and exits the same way
whichever parsed the command line.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable

from wallet.cli.output import Output
from wallet.errors import WalletError


def report(json_mode: bool, code: str, message: str, hint: str | None) -> None:
    Output(json_mode).error(code, message, hint)


def silence_stdout() -> None:
    """The reader of stdout went away: point stdout at /dev/null so that Python's exit-time flush of the
    dead pipe does not print a second, confusing error."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


def guarded(action: Callable[[], object], *, json_mode: bool) -> int:
    """Run ``action``; map every failure to its message and exit code. Never a traceback."""
    from wallet.cli.common import reset_stdin_claims

    reset_stdin_claims()
    old_umask = os.umask(0o077)  # anything the wallet creates is private
    try:
        result = action()
        if result == 130:  # typer turns Ctrl-C into a silent Exit(130)
            raise KeyboardInterrupt
        return result if isinstance(result, int) else 0
    except WalletError as err:
        report(json_mode, err.code, err.message, err.hint)
        return err.exit_code
    except (KeyboardInterrupt, EOFError):
        report(json_mode, "interrupted", "interrupted; nothing was changed", None)
        return 130
    except BrokenPipeError:
        silence_stdout()
        report(False, "io", "standard output was closed before everything was written", None)
        return 9
    except OSError as err:  # the disk is full, a device vanished...: environmental, not a bug
        report(json_mode, "io", f"input/output error: {err.strerror or type(err).__name__}", None)
        return 9
    except Exception as err:  # noqa: BLE001 - the last line of defence: no tracebacks
        if os.environ.get("WALLET_DEBUG"):
            raise
        report(
            json_mode,
            "internal",
            f"internal error ({type(err).__name__})",
            "this is a bug; rerun with WALLET_DEBUG=1 for details and report it",
        )
        return 1
    finally:
        os.umask(old_umask)

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

from wallet.cli.output import Output, silence_stdout
from wallet.errors import FileError, InternalError, Interrupted, Rejected, WalletError


def to_wallet_error(exc: BaseException) -> WalletError:
    """Every exception as a WalletError: the one mapping from what went wrong to a code and exit status."""
    if isinstance(exc, WalletError):
        return exc
    if isinstance(exc, (KeyboardInterrupt, EOFError)):
        return Interrupted("interrupted; nothing was changed")
    if isinstance(exc, BrokenPipeError):
        silence_stdout()
        return FileError("standard output was closed before everything was written")
    if isinstance(exc, OSError):  # the disk is full, a device vanished...: environmental, not a bug
        return FileError(f"input/output error: {exc.strerror or type(exc).__name__}")
    return InternalError(
        f"internal error ({type(exc).__name__})", hint="this is a bug; rerun with WALLET_DEBUG=1 for details and report it"
    )


def report(err: WalletError, *, json_mode: bool) -> int:
    """Print ``err`` (one line on stderr; with --json also the error document on stdout); its exit status."""
    message = f"{err.code}: {err.message}" if isinstance(err, Rejected) else err.message
    broken_stdout = isinstance(err, FileError) and err.message.startswith("standard output was closed")
    try:
        Output(json_mode and not err.in_product and not broken_stdout).error(err.code, message, err.hint)
    except (WalletError, OSError, ValueError):
        pass  # no stderr to say it on (closed, or full): the exit status still says it
    return err.exit_code


class _Closed:
    """Stands for a standard stream the command was started without: any use is a FileError (exit 9) that
    says so, never an AttributeError reported as a bug; it is not a terminal."""

    def __init__(self, name: str) -> None:
        self._name = name

    def isatty(self) -> bool:
        return False

    def flush(self) -> None:  # Python's exit-time flush: nothing was written, nothing to say twice
        return None

    @property
    def buffer(self) -> _Closed:
        return self

    def __getattr__(self, attr: str) -> object:
        raise FileError(f"standard {self._name} is closed",
                        hint=f"give the command a standard {self._name} (a file, a pipe or a terminal)")


def closed_streams() -> None:
    """Give a missing stdin/stdout a stand-in that fails clearly when used (a command that never reads stdin
    still runs with it closed)."""
    if sys.stdin is None:
        sys.stdin = _Closed("input")
    if sys.stdout is None:
        sys.stdout = _Closed("output")


def guarded(action: Callable[[], object], *, json_mode: bool) -> int:
    """Run ``action``; map every failure to its message and exit status. Never a traceback."""
    from wallet.cli.common import reset_stdin_claims

    reset_stdin_claims()
    old_umask = os.umask(0o077)  # anything the wallet creates is private
    try:
        result = action()
        if result == 130:  # typer turns Ctrl-C into a silent Exit(130)
            raise KeyboardInterrupt
        return result if isinstance(result, int) else 0
    except BaseException as exc:  # noqa: BLE001 - the last line of defence: no tracebacks
        if isinstance(exc, SystemExit):
            raise
        if os.environ.get("WALLET_DEBUG") and not isinstance(exc, (WalletError, KeyboardInterrupt)):
            raise
        return report(to_wallet_error(exc), json_mode=json_mode)
    finally:
        os.umask(old_umask)

"""Where a passphrase comes from: a TTY prompt, --passphrase-file, or WALLET_PASSPHRASE_FILE.

    $ wallet init --store file --passphrase-file ~/.config/wallet-pass
    $ printf 'correct horse\n' | wallet status --passphrase-file -

Never from argv or a plain environment value (both leak through ``ps`` and
``/proc``). One trailing newline of a file is ignored. With no file and no
terminal the command fails at once with a hint instead of waiting for input.
"""

from __future__ import annotations

import os
import sys

from wallet.errors import UsageError
from wallet.storage.secretstores import PassphraseSource

MAX_PASSPHRASE_BYTES = 4096
ENV_VAR = "WALLET_PASSPHRASE_FILE"


def read_passphrase_file(path: str, *, what: str) -> bytes:
    from wallet.cli.common import read_input

    data = read_input(path, what=f"{what} file", limit=MAX_PASSPHRASE_BYTES + 2, awaited=f"{what} (shown as typed)")
    if data.endswith(b"\r\n"):
        data = data[:-2]
    elif data.endswith(b"\n"):
        data = data[:-1]
    if not data:
        raise UsageError(f"the {what} file {path} is empty")
    if len(data) > MAX_PASSPHRASE_BYTES:
        raise UsageError(f"the {what} is longer than {MAX_PASSPHRASE_BYTES} bytes")
    return data


def _prompt(what: str, confirm: bool) -> bytes:
    import getpass

    try:
        first = getpass.getpass(f"{what.capitalize()}: ")
        if not first:
            raise UsageError(f"the {what} is empty")
        if confirm and getpass.getpass(f"Repeat the {what}: ") != first:
            raise UsageError(f"the two {what}s do not match; nothing was changed")
    except UnicodeDecodeError:
        raise UsageError(
            f"the {what} typed is not valid text in this terminal's encoding",
            hint="check the terminal's locale, or use --passphrase-file",
        ) from None
    return first.encode("utf-8")


def passphrase_source(
    path: str | None, *, what: str = "wallet passphrase", env: str | None = ENV_VAR, flag: str = "--passphrase-file"
) -> PassphraseSource:
    """A memoised source: asks (or reads) at most once, only when a store needs it."""
    if path == "":
        raise UsageError(f"{flag} needs a path", hint="'-' reads standard input")
    path = path or (os.environ.get(env) if env else None) or None
    cache: list[bytes] = []

    def get(confirm: bool) -> bytes:
        if cache:
            return cache[0]
        from wallet.storage.hardening import protect_process

        protect_process()  # before the passphrase is in memory
        if path:
            value = read_passphrase_file(path, what=what)
        elif sys.stdin.isatty():
            value = _prompt(what, confirm)
        else:
            via = f" or set {env}" if env else ""
            raise UsageError(
                f"a {what} is needed and there is no terminal to ask on",
                hint=f"pass {flag} PATH ('-' reads stdin){via}",
            )
        cache.append(value)
        return value

    return get

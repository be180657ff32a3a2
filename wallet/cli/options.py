"""Options shared by several commands, and the helpers that turn them into library calls.

    from wallet.cli.options import JsonOpt, PassphraseFileOpt
"""

from __future__ import annotations

import enum
import sys
from typing import Annotated, Optional

import typer

from wallet.errors import UsageError

class StoreName(str, enum.Enum):
    auto = "auto"
    keyring = "keyring"
    file = "file"


class PersonaKind(str, enum.Enum):
    real = "real"
    pseudonym = "pseudonym"


class ScopeName(str, enum.Enum):
    persona = "persona"
    pairwise = "pairwise"
    one_time = "one-time"


StoreOpt = Annotated[
    StoreName,
    typer.Option(
        "--store",
        help="Where the GUID and master secret live. auto: the OS keyring if a real one is usable, else an encrypted file.",
    ),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON object (stable keys, see the man page).")]
PassphraseFileOpt = Annotated[
    Optional[str],
    typer.Option(
        "--passphrase-file",
        metavar="PATH",
        help="Read the file store's passphrase from PATH ('-' = stdin). Default: $WALLET_PASSPHRASE_FILE, else prompt on a TTY.",
    ),
]
YesOpt = Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation (needed without a TTY).")]


def confirm_or_refuse(question: str, yes: bool, *, flag_hint: str) -> None:
    """Ask on a TTY; without one, require --yes. Never prompts when stdin is not a TTY."""
    if yes:
        return
    if not sys.stdin.isatty():
        raise UsageError(f"{question} needs confirmation and there is no terminal", hint=flag_hint)
    sys.stderr.write(f"{question} [y/N] ")
    sys.stderr.flush()
    answer = sys.stdin.readline().strip().lower()
    if answer not in ("y", "yes"):
        raise UsageError("cancelled; nothing was changed")


def open_vault(passphrase_file: str | None):  # type: ignore[no-untyped-def]
    from wallet.cli.passphrase import passphrase_source
    from wallet.home import WalletHome
    from wallet.vault import open_wallet

    return open_wallet(WalletHome.resolve(), passphrase=passphrase_source(passphrase_file))

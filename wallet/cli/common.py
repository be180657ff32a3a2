"""Helpers shared by command implementations (no typer here: the fast path imports these).

    from wallet.cli.common import open_vault, confirm_or_refuse
"""

from __future__ import annotations

import sys
TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs start-up; mypy honours the name

from wallet.errors import UsageError

if TYPE_CHECKING:
    from wallet.vault import Vault


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


def open_vault(passphrase_file: str | None) -> Vault:
    from wallet.cli.passphrase import passphrase_source
    from wallet.home import WalletHome
    from wallet.vault import open_wallet

    return open_wallet(WalletHome.resolve(), passphrase=passphrase_source(passphrase_file))

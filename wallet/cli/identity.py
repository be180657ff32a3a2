"""``wallet init`` and ``wallet status``: the identity root."""

from __future__ import annotations

from typing import Annotated

import typer

from wallet.cli.options import (
    JsonOpt,
    PassphraseFileOpt,
    StoreName,
    StoreOpt,
    YesOpt,
    confirm_or_refuse,
    open_vault,
)
from wallet.cli.output import Output



def init(
    store: StoreOpt = StoreName.auto,
    passphrase_file: PassphraseFileOpt = None,
    force: Annotated[bool, typer.Option("--force", help="Replace an existing wallet (its identity is lost: export it first).")] = False,
    yes: YesOpt = False,
    json_out: JsonOpt = False,
) -> None:
    """Create a wallet: a new GUID and master secret, and a 'default' persona."""
    from wallet.cli.passphrase import passphrase_source
    from wallet.home import WalletHome
    from wallet.vault import create_wallet

    home = WalletHome.resolve()
    if force and home.exists():
        confirm_or_refuse(
            f"Replace the wallet in {home.path}? Its GUID, keys and pseudonyms will be lost",
            yes,
            flag_hint="add --yes to replace it non-interactively",
        )
    root, choice = create_wallet(home, store=store.value, passphrase=passphrase_source(passphrase_file), force=force)
    out = Output(json_out)
    out.notice(f"secret store: {choice.store.name} ({choice.reason})")
    out.notice(f"created a wallet in {home.path}")
    out.product({"home": str(home.path), "store": choice.store.name, "guid": str(root.guid)})


def status(passphrase_file: PassphraseFileOpt = None, json_out: JsonOpt = False) -> None:
    """Show this wallet's GUID, secret store and personas (for your eyes: the GUID is private)."""
    from wallet import __version__

    vault = open_vault(passphrase_file)
    personas = [p.name for p in vault.personas()]
    data = {
        "version": __version__,
        "home": str(vault.home.path),
        "store": vault.store.name,
        "guid": str(vault.root.guid),
        "personas": personas,
    }
    human = "\n".join(
        [
            f"home:     {data['home']}",
            f"store:    {data['store']}",
            f"guid:     {data['guid']}",
            f"personas: {', '.join(personas) or '(none)'}",
        ]
    )
    Output(json_out).product(data, human)

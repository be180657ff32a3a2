"""``wallet pseudonym DEST``: the identifier a destination would see."""

from __future__ import annotations

from wallet.cli.common import unlock_wallet
from wallet.cli.output import Output


def pseudonym(destination: str, persona: str, scope: str | None, passphrase_file: str | None, json_out: bool) -> None:
    from wallet.vocabulary import KeyScope
    from wallet.destination import normalize_destination

    chosen = KeyScope(scope) if scope is not None else None
    destination = normalize_destination(destination)  # a usage error before any unlocking
    wallet = unlock_wallet(passphrase_file)
    dest, who, key = wallet.pseudonym(destination, persona=persona, scope=chosen)
    out = Output(json_out)
    out.notice(f"{dest} would see persona {who.name!r} as a {key.scope.value} identifier")
    out.product(
        {"destination": dest, "id": key.did, "scope": key.scope.value, "persona": who.name, "kind": who.kind},
        key.did,
    )

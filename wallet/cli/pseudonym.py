"""``wallet pseudonym DEST``: the identifier a destination would see."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from wallet.cli.options import JsonOpt, PassphraseFileOpt, ScopeName, open_vault
from wallet.cli.output import Output

def pseudonym(
    destination: Annotated[
        str, typer.Argument(metavar="DEST", help="Who would see it: example.org, https://origin, sip:user@host, tel:+number, user@host.")
    ],
    persona: Annotated[str, typer.Option("--persona", "-p", metavar="NAME", help="Persona to use.")] = "default",
    scope: Annotated[
        Optional[ScopeName],
        typer.Option(
            "--scope",
            help="persona: same to everyone; pairwise: only for DEST; one-time: fresh each call. Default: persona for a pseudonym persona, else pairwise.",
        ),
    ] = None,
    passphrase_file: PassphraseFileOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Show the identifier (a did:key) DEST would see."""
    from wallet.derivation import Scope
    from wallet.destination import normalize_destination

    chosen = Scope(scope.value) if scope is not None else None
    destination = normalize_destination(destination)  # a usage error before any unlocking
    vault = open_vault(passphrase_file)
    dest, who, key = vault.pseudonym(destination, persona=persona, scope=chosen)
    out = Output(json_out)
    out.notice(f"{dest} would see persona {who.name!r} as a {key.scope.value} identifier")
    out.product(
        {"destination": dest, "id": key.did, "scope": key.scope.value, "persona": who.name, "kind": who.kind},
        key.did,
    )

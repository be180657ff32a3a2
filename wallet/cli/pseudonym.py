"""``wallet pseudonym DEST``: the identifier a destination would see."""

from __future__ import annotations

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs start-up; mypy honours the name
if TYPE_CHECKING:
    from wallet.cli._args import PseudonymArgs

from wallet.cli.common import unlock_wallet
from wallet.cli.output import Output


def pseudonym(a: PseudonymArgs) -> None:
    from wallet.vocabulary import KeyScope
    from wallet.destination import normalize_destination

    chosen = a["scope"]
    destination = normalize_destination(a["destination"])  # a usage error before any unlocking
    wallet = unlock_wallet(a["passphrase_file"])
    dest, who, key = wallet.pseudonym(destination, persona=a["persona"], scope=chosen)
    out = Output(a["json_out"])
    out.notice(f"{dest} would see persona {who.name!r} as a {key.scope.value} identifier")
    out.product(
        {"destination": dest, "id": key.did, "scope": key.scope.value, "persona": who.name, "kind": who.kind},
        key.did,
    )

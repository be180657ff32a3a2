"""``wallet sdp check``: what in an SDP links calls or reveals the caller (wallet.assertions.linkability)."""

from __future__ import annotations

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs start-up; mypy honours the name
if TYPE_CHECKING:
    from wallet.cli._args import SdpCheckArgs
    from wallet.assertions.sdp import Sdp

from wallet.cli.common import read_input, unlock_wallet
from wallet.cli.output import Output


def read_sdp(path: str) -> tuple[bytes, Sdp]:
    """The SDP in ``path`` ('-' = stdin), parsed; a malformed one is the user's usage error."""
    from wallet.assertions.sdp import MAX_SDP_BYTES, Sdp
    from wallet.errors import Rejected, UsageError

    raw = read_input(path, what="SDP", limit=MAX_SDP_BYTES)
    try:
        sdp = Sdp.parse(raw)
        sdp.identity_value()  # refuses a=identity in a media section, or twice
    except Rejected as exc:  # the user's own input: a usage error, whatever the verifier would call it
        raise UsageError(exc.message, hint=exc.hint) from None
    return raw, sdp


def check(a: SdpCheckArgs) -> None:
    from wallet.assertions.linkability import read_traits
    from wallet.destination import normalize_destination
    from wallet.text import for_terminal

    destination = normalize_destination(a["to"]) if a["to"] is not None else None
    raw, sdp = read_sdp(a["file"])
    wallet = unlock_wallet(a["passphrase_file"])
    findings = wallet.linkability(read_traits(raw), sdp.fingerprints, destination)
    if not findings:
        Output.notice("nothing found that links this SDP to other calls or shows an IP address "
                      "(what is checked: wallet sdp check --help)")
    Output(a["json_out"]).product(
        {"destination": destination, "fingerprints": [f.to_json() for f in sdp.fingerprints],
         "findings": [f.to_json() for f in findings]},
        "\n".join(f"{f.code}: {for_terminal(f.message())}" for f in findings))

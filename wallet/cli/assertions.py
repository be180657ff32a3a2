"""``wallet assert`` and ``wallet sign-sdp``: sign identity assertions offline."""

from __future__ import annotations

import sys

from wallet.cli.common import open_vault, read_input
from wallet.cli.output import Output

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs start-up; mypy honours the name
if TYPE_CHECKING:
    from wallet.sdp import Fingerprint
    from wallet.vault import Issued


def _fingerprints(values: list[str] | None) -> list[Fingerprint]:
    from wallet.errors import UsageError
    from wallet.sdp import Fingerprint, SdpError

    out: list[Fingerprint] = []
    for value in values or []:
        try:
            fp = Fingerprint.parse(value)
        except SdpError as exc:
            raise UsageError(exc.message, hint=exc.hint or "e.g. --fingerprint 'sha-256 AB:CD:...'") from None
        if fp not in out:
            out.append(fp)
    return out


def _notice(issued: Issued) -> None:
    entry = issued.entry
    what = ", ".join(f"{k}={v}" for k, v in entry["disclosed"].items()) or "nothing"
    Output.notice(
        f"signed for {entry['destination']} as {entry['id']} "
        f"({entry['state']}: {entry['scope']} key of persona {entry['persona']!r}); disclosed: {what}"
    )


def _summary(issued: Issued) -> dict[str, object]:
    p = issued.payload
    return {
        "line": issued.line,
        "token": issued.token,
        "id": p["iss"],
        "state": p["state"],
        "audience": p["aud"],
        "disclosed": p["disclosed"],
        "fingerprints": p["contents"],
        "issued_at": p["iat"],
        "expires_at": p["exp"],
        "jti": p["jti"],
    }


def assert_(
    to: str,
    fingerprint: list[str] | None,
    persona: str,
    state: str,
    disclose: list[str] | None,
    ttl: int,
    format: str,
    passphrase_file: str | None,
    json_out: bool,
) -> None:
    from wallet.destination import normalize_destination
    from wallet.errors import UsageError

    fingerprints = _fingerprints(fingerprint)
    if not fingerprints:
        raise UsageError("nothing to bind: give the DTLS fingerprints", hint="--fingerprint 'sha-256 AB:CD:...'")
    normalize_destination(to)  # usage errors before any unlocking
    issued = open_vault(passphrase_file).issue(
        to, fingerprints=fingerprints, persona=persona, state=state, disclose=disclose, ttl=ttl, command="assert"
    )
    _notice(issued)
    Output(json_out).product(_summary(issued), issued.line if format == "line" else issued.token)


def sign_sdp(
    to: str,
    file: str,
    output: str | None,
    persona: str,
    state: str,
    disclose: list[str] | None,
    ttl: int,
    passphrase_file: str | None,
    json_out: bool,
) -> None:
    from pathlib import Path

    from wallet.assertion import envelope
    from wallet.destination import normalize_destination
    from wallet.errors import UsageError
    from wallet.home import write_new_file
    from wallet.sdp import MAX_SDP_BYTES, Sdp, SdpError

    normalize_destination(to)
    raw = read_input(file, what="SDP", limit=MAX_SDP_BYTES)
    try:
        sdp = Sdp.parse(raw)
        sdp.identity_value()  # refuses a=identity in a media section, or twice
    except SdpError as exc:
        raise UsageError(exc.message, hint=exc.hint) from None
    if not sdp.fingerprints:
        raise UsageError("the SDP has no a=fingerprint line: there is nothing to bind the identity to")
    issued = open_vault(passphrase_file).issue(
        to, fingerprints=sdp.fingerprints, persona=persona, state=state, disclose=disclose, ttl=ttl, command="sign-sdp"
    )
    signed = sdp.with_identity(envelope(issued.token))
    _notice(issued)
    summary = _summary(issued)
    if output is not None:
        write_new_file(Path(output), signed, replace=True)
        Output(json_out).product({**summary, "output": output})
    elif json_out:
        Output(True).product({**summary, "sdp": signed.decode("utf-8")})
    else:
        sys.stdout.buffer.write(signed)
        sys.stdout.flush()

"""The identity assertion: a compact JWS bound to DTLS fingerprints, in an RFC 8827 envelope.

    >>> from wallet.assertions.token import envelope, open_envelope
    >>> open_envelope(envelope("a.b.c")).assertion
    'a.b.c'

Format (docs/assertion-format.md has a worked example)::

    header  {"alg": "EdDSA", "typ": "wallet-identity+jwt"}
    payload {"iss": "<did:key of the signing identity>", "aud": "<destination>",
             "iat": <s>, "exp": <s>, "jti": "<128-bit base64url>",
             "contents": [{"algorithm": "sha-256", "digest": "AB:CD:..."}],
             "state": "identified|pseudonymous|unlinkable", "disclosed": {"<attr>": "<value>"}}
            (or, encrypted for the destination, "disclosed_jwe": "<compact JWE>" instead of "disclosed")
    line    a=identity:<base64 of {"idp": {"domain": "wallet.invalid", "protocol": "did-key-jws"},
                                   "assertion": "<token>"}>

The IdP domain is under ``.invalid`` (RFC 6761): a browser that tried to load
an RFC 8827 IdP proxy for it would fail without contacting anyone, so no third
party learns of the call. Verification needs only the token: the key is in
``iss``.
"""

from __future__ import annotations

import base64
import binascii
import os
import time

from wallet.encoding import b64url
from wallet.jose import sign_compact
from wallet.encoding import dumps, strict_json
from wallet.errors import Malformed, TooLarge
from wallet.vocabulary import DEFAULT_TTL, MAX_TTL, SIGNED_STATES
from wallet.assertions.sdp import Fingerprint

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs start-up; mypy honours the name
if TYPE_CHECKING:
    from typing import Any

    from wallet.identity.derivation import Pseudonym

TYP = "wallet-identity+jwt"
IDP_DOMAIN = "wallet.invalid"
IDP_PROTOCOL = "did-key-jws"
STATES = SIGNED_STATES
MAX_ENVELOPE_BYTES = 24 * 1024


class Envelope:
    """An RFC 8827 identity envelope: which IdP (domain, protocol) and its assertion."""

    __slots__ = ("domain", "protocol", "assertion")

    def __init__(self, domain: str, protocol: str, assertion: str) -> None:
        self.domain, self.protocol, self.assertion = domain, protocol, assertion


def envelope(token: str, domain: str = IDP_DOMAIN) -> str:
    """The value of an ``a=identity`` attribute: standard base64 of the RFC 8827 JSON. ``domain`` is the IdP
    domain it names: a browser loads the IdP proxy from there (wallet.browser.proxy); the default is under
    ``.invalid``, which no browser loads."""
    doc = {"idp": {"domain": domain, "protocol": IDP_PROTOCOL}, "assertion": token}
    return base64.b64encode(dumps(doc)).decode("ascii")


def open_envelope(value: str) -> Envelope:
    """Decode an ``a=identity`` value (identity extensions after a space are ignored, RFC 8827)."""
    value = value.strip().split(" ", 1)[0]
    if len(value) > MAX_ENVELOPE_BYTES:
        raise TooLarge(f"the identity envelope is longer than {MAX_ENVELOPE_BYTES} bytes")
    try:
        # strict_mode: only the standard alphabet and canonical "=" padding (the same verdicts as
        # base64.b64decode(validate=True), without its regular expression over the whole value)
        raw = binascii.a2b_base64(value.encode("ascii"), strict_mode=True)
    except (binascii.Error, ValueError):
        raise Malformed("the identity envelope is not valid base64") from None
    middle = raw[_HEAD_LEN:-2]
    if (len(raw) >= _HEAD_LEN + 2 and raw.startswith(_CANONICAL_HEAD) and raw.endswith(b'"}')
            and not middle.translate(None, _TOKEN_BYTES)):
        # The wallet's own envelope, byte for byte as envelope() writes it, around a token whose characters
        # JSON reads as themselves: exactly what strict_json would give, without parsing it again.
        return Envelope(IDP_DOMAIN, IDP_PROTOCOL, middle.decode("ascii"))
    doc = strict_json(raw, what="identity envelope")
    if not isinstance(doc, dict) or set(doc) != {"idp", "assertion"}:
        raise Malformed("the identity envelope must hold exactly 'idp' and 'assertion'")
    idp, token = doc["idp"], doc["assertion"]
    if not isinstance(idp, dict) or not isinstance(idp.get("domain"), str) or not isinstance(idp.get("protocol"), str):
        raise Malformed("the identity envelope's 'idp' needs string 'domain' and 'protocol'")
    if not isinstance(token, str):
        raise Malformed("the identity envelope's 'assertion' is not a string")
    return Envelope(idp["domain"], idp["protocol"], token)


_CANONICAL_HEAD = dumps({"idp": {"domain": IDP_DOMAIN, "protocol": IDP_PROTOCOL}, "assertion": ""})[:-2]
_HEAD_LEN = len(_CANONICAL_HEAD)
_TOKEN_BYTES = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_."


def claims(
    key: Pseudonym,
    *,
    audience: str,
    fingerprints: list[Fingerprint],
    state: str,
    disclosed: dict[str, str],
    ttl: int = DEFAULT_TTL,
    now: int | None = None,
    origin: dict[str, str] | None = None,
) -> dict[str, Any]:
    if state not in STATES:
        raise ValueError(f"unknown privacy state {state!r}")
    if not fingerprints:
        raise ValueError("an assertion must cover at least one fingerprint")
    issued = int(time.time()) if now is None else now
    return {
        "iss": key.did,
        "aud": audience,
        "iat": issued,
        "exp": issued + ttl,
        "jti": b64url(os.urandom(16)),
        "contents": [fp.to_json() for fp in fingerprints],
        "state": state,
        "disclosed": disclosed,
        "origin": origin or {"status": "none"},
    }


def seal_disclosure(payload: dict[str, Any], recipient: dict[str, str]) -> None:
    """Replace the claim ``disclosed`` (and ``endorsements``, if any) by ``disclosed_jwe``: a JWE of {"iss", "aud",
    "jti", "disclosed"[, "endorsements"]} that only the holder of ``recipient``'s private key reads (draft 8.4.2).
    The signature covers it like any claim; UsageError if verifiers would refuse it for its size."""
    from wallet.errors import UsageError
    from wallet.jwe import MAX_JWE_BYTES, encrypt, thumbprint

    inner = {"iss": payload["iss"], "aud": payload["aud"], "jti": payload["jti"], "disclosed": payload["disclosed"]}
    if "endorsements" in payload:  # which IdP vouches, and for what, is a disclosure too
        inner["endorsements"] = payload["endorsements"]
    sealed = encrypt(dumps(inner), recipient, kid=thumbprint(recipient))
    if len(sealed) > MAX_JWE_BYTES:
        raise UsageError("the encrypted disclosure would be too large for verifiers",
                         hint="present fewer endorsements or disclose fewer attributes")
    del payload["disclosed"]
    payload.pop("endorsements", None)
    payload["disclosed_jwe"] = sealed


def sign(key: Pseudonym, payload: dict[str, Any]) -> str:
    """The compact JWS of ``payload``; UsageError if verifiers would refuse it for its size (never sign that)."""
    from wallet.jose import MAX_TOKEN_BYTES
    from wallet.assertions.sdp import MAX_FINGERPRINTS
    from wallet.errors import UsageError

    token = sign_compact({"alg": "EdDSA", "typ": TYP}, payload, key.secret_key)
    if len(payload["contents"]) > MAX_FINGERPRINTS or len(token) > MAX_TOKEN_BYTES or len(
        envelope(token)
    ) > MAX_ENVELOPE_BYTES:
        raise UsageError(
            "the assertion would be too large for verifiers",
            hint=f"at most {MAX_FINGERPRINTS} fingerprints and a few KiB of disclosed attributes",
        )
    return token


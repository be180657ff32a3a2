"""What a holder asks an identity provider for, and what the IdP answers (docs/endorsements.md).

    >>> from wallet.endorsements.requests import make_request, read_request   # doctest: +SKIP

A **request** is a compact JWS (``typ`` ``wallet-endorsement-request+jwt``)
signed by the holder's *account key* (the wallet's pairwise key for the IdP:
it identifies the enrolled account and nothing else)::

    {"iss": <account did:key>, "aud": <IdP issuer URL>, "iat", "exp", "jti": <128-bit random>,
     "state": "identified" | "pseudonymous" | "unlinkable",
     "claims": [<claim names wanted>] (optional: all the account's verified claims but "group"),
     "keys": [{"jwk": <Ed25519 OKP JWK to endorse>,
               "pop": <compact JWS by that key, typ wallet-pop+jwt: {"aud": <IdP>, "nonce": <jti>, "iat"}>}],
     "guid": <the wallet's GUID> (only when the user asks)}

Each key proves possession, so nobody gets an endorsement for a key they do
not hold. A **response** is JSON::

    {"format": "wallet-endorsement-response/1", "issuer": <IdP>, "request": <jti>,
     "metadata": {"issuer": <IdP>, "jwks": {"keys": [...]}},
     "endorsements": ["<SD-JWT VC in issuance form>", ...]}
"""

from __future__ import annotations

import json
import os
import time

from wallet.encoding import b64url, user_json
from wallet.endorsements.credential import CLAIMS, jwk_of, key_of
from wallet.errors import BadEndorsement, Malformed, TooLarge, UnsupportedAlg, UsageError
from wallet.jose import parse_compact, sign_compact
from wallet.vocabulary import SIGNED_STATES

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs start-up; mypy honours the name
if TYPE_CHECKING:
    from typing import Any

REQUEST_TYP = "wallet-endorsement-request+jwt"
POP_TYP = "wallet-pop+jwt"
RESPONSE_FORMAT = "wallet-endorsement-response/1"
REQUEST_LIFETIME = 86_400
#: Keys one request may ask to be endorsed (a batch of once-only endorsements), and its size.
MAX_KEYS = 1000
MAX_REQUEST_BYTES = 1 << 20
MAX_RESPONSE_BYTES = 2 << 20


def make_request(
    *,
    idp: str,
    account: tuple[str, bytes],
    keys: list[tuple[bytes, bytes]],
    state: str,
    claims: list[str] | None = None,
    guid: str | None = None,
    now: int | None = None,
) -> tuple[str, str]:
    """(request JWS, its jti): ``account`` is (did:key, secret key); ``keys`` are (public, secret) pairs."""
    issued = int(time.time()) if now is None else now
    jti = b64url(os.urandom(16))
    entries = []
    for public, secret in keys:
        pop = sign_compact({"alg": "EdDSA", "typ": POP_TYP}, {"aud": idp, "nonce": jti, "iat": issued}, secret)
        entries.append({"jwk": jwk_of(public), "pop": pop})
    payload: dict[str, Any] = {"iss": account[0], "aud": idp, "iat": issued, "exp": issued + REQUEST_LIFETIME,
                               "jti": jti, "state": state, "keys": entries}
    if claims is not None:
        payload["claims"] = claims
    if guid is not None:
        payload["guid"] = guid
    return sign_compact({"alg": "EdDSA", "typ": REQUEST_TYP}, payload, account[1]), jti


class Request:
    """A request an IdP has verified: the account key, the keys to endorse, what is asked."""

    __slots__ = ("account", "jti", "state", "claims", "keys", "guid")

    def __init__(self, account: str, jti: str, state: str, claims: list[str] | None, keys: list[bytes],
                 guid: str | None) -> None:
        self.account, self.jti, self.state, self.claims, self.keys, self.guid = account, jti, state, claims, keys, guid


def _bad(message: str) -> UsageError:
    return UsageError(f"endorsement request: {message}")


def read_request(text: str, *, issuer: str, now: int | None = None) -> Request:
    """Verify a request addressed to ``issuer``: the account's signature, lifetime, every proof of possession."""
    from wallet.identity.didkey import public_from_did_key

    moment = int(time.time()) if now is None else now
    try:
        jws = parse_compact(text.strip(), max_bytes=MAX_REQUEST_BYTES)
    except (Malformed, TooLarge, UnsupportedAlg) as exc:
        raise _bad(exc.message) from None
    p = jws.payload
    if jws.header.get("typ") != REQUEST_TYP:
        raise _bad(f"typ is not {REQUEST_TYP}")
    account = p.get("iss")
    try:
        account_key = public_from_did_key(account) if isinstance(account, str) else b""
    except ValueError:
        account_key = b""
    if not account_key:
        raise _bad("iss is not the account's did:key")
    if not jws.verify(account_key):
        raise _bad("the account key's signature does not verify")
    if p.get("aud") != issuer:
        raise _bad(f"it is addressed to {str(p.get('aud'))[:80]!r}, not to {issuer}")
    for name in ("iat", "exp"):
        if not isinstance(p.get(name), int) or isinstance(p.get(name), bool):
            raise _bad(f"{name} must be whole seconds")
    if not p["iat"] - 300 <= moment <= p["exp"] or p["exp"] - p["iat"] > REQUEST_LIFETIME:
        raise _bad("it has expired (or was made in the future): make a new one")
    jti = p.get("jti")
    if not isinstance(jti, str) or len(jti) < 22:
        raise _bad("jti must carry 128 random bits")
    if p.get("state") not in SIGNED_STATES:
        raise _bad(f"state must be one of {', '.join(SIGNED_STATES)}")
    claims = p.get("claims")
    if claims is not None and (not isinstance(claims, list) or not all(c in CLAIMS for c in claims) or not claims):
        raise _bad("claims must name some of: " + ", ".join(CLAIMS))
    guid = p.get("guid")
    if guid is not None and not isinstance(guid, str):
        raise _bad("guid must be a string")
    entries = p.get("keys")
    if not isinstance(entries, list) or not 1 <= len(entries) <= MAX_KEYS:
        raise _bad(f"keys must list 1-{MAX_KEYS} keys")
    keys: list[bytes] = []
    for entry in entries:
        if not isinstance(entry, dict) or set(entry) != {"jwk", "pop"} or not isinstance(entry["pop"], str):
            raise _bad("each key is {\"jwk\", \"pop\"}")
        try:
            key = key_of(entry["jwk"])
            pop = parse_compact(entry["pop"])
        except (BadEndorsement, Malformed, TooLarge, UnsupportedAlg) as exc:
            raise _bad(f"a key: {exc.message}") from None
        if pop.header.get("typ") != POP_TYP or not pop.verify(key):
            raise _bad("a key's proof of possession does not verify")
        if pop.payload.get("aud") != issuer or pop.payload.get("nonce") != jti or pop.payload.get("iat") != p["iat"]:
            raise _bad("a key's proof of possession belongs to another request")
        if key in keys or key == account_key:
            raise _bad("a key is listed twice, or is the account key itself")
        keys.append(key)
    return Request(str(account), jti, p["state"], claims, keys, guid)


def make_response(*, issuer: str, jti: str, metadata: dict[str, Any], endorsements: list[str]) -> str:
    doc = {"format": RESPONSE_FORMAT, "issuer": issuer, "request": jti, "metadata": metadata,
           "endorsements": endorsements}
    return json.dumps(doc, indent=1) + "\n"


class Response:
    __slots__ = ("issuer", "request", "metadata", "endorsements")

    def __init__(self, issuer: str, request: str | None, metadata: dict[str, Any] | None,
                 endorsements: list[str]) -> None:
        self.issuer, self.request, self.metadata, self.endorsements = issuer, request, metadata, endorsements


def read_response(raw: bytes) -> Response:
    """A response document, or a bare SD-JWT VC (one endorsement made by any RFC 9901 issuer)."""
    if len(raw) > MAX_RESPONSE_BYTES:
        raise UsageError(f"the response is larger than {MAX_RESPONSE_BYTES} bytes")
    text = raw.strip()
    if text and not text.startswith(b"{"):
        from wallet.endorsements.credential import read_endorsement

        try:
            token = text.decode("ascii")
            sd = read_endorsement(token)
        except (UnicodeDecodeError, BadEndorsement) as exc:
            raise UsageError(f"not an endorsement response nor an SD-JWT VC: {getattr(exc, 'message', exc)}") from None
        return Response(sd.payload["iss"], None, None, [token])
    doc = user_json(text, what="endorsement response")
    if not isinstance(doc, dict) or doc.get("format") != RESPONSE_FORMAT:
        raise UsageError(f"not an endorsement response ({RESPONSE_FORMAT})")
    issuer, request, metadata, endorsements = (doc.get("issuer"), doc.get("request"), doc.get("metadata"),
                                              doc.get("endorsements"))
    if not isinstance(issuer, str) or not isinstance(request, str) or not isinstance(metadata, dict) or not isinstance(
            endorsements, list) or not all(isinstance(e, str) for e in endorsements) or not endorsements:
        raise UsageError("the endorsement response is malformed")
    return Response(issuer, request, metadata, endorsements)

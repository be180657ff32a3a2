"""Token Status Lists (draft-ietf-oauth-status-list): revocation a verifier loads in bulk, never per call.

    >>> from nacl.bindings import crypto_sign_seed_keypair
    >>> from wallet.endorsements.statuslist import StatusList, parse_token, sign_token
    >>> public, secret = crypto_sign_seed_keypair(bytes(32))
    >>> bits = StatusList.new(1024)
    >>> bits.revoke(7)
    >>> token = sign_token("https://idp.example/statuslists/1", bits, secret, issued_at=1800000000, ttl=3600)
    >>> loaded = parse_token(token, public, uri="https://idp.example/statuslists/1", now=1800000010)
    >>> loaded.list.revoked(7), loaded.list.revoked(8)
    (True, False)

An endorsement names its place: ``"status": {"status_list": {"idx": 7, "uri":
"https://idp.example/statuslists/1"}}``. The issuer publishes, at that URI, a
Status List Token: a JWT (``typ`` ``statuslist+jwt``) whose ``status_list`` is
``{"bits": 1, "lst": base64url(zlib(bytes))}``; bit ``idx`` (least significant
bit first in each byte) is 1 once the endorsement is revoked. The issuer picks
indexes at random among the free ones, so an index says nothing about when or
to whom an endorsement was issued.
"""

from __future__ import annotations

import zlib

from wallet.encoding import b64url, b64url_decode
from wallet.errors import BadEndorsement, Malformed, TooLarge, UnsupportedAlg
from wallet.jose import parse_compact, sign_compact

TYP = "statuslist+jwt"
MAX_ENTRIES = 1 << 20  # a million endorsements per list
_MAX_TOKEN_BYTES = 256 * 1024


class StatusList:
    """One bit per endorsement: 0 valid, 1 revoked."""

    __slots__ = ("data",)

    def __init__(self, data: bytearray) -> None:
        self.data = data

    @classmethod
    def new(cls, size: int) -> StatusList:
        if not 8 <= size <= MAX_ENTRIES or size % 8:
            raise ValueError("a status list holds a multiple of 8 entries, at most a million")
        return cls(bytearray(size // 8))

    @property
    def size(self) -> int:
        return len(self.data) * 8

    def revoke(self, index: int) -> None:
        self.data[index // 8] |= 1 << (index % 8)

    def revoked(self, index: int) -> bool:
        if not 0 <= index < self.size:
            raise BadEndorsement(f"status index {index} is outside the issuer's status list")
        return bool(self.data[index // 8] >> (index % 8) & 1)

    def count_revoked(self) -> int:
        return sum(bin(b).count("1") for b in self.data)

    def encode(self) -> dict[str, object]:
        return {"bits": 1, "lst": b64url(zlib.compress(bytes(self.data), 9))}

    @classmethod
    def decode(cls, doc: object) -> StatusList:
        if not isinstance(doc, dict) or doc.get("bits") != 1 or not isinstance(doc.get("lst"), str):
            raise BadEndorsement("a status list is {\"bits\": 1, \"lst\": ...} (one bit per endorsement)")
        try:
            inflater = zlib.decompressobj()
            data = inflater.decompress(b64url_decode(doc["lst"]), MAX_ENTRIES // 8 + 1)
        except (ValueError, zlib.error):
            raise BadEndorsement("a status list's lst is not base64url of zlib data") from None
        if len(data) > MAX_ENTRIES // 8 or inflater.unconsumed_tail:
            raise BadEndorsement("a status list is larger than a million entries")
        return cls(bytearray(data))


def sign_token(uri: str, status: StatusList, secret_key: bytes, *, issued_at: int, ttl: int) -> str:
    """The Status List Token an issuer publishes at ``uri`` (valid for ``ttl`` seconds)."""
    payload = {"sub": uri, "iat": issued_at, "exp": issued_at + ttl, "ttl": ttl, "status_list": status.encode()}
    return sign_compact({"alg": "EdDSA", "typ": TYP}, payload, secret_key)


class LoadedList:
    """A verified Status List Token: the list and the times it is good for."""

    __slots__ = ("uri", "list", "issued_at", "expires_at")

    def __init__(self, uri: str, status: StatusList, issued_at: int, expires_at: int | None) -> None:
        self.uri, self.list, self.issued_at, self.expires_at = uri, status, issued_at, expires_at


def parse_token(token: str, public_key: bytes, *, uri: str | None, now: int) -> LoadedList:
    """Verify a Status List Token with the issuer's key; BadEndorsement if it is not one, or has expired."""
    try:
        jws = parse_compact(token.strip(), max_bytes=_MAX_TOKEN_BYTES)
    except (Malformed, TooLarge, UnsupportedAlg) as exc:
        raise BadEndorsement(f"the status list token: {exc.message}") from None
    if jws.header.get("typ") != TYP:
        raise BadEndorsement(f"a status list token's typ is {TYP}")
    if not jws.verify(public_key):
        raise BadEndorsement("the status list token is not signed by the issuer's key")
    payload = jws.payload
    sub, issued, expires = payload.get("sub"), payload.get("iat"), payload.get("exp")
    if not isinstance(sub, str) or (uri is not None and sub != uri):
        raise BadEndorsement("the status list token is for another list (sub)")
    if not isinstance(issued, int) or isinstance(issued, bool) or (
            expires is not None and (not isinstance(expires, int) or isinstance(expires, bool))):
        raise BadEndorsement("the status list token's iat/exp must be whole seconds")
    if expires is not None and now > expires:
        raise BadEndorsement("the status list token has expired: load a fresh one")
    return LoadedList(sub, StatusList.decode(payload.get("status_list")), issued, expires)

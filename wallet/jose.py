"""Compact JWS with EdDSA (RFC 7515, RFC 8037), strict enough for hostile input.

    >>> from nacl.bindings import crypto_sign_seed_keypair
    >>> from wallet.jose import sign_compact, parse_compact
    >>> public, secret = crypto_sign_seed_keypair(bytes(32))
    >>> token = sign_compact({"alg": "EdDSA", "typ": "JWT"}, {"hello": "world"}, secret)
    >>> parse_compact(token).verify(public)
    True

Parsing refuses what a lenient JOSE library might let through: padding or
non-canonical base64url, JSON with duplicate member names or NaN, non-object
headers and payloads, a ``crit`` header, the RFC 7797 unencoded payload,
and any ``alg`` but EdDSA (the RFC 8037 name) or Ed25519 (RFC 9864's fully
specified name). Errors are the verifier's verdicts (:class:`wallet.errors.Malformed`,
``UnsupportedAlg``, ``TooLarge``).
"""

from __future__ import annotations

from wallet.encoding import b64url, b64url_decode, dumps, strict_json
from wallet.errors import Malformed, TooLarge, UnsupportedAlg

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs start-up; mypy honours the name
if TYPE_CHECKING:
    from typing import Any

ALLOWED_ALGS = ("EdDSA", "Ed25519")
MAX_TOKEN_BYTES = 16 * 1024


def sign_compact(header: dict[str, Any], payload: dict[str, Any], secret_key: bytes) -> str:
    """``header.payload.signature`` signed with a libsodium Ed25519 secret key (64 bytes)."""
    try:
        key: tuple[Any, ...] | None = tuple(header.items())
        encoded = _HEADERS.get(key)  # type: ignore[arg-type]
    except TypeError:  # a header with a list or object value: not cached
        key, encoded = None, None
    if encoded is None:
        encoded = b64url(dumps(header))
        if key is not None and len(_HEADERS) < 64:  # an IdP issuing a batch signs one header a thousand times
            _HEADERS[key] = encoded
    return sign_encoded(encoded, dumps(payload), secret_key)


def sign_encoded(header: str, payload: bytes, secret_key: bytes) -> str:
    """The compact JWS of a header already in base64url and a payload already serialised (JSON bytes)."""
    from nacl.bindings import crypto_sign

    signing_input = header + "." + b64url(payload)
    signature = crypto_sign(signing_input.encode("ascii"), secret_key)[:64]
    return signing_input + "." + b64url(signature)


_HEADERS: dict[tuple[Any, ...], str] = {}


class Compact:
    """A parsed, not yet verified, compact JWS."""

    __slots__ = ("header", "payload", "signing_input", "signature")

    def __init__(self, header: dict[str, Any], payload: dict[str, Any], signing_input: bytes, signature: bytes) -> None:
        self.header = header
        self.payload = payload
        self.signing_input = signing_input
        self.signature = signature

    def verify(self, public_key: bytes) -> bool:
        from nacl.bindings import crypto_sign_open
        from nacl.exceptions import BadSignatureError

        try:
            crypto_sign_open(self.signature + self.signing_input, public_key)
        except (BadSignatureError, ValueError):
            return False
        return True


def _header(encoded: str) -> dict[str, Any]:
    """The checked header of a token (a copy: the caller may change it). A verifier meets the same few
    headers again and again: a flat one (string values only) is read once, then remembered."""
    known = _READ_HEADERS.get(encoded)
    if known is not None:
        return dict(known)
    try:
        header = strict_json(b64url_decode(encoded), what="token header")
    except ValueError:
        raise Malformed("a token part is not unpadded base64url") from None
    if not isinstance(header, dict):
        raise Malformed("the token header is not a JSON object")
    alg = header.get("alg")
    if alg not in ALLOWED_ALGS:
        shown = alg if isinstance(alg, str) else type(alg).__name__
        raise UnsupportedAlg(f"unsupported alg {shown[:20]!r} (only EdDSA)")
    if "crit" in header or "b64" in header:
        raise Malformed("the token header asks for extensions this verifier does not implement (crit/b64)")
    if len(_READ_HEADERS) < 256 and len(encoded) <= 512 and all(isinstance(v, str) for v in header.values()):
        _READ_HEADERS[encoded] = dict(header)
    return header


_READ_HEADERS: dict[str, dict[str, Any]] = {}


def parse_compact(token: str, *, max_bytes: int = 0) -> Compact:
    """Split and decode a compact JWS; checks structure and ``alg``, not the signature."""
    limit = max_bytes or MAX_TOKEN_BYTES
    if len(token) > limit:
        raise TooLarge(f"the token is longer than {limit} bytes")
    if not token.isascii():
        raise Malformed("the token contains non-ASCII characters")
    parts = token.split(".")
    if len(parts) != 3:
        raise Malformed("a compact JWS has three parts separated by '.'")
    try:
        raw_payload, signature = b64url_decode(parts[1]), b64url_decode(parts[2])
    except ValueError:
        raise Malformed("a token part is not unpadded base64url") from None
    header = _header(parts[0])
    payload = strict_json(raw_payload, what="token payload")
    if not isinstance(payload, dict):
        raise Malformed("the token payload is not a JSON object")
    if len(signature) != 64:
        raise Malformed("an Ed25519 signature is 64 bytes")
    return Compact(header, payload, (parts[0] + "." + parts[1]).encode("ascii"), signature)

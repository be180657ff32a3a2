"""Compact JWS with EdDSA (RFC 7515, RFC 8037), strict enough for hostile input.

    >>> from nacl.bindings import crypto_sign_seed_keypair
    >>> from wallet.assertions.jose import sign_compact, parse_compact
    >>> public, secret = crypto_sign_seed_keypair(bytes(32))
    >>> token = sign_compact({"alg": "EdDSA", "typ": "JWT"}, {"hello": "world"}, secret)
    >>> parse_compact(token).verify(public)
    True

Parsing refuses what a lenient JOSE library might let through: padding or
non-canonical base64url, JSON with duplicate member names or NaN, non-object
headers and payloads, a ``crit`` header, the RFC 7797 unencoded payload,
and any ``alg`` but EdDSA (the RFC 8037 name) or Ed25519 (RFC 9864's fully
specified name). Errors carry the verifier's code (``malformed``,
``unsupported-alg``, ``too-large``).
"""

from __future__ import annotations

import json

from wallet.encoding import b64url, b64url_decode
from wallet.errors import WalletError

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs start-up; mypy honours the name
if TYPE_CHECKING:
    from typing import Any

ALLOWED_ALGS = ("EdDSA", "Ed25519")
MAX_TOKEN_BYTES = 16 * 1024
_SEPARATORS = (",", ":")


class JoseError(WalletError):
    """A token failed a structural check; ``code`` is the verifier's error code."""

    exit_code = 10

    def __init__(self, message: str, *, code: str = "malformed") -> None:
        super().__init__(message)
        self.code = code


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise JoseError(f"duplicate JSON member {key[:40]!r}")
        result[key] = value
    return result


def _no_constants(name: str) -> Any:
    raise JoseError(f"JSON constant {name} is not allowed")


def _finite(text: str) -> float:
    value = float(text)
    if value in (float("inf"), float("-inf")):  # 1e999: other readers differ, and it cannot be printed back
        raise JoseError("a JSON number is too large")
    return value


# One decoder, built once: json.loads with hooks would build a new JSONDecoder on every call.
_DECODER = json.JSONDecoder(object_pairs_hook=_no_duplicates, parse_constant=_no_constants, parse_float=_finite)


def _text_only(value: Any) -> None:
    """Refuse strings that are not Unicode text (lone surrogates, smuggled in as \\ud800 escapes)."""
    if isinstance(value, str):
        value.encode("utf-8")
    elif isinstance(value, dict):
        for key, item in value.items():
            key.encode("utf-8")
            _text_only(item)
    elif isinstance(value, list):
        for item in value:
            _text_only(item)


def strict_json(data: bytes | str, *, what: str) -> Any:
    """json.loads that accepts only UTF-8 (no BOM) and refuses duplicate names, NaN/Infinity (also as
    1e999), lone surrogates and deep nesting."""
    try:
        text = data.decode("utf-8") if isinstance(data, bytes) else data
        if text.startswith("\ufeff"):
            raise JoseError(f"the {what} starts with a byte-order mark")
        value = _DECODER.decode(text)
        if "\\u" in text:  # only escapes can produce a lone surrogate from valid UTF-8
            _text_only(value)
        return value
    except JoseError:
        raise
    except (ValueError, UnicodeError, RecursionError):
        raise JoseError(f"the {what} is not valid JSON text") from None


def dumps(value: Any) -> bytes:
    """Compact, deterministic JSON as signed by the wallet (UTF-8, no spaces)."""
    return json.dumps(value, separators=_SEPARATORS, ensure_ascii=False).encode("utf-8")


def sign_compact(header: dict[str, Any], payload: dict[str, Any], secret_key: bytes) -> str:
    """``header.payload.signature`` signed with a libsodium Ed25519 secret key (64 bytes)."""
    from nacl.bindings import crypto_sign

    signing_input = b64url(dumps(header)) + "." + b64url(dumps(payload))
    signature = crypto_sign(signing_input.encode("ascii"), secret_key)[:64]
    return signing_input + "." + b64url(signature)


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


def parse_compact(token: str) -> Compact:
    """Split and decode a compact JWS; checks structure and ``alg``, not the signature."""
    if len(token) > MAX_TOKEN_BYTES:
        raise JoseError(f"the token is longer than {MAX_TOKEN_BYTES} bytes", code="too-large")
    if not token.isascii():
        raise JoseError("the token contains non-ASCII characters")
    parts = token.split(".")
    if len(parts) != 3:
        raise JoseError("a compact JWS has three parts separated by '.'")
    try:
        raw_header, raw_payload, signature = (b64url_decode(p) for p in parts)
    except ValueError:
        raise JoseError("a token part is not unpadded base64url") from None
    header = strict_json(raw_header, what="token header")
    if not isinstance(header, dict):
        raise JoseError("the token header is not a JSON object")
    alg = header.get("alg")
    if alg not in ALLOWED_ALGS:
        shown = alg if isinstance(alg, str) else type(alg).__name__
        raise JoseError(f"unsupported alg {shown[:20]!r} (only EdDSA)", code="unsupported-alg")
    if "crit" in header or "b64" in header:
        raise JoseError("the token header asks for extensions this verifier does not implement (crit/b64)")
    payload = strict_json(raw_payload, what="token payload")
    if not isinstance(payload, dict):
        raise JoseError("the token payload is not a JSON object")
    if len(signature) != 64:
        raise JoseError("an Ed25519 signature is 64 bytes")
    return Compact(header, payload, (parts[0] + "." + parts[1]).encode("ascii"), signature)

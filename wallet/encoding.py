"""Encodings used in identifiers, tokens and files: base58btc, unpadded base64url, strict JSON.

    >>> from wallet.encoding import b58encode, b58decode
    >>> b58encode(b"\\x00\\x01")
    '12'
    >>> b58decode("12")
    b'\\x00\\x01'
"""

from __future__ import annotations

import json

from wallet.errors import Malformed

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs start-up; mypy honours the name
if TYPE_CHECKING:
    from typing import Any

_B58_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_B58_INDEX = {c: i for i, c in enumerate(_B58_ALPHABET)}
_B58_CHUNK = 58**10


def b58encode(data: bytes) -> str:
    """Bitcoin-alphabet base58 (the multibase 'z' encoding), leading zero bytes kept as '1'."""
    zeros = len(data) - len(data.lstrip(b"\x00"))
    n = int.from_bytes(data, "big")
    out: list[str] = []
    # Peel off 10 digits at a time with one big-int division, then finish on
    # machine-size ints: about twice as fast as dividing the big int by 58.
    while n:
        n, chunk = divmod(n, _B58_CHUNK)
        for _ in range(10):
            chunk, rem = divmod(chunk, 58)
            out.append(_B58_ALPHABET[rem])
            if not n and not chunk:
                break
    return "1" * zeros + "".join(reversed(out))


def b58decode(text: str) -> bytes:
    """Inverse of :func:`b58encode`; raises ValueError on a character outside the alphabet."""
    n = 0
    for ch in text:
        try:
            n = n * 58 + _B58_INDEX[ch]
        except KeyError:
            raise ValueError(f"invalid base58 character {ch!r}") from None
    zeros = len(text) - len(text.lstrip("1"))
    body = n.to_bytes((n.bit_length() + 7) // 8, "big") if n else b""
    return b"\x00" * zeros + body


def b64url(data: bytes) -> str:
    """Unpadded base64url (RFC 7515 section 2)."""
    import binascii  # a builtin module: no import cost on the did:key path, which needs only base58

    return binascii.b2a_base64(data, newline=False).translate(_TO_URLSAFE).rstrip(b"=").decode("ascii")


_TO_STANDARD = bytes.maketrans(b"-_", b"+/")  # bytes.translate: ~15x faster than str.translate
_TO_URLSAFE = bytes.maketrans(b"+/", b"-_")
# For the last character of an unpadded base64url string, the bits that must be
# zero: 4 low bits when len % 4 == 2, 2 when len % 4 == 3 (RFC 4648 section 3.5).
_B64_INDEX = {c: i for i, c in enumerate("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")}
_UNUSED_BITS = {2: 0b1111, 3: 0b11}


def b64url_decode(text: str) -> bytes:
    """Strict unpadded base64url: rejects padding, whitespace, other characters and non-canonical endings."""
    import binascii

    rest = len(text) % 4
    if rest == 1 or not text.isascii():
        raise ValueError("not unpadded base64url")
    raw = text.encode("ascii")
    # binascii's strict mode refuses every byte outside the standard alphabet and "="; mapping "-_" onto
    # "+/" first, a "+", "/" or "=" of the input itself would slip through: refuse them before.
    if b"+" in raw or b"/" in raw or b"=" in raw:
        raise ValueError("not unpadded base64url")
    if rest and _B64_INDEX.get(text[-1], 0) & _UNUSED_BITS[rest]:
        raise ValueError("not canonical base64url")
    try:
        return binascii.a2b_base64(raw.translate(_TO_STANDARD) + _PADDING[rest], strict_mode=True)
    except binascii.Error:
        raise ValueError("not unpadded base64url") from None


_PADDING = {0: b"", 2: b"==", 3: b"="}


# -- JSON as the wallet reads it: strict enough for hostile input ------------------------------------------
_SEPARATORS = (",", ":")


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise Malformed(f"duplicate JSON member {key[:40]!r}")
        result[key] = value
    return result


def _no_constants(name: str) -> Any:
    raise Malformed(f"JSON constant {name} is not allowed")


def _finite(text: str) -> float:
    value = float(text)
    if value in (float("inf"), float("-inf")):  # 1e999: other readers differ, and it cannot be printed back
        raise Malformed("a JSON number is too large")
    return value


# One decoder, built once: json.loads with hooks would build a new JSONDecoder on every call.
_DECODER = json.JSONDecoder(object_pairs_hook=_no_duplicates, parse_constant=_no_constants, parse_float=_finite)


def _text_only(value: Any) -> None:
    """Refuse strings that are not Unicode text (lone surrogates, smuggled in as \\ud800 escapes)."""
    if isinstance(value, str):
        if not value.isascii():
            value.encode("utf-8")
    elif isinstance(value, dict):
        for key, item in value.items():
            if not key.isascii():
                key.encode("utf-8")
            _text_only(item)
    elif isinstance(value, list):
        for item in value:
            _text_only(item)


def strict_json(data: bytes | str, *, what: str) -> Any:
    """json.loads that accepts only UTF-8 (no BOM) and refuses duplicate names, NaN/Infinity (also as
    1e999), lone surrogates and deep nesting: :class:`wallet.errors.Malformed` names ``what``.

        >>> strict_json(b'{"a": 1}', what="example")
        {'a': 1}
    """
    try:
        text = data.decode("utf-8") if isinstance(data, bytes) else data
        if text.startswith("\ufeff"):
            raise Malformed(f"the {what} starts with a byte-order mark")
        # What json.JSONDecoder.decode does (the C scanner between JSON whitespace), minus two Python
        # frames and two regular-expression calls: every token and request line of a batch comes here.
        start = len(text) - len(text.lstrip(_JSON_SPACE))
        value, end = _SCAN_ONCE(text, start)
        if end != len(text) and text[end:].strip(_JSON_SPACE):
            raise ValueError("extra data")
        # Only \u escapes produce a lone surrogate from valid UTF-8. Searching a long text for them costs
        # more than walking the value (str.isascii() is O(1)): an SDP's JSON is full of \r\n escapes.
        if len(text) > 1024 or "\\u" in text:
            _text_only(value)
        return value
    except Malformed:
        raise
    except (ValueError, UnicodeError, RecursionError, StopIteration):
        raise Malformed(f"the {what} is not valid JSON text") from None


_JSON_SPACE = " \t\n\r"  # RFC 8259's whitespace; str.strip() would take more (U+00A0, U+2028, ...)
_SCAN_ONCE = _DECODER.scan_once  # type: ignore[attr-defined]  # set by JSONDecoder.__init__, not in the stubs


def dumps(value: Any) -> bytes:
    """Compact, deterministic JSON as the wallet signs it (UTF-8, no spaces, NaN refused)."""
    return _ENCODER.encode(value).encode("utf-8")


# One encoder for every call: json.dumps with arguments builds a new one each time (issuing 1,000
# endorsements serialises several thousand small documents).
_ENCODER = json.JSONEncoder(separators=_SEPARATORS, ensure_ascii=False, allow_nan=False, check_circular=False)


def user_json(data: bytes | str, *, what: str) -> Any:
    """:func:`strict_json` for a document the user hands the wallet: a fault is a usage error, not a verdict."""
    from wallet.errors import UsageError

    try:
        return strict_json(data, what=what)
    except Malformed as exc:
        raise UsageError(exc.message) from None

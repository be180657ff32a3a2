"""Byte encodings used in identifiers and files: base58btc and unpadded base64url.

    >>> from wallet.encoding import b58encode, b58decode
    >>> b58encode(b"\\x00\\x01")
    '12'
    >>> b58decode("12")
    b'\\x00\\x01'
"""

from __future__ import annotations

import re

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
    import base64  # imported on use: did:key encoding (the hot path) needs only base58

    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


_B64URL = re.compile(r"[A-Za-z0-9_-]*")
_TO_STANDARD = bytes.maketrans(b"-_", b"+/")  # bytes.translate: ~15x faster than str.translate
# For the last character of an unpadded base64url string, the bits that must be
# zero: 4 low bits when len % 4 == 2, 2 when len % 4 == 3 (RFC 4648 section 3.5).
_B64_INDEX = {c: i for i, c in enumerate("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")}
_UNUSED_BITS = {2: 0b1111, 3: 0b11}


def b64url_decode(text: str) -> bytes:
    """Strict unpadded base64url: rejects padding, whitespace, other characters and non-canonical endings."""
    import binascii

    if not _B64URL.fullmatch(text) or len(text) % 4 == 1:
        raise ValueError("not unpadded base64url")
    rest = len(text) % 4
    if rest and _B64_INDEX[text[-1]] & _UNUSED_BITS[rest]:
        raise ValueError("not canonical base64url")
    try:
        standard = text.encode("ascii").translate(_TO_STANDARD) + b"=" * (-len(text) % 4)
        return binascii.a2b_base64(standard, strict_mode=True)
    except binascii.Error:
        raise ValueError("not unpadded base64url") from None

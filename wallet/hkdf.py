"""HKDF-SHA256 (RFC 5869) on the standard library, plus the length-prefixed info encoding.

    >>> from wallet.hkdf import hkdf_extract, hkdf_expand, lp
    >>> prk = hkdf_extract(b"salt", b"input key material")
    >>> len(hkdf_expand(prk, lp(b"label", b"context"), 32))
    32

The standard library's HMAC keeps start-up cheap (no ``cryptography`` import
on the hot path); tests check it against RFC 5869's vectors and against
``cryptography``'s HKDF.
"""

from __future__ import annotations

import hashlib
import hmac

_HASH_LEN = 32


def hkdf_extract(salt: bytes, ikm: bytes) -> bytes:
    return hmac.digest(salt or bytes(_HASH_LEN), ikm, hashlib.sha256)


def hkdf_expand(prk: bytes, info: bytes, length: int) -> bytes:
    if not 0 < length <= 255 * _HASH_LEN:
        raise ValueError("invalid HKDF output length")
    if length <= _HASH_LEN:  # one block: T(1) = HMAC(PRK, info || 0x01)
        return hmac.digest(prk, info + b"\x01", hashlib.sha256)[:length]
    out = b""
    block = b""
    counter = 1
    while len(out) < length:
        block = hmac.digest(prk, block + info + bytes([counter]), hashlib.sha256)
        out += block
        counter += 1
    return out[:length]


def lp(*parts: bytes) -> bytes:
    """Concatenate ``parts``, each prefixed by its 4-byte big-endian length.

    Length prefixes make the encoding injective: ("ab", "c") and ("a", "bc")
    never produce the same info string.
    """
    return b"".join(len(p).to_bytes(4, "big") + p for p in parts)

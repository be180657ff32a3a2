"""HKDF-SHA256 against RFC 5869 appendix A and against an independent implementation."""

from __future__ import annotations

import os

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from wallet.hkdf import hkdf_expand, hkdf_extract, lp

RFC5869 = [
    (  # A.1
        "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b",
        "000102030405060708090a0b0c",
        "f0f1f2f3f4f5f6f7f8f9",
        42,
        "077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5",
        "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865",
    ),
    (  # A.3: empty salt and info
        "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b",
        "",
        "",
        42,
        "19ef24a32c717b167f33a91d6f648bdf96596776afdb6377ac434c1c293ccb04",
        "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8",
    ),
]


@pytest.mark.parametrize("ikm,salt,info,length,prk,okm", RFC5869)
def test_rfc5869_vectors(ikm: str, salt: str, info: str, length: int, prk: str, okm: str) -> None:
    got_prk = hkdf_extract(bytes.fromhex(salt), bytes.fromhex(ikm))
    assert got_prk.hex() == prk
    assert hkdf_expand(got_prk, bytes.fromhex(info), length).hex() == okm


def test_matches_cryptography_hkdf() -> None:
    for length in (16, 32, 33, 64, 100):
        ikm, salt, info = os.urandom(32), os.urandom(16), os.urandom(20)
        ref = HKDF(algorithm=hashes.SHA256(), length=length, salt=salt, info=info).derive(ikm)
        assert hkdf_expand(hkdf_extract(salt, ikm), info, length) == ref


def test_length_prefix_is_injective() -> None:
    assert lp(b"ab", b"c") != lp(b"a", b"bc")
    assert lp(b"", b"x") != lp(b"x", b"")


def test_rejects_impossible_lengths() -> None:
    with pytest.raises(ValueError):
        hkdf_expand(bytes(32), b"", 0)
    with pytest.raises(ValueError):
        hkdf_expand(bytes(32), b"", 255 * 32 + 1)

"""Passphrase envelopes: tamper, truncation, wrong passphrase and parameter attacks."""

from __future__ import annotations

import hashlib
import struct

import pytest

from wallet.errors import AuthError, CorruptData
from wallet.storage.encryption import HEADER_LEN, KdfParams, open_with_passphrase, seal, seal_with_passphrase, unseal

WEAK = KdfParams(opslimit=1, memlimit=8192)


def make(plain: bytes = b"top secret") -> bytes:
    return seal_with_passphrase(plain, b"pw", purpose=b"S", kdf=WEAK)


def rechecksum(blob: bytes) -> bytes:
    body = blob[:-32]
    return body + hashlib.sha256(body).digest()


def test_round_trip() -> None:
    assert open_with_passphrase(make(), b"pw", purpose=b"S") == b"top secret"


def test_wrong_passphrase_is_auth_error() -> None:
    with pytest.raises(AuthError):
        open_with_passphrase(make(), b"pW", purpose=b"S")


def test_truncated_is_corrupt() -> None:
    blob = make()
    for cut in (0, 10, HEADER_LEN, len(blob) - 1):
        with pytest.raises(CorruptData):
            open_with_passphrase(blob[:cut], b"pw", purpose=b"S")


def test_flipped_bit_is_detected_as_corruption() -> None:
    blob = bytearray(make())
    blob[HEADER_LEN + 3] ^= 1
    with pytest.raises(CorruptData):
        open_with_passphrase(bytes(blob), b"pw", purpose=b"S")


def test_tampering_that_fixes_the_checksum_still_fails() -> None:
    blob = bytearray(make())
    blob[HEADER_LEN + 3] ^= 1
    with pytest.raises(AuthError):
        open_with_passphrase(rechecksum(bytes(blob)), b"pw", purpose=b"S")


def test_lowering_kdf_cost_in_header_breaks_the_tag() -> None:
    """An attacker lowers the stored cost to speed up guessing: the header is associated data."""
    blob = bytearray(seal_with_passphrase(b"top secret", b"pw", purpose=b"S", kdf=KdfParams(opslimit=2, memlimit=16384)))
    struct.pack_into(">I", blob, 9, 1)  # opslimit 2 -> 1
    struct.pack_into(">Q", blob, 13, 8192)  # memlimit 16 KiB -> 8 KiB
    with pytest.raises(AuthError):
        open_with_passphrase(rechecksum(bytes(blob)), b"pw", purpose=b"S")


@pytest.mark.parametrize("field,offset,value", [("ops", 9, 11), ("mem", 13, (1 << 30) + 1), ("mem", 13, 1 << 50), ("ops", 9, 0)])
def test_hostile_kdf_parameters_rejected_before_any_work(field: str, offset: int, value: int) -> None:
    import time

    blob = bytearray(make())
    struct.pack_into(">I" if field == "ops" else ">Q", blob, offset, value)
    start = time.monotonic()
    with pytest.raises(CorruptData):
        open_with_passphrase(rechecksum(bytes(blob)), b"pw", purpose=b"S")
    assert time.monotonic() - start < 1


def test_purpose_is_checked() -> None:
    with pytest.raises(CorruptData):
        open_with_passphrase(make(), b"pw", purpose=b"B")


def test_record_sealing_binds_associated_data() -> None:
    key = bytes(32)
    blob = seal(key, b"value", b"record-A")
    assert unseal(key, blob, b"record-A") == b"value"
    with pytest.raises(CorruptData):
        unseal(key, blob, b"record-B")
    assert seal(key, b"value", b"a") != seal(key, b"value", b"a")  # fresh nonces

"""did:key encoding against the public W3C CCG vectors, and rejection of look-alikes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from nacl.bindings import crypto_sign_seed_keypair

from wallet.identity.didkey import did_key_from_public, public_from_did_key
from wallet.encoding import b58decode, b58encode

VECTORS = Path(__file__).parent / "vectors" / "did-key-ed25519.json"
SHARED = Path(__file__).resolve().parents[2] / "shared" / "vectors" / "did-key-ed25519.json"


def vectors() -> list[dict[str, str]]:
    return json.loads(VECTORS.read_text())["vectors"]


def test_vendored_vectors_match_shared_copy() -> None:
    if not SHARED.exists():
        pytest.skip("shared/ is not beside this checkout")
    assert json.loads(SHARED.read_text()) == json.loads(VECTORS.read_text())


@pytest.mark.parametrize("vector", vectors(), ids=lambda v: v["did"][-8:])
def test_did_key_vector(vector: dict[str, str]) -> None:
    public, _ = crypto_sign_seed_keypair(bytes.fromhex(vector["seed"]))
    assert b58encode(public) == vector["publicKeyBase58"]
    assert did_key_from_public(public) == vector["did"]
    assert public_from_did_key(vector["did"]) == public


@pytest.mark.parametrize(
    "did",
    [
        "did:key:z6LSeu9HkTHSfLLeUs2nnzUSNedgDUevfNQgQjQC23ZCit6F",  # X25519 multicodec (0xec)
        "did:key:zQ3shokFTS3brHcDQrn82RUDfCZESWL1ZdCEJwekUDPQiYBme",  # secp256k1
        "did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooW",  # one character short
        "did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWpp",  # one too many
        "did:key:u7QEAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",  # base64url multibase
        "did:key:z0OIl",  # characters outside base58btc
        "did:web:example.org",
        "",
        "did:key:z" + "1" * 200,
    ],
)
def test_rejects_non_ed25519_or_malformed(did: str) -> None:
    with pytest.raises(ValueError):
        public_from_did_key(did)


def test_base58_leading_zeros_round_trip() -> None:
    for raw in (b"", b"\x00", b"\x00\x00\x01", bytes(range(40))):
        assert b58decode(b58encode(raw)) == raw


def test_base58_matches_textbook_algorithm() -> None:
    """The chunked encoder agrees with the one-digit-at-a-time definition (the corpus's independent one)."""
    import os

    from attack_corpus import b58 as textbook

    for i in range(2000):
        raw = b"\x00" * (i % 3) + os.urandom(i % 67)
        assert b58encode(raw) == textbook(raw)
        assert b58decode(b58encode(raw)) == raw

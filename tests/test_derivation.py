"""Pseudonym derivation: deterministic, domain-separated, unlinkable, GUID-free."""

from __future__ import annotations

import os

from nacl.signing import SigningKey

from wallet.identity.derivation import Deriver
from wallet.vocabulary import KeyScope
from wallet.identity.didkey import public_from_did_key
from wallet.hkdf import hkdf_expand, hkdf_extract, lp
from wallet.identity.root import IdentityRoot

MASTER = bytes.fromhex("11" * 32)
PERSONA = bytes.fromhex("22" * 16)


def test_same_input_same_identifier() -> None:
    a = Deriver(MASTER).derive(PERSONA, KeyScope.PAIRWISE, "https://a.example")
    b = Deriver(MASTER).derive(PERSONA, KeyScope.PAIRWISE, "https://a.example")
    assert a.did == b.did and a.secret_key == b.secret_key


def test_pairwise_differs_per_destination_and_from_persona_key() -> None:
    d = Deriver(MASTER)
    ids = {d.derive(PERSONA, KeyScope.PAIRWISE, f"https://{n}.example").did for n in range(200)}
    assert len(ids) == 200
    assert d.derive(PERSONA, KeyScope.PERSONA).did not in ids


def test_persona_scope_ignores_destination() -> None:
    d = Deriver(MASTER)
    assert d.derive(PERSONA, KeyScope.PERSONA, "https://a.example").did == d.derive(PERSONA, KeyScope.PERSONA, "https://b.example").did


def test_one_time_is_never_reused() -> None:
    d = Deriver(MASTER)
    ids = {d.derive(PERSONA, KeyScope.ONE_TIME, "https://a.example").did for _ in range(100)}
    assert len(ids) == 100


def test_personas_and_masters_are_separated() -> None:
    base = Deriver(MASTER).derive(PERSONA, KeyScope.PAIRWISE, "https://a.example").did
    assert Deriver(MASTER).derive(bytes(16), KeyScope.PAIRWISE, "https://a.example").did != base
    assert Deriver(os.urandom(32)).derive(PERSONA, KeyScope.PAIRWISE, "https://a.example").did != base




def test_matches_documented_construction() -> None:
    """docs/design.md specifies the derivation; an independent re-implementation agrees."""
    dest = "https://a.example"
    prk = hkdf_extract(b"wallet/v1/derive", MASTER)
    seed = hkdf_expand(prk, lp(b"wallet/v1/pairwise", PERSONA, dest.encode()), 32)
    expected = bytes(SigningKey(seed).verify_key)
    got = Deriver(MASTER).derive(PERSONA, KeyScope.PAIRWISE, dest)
    assert got.public_key == expected
    assert public_from_did_key(got.did) == expected


def test_keys_sign_and_verify() -> None:
    key = Deriver(MASTER).derive(PERSONA, KeyScope.PAIRWISE, "https://a.example")
    signer = SigningKey(key.secret_key[:32])
    signed = signer.sign(b"hello")
    signer.verify_key.verify(signed)
    assert bytes(signer.verify_key) == key.public_key


def test_secrets_not_in_repr() -> None:
    d = Deriver(MASTER)
    key = d.derive(PERSONA, KeyScope.PERSONA)
    assert MASTER.hex() not in repr(d)
    assert key.secret_key.hex() not in repr(key)
    root = IdentityRoot.generate()
    assert root.master.hex() not in repr(root) and str(root.guid) not in repr(root)
    assert root.guid.version == 4


def test_seed_fast_path_equals_generic_hkdf() -> None:
    d = Deriver(MASTER)
    prk = hkdf_extract(b"wallet/v1/derive", MASTER)
    for scope in KeyScope:
        for context in (b"", b"https://a.example", os.urandom(32), b"x" * 300):
            expected = hkdf_expand(prk, lp(b"wallet/v1/" + scope.value.encode(), PERSONA, context), 32)
            assert d.seed(PERSONA, scope, context) == expected


def test_documented_vectors_with_independent_crypto() -> None:
    """docs/design.md's worked example, recomputed with `cryptography` (HKDF and Ed25519) only."""
    import json
    from pathlib import Path

    from cryptography.hazmat.primitives import hashes, hmac as c_hmac
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.kdf.hkdf import HKDFExpand
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    from wallet.identity.didkey import did_key_from_public

    root = Path(__file__).resolve().parents[1]
    vec = json.loads((root / "tests" / "vectors" / "derivation.json").read_text())
    doc = (root / "docs" / "design.md").read_text()
    master, persona = bytes.fromhex(vec["master"]), bytes.fromhex(vec["persona_id"])
    mac = c_hmac.HMAC(b"wallet/v1/derive", hashes.SHA256())
    mac.update(master)
    prk = mac.finalize()
    assert prk.hex() == vec["prk"] and vec["prk"] in doc

    def lp_(*parts: bytes) -> bytes:
        return b"".join(len(p).to_bytes(4, "big") + p for p in parts)

    for case in vec["cases"]:
        info = lp_(b"wallet/v1/" + case["scope"].encode(), persona, case["context"].encode())
        seed = HKDFExpand(hashes.SHA256(), 32, info).derive(prk)
        assert seed.hex() == case["seed"]
        public = Ed25519PrivateKey.from_private_bytes(seed).public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        assert did_key_from_public(public) == case["did"] and case["did"] in doc
        wallet_key = Deriver(master).derive(persona, KeyScope(case["scope"]), case["context"] or None)
        assert wallet_key.did == case["did"]

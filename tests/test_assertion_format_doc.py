"""docs/assertion-format.md's worked example is exactly what the code produces, and it verifies."""

from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path

from nacl.bindings import crypto_sign_seed_keypair

from wallet.assertions.token import envelope
from wallet.identity.didkey import did_key_from_public
from wallet.jose import sign_compact
from wallet.assertions.verify import verify

DOC = (Path(__file__).resolve().parents[1] / "docs" / "assertion-format.md").read_text()
FP = "0B:3E:85:7D:CE:8B:1A:2C:9E:4F:66:10:8C:1D:4D:3A:90:55:7A:3B:0E:61:AD:0F:6F:29:59:B0:10:0D:5E:3C"


def example() -> tuple[str, bytes, str]:
    seed = hashlib.sha256(b"wallet docs/assertion-format.md example").digest()
    public, secret = crypto_sign_seed_keypair(seed)
    payload = {
        "iss": did_key_from_public(public), "aud": "https://shop.example", "iat": 1800000000, "exp": 1800000300,
        "jti": base64.urlsafe_b64encode(bytes(range(16))).rstrip(b"=").decode(),
        "contents": [{"algorithm": "sha-256", "digest": FP}], "state": "pseudonymous", "disclosed": {},
    }
    return sign_compact({"alg": "EdDSA", "typ": "wallet-identity+jwt"}, payload, secret), public, seed.hex()


def unwrapped(text: str) -> str:
    return re.sub(r"\n(?=[A-Za-z0-9_=+/-])", "", text)


def test_documented_values_are_the_real_ones() -> None:
    token, public, seed = example()
    head, payload, signature = token.split(".")
    assert seed in DOC and public.hex() in DOC and did_key_from_public(public) in DOC
    flat = unwrapped(DOC)
    assert head in DOC and signature in DOC and payload in flat
    assert ("a=identity:" + envelope(token)) in flat


def test_documented_token_verifies() -> None:
    token, _, _ = example()
    result = verify(token, audience="shop.example", fingerprints=[f"sha-256 {FP}"], at=1800000010)
    assert result.valid, result.error
    line = "a=identity:" + envelope(token)
    assert verify(line, audience="https://shop.example", fingerprints=[f"sha-256 {FP}"], at=1800000010).valid


def test_documented_pyjwt_recipe_works() -> None:
    import jwt
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    token, public, _ = example()
    key = Ed25519PublicKey.from_public_bytes(public)
    claims = jwt.decode(token, key=key, algorithms=["EdDSA"], audience="https://shop.example",
                        options={"verify_exp": False, "verify_iat": False})
    assert claims["contents"] == [{"algorithm": "sha-256", "digest": FP}]

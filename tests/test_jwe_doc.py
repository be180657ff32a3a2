"""docs/assertion-format.md section 6's worked example (an encrypted disclosure) is exactly what the code makes,
its shared secret is RFC 7748's, jwcrypto opens it, and the signed token verifies with and without the key."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

from jwcrypto import jwe as jwcrypto_jwe, jwk as jwcrypto_jwk
from nacl.bindings import crypto_sign_seed_keypair

from wallet.assertions.verify import verify
from wallet.encoding import b64url, b64url_decode, dumps
from wallet.identity.didkey import did_key_from_public
from wallet.jose import sign_compact
from wallet import jwe

DOC = (Path(__file__).resolve().parents[1] / "docs" / "assertion-format.md").read_text()
SECTION = DOC[DOC.index("## 6. Confidential disclosures"):]
FP = "0B:3E:85:7D:CE:8B:1A:2C:9E:4F:66:10:8C:1D:4D:3A:90:55:7A:3B:0E:61:AD:0F:6F:29:59:B0:10:0D:5E:3C"
# RFC 7748 section 6.1: Bob's private key (the destination's) and Alice's (the ephemeral one), and their K.
BOB = bytes.fromhex("5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb")
ALICE = bytes.fromhex("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a")
RFC7748_K = "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742"
PRIVATE = {"kty": "OKP", "crv": "X25519", "d": b64url(BOB)}


def documented(label: str) -> str:
    match = re.search(rf"^{re.escape(label)} +(\S+)$", SECTION, re.M)
    assert match, label
    return match.group(1)


def example() -> tuple[str, str, dict[str, str]]:
    public = jwe.public_jwk_of(PRIVATE)
    jti = b64url(bytes(range(16)))
    seed = hashlib.sha256(b"wallet docs/assertion-format.md example").digest()
    signer, secret = crypto_sign_seed_keypair(seed)
    inner = {"iss": did_key_from_public(signer), "aud": "https://shop.example", "jti": jti,
             "disclosed": {"email": "ann@corp.example"}}
    sealed = jwe.encrypt(dumps(inner), public, kid=jwe.thumbprint(public), ephemeral=ALICE, iv=bytes(range(12)))
    payload = {"iss": did_key_from_public(signer), "aud": "https://shop.example", "iat": 1800000000,
               "exp": 1800000300, "jti": jti, "contents": [{"algorithm": "sha-256", "digest": FP}],
               "state": "pseudonymous", "disclosed_jwe": sealed}
    return sealed, sign_compact({"alg": "EdDSA", "typ": "wallet-identity+jwt"}, payload, secret), public


def test_documented_values_are_recomputed() -> None:
    sealed, token, public = example()
    assert documented("destination private d") == BOB.hex() and documented("ephemeral private") == ALICE.hex()
    assert json.loads(documented("destination public JWK")) == public
    assert documented("its thumbprint (kid)") == jwe.thumbprint(public)
    epk = jwe.parse(sealed).epk
    assert documented("ephemeral public (epk)") == b64url(epk)
    shared = jwe._agree(ALICE, b64url_decode(public["x"]))
    assert documented("Z") == shared.hex() == RFC7748_K
    assert documented("CEK") == jwe.concat_kdf(shared).hex()
    assert documented("iv") == bytes(range(12)).hex()
    parts = sealed.split(".")
    assert "\n.".join([parts[0], "", *parts[2:]]) in SECTION  # the JWE as wrapped at the dots
    assert b64url_decode(parts[0]).decode() in SECTION
    signer = crypto_sign_seed_keypair(hashlib.sha256(b"wallet docs/assertion-format.md example").digest())[0]
    assert dumps({"iss": did_key_from_public(signer), "aud": "https://shop.example", "jti": b64url(bytes(range(16))),
                  "disclosed": {"email": "ann@corp.example"}}).decode() in SECTION
    assert b64url_decode(token.split(".")[1]).decode() in SECTION and token.split(".")[2] in SECTION


def test_jwcrypto_opens_the_documented_jwe_with_the_documented_key() -> None:
    sealed, _, public = example()
    key = jwcrypto_jwk.JWK(**public, d=PRIVATE["d"])
    opened = jwcrypto_jwe.JWE()
    opened.deserialize(sealed, key=key)
    assert json.loads(opened.payload)["disclosed"] == {"email": "ann@corp.example"}
    snippet = re.search(r"d=\"([A-Za-z0-9_-]+)\"", SECTION)
    assert snippet and snippet.group(1) == PRIVATE["d"]  # the doc's jwcrypto snippet names the right key


def test_documented_token_verifies_sealed_and_opened() -> None:
    _, token, _ = example()
    args = {"audience": "shop.example", "fingerprints": [f"sha-256 {FP}"], "at": 1800000010}
    sealed = verify(token, **args)
    assert sealed.valid, sealed.error
    assert sealed.disclosed == {} and sealed.encrypted == {"kid": documented("its thumbprint (kid)"), "opened": False}
    opened = verify(token, **args, decrypt_key=PRIVATE)
    assert opened.valid, opened.error
    assert opened.disclosed == {"email": "ann@corp.example"} and opened.encrypted is not None
    assert opened.encrypted["opened"] is True

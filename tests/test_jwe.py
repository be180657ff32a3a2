"""Disclosures encrypted for the destination (draft 8.4.2): wallet/jwe.py against other JOSE implementations,
as attacks on its parser, and through assert/sign-sdp/verify as a user meets them.

Differential: jwcrypto and joserfc open what the wallet seals, and the wallet opens what they seal (ECDH-ES,
A256GCM, X25519). PyJWT has no JWE support, so it is not in the comparison.
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from jwcrypto import jwe as jwcrypto_jwe, jwk as jwcrypto_jwk

from wallet import jwe
from wallet.assertions.verify import CODES, verify
from wallet.encoding import b64url, b64url_decode, dumps
from wallet.errors import DecryptFailed, Malformed, TooLarge

FP = "sha-256 " + ":".join(["AB"] * 32)
P = 2**255 - 19
#: u-coordinates of the X25519 points of small order (and their non-canonical twins): X25519 with any of them
#: is all zero, whatever the private key (RFC 7748 section 6.1, "checking for the all-zero value").
LOW_ORDER = [0, 1, 325606250916557431795983626356110631294008115727848805560023387167927233504,
             39382357235489614581723060781553021112529911719440698176882885853963445705823, P - 1, P, P + 1]


def keypair() -> tuple[dict[str, str], dict[str, str]]:
    key = jwcrypto_jwk.JWK.generate(kty="OKP", crv="X25519")
    return json.loads(key.export_private()), json.loads(key.export_public())


@pytest.fixture(scope="module")
def keys() -> tuple[dict[str, str], dict[str, str]]:
    return keypair()


def sealed_for(public: dict[str, str], plaintext: bytes = b'{"email":"ann@corp.example"}') -> str:
    return jwe.encrypt(plaintext, public, kid=jwe.thumbprint(jwe.check_public_jwk(public)))


def with_header(token: str, header: dict[str, object]) -> str:
    parts = token.split(".")
    return ".".join([b64url(dumps(header)), *parts[1:]])


def header_of(token: str) -> dict[str, object]:
    return json.loads(b64url_decode(token.split(".")[0]))


# -- differential -------------------------------------------------------------------------------------------
def test_jwcrypto_opens_what_the_wallet_seals(keys) -> None:
    private, public = keys
    token = sealed_for(public)
    opened = jwcrypto_jwe.JWE()
    opened.deserialize(token, key=jwcrypto_jwk.JWK(**private))
    assert opened.payload == b'{"email":"ann@corp.example"}'
    assert header_of(token)["kid"] == jwcrypto_jwk.JWK(**public).thumbprint()  # the same RFC 7638 thumbprint


def test_the_wallet_opens_what_jwcrypto_seals(keys) -> None:
    private, public = keys
    made = jwcrypto_jwe.JWE(b"made by jwcrypto", json.dumps({"alg": "ECDH-ES", "enc": "A256GCM"}))
    made.add_recipient(jwcrypto_jwk.JWK(**public))
    assert jwe.decrypt(made.serialize(compact=True), private) == b"made by jwcrypto"


def test_the_wallet_opens_what_jwcrypto_seals_with_apu_and_apv(keys) -> None:
    private, public = keys
    protected = {"alg": "ECDH-ES", "enc": "A256GCM", "apu": b64url(b"Alice"), "apv": b64url(b"Bob")}
    made = jwcrypto_jwe.JWE(b"with party info", json.dumps(protected))
    made.add_recipient(jwcrypto_jwk.JWK(**public))
    assert jwe.decrypt(made.serialize(compact=True), private) == b"with party info"


def test_joserfc_both_ways(keys) -> None:
    joserfc = pytest.importorskip("joserfc")
    from joserfc import jwe as jf_jwe
    from joserfc.jwk import OKPKey

    private, public = keys
    key = OKPKey.import_key(private)
    assert jf_jwe.decrypt_compact(sealed_for(public), key).plaintext == b'{"email":"ann@corp.example"}'
    made = jf_jwe.encrypt_compact({"alg": "ECDH-ES", "enc": "A256GCM"}, b"made by joserfc", OKPKey.import_key(public))
    assert jwe.decrypt(made, private) == b"made by joserfc"
    assert joserfc


# -- attacks: each change gets its exact verdict ------------------------------------------------------------
def test_a_changed_header_does_not_open(keys) -> None:
    private, public = keys
    token = sealed_for(public)
    header = header_of(token)
    header["kid"] = "another"  # still a valid header: only the tag (the header is the AAD) catches it
    with pytest.raises(DecryptFailed):
        jwe.decrypt(with_header(token, header), private)


def test_a_swapped_epk_does_not_open(keys) -> None:
    private, public = keys
    token = sealed_for(public)
    header = header_of(token)
    header["epk"] = {"kty": "OKP", "crv": "X25519", "x": keypair()[1]["x"]}
    with pytest.raises(DecryptFailed):
        jwe.decrypt(with_header(token, header), private)


@pytest.mark.parametrize("part", [2, 3, 4], ids=["iv", "ciphertext", "tag"])
def test_a_flipped_bit_does_not_open(keys, part: int) -> None:
    private, public = keys
    parts = sealed_for(public).split(".")
    raw = bytearray(b64url_decode(parts[part]))
    raw[0] ^= 1
    parts[part] = b64url(bytes(raw))
    with pytest.raises(DecryptFailed, match="authentication tag"):
        jwe.decrypt(".".join(parts), private)


def test_the_wrong_key_does_not_open(keys) -> None:
    _, public = keys
    with pytest.raises(DecryptFailed, match="wrong key"):
        jwe.decrypt(sealed_for(public), keypair()[0])


@pytest.mark.parametrize("u", LOW_ORDER, ids=[f"u{i}" for i in range(len(LOW_ORDER))])
def test_a_low_order_epk_is_refused(keys, u: int) -> None:
    private, public = keys
    token = sealed_for(public)
    header = header_of(token)
    header["epk"] = {"kty": "OKP", "crv": "X25519", "x": b64url((u % 2**256).to_bytes(32, "little"))}
    with pytest.raises(DecryptFailed, match="low-order"):
        jwe.decrypt(with_header(token, header), private)


@pytest.mark.parametrize("change, message", [
    ({"alg": "RSA-OAEP"}, "alg must be ECDH-ES"),
    ({"alg": "ECDH-ES+A256KW"}, "alg must be ECDH-ES"),
    ({"alg": "dir"}, "alg must be ECDH-ES"),
    ({"enc": "A128GCM"}, "enc must be A256GCM"),
    ({"enc": "A256CBC-HS512"}, "enc must be A256GCM"),
    ({"zip": "DEF"}, "zip/crit"),
    ({"crit": ["exp"]}, "zip/crit"),
    ({"jku": "https://evil.example/keys"}, "unknown member 'jku'"),
    ({"jwk": {"kty": "OKP"}}, "unknown member 'jwk'"),
    ({"epk": {"kty": "EC", "crv": "P-256", "x": "AA", "y": "AA"}}, "epk must be"),
    ({"epk": {"kty": "OKP", "crv": "X448", "x": b64url(bytes(56))}}, "X25519 JWK"),
    ({"epk": {"kty": "OKP", "crv": "X25519", "x": b64url(bytes(31))}}, "32 bytes"),
    ({"epk": {"kty": "OKP", "crv": "X25519", "x": b64url(bytes(32)), "d": b64url(bytes(32))}}, "epk must be"),
    ({"epk": "not a key"}, "epk must be"),
    ({"kid": 7}, "'kid' must be a short string"),
    ({"apu": "not base64url!"}, "'apu' is not unpadded base64url"),
])
def test_a_strange_header_is_malformed(keys, change: dict[str, object], message: str) -> None:
    private, public = keys
    token = sealed_for(public)
    with pytest.raises(Malformed, match=message):
        jwe.decrypt(with_header(token, {**header_of(token), **change}), private)


def test_structure_attacks(keys) -> None:
    private, public = keys
    parts = sealed_for(public).split(".")
    bad = {
        "four parts": ".".join(parts[:4]),
        "an encrypted key": ".".join([parts[0], b64url(bytes(40)), *parts[2:]]),
        "a short nonce": ".".join([*parts[:2], b64url(bytes(8)), *parts[3:]]),
        "a short tag": ".".join([*parts[:4], b64url(bytes(8))]),
        "padding": ".".join([*parts[:4], parts[4] + "=="]),
        "a header array": ".".join([b64url(b"[]"), *parts[1:]]),
        "duplicate members": ".".join([b64url(b'{"alg":"ECDH-ES","alg":"dir"}'), *parts[1:]]),
        "non-ASCII": parts[0] + "é" + "." + ".".join(parts[1:]),
    }
    for what, token in bad.items():
        with pytest.raises(Malformed):
            jwe.decrypt(token, private)
            pytest.fail(what)
    with pytest.raises(TooLarge):
        jwe.parse("A" * (jwe.MAX_JWE_BYTES + 1))


def test_keys_that_are_not_x25519_public_keys_are_refused(keys) -> None:
    private, public = keys
    for wrong in ({**public, "crv": "Ed25519"}, {**public, "x": b64url(bytes(31))}, private,
                  {**public, "x": b64url(bytes(32))}, {"kty": "OKP"}):
        with pytest.raises(ValueError):
            jwe.check_public_jwk(wrong)


# -- in an assertion ----------------------------------------------------------------------------------------
@pytest.fixture
def sealed_assertion(file_wallet: Path, keys, cli):
    private, public = keys
    assert cli(["persona", "add", "work", "--attr", "email=ann@corp.example"]).code == 0
    key_file = file_wallet.parent / "shop.jwk"
    key_file.write_text(json.dumps(public))
    r = cli(["assert", "--to", "shop.example", "--fingerprint", FP, "--persona", "work", "--disclose", "email",
             "--to-key", str(key_file), "--format", "token", "--json"])
    assert r.code == 0, r.err
    return json.loads(r.out)


def claims_of(token: str) -> dict:
    return json.loads(b64url_decode(token.split(".")[1]))


def test_the_signed_claims_carry_only_the_jwe(sealed_assertion, keys) -> None:
    private, public = keys
    claims = claims_of(sealed_assertion["token"])
    assert "disclosed" not in claims and "ann@corp.example" not in sealed_assertion["token"]
    assert sealed_assertion["disclosed"] == {"email": "ann@corp.example"}  # the signer's own summary
    assert sealed_assertion["encrypted_for"] == jwe.thumbprint(public)
    inner = json.loads(jwe.decrypt(claims["disclosed_jwe"], private))
    assert inner == {"iss": claims["iss"], "aud": "https://shop.example", "jti": claims["jti"],
                     "disclosed": {"email": "ann@corp.example"}}


def test_a_verifier_without_the_key_verifies_and_sees_it_sealed(sealed_assertion, keys) -> None:
    result = verify(sealed_assertion["token"], audience="shop.example", fingerprints=[FP])
    assert result.valid, result.error
    assert result.disclosed == {} and result.encrypted == {"kid": jwe.thumbprint(keys[1]), "opened": False}


def test_the_signature_covers_the_jwe(sealed_assertion, keys) -> None:
    token = sealed_assertion["token"]
    claims = claims_of(token)
    claims["disclosed_jwe"] = sealed_for(keys[1], dumps({"iss": claims["iss"], "aud": claims["aud"], "jti": claims["jti"],
                                                        "disclosed": {"email": "eve@evil.example"}}))
    head, _, signature = token.split(".")
    forged = ".".join([head, b64url(dumps(claims)), signature])
    assert verify(forged, audience="shop.example", fingerprints=[FP]).error.code == "bad-signature"


def test_a_jwe_lifted_from_another_assertion_is_refused(keys) -> None:
    """Someone who cannot read a JWE re-signs it in an assertion of their own: its aud/jti give it away."""
    from nacl.bindings import crypto_sign_seed_keypair

    from wallet.identity.didkey import did_key_from_public
    from wallet.jose import sign_compact

    private, public = keys
    public_key, secret = crypto_sign_seed_keypair(bytes(32))
    victim = did_key_from_public(crypto_sign_seed_keypair(bytes([7]) * 32)[0])
    victims = sealed_for(public, dumps({"iss": victim, "aud": "https://shop.example", "jti": "A" * 22,
                                        "disclosed": {"email": "x@y"}}))
    payload = {"iss": did_key_from_public(public_key), "aud": "https://shop.example", "iat": 1800000000,
               "exp": 1800000300, "jti": "B" * 22, "contents": [{"algorithm": "sha-256", "digest": FP[8:]}],
               "state": "pseudonymous", "disclosed_jwe": victims}
    token = sign_compact({"alg": "EdDSA", "typ": "wallet-identity+jwt"}, payload, secret)
    result = verify(token, audience="shop.example", fingerprints=[FP], at=1800000010, decrypt_key=private)
    assert result.error.code == "malformed" and "another assertion" in result.error.message
    both = sign_compact({"alg": "EdDSA", "typ": "wallet-identity+jwt"}, {**payload, "disclosed": {}}, secret)
    assert verify(both, audience="shop.example", fingerprints=[FP], at=1800000010).error.code == "malformed"


def test_decrypt_failed_is_a_documented_verdict() -> None:
    assert CODES["decrypt-failed"] == 35


# -- the command line ---------------------------------------------------------------------------------------
def write_private(path: Path, private: dict[str, str], mode: int = 0o600) -> Path:
    path.write_text(json.dumps(private))
    path.chmod(mode)
    return path


def test_verify_decrypt_key_opens_it(cli, sealed_assertion, keys, tmp_path: Path) -> None:
    key = write_private(tmp_path / "shop.private.jwk", keys[0])
    token = sealed_assertion["token"]
    r = cli(["verify", "-", "--audience", "shop.example", "--fingerprint", FP, "--no-replay-check", "--json"],
            stdin=token.encode())
    assert r.code == 0 and json.loads(r.out)["encrypted"]["opened"] is False and json.loads(r.out)["disclosed"] == {}
    r = cli(["verify", "-", "--audience", "shop.example", "--fingerprint", FP, "--no-replay-check", "--json",
             "--decrypt-key", str(key)], stdin=token.encode())
    doc = json.loads(r.out)
    assert r.code == 0, r.err
    assert doc["disclosed"] == {"email": "ann@corp.example"} and doc["encrypted"]["opened"] is True
    r = cli(["verify", "-", "--audience", "shop.example", "--fingerprint", FP, "--no-replay-check",
             "--decrypt-key", str(key)], stdin=token.encode())
    assert 'email="ann@corp.example" (encrypted for your key' in r.out


def test_verify_with_the_wrong_key_is_decrypt_failed(cli, sealed_assertion, tmp_path: Path) -> None:
    key = write_private(tmp_path / "other.jwk", keypair()[0])
    r = cli(["verify", "-", "--audience", "shop.example", "--fingerprint", FP, "--no-replay-check", "--json",
             "--decrypt-key", str(key)], stdin=sealed_assertion["token"].encode())
    assert r.code == 35 and json.loads(r.out)["error"]["code"] == "decrypt-failed"


def test_a_loose_decrypt_key_file_is_refused(cli, sealed_assertion, keys, tmp_path: Path) -> None:
    key = write_private(tmp_path / "loose.jwk", keys[0], mode=0o644)
    r = cli(["verify", "-", "--audience", "shop.example", "--fingerprint", FP, "--no-replay-check",
             "--decrypt-key", str(key)], stdin=sealed_assertion["token"].encode())
    assert r.code == 6 and "chmod 600" in r.err


def test_a_public_key_is_not_a_decrypt_key_and_a_private_one_is_not_a_to_key(cli, work_keys, tmp_path) -> None:
    private, public = work_keys
    pub = write_private(tmp_path / "pub.jwk", public)
    r = cli(["verify", "-", "--audience", "shop.example", "--decrypt-key", str(pub)], stdin=b"x")
    assert r.code == 2 and "not a private X25519 JWK" in r.err
    priv = write_private(tmp_path / "priv.jwk", private)
    r = cli(["assert", "--to", "shop.example", "--fingerprint", FP, "--to-key", str(priv)])
    assert r.code == 2 and "private key" in r.err


@pytest.fixture
def work_keys(file_wallet: Path):
    return keypair()


def test_the_destination_policy_key_is_used(cli, file_wallet: Path, keys, tmp_path: Path) -> None:
    private, public = keys
    assert cli(["persona", "add", "work", "--attr", "email=ann@corp.example"]).code == 0
    policy = tmp_path / "shop.json"
    policy.write_text(json.dumps({"version": 3, "party": "https://shop.example", "accept": ["pseudonymous"],
                                  "require": ["email"], "encryption_key": public}))
    sdp = Path(__file__).parent / "fixtures" / "sdp" / "sdp_chrome_offer_bundle_media_level_fingerprint.sdp"
    r = cli(["sign-sdp", "--to", "shop.example", str(sdp), "--persona", "work", "--disclose", "email",
             "--policy", str(policy)])
    assert r.code == 0, r.err
    key = write_private(tmp_path / "shop.private.jwk", private)
    signed = r.out
    assert "ann@corp.example" not in base64.b64decode(signed.split("a=identity:")[1].split()[0]).decode()
    r = cli(["verify", "-", "--audience", "shop.example", "--no-replay-check", "--policy", str(policy)], stdin=signed.encode())
    assert r.code == 22  # the policy requires email: without the key it cannot see it
    r = cli(["verify", "-", "--audience", "shop.example", "--no-replay-check", "--policy", str(policy),
             "--decrypt-key", str(key)], stdin=signed.encode())
    assert r.code == 0, r.err


def test_plain_verify_does_not_import_cryptography(tmp_path: Path) -> None:
    code = ("import sys; from wallet.assertions.verify import verify; verify(b'x', audience='shop.example'); "
            "print('cryptography' in sys.modules, 'wallet.jwe' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]

"""Endorsements inside the encrypted disclosure (draft 8.4.2), and `wallet verify --batch --decrypt-key`.

Which identity provider vouches for the caller, and for what, is a disclosure like any attribute: when the
destination publishes an encryption key, the SD-JWT presentations travel inside the JWE, under the signature,
and only the destination sees them. These tests attack that: a reader of the SDP learns nothing of them, a
verifier without the key sees a sealed disclosure and no endorsement, one with the key checks them exactly as
clear ones (issuer, key binding to this assertion), and an assertion may not carry both kinds.
"""

from __future__ import annotations

import json
from pathlib import Path

from jwcrypto import jwe as jwcrypto_jwe, jwk as jwcrypto_jwk
from nacl.bindings import crypto_sign_seed_keypair

from test_cli_endorsements import ISS, SDP, world  # noqa: F401  (a fixture: a wallet endorsed by ISS, a verifier trusting it)
from test_jwe import FP, claims_of, keypair, keys, sealed_assertion, write_private  # noqa: F401
from wallet import jwe
from wallet.assertions.token import claims as make_claims, seal_disclosure
from wallet.assertions.verify import verify
from wallet.identity.derivation import KeyScope, Pseudonym
from wallet.jose import sign_compact


def _signed(cli, world: Path, public: dict[str, str]) -> Path:  # noqa: F811
    key_file = world / "shop.jwk"
    key_file.write_text(json.dumps(public))
    signed = world / "sealed.sdp"
    r = cli(["sign-sdp", "--to", "shop.example", "--state", "identified", "--verified", "name", "--endorsed-by", ISS,
             "--to-key", str(key_file), str(SDP), "-o", str(signed)])
    assert r.code == 0, r.err
    return signed


def _token(signed: Path) -> str:
    import base64

    line = next(x for x in signed.read_text().splitlines() if x.startswith("a=identity:"))
    return json.loads(base64.b64decode(line[len("a=identity:"):]))["assertion"]


def test_endorsements_travel_inside_the_jwe_and_only_the_destination_sees_them(cli, world: Path) -> None:  # noqa: F811
    private, public = keypair()
    signed = _signed(cli, world, public)
    token = _token(signed)
    assert "endorsements" not in claims_of(token) and "disclosed_jwe" in claims_of(token)
    text = signed.read_text()
    for leak in ("Alice", "idp.example", "~"):  # no claim value, no issuer, no SD-JWT anywhere in the SDP
        assert leak not in text and leak not in json.dumps(claims_of(token))
    trust = str(world / "trust.json")
    blind = json.loads(cli(["verify", str(signed), "--audience", "shop.example", "--trust", trust, "--json",
                            "--no-replay-check"]).out)
    assert blind["valid"] and blind["endorsements"] == [] and blind["encrypted"] == {"kid": jwe.thumbprint(public),
                                                                                    "opened": False}
    key_file = write_private(world / "shop.private.jwk", private)
    opened = cli(["verify", str(signed), "--audience", "shop.example", "--trust", trust, "--json", "--decrypt-key",
                  str(key_file), "--no-replay-check"])
    doc = json.loads(opened.out)
    assert opened.code == 0 and doc["encrypted"]["opened"] is True
    assert doc["endorsements"] == [{"issuer": ISS, "vct": "urn:wallet:vct:person", "claims": {"name": "Alice Example"},
                                    "status": "unchecked", "once": False}]
    untrusting = cli(["verify", str(signed), "--audience", "shop.example", "--decrypt-key", str(key_file),
                      "--no-replay-check"])
    assert untrusting.code == 24 and "untrusted-issuer" in untrusting.err  # opened, then checked like clear ones


def test_jwcrypto_reads_the_endorsements_the_wallet_seals(cli, world: Path) -> None:  # noqa: F811
    private, public = keypair()
    token = _token(_signed(cli, world, public))
    key = jwcrypto_jwk.JWK(**private)
    sealed = jwcrypto_jwe.JWE()
    sealed.deserialize(claims_of(token)["disclosed_jwe"], key=key)
    inner = json.loads(sealed.payload)
    assert set(inner) == {"iss", "aud", "jti", "disclosed", "endorsements"} and inner["jti"] == claims_of(token)["jti"]
    assert len(inner["endorsements"]) == 1 and inner["endorsements"][0].count("~") >= 2  # an SD-JWT with a KB-JWT


def _forged(inner_endorsements: bool, clear_endorsements: bool, public: dict[str, str]) -> str:
    """An assertion signed by its own key whose JWE and/or clear claims carry endorsement presentations."""
    pub, secret = crypto_sign_seed_keypair(bytes(range(32)))
    key = Pseudonym(KeyScope.ONE_TIME, pub, secret)
    from wallet.assertions.sdp import Fingerprint

    payload = make_claims(key, audience="https://shop.example", fingerprints=[Fingerprint.parse(FP)],
                          state="pseudonymous", disclosed={})
    if inner_endorsements:
        payload["endorsements"] = ["e30.e30.c2ln~"]
    seal_disclosure(payload, public)
    if clear_endorsements:
        payload["endorsements"] = ["e30.e30.c2ln~"]
    return sign_compact({"alg": "EdDSA", "typ": "wallet-identity+jwt"}, payload, secret)


def test_endorsements_both_clear_and_sealed_are_malformed(keys) -> None:  # noqa: F811
    private, public = keys
    result = verify(_forged(True, True, public), audience="shop.example", fingerprints=[FP], decrypt_key=private)
    assert result.error is not None and result.error.code == "malformed"
    assert "either in the clear or encrypted" in result.error.message


def test_a_sealed_endorsement_is_checked_like_a_clear_one(keys) -> None:  # noqa: F811
    """A junk presentation inside the JWE is refused once opened; unopened, it is not believed either."""
    private, public = keys
    forged = _forged(True, False, public)
    opened = verify(forged, audience="shop.example", fingerprints=[FP], decrypt_key=private)
    clear = verify(_forged(False, True, public), audience="shop.example", fingerprints=[FP], decrypt_key=private)
    assert opened.error is not None and clear.error is not None and not opened.valid
    assert (opened.error.code, opened.error.message) == (clear.error.code, clear.error.message) == (
        "bad-endorsement", "the endorsement's unsupported alg 'NoneType' (only EdDSA)")
    blind = verify(forged, audience="shop.example", fingerprints=[FP])
    assert blind.valid and blind.endorsements == [] and blind.encrypted == {"kid": jwe.thumbprint(public),
                                                                            "opened": False}


def test_verify_batch_opens_each_disclosure_with_the_decrypt_key(cli, sealed_assertion, keys, tmp_path: Path) -> None:  # noqa: F811
    private, _ = keys
    token = sealed_assertion["token"]
    requests = tmp_path / "r.jsonl"
    requests.write_text(json.dumps({"assertion": token, "fingerprints": [FP], "ref": 1}) + "\n")
    right = write_private(tmp_path / "right.jwk", private)
    wrong = write_private(tmp_path / "wrong.jwk", keypair()[0])
    out = cli(["verify", "--batch", str(requests), "--audience", "shop.example", "--no-replay-check", "--decrypt-key",
               str(right)])
    doc = json.loads(out.out)
    assert out.code == 0 and doc["valid"] and doc["disclosed"] == {"email": "ann@corp.example"}
    assert doc["encrypted"]["opened"] is True
    out = cli(["verify", "--batch", str(requests), "--audience", "shop.example", "--no-replay-check", "--decrypt-key",
               str(wrong)])
    doc = json.loads(out.out)
    assert not doc["valid"] and doc["error"]["code"] == "decrypt-failed" and doc["ref"] == 1
    plain = json.loads(cli(["verify", "--batch", str(requests), "--audience", "shop.example",
                            "--no-replay-check"]).out)
    assert plain["valid"] and plain["disclosed"] == {} and plain["encrypted"]["opened"] is False


def test_encryption_key_new_makes_a_pair_that_seals_and_opens(cli, file_wallet: Path, tmp_path: Path) -> None:
    """The destination's own key pair, end to end: the public JWK a caller encrypts for, the private file verify
    opens with; jwcrypto opens it too; an existing file is never replaced without --force."""
    private_file = tmp_path / "shop.x25519.private.jwk"
    made = cli(["encryption-key", "new", "-o", str(private_file)])
    assert made.code == 0, made.err
    public = json.loads(made.out)
    assert set(public) == {"kty", "crv", "x"} and oct(private_file.stat().st_mode & 0o777) == "0o600"
    shown = json.loads(cli(["encryption-key", "public", str(private_file), "--json"]).out)
    assert shown["public_key"] == public and shown["kid"] == jwe.thumbprint(public)
    before = private_file.read_bytes()
    again = cli(["encryption-key", "new", "-o", str(private_file)])
    assert again.code == 2 and "already exists" in again.err and again.out == ""
    assert private_file.read_bytes() == before
    (tmp_path / "shop.jwk").write_text(made.out)
    assert cli(["persona", "add", "work", "--attr", "email=ann@corp.example"]).code == 0
    signed = json.loads(cli(["assert", "--to", "shop.example", "--fingerprint", FP, "--persona", "work", "--disclose",
                             "email", "--to-key", str(tmp_path / "shop.jwk"), "--format", "token", "--json"]).out)
    assert signed["encrypted_for"] == shown["kid"]
    token_file = tmp_path / "t.jws"
    token_file.write_text(signed["token"])
    opened = json.loads(cli(["verify", str(token_file), "--audience", "shop.example", "--fingerprint", FP, "--json",
                             "--decrypt-key", str(private_file), "--no-replay-check"]).out)
    assert opened["valid"] and opened["disclosed"] == {"email": "ann@corp.example"}
    key = jwcrypto_jwk.JWK(**json.loads(private_file.read_text()))
    sealed = jwcrypto_jwe.JWE()
    sealed.deserialize(claims_of(signed["token"])["disclosed_jwe"], key=key)
    assert json.loads(sealed.payload)["disclosed"] == {"email": "ann@corp.example"}
    private_file.chmod(0o644)
    loose = cli(["encryption-key", "public", str(private_file)])
    assert loose.code == 6 and "chmod 600" in loose.err and loose.out == ""

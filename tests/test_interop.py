"""Real parts: independent JOSE libraries verify wallet tokens from `iss` alone; aiortc accepts signed SDPs."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest


FIXTURES = Path(__file__).parent / "fixtures" / "sdp"


def public_key_from_did(did: str) -> bytes:
    """An independent did:key decoder (not wallet.identity.didkey): multibase z, base58btc, multicodec 0xed01."""
    alphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
    assert did.startswith("did:key:z")
    n = 0
    for ch in did[len("did:key:z"):]:
        n = n * 58 + alphabet.index(ch)
    raw = n.to_bytes(34, "big")
    assert raw[:2] == b"\xed\x01"
    return raw[2:]


@pytest.fixture
def issued(cli, file_wallet: Path) -> dict:
    assert cli(["persona", "add", "work", "--attr", "email=ann@corp.example"]).code == 0
    fp = "sha-256 " + ":".join(["AB"] * 32)
    r = cli(["assert", "--to", "shop.example", "--fingerprint", fp, "--persona", "work", "--state", "identified",
             "--disclose", "email", "--json"])
    assert r.code == 0, r.err
    return json.loads(r.out)


def test_pyjwt_verifies_with_the_key_from_iss(issued: dict) -> None:
    import jwt
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    header = jwt.get_unverified_header(issued["token"])
    assert header == {"alg": "EdDSA", "typ": "wallet-identity+jwt"}
    unverified = jwt.decode(issued["token"], options={"verify_signature": False})
    key = Ed25519PublicKey.from_public_bytes(public_key_from_did(unverified["iss"]))
    claims = jwt.decode(issued["token"], key=key, algorithms=["EdDSA"], audience="https://shop.example")
    assert claims["iss"] == issued["id"] and claims["state"] == "identified"
    assert claims["disclosed"] == {"email": "ann@corp.example"}
    assert claims["contents"] == [{"algorithm": "sha-256", "digest": ":".join(["AB"] * 32)}]
    assert claims["exp"] - claims["iat"] == 300 and len(claims["jti"]) >= 22


def test_jwcrypto_verifies_with_the_key_from_iss(issued: dict) -> None:
    import base64

    from jwcrypto import jwk, jws

    iss = json.loads(base64.urlsafe_b64decode(issued["token"].split(".")[1] + "=="))["iss"]
    x = base64.urlsafe_b64encode(public_key_from_did(iss)).rstrip(b"=").decode()
    key = jwk.JWK(kty="OKP", crv="Ed25519", x=x)
    obj = jws.JWS()
    obj.deserialize(issued["token"])
    obj.verify(key, alg="EdDSA")
    assert json.loads(obj.payload)["aud"] == "https://shop.example"


def test_tampered_token_fails_in_pyjwt_too(issued: dict) -> None:
    import jwt
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    head, payload, sig = issued["token"].split(".")
    forged = head + "." + payload[:-2] + ("A" if payload[-2] != "A" else "B") + payload[-1] + "." + sig
    key = Ed25519PublicKey.from_public_bytes(public_key_from_did(issued["id"]))
    with pytest.raises(jwt.exceptions.PyJWTError):
        jwt.decode(forged, key=key, algorithms=["EdDSA"], audience="https://shop.example")


def test_token_made_by_pyjwt_verifies_in_wallet() -> None:
    """The other direction: a third party implementing docs/assertion-format.md with PyJWT."""
    import os
    import time

    import jwt
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    from wallet.identity.didkey import did_key_from_public
    from wallet.assertions.verify import verify

    key = Ed25519PrivateKey.generate()
    did = did_key_from_public(key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw))
    now = int(time.time())
    fp = {"algorithm": "sha-256", "digest": ":".join(["CD"] * 32)}
    token = jwt.encode(
        {"iss": did, "aud": "https://shop.example", "iat": now, "exp": now + 60,
         "jti": jwt.utils.base64url_encode(os.urandom(16)).decode(), "contents": [fp],
         "state": "unlinkable", "disclosed": {}},
        key, algorithm="EdDSA", headers={"typ": "wallet-identity+jwt"},
    )
    result = verify(token, audience="shop.example", fingerprints=[f"sha-256 {fp['digest']}"])
    assert result.valid, result.error


def test_live_aiortc_offer_and_answer_signed_verified_and_accepted(cli, proc, file_wallet: Path, tmp_path: Path) -> None:
    """aiortc makes a real offer and answer; the wallet signs both; aiortc accepts the signed SDPs as remote
    descriptions; the verifier accepts them and checks every fingerprint aiortc put in them."""
    from aiortc import RTCPeerConnection, RTCSessionDescription

    def sign(sdp: str, to: str, name: str) -> str:
        src, out = tmp_path / f"{name}.sdp", tmp_path / f"{name}.signed.sdp"
        src.write_bytes(sdp.encode())
        r = cli(["sign-sdp", "--to", to, str(src), "-o", str(out)])
        assert r.code == 0, r.err
        return out.read_bytes().decode()

    async def call() -> list[tuple[str, str, str]]:
        caller, callee = RTCPeerConnection(), RTCPeerConnection()
        caller.addTransceiver("audio")
        caller.createDataChannel("chat")
        await caller.setLocalDescription(await caller.createOffer())
        offer = caller.localDescription.sdp
        signed_offer = sign(offer, "callee.example", "offer")
        await callee.setRemoteDescription(RTCSessionDescription(sdp=signed_offer, type="offer"))
        await callee.setLocalDescription(await callee.createAnswer())
        answer = callee.localDescription.sdp
        signed_answer = sign(answer, "caller.example", "answer")
        await caller.setRemoteDescription(RTCSessionDescription(sdp=signed_answer, type="answer"))
        await caller.close()
        await callee.close()
        return [(offer, signed_offer, "https://callee.example"), (answer, signed_answer, "https://caller.example")]

    for original, signed, audience in asyncio.run(call()):
        identity = next(line for line in signed.split("\r\n") if line.startswith("a=identity:"))
        assert signed.replace(identity + "\r\n", "", 1) == original  # every other byte unchanged
        path = tmp_path / "check.sdp"
        path.write_bytes(signed.encode())
        v = proc(["verify", str(path), "--audience", audience, "--no-replay-check", "--json"])
        assert v.code == 0, v.err
        expected = []
        for line in original.split("\r\n"):
            if line.startswith("a=fingerprint:"):
                alg, digest = line.split(":", 1)[1].split()
                if {"algorithm": alg, "digest": digest.upper()} not in expected:
                    expected.append({"algorithm": alg, "digest": digest.upper()})
        assert len(expected) == 3 and json.loads(v.out)["fingerprints"] == expected

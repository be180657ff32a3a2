"""SIP interworking (use case 7.7) as attacks: the gateway's PASSporT read by PyJWT, the RFC 8224 example header,
tampered From/To/orig/dest, an old iat, alg/ppt mismatches, and hostile bytes (no traceback, only verdicts)."""

from __future__ import annotations

import json
import os
import random

import jwt
import pytest

from wallet.errors import Rejected
from wallet.interworking import passport
from wallet.interworking.gateway import create_gateway, verify_sip
from wallet.interworking.sip import parse_identity, parse_message

NOW = 1_800_000_000
#: RFC 8224 section 4 (example INVITE), the Identity header's value as the RFC prints it.
RFC8224_IDENTITY = (
    "eyJhbGciOiJFUzI1NiIsInR5cCI6InBhc3Nwb3J0IiwieDV1IjoiaHR0cHM6Ly9jZXJ0LmV4YW1wbGUub3JnL3Bhc3Nwb3J0LmNlciJ9."
    "eyJkZXN0Ijp7InVyaSI6WyJzaXA6YWxpY2VAZXhhbXBsZS5jb20iXX0sImlhdCI6IjE0NDMyMDgzNDUiLCJvcmlnIjp7InRuIjoiMTIxNTU1NTEyMTIifX0."
    "rq3pjT1hoRwakEGjHCnWSwUnshd0-zJ6F1VOgFWSjHBr8Qjpjlk-cpFYpFYsojNCpTzO3QfPOlckGaS6hEck7w"
    ";info=<https://biloxi.example.org/biloxi.cert>;alg=ES256")


@pytest.fixture
def gateway(tmp_path):
    return create_gateway(str(tmp_path / "gw"), x5u="https://gateway.example/cert.pem")


def invite(gateway, callee: str = "+447700900123") -> bytes:
    return gateway.invite_for(None, caller="+44 20 7123 4567", callee=callee, sdp=b"v=0\r\ns=-\r\n", now=NOW)


def identity_of(message: bytes) -> str:
    return message.split(b"\r\nIdentity: ", 1)[1].split(b"\r\n", 1)[0].decode()


def test_the_gateway_key_is_private(tmp_path, gateway) -> None:
    home = tmp_path / "gw"
    assert oct(home.stat().st_mode & 0o777) == "0o700"
    assert oct((home / "gateway-key.pem").stat().st_mode & 0o777) == "0o600"


def test_pyjwt_verifies_the_gateways_passport(gateway) -> None:
    token = parse_identity(identity_of(invite(gateway))).passport
    claims = jwt.decode(token, gateway.public_pem(), algorithms=["ES256"], options={"verify_iat": False})
    header = jwt.get_unverified_header(token)
    assert header == {"alg": "ES256", "ppt": "shaken", "typ": "passport", "x5u": "https://gateway.example/cert.pem"}
    assert claims["orig"] == {"tn": "442071234567"} and claims["dest"] == {"tn": ["447700900123"]}
    assert claims["attest"] == "C" and claims["iat"] == NOW and len(claims["origid"]) == 36
    # RFC 8225 section 9: the claims are serialised with sorted keys and no whitespace.
    assert passport.decode(token)[2].split(".")[1] == passport._serialise(claims)
    assert len(passport.b64url_decode(token.split(".")[2])) == 64  # R||S, never DER


def test_a_passport_pyjwt_signs_verifies_here(gateway) -> None:
    claims = {"attest": "B", "dest": {"uri": ["sip:bob@biloxi.example.org"]}, "iat": NOW, "orig": {"tn": "442071234567"},
              "origid": "123e4567-e89b-12d3-a456-426614174000"}
    token = jwt.encode(claims, gateway.key, algorithm="ES256",
                       headers={"typ": "passport", "ppt": "shaken", "x5u": "https://gateway.example/cert.pem"})
    message = (f"INVITE sip:bob@biloxi.example.org SIP/2.0\r\nFrom: <tel:+442071234567>;tag=1\r\n"
               f"To: Bob <sip:bob@Biloxi.example.org>\r\nIdentity: {token};info=<https://gateway.example/cert.pem>;"
               f"alg=ES256;ppt=shaken\r\nContent-Length: 0\r\n\r\n").encode()
    assert verify_sip(message, key_pem=gateway.public_pem(), now=NOW).claims["attest"] == "B"


def test_the_rfc_8224_example_header_parses() -> None:
    header = parse_identity(RFC8224_IDENTITY)
    assert header.info == "https://biloxi.example.org/biloxi.cert" and header.alg == "ES256" and header.ppt is None
    head, claims, _, signature = passport.decode(header.passport)
    assert head == {"alg": "ES256", "typ": "passport", "x5u": "https://cert.example.org/passport.cer"}
    assert claims["orig"] == {"tn": "12155551212"} and len(signature) == 64
    # The RFC prints iat as a string (a known erratum): this verifier refuses it as malformed.
    with pytest.raises(Rejected) as caught:
        passport._check_claims(head, claims)
    assert caught.value.code == "malformed"
    # Whitespace around the separators is allowed (SEMI, EQUAL); the header in a whole message too.
    assert parse_identity(RFC8224_IDENTITY.replace(";", " ; ").replace("=", " = ")).info == header.info
    message = ("INVITE sip:bob@biloxi.example.org SIP/2.0\r\nTo: Bob <sip:bob@biloxi.example.org>\r\n"
               "From: Alice <sip:+12155551212@atlanta.example.com>;tag=1928301774\r\n"
               f"y: {RFC8224_IDENTITY}\r\n\r\n").encode()
    parsed = parse_message(message)
    assert parsed.from_.tn == "12155551212" and parsed.to.uri == "sip:bob@biloxi.example.org"


def test_the_sip_side_accepts_the_gateways_invite(gateway) -> None:
    verdict = verify_sip(invite(gateway), key_pem=gateway.public_pem(), now=NOW + 5)
    assert verdict.to_json()["orig"] == "+442071234567" and verdict.to_json()["dest"] == "+447700900123"
    sip = invite(gateway, "sip:bob@biloxi.example.org")
    assert verify_sip(sip, key_pem=gateway.public_pem(), now=NOW).to_json()["dest"] == "sip:bob@biloxi.example.org"
    # a bare header block is enough
    head = invite(gateway).split(b"\r\n\r\n")[0].split(b"\r\n", 1)[1]
    assert verify_sip(head, key_pem=gateway.public_pem(), now=NOW).claims["attest"] == "C"


def refused(message: bytes, gateway, now: int = NOW) -> str:
    with pytest.raises(Rejected) as caught:
        verify_sip(message, key_pem=gateway.public_pem(), now=now)
    return caught.value.code


@pytest.mark.parametrize("old,new,code", [
    (b"From: <tel:+442071234567>", b"From: <tel:+442071234568>", "sip-mismatch"),
    (b"To: <tel:+447700900123>", b"To: <tel:+447700900999>", "sip-mismatch"),
    (b"To: <tel:+447700900123>", b"To: <sip:bob@biloxi.example.org>", "sip-mismatch"),
    (b";alg=ES256", b";alg=RS256", "sip-parameter-mismatch"),
    (b";ppt=shaken", b";ppt=div", "sip-parameter-mismatch"),
    (b";ppt=shaken", b"", "sip-parameter-mismatch"),
    (b";info=<https://gateway.example/cert.pem>", b"", "malformed"),
])
def test_tampered_from_to_and_parameters_are_refused(gateway, old, new, code) -> None:
    message = invite(gateway)
    assert old in message
    assert refused(message.replace(old, new), gateway) == code


def test_tampered_orig_and_dest_are_refused(gateway, tmp_path) -> None:
    message = invite(gateway)
    token = parse_identity(identity_of(message)).passport
    head, body, sig = token.split(".")
    for field, value in (("orig", {"tn": "442071234568"}), ("dest", {"tn": ["447700900999"]})):
        claims = json.loads(passport.b64url_decode(body))
        claims[field] = value
        forged = ".".join((head, passport._serialise(claims), sig))
        assert refused(message.replace(token.encode(), forged.encode()), gateway) == "bad-signature"
    other = create_gateway(str(tmp_path / "other"))
    assert refused(invite(other), gateway) == "bad-signature"  # signed by an untrusted gateway


def test_an_old_or_future_iat_is_refused(gateway) -> None:
    assert refused(invite(gateway), gateway, now=NOW + passport.FRESHNESS_SECONDS + 1) == "expired"
    assert refused(invite(gateway), gateway, now=NOW - 3600) == "not-yet-valid"
    verify_sip(invite(gateway), key_pem=gateway.public_pem(), now=NOW + passport.FRESHNESS_SECONDS)


def test_a_der_signature_or_another_alg_is_refused(gateway) -> None:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec

    message = invite(gateway)
    token = parse_identity(identity_of(message)).passport
    signing_input = token.rsplit(".", 1)[0]
    der = gateway.key.sign(signing_input.encode(), ec.ECDSA(hashes.SHA256()))
    forged = signing_input + "." + passport.b64url(der)
    assert refused(message.replace(token.encode(), forged.encode()), gateway) == "bad-signature"
    none = jwt.encode({"orig": {"tn": "442071234567"}}, None, algorithm="none",
                      headers={"typ": "passport", "ppt": "shaken", "x5u": "https://gateway.example/cert.pem"})
    assert refused(message.replace(token.encode(), none.encode() + b"AAAA"), gateway) in ("malformed",
                                                                                           "sip-parameter-mismatch")


def test_two_identity_headers_or_folded_lines_are_refused(gateway) -> None:
    message = invite(gateway)
    line = b"Identity: " + identity_of(message).encode() + b"\r\n"
    assert refused(message.replace(line, line + line), gateway) == "malformed"
    assert refused(message.replace(b"\r\nTo:", b"\r\n To:"), gateway) == "malformed"
    assert refused(message.replace(b"Content-Length: 10", b"Content-Length: 12"), gateway) == "malformed"
    assert refused(message + b"x" * (64 << 10), gateway) == "too-large"


def test_hostile_bytes_give_verdicts_never_a_traceback(gateway) -> None:
    """Mutations of a valid INVITE (bytes flipped, cut, spliced, repeated): each is refused with a verdict or
    still verifies; nothing raises anything but Rejected."""
    rng = random.Random(8224)
    base = invite(gateway)
    key = gateway.public_pem()
    from wallet.interworking.gateway import load_public_key

    trusted = load_public_key(key)
    alphabet = b";:<>=\"\\\r\n\t .,@+-_/\x00\xff\xc3" + bytes(range(0x41, 0x5b))
    for i in range(3000):
        data = bytearray(base)
        for _ in range(rng.randint(1, 6)):
            op = rng.randrange(4)
            at = rng.randrange(len(data) + 1)
            if op == 0 and data:
                data[min(at, len(data) - 1)] = rng.choice(alphabet)
            elif op == 1:
                del data[at:at + rng.randint(1, 40)]
            elif op == 2:
                data[at:at] = bytes(rng.choice(alphabet) for _ in range(rng.randint(1, 8)))
            else:
                data[at:at] = data[rng.randrange(len(data) or 1):][:rng.randint(1, 200)]
        try:
            verify_sip(bytes(data), key=trusted, now=NOW)
        except Rejected:
            pass
    for size in (0, 1, 100):
        for _ in range(200):
            try:
                verify_sip(os.urandom(size), key=trusted, now=NOW)
            except Rejected:
                pass


def test_differential_against_pyjwt_on_mutated_passports(gateway) -> None:
    """Flip characters of a valid PASSporT: this verifier accepts exactly what PyJWT accepts (signature level)."""
    rng = random.Random(7518)
    token = parse_identity(identity_of(invite(gateway))).passport
    key = gateway.key.public_key()
    chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    for _ in range(400):
        at = rng.randrange(len(token))
        if token[at] == ".":
            continue
        mutated = token[:at] + rng.choice(chars) + token[at + 1:]
        try:
            jwt.decode(mutated, key, algorithms=["ES256"], options={"verify_iat": False})
            theirs = True
        except jwt.PyJWTError:
            theirs = False
        try:
            passport.verify(mutated, key=key, now=NOW)
            ours = True
        except Rejected:
            ours = False
        # PyJWT is laxer on base64 (non-canonical final characters) and on claims; never the other way round.
        assert not ours or theirs, mutated

"""docs/endorsements.md's worked example is exactly what the formats say, what the code produces, and it verifies.

The example is built here by hand (hashlib, zlib, libsodium and a ten-line JWS signer), never with the
wallet's issuing or presenting code, so a bug there cannot hide in the documentation. Then:

* every value the doc shows is recomputed and must appear in it verbatim (long values are wrapped in the
  doc's code blocks; a blank line separates one value from the next);
* the wallet's own code, with its randomness replaced by the example's fixed salts, decoys and jti, must
  produce the same bytes (issuer, holder presentation, request, response);
* the doc's presentation, inside an assertion signed by the holder key, passes ``wallet.assertions.verify``
  with a trust store holding the issuer key, and each verification code of the doc's section 7 is what the
  verifier answers for the case the doc describes.

Run ``python tests/test_endorsements_doc.py`` to print the values (to regenerate the doc after a change).
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import time
import zlib
from pathlib import Path
from typing import Any

import pytest
from nacl.bindings import crypto_sign, crypto_sign_seed_keypair

DOC_PATH = Path(__file__).resolve().parents[1] / "docs" / "endorsements.md"

# -- the fixed inputs (section 12 of the doc) ----------------------------------------------------------
ISSUER = "https://idp.example"
STATUS_URI = ISSUER + "/statuslists/1"
AUDIENCE = "https://shop.example"
ISSUER_SEED = bytes([3]) * 32
HOLDER_SEED = bytes([1]) * 32
ACCOUNT_SEED = bytes([2]) * 32
CLAIMS: dict[str, Any] = {"verified_person": True, "name": "Ann Example", "email": "ann@corp.example"}
SHOWN = ("verified_person", "name")  # what the reconciled outcome lets out; email stays withheld
VCT = "urn:wallet:vct:person"
STATUS_INDEX = 4242
REVOKED = (7, 4243)  # other entries of the example status list, revoked
LIST_SIZE = 1 << 17
REQUEST_AT = 1_799_913_000
ISSUED_AT = 1_799_913_600
TTL = 90 * 86_400
CALL_AT = 1_800_000_000
VERIFY_AT = 1_800_000_010
STATUS_AT = CALL_AT - 3600
STATUS_TTL = 86_400
FP = "0B:3E:85:7D:CE:8B:1A:2C:9E:4F:66:10:8C:1D:4D:3A:90:55:7A:3B:0E:61:AD:0F:6F:29:59:B0:10:0D:5E:3C"
LABEL = "docs/endorsements.md"


# -- the building blocks, by hand ----------------------------------------------------------------------
def b64u(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def compact_json(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def jws(header: dict[str, Any], payload: dict[str, Any], secret: bytes) -> str:
    signing_input = b64u(compact_json(header).encode()) + "." + b64u(compact_json(payload).encode())
    return signing_input + "." + b64u(crypto_sign(signing_input.encode("ascii"), secret)[:64])


def sha256_b64u(text: str) -> str:
    return b64u(hashlib.sha256(text.encode("ascii")).digest())


def b58(data: bytes) -> str:
    alphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
    n, out = int.from_bytes(data, "big"), ""
    while n:
        n, r = divmod(n, 58)
        out = alphabet[r] + out
    return "1" * (len(data) - len(data.lstrip(b"\0"))) + out


def did_key(public: bytes) -> str:
    return "did:key:z" + b58(b"\xed\x01" + public)


def jwk(public: bytes) -> dict[str, str]:
    return {"kty": "OKP", "crv": "Ed25519", "x": b64u(public)}


def thumbprint_input(public: bytes) -> str:
    return compact_json({"crv": "Ed25519", "kty": "OKP", "x": b64u(public)})  # RFC 7638: required members, sorted


def salt_bytes(n: int) -> bytes:
    """What stands in for the 16 random bytes of salt n."""
    return hashlib.sha256(f"{LABEL} salt {n}".encode()).digest()[:16]


#: The example's three claims, and the decoys that make ``_sd`` eight digests long (wallet.endorsements.credential).
DECOYS = 5


def decoy_bytes(n: int) -> bytes:
    """What stands in for the 32 random bytes of decoy digest n."""
    return hashlib.sha256(f"{LABEL} decoy {n}".encode()).digest()


REQUEST_JTI_BYTES = hashlib.sha256(f"{LABEL} request".encode()).digest()[:16]
ASSERTION_JTI = b64u(bytes(range(16)))


def key_binding(without_kb: str, *, aud: str, nonce: str, iat: int, secret: bytes) -> tuple[dict[str, Any], str]:
    payload = {"iat": iat, "aud": aud, "nonce": nonce, "sd_hash": sha256_b64u(without_kb)}
    return payload, jws({"alg": "EdDSA", "typ": "kb+jwt"}, payload, secret)


def assertion(presentations: list[str], *, secret: bytes, public: bytes, iat: int = CALL_AT, jti: str = ASSERTION_JTI,
              state: str = "identified") -> tuple[dict[str, Any], str]:
    payload = {"iss": did_key(public), "aud": AUDIENCE, "iat": iat, "exp": iat + 300, "jti": jti,
               "contents": [{"algorithm": "sha-256", "digest": FP}], "state": state, "disclosed": {},
               "origin": {"status": "none"}, "endorsements": presentations}
    return payload, jws({"alg": "EdDSA", "typ": "wallet-identity+jwt"}, payload, secret)


def credential(*, holder: bytes, issued_at: int = ISSUED_AT, once: bool = False, status: int | None = STATUS_INDEX,
               claims: dict[str, Any] | None = None) -> dict[str, Any]:
    """An endorsement in issuance form, with the example's salts and decoys."""
    issuer_pub, issuer_sec = crypto_sign_seed_keypair(ISSUER_SEED)
    disclosures = []
    for n, (name, value) in enumerate((claims or CLAIMS).items(), 1):
        text = compact_json([b64u(salt_bytes(n)), name, value])
        encoded = b64u(text.encode())
        disclosures.append({"name": name, "json": text, "encoded": encoded, "digest": sha256_b64u(encoded)})
    decoys = [b64u(decoy_bytes(n)) for n in range(1, 1 + DECOYS)]
    kid = sha256_b64u(thumbprint_input(issuer_pub))
    header = {"alg": "EdDSA", "typ": "dc+sd-jwt", "kid": kid}
    payload: dict[str, Any] = {"iss": ISSUER, "iat": issued_at, "exp": issued_at + TTL, "vct": VCT,
                               "cnf": {"jwk": jwk(holder)}}
    if status is not None:
        payload["status"] = {"status_list": {"idx": status, "uri": STATUS_URI}}
    if once:
        payload["_wallet"] = {"once": True}
    payload["_sd"] = sorted([d["digest"] for d in disclosures] + decoys)
    payload["_sd_alg"] = "sha-256"
    jwt = jws(header, payload, issuer_sec)
    issuance = "~".join([jwt, *(d["encoded"] for d in disclosures), ""])
    return {"kid": kid, "header": header, "payload": payload, "jwt": jwt, "disclosures": disclosures,
            "decoys": decoys, "issuance": issuance}


def present(cred: dict[str, Any], *, secret: bytes, iat: int = CALL_AT, nonce: str = ASSERTION_JTI) -> dict[str, Any]:
    kept = [d["encoded"] for d in cred["disclosures"] if d["name"] in SHOWN]
    without_kb = "~".join([cred["jwt"], *kept, ""])
    kb_payload, kb = key_binding(without_kb, aud=AUDIENCE, nonce=nonce, iat=iat, secret=secret)
    return {"without_kb": without_kb, "kb_payload": kb_payload, "kb": kb, "presentation": without_kb + kb}


def status_bits() -> bytes:
    bits = bytearray(LIST_SIZE // 8)
    for i in REVOKED:
        bits[i // 8] |= 1 << (i % 8)
    return bytes(bits)


def status_token(lst: str, *, secret: bytes) -> tuple[dict[str, Any], str]:
    payload = {"sub": STATUS_URI, "iat": STATUS_AT, "exp": STATUS_AT + STATUS_TTL, "ttl": STATUS_TTL,
               "status_list": {"bits": 1, "lst": lst}}
    return payload, jws({"alg": "EdDSA", "typ": "statuslist+jwt"}, payload, secret)


def example(lst: str | None = None) -> dict[str, Any]:
    """Every value of the doc's worked example. ``lst``: the compressed status list as the doc shows it
    (DEFLATE output is not unique; a verifier inflates it, and so does the test)."""
    issuer_pub, issuer_sec = crypto_sign_seed_keypair(ISSUER_SEED)
    holder_pub, holder_sec = crypto_sign_seed_keypair(HOLDER_SEED)
    account_pub, account_sec = crypto_sign_seed_keypair(ACCOUNT_SEED)
    ex: dict[str, Any] = {"issuer_pub": issuer_pub, "holder_pub": holder_pub, "account_pub": account_pub,
                          "holder_sec": holder_sec, "issuer_sec": issuer_sec}
    ex["issuer_jwk"] = compact_json(jwk(issuer_pub))
    ex["issuer_thumbprint_input"] = thumbprint_input(issuer_pub)
    ex["holder_jwk"] = compact_json(jwk(holder_pub))
    ex["holder_did"] = did_key(holder_pub)
    ex["account_did"] = did_key(account_pub)
    ex["holder_kid"] = sha256_b64u(thumbprint_input(holder_pub))
    metadata = {"issuer": ISSUER, "jwks": {"keys": [{**jwk(issuer_pub), "kid": sha256_b64u(thumbprint_input(
        issuer_pub)), "alg": "EdDSA", "use": "sig"}]}}
    ex["metadata"] = metadata
    ex["metadata_json"] = compact_json(metadata)

    # the request
    jti = b64u(REQUEST_JTI_BYTES)
    pop_payload = {"aud": ISSUER, "nonce": jti, "iat": REQUEST_AT}
    pop = jws({"alg": "EdDSA", "typ": "wallet-pop+jwt"}, pop_payload, holder_sec)
    request_payload = {"iss": did_key(account_pub), "aud": ISSUER, "iat": REQUEST_AT, "exp": REQUEST_AT + 86_400,
                       "jti": jti, "state": "identified", "keys": [{"jwk": jwk(holder_pub), "pop": pop}],
                       "claims": list(CLAIMS)}
    ex["request_jti"] = jti
    ex["pop_payload"] = compact_json(pop_payload)
    ex["pop"] = pop
    ex["request_payload_shown"] = compact_json({**request_payload, "keys": [{"jwk": jwk(holder_pub), "pop": "<pop>"}]})
    ex["request"] = jws({"alg": "EdDSA", "typ": "wallet-endorsement-request+jwt"}, request_payload, account_sec)

    # the endorsement
    cred = credential(holder=holder_pub)
    ex["cred"] = cred
    ex["kid"] = cred["kid"]
    ex["header_json"] = compact_json(cred["header"])
    ex["payload_json"] = compact_json(cred["payload"])
    ex["response_doc"] = {"format": "wallet-endorsement-response/1", "issuer": ISSUER, "request": jti,
                          "metadata": metadata, "endorsements": [cred["issuance"]]}
    ex["response"] = json.dumps(ex["response_doc"], indent=1) + "\n"
    ex["response_shown"] = json.dumps({**ex["response_doc"], "endorsements": ["<issuance form>"]}, indent=1)

    # the presentation and the assertion that carries it
    shown = present(cred, secret=holder_sec)
    ex.update(shown)
    ex["kb_payload_json"] = compact_json(shown["kb_payload"])
    payload, token = assertion([shown["presentation"]], secret=holder_sec, public=holder_pub)
    ex["assertion_payload_shown"] = compact_json({**payload, "endorsements": ["<presentation>"]})
    ex["assertion"] = token

    # the status list
    bits = status_bits()
    ex["bits"] = bits
    ex["lst"] = lst if lst is not None else b64u(zlib.compress(bits, 9))
    status_payload, ex["status_token"] = status_token(ex["lst"], secret=issuer_sec)
    ex["status_payload_json"] = compact_json(status_payload)
    return ex


# -- reading the doc ---------------------------------------------------------------------------------------
def _doc() -> str:
    return DOC_PATH.read_text()


def _values(doc: str) -> list[str]:
    """The doc's code-block paragraphs with their line breaks removed (one long value per paragraph)."""
    blocks = re.findall(r"^```[a-z]*\n(.*?)^```", doc, re.S | re.M)
    return [p.replace("\n", "") for b in blocks for p in b.split("\n\n")]


def shown(value: str, doc: str) -> bool:
    return value in doc or any(value in p for p in _values(doc))


def doc_lst(doc: str) -> str:
    found = re.search(r'"lst":"([A-Za-z0-9_-]+)"', doc)
    assert found, "the doc shows the status list token's payload"
    return found.group(1)


@pytest.fixture(scope="module")
def doc() -> str:
    return _doc()


@pytest.fixture(scope="module")
def ex(doc: str) -> dict[str, Any]:
    return example(doc_lst(doc))


# -- (a) every value shown is the real one -----------------------------------------------------------------
def test_keys_are_shown(doc: str, ex: dict[str, Any]) -> None:
    for value in (ISSUER_SEED.hex(), HOLDER_SEED.hex(), ACCOUNT_SEED.hex(), ex["issuer_pub"].hex(),
                  ex["holder_pub"].hex(), ex["account_pub"].hex(), ex["issuer_jwk"], ex["issuer_thumbprint_input"],
                  ex["kid"], ex["holder_jwk"], ex["holder_did"], ex["account_did"], ex["holder_kid"],
                  ex["metadata_json"]):
        assert shown(value, doc), value


def test_request_and_response_are_shown(doc: str, ex: dict[str, Any]) -> None:
    for value in (ex["request_jti"], ex["pop_payload"], ex["pop"], ex["request_payload_shown"], ex["request"],
                  ex["response_shown"]):
        assert shown(value, doc), value


def test_endorsement_is_shown(doc: str, ex: dict[str, Any]) -> None:
    cred = ex["cred"]
    for n, d in enumerate(cred["disclosures"], 1):
        assert shown(b64u(salt_bytes(n)), doc) and shown(d["json"], doc), d["name"]
        assert shown(d["encoded"], doc) and shown(d["digest"], doc), d["name"]
    for decoy in cred["decoys"]:
        assert shown(decoy, doc)
    for value in (ex["header_json"], ex["payload_json"], cred["jwt"], cred["issuance"]):
        assert shown(value, doc), value


def test_presentation_is_shown(doc: str, ex: dict[str, Any]) -> None:
    for value in (ex["without_kb"], ex["kb_payload"]["sd_hash"], ex["kb_payload_json"], ex["kb"], ex["presentation"],
                  ex["assertion_payload_shown"], ex["assertion"]):
        assert shown(value, doc), value


def test_status_list_is_shown(doc: str, ex: dict[str, Any]) -> None:
    assert zlib.decompress(base64.urlsafe_b64decode(ex["lst"] + "=" * (-len(ex["lst"]) % 4))) == ex["bits"]
    assert ex["bits"][STATUS_INDEX // 8] == 0x08 and "0x08" in doc  # index 4243 set, index 4242 clear
    for value in (ex["status_payload_json"], ex["status_token"]):
        assert shown(value, doc), value


def test_documented_limits_are_the_codes(doc: str) -> None:
    from wallet.assertions.token import MAX_ENVELOPE_BYTES
    from wallet.endorsements import presentation, requests, sdjwt, statuslist, trust
    from wallet.endorsements.issuer import DEFAULT_LIST_SIZE, DEFAULT_TTL, STATUS_TTL
    from wallet.endorse import DEFAULT_COUNT, MAX_COUNT
    from wallet.jose import MAX_TOKEN_BYTES
    from wallet.privacy.policy import MAX_ISSUERS, MAX_POLICY_BYTES

    table = {"MAX_SD_JWT_BYTES": sdjwt.MAX_SD_JWT_BYTES, "MAX_DISCLOSURES": sdjwt.MAX_DISCLOSURES,
             "MAX_DIGESTS": sdjwt.MAX_DIGESTS, "MAX_PER_ASSERTION": presentation.MAX_PER_ASSERTION,
             "MAX_KEYS": requests.MAX_KEYS, "MAX_REQUEST_BYTES": requests.MAX_REQUEST_BYTES,
             "MAX_RESPONSE_BYTES": requests.MAX_RESPONSE_BYTES, "REQUEST_LIFETIME": requests.REQUEST_LIFETIME,
             "MAX_ENTRIES": statuslist.MAX_ENTRIES, "_MAX_TOKEN_BYTES": statuslist._MAX_TOKEN_BYTES,
             "MAX_BYTES": trust.MAX_BYTES, "MAX_TOKEN_BYTES": MAX_TOKEN_BYTES, "DEFAULT_TTL": DEFAULT_TTL,
             "MAX_ENVELOPE_BYTES": MAX_ENVELOPE_BYTES,
             "DEFAULT_LIST_SIZE": DEFAULT_LIST_SIZE, "STATUS_TTL": STATUS_TTL, "DEFAULT_COUNT": DEFAULT_COUNT,
             "MAX_COUNT": MAX_COUNT, "MAX_ISSUERS": MAX_ISSUERS, "MAX_POLICY_BYTES": MAX_POLICY_BYTES}
    for name, value in table.items():
        row = re.search(rf"^\| `{re.escape(name)}` \| ([0-9 ,]+) ", doc, re.M)
        assert row, f"the limits table lacks {name}"
        assert int(row.group(1).replace(",", "").replace(" ", "")) == value, name
    assert TTL == DEFAULT_TTL and LIST_SIZE == DEFAULT_LIST_SIZE and STATUS_TTL == 86_400


def test_documented_codes_and_vocabulary(doc: str) -> None:
    from wallet.endorsements.credential import CLAIMS as VOCABULARY, SD_DIGESTS, VCTS
    from wallet.errors import REJECTIONS
    from wallet.vocabulary import SKEW_SECONDS, UNLINKABLE_CLAIMS

    for code in ("untrusted-issuer", "bad-endorsement", "endorsement-expired", "endorsement-revoked",
                 "missing-endorsement", "claim-not-trusted", "replayed", "malformed", "policy-refused"):
        assert f"`{code}` ({REJECTIONS[code].exit_code})" in doc, code
    for name in (*VOCABULARY, *VCTS):
        assert f"`{name}`" in doc, name
    assert SD_DIGESTS == 8 == len(CLAIMS) + DECOYS and SKEW_SECONDS == 60 and UNLINKABLE_CLAIMS == ("verified_person", "group")


# -- the wallet's code makes the same bytes -------------------------------------------------------------------
class _FixedRandom:
    """os.urandom serving a fixed byte stream, however the code slices its calls; all of it must be used."""

    def __init__(self, chunks: list[bytes]) -> None:
        self.stream = b"".join(chunks)

    def __call__(self, n: int) -> bytes:
        assert n <= len(self.stream), "the code draws more random bytes than the example fixes"
        out, self.stream = self.stream[:n], self.stream[n:]
        return out


def test_wallet_issues_the_documented_endorsement(monkeypatch: pytest.MonkeyPatch, ex: dict[str, Any]) -> None:
    from wallet.endorsements.credential import issue_endorsement

    # The product draws 33 random bytes per decoy and keeps 32 (sdjwt._decoys): the 33rd byte does not show.
    fixed = _FixedRandom([salt_bytes(n) for n in (1, 2, 3)] + [decoy_bytes(n) + b"\0" for n in range(1, 1 + DECOYS)])
    monkeypatch.setattr(os, "urandom", fixed)
    made = issue_endorsement(issuer=ISSUER, secret_key=ex["issuer_sec"], holder_key=ex["holder_pub"], claims=CLAIMS,
                             vct=VCT, issued_at=ISSUED_AT, ttl=TTL, status=(STATUS_URI, STATUS_INDEX))
    assert made == ex["cred"]["issuance"] and fixed.stream == b""


def test_wallet_presents_the_documented_presentation(ex: dict[str, Any]) -> None:
    from wallet.endorsements.presentation import present as wallet_present

    made = wallet_present(ex["cred"]["issuance"], set(SHOWN), audience=AUDIENCE, nonce=ASSERTION_JTI,
                          issued_at=CALL_AT, secret_key=ex["holder_sec"])
    assert made == ex["presentation"]


def test_wallet_makes_the_documented_request_and_response(monkeypatch: pytest.MonkeyPatch,
                                                          ex: dict[str, Any]) -> None:
    import wallet.endorsements.requests as requests

    fixed = _FixedRandom([REQUEST_JTI_BYTES])
    monkeypatch.setattr(os, "urandom", fixed)
    _, account_sec = crypto_sign_seed_keypair(ACCOUNT_SEED)
    made, jti = requests.make_request(idp=ISSUER, account=(ex["account_did"], account_sec),
                                      keys=[(ex["holder_pub"], ex["holder_sec"])], state="identified",
                                      claims=list(CLAIMS), now=REQUEST_AT)
    assert (made, jti) == (ex["request"], ex["request_jti"]) and fixed.stream == b""
    response = requests.make_response(issuer=ISSUER, jti=jti, metadata=ex["metadata"],
                                      endorsements=[ex["cred"]["issuance"]])
    assert response == ex["response"]


def test_wallet_publishes_the_documented_metadata_and_status_list(ex: dict[str, Any]) -> None:
    from wallet.endorsements.statuslist import StatusList, parse_token, sign_token

    listed = StatusList(bytearray(ex["bits"]))
    token = sign_token(STATUS_URI, listed, ex["issuer_sec"], issued_at=STATUS_AT, ttl=STATUS_TTL)
    loaded = parse_token(token, ex["issuer_pub"], uri=STATUS_URI, now=VERIFY_AT)
    assert [loaded.list.revoked(i) for i in (*REVOKED, STATUS_INDEX)] == [True, True, False]
    documented = parse_token(ex["status_token"], ex["issuer_pub"], uri=STATUS_URI, now=VERIFY_AT)
    assert documented.list.data == loaded.list.data and (documented.issued_at, documented.expires_at) == (
        STATUS_AT, STATUS_AT + STATUS_TTL)


def test_wallet_idp_reads_the_documented_request(ex: dict[str, Any]) -> None:
    from wallet.endorsements.requests import read_request, read_response

    req = read_request(ex["request"], issuer=ISSUER, now=ISSUED_AT)
    assert (req.account, req.jti, req.state, req.claims, req.keys) == (
        ex["account_did"], ex["request_jti"], "identified", list(CLAIMS), [ex["holder_pub"]])
    response = read_response(ex["response"].encode())
    assert (response.issuer, response.request, response.endorsements) == (
        ISSUER, ex["request_jti"], [ex["cred"]["issuance"]])


# -- (b) the documented presentation verifies, and each documented refusal is what the verifier says ----------
def _trust(ex: dict[str, Any], *, claims: list[str] | None = None, status: str | None = None) -> Any:
    from wallet.endorsements.trust import TrustStore

    store = TrustStore.empty()
    store.add(ISSUER, keys=ex["metadata"]["jwks"]["keys"], claims=claims)
    if status is not None:
        store.load_status(ISSUER, status, now=VERIFY_AT)
    return store


def _verify(token: str, trust: Any, *, at: int = VERIFY_AT, **kwargs: Any) -> Any:
    from wallet.assertions.verify import verify

    return verify(token, audience="shop.example", fingerprints=[f"sha-256 {FP}"], at=at, trust=trust, **kwargs)


def test_documented_presentation_verifies(ex: dict[str, Any]) -> None:
    result = _verify(ex["assertion"], _trust(ex))
    assert result.valid, result.error
    assert [e.to_json() for e in result.endorsements] == [
        {"issuer": ISSUER, "vct": VCT, "claims": {"verified_person": True, "name": "Ann Example"}, "status": "unchecked",
         "once": False}]
    with_status = _verify(ex["assertion"], _trust(ex, status=ex["status_token"]))
    assert with_status.valid and with_status.endorsements[0].status == "valid"


def test_documented_assertion_is_built_from_the_documented_presentation(doc: str, ex: dict[str, Any]) -> None:
    """What a third party builds from the doc's values (the presentation as shown) is the doc's assertion."""
    presentations = [p for p in _values(doc) if p.startswith(ex["cred"]["jwt"][:40]) and p.count("~") == 3
                     and not p.endswith("~")]
    assert presentations, "the doc shows the presentation on its own"
    _, token = assertion(presentations[:1], secret=ex["holder_sec"], public=ex["holder_pub"])
    assert token == ex["assertion"]


def test_one_changed_character_makes_it_invalid(ex: dict[str, Any]) -> None:
    original = ex["presentation"]
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    codes = set()
    for i, c in enumerate(original):
        if c in "~.":
            continue
        flipped = original[:i] + alphabet[(alphabet.index(c) + 1) % 64] + original[i + 1:]
        _, token = assertion([flipped], secret=ex["holder_sec"], public=ex["holder_pub"])
        result = _verify(token, _trust(ex))
        assert not result.valid, (i, c)
        codes.add(result.error.code)
    assert codes <= {"bad-endorsement", "untrusted-issuer"}, codes


def test_untrusted_issuer(ex: dict[str, Any]) -> None:
    from wallet.endorsements.trust import TrustStore

    assert _verify(ex["assertion"], TrustStore.empty()).error.code == "untrusted-issuer"
    assert _verify(ex["assertion"], None).error.code == "untrusted-issuer"


def test_claim_not_trusted(ex: dict[str, Any]) -> None:
    assert _verify(ex["assertion"], _trust(ex, claims=["verified_person"])).error.code == "claim-not-trusted"
    assert _verify(ex["assertion"], _trust(ex, claims=["verified_person", "name"])).valid


def test_endorsement_revoked(ex: dict[str, Any]) -> None:
    bits = bytearray(ex["bits"])
    bits[STATUS_INDEX // 8] |= 1 << (STATUS_INDEX % 8)
    _, revoked = status_token(b64u(zlib.compress(bytes(bits), 9)), secret=ex["issuer_sec"])
    assert _verify(ex["assertion"], _trust(ex, status=revoked)).error.code == "endorsement-revoked"


def test_endorsement_expired(ex: dict[str, Any]) -> None:
    later = ISSUED_AT + TTL + 3600  # the endorsement has expired; a fresh assertion made then
    shown_later = present(ex["cred"], secret=ex["holder_sec"], iat=later)
    _, token = assertion([shown_later["presentation"]], secret=ex["holder_sec"], public=ex["holder_pub"], iat=later)
    assert _verify(token, _trust(ex), at=later + 10).error.code == "endorsement-expired"


def test_missing_endorsement(ex: dict[str, Any]) -> None:
    from wallet.privacy.policy import Policy

    def policy(claims: list[str]) -> Policy:
        doc = {"version": 2, "party": AUDIENCE, "accept": ["identified", "pseudonymous"], "require": [],
               "endorsement": {"claims": claims, "issuers": [ISSUER], "preferred": []}}
        return Policy.from_json(json.dumps(doc).encode(), source="shop")

    assert _verify(ex["assertion"], _trust(ex), policy=policy(["email"])).error.code == "missing-endorsement"
    assert _verify(ex["assertion"], _trust(ex), policy=policy(["verified_person"])).valid


def test_bound_to_its_assertion(ex: dict[str, Any]) -> None:
    """Lifted into another assertion (another jti), or signed by another key: bad-endorsement."""
    other_jti = b64u(bytes(range(1, 17)))
    _, token = assertion([ex["presentation"]], secret=ex["holder_sec"], public=ex["holder_pub"], jti=other_jti)
    assert _verify(token, _trust(ex)).error.code == "bad-endorsement"
    mallory_pub, mallory_sec = crypto_sign_seed_keypair(bytes([9]) * 32)
    _, token = assertion([ex["presentation"]], secret=mallory_sec, public=mallory_pub)
    assert _verify(token, _trust(ex)).error.code == "bad-endorsement"


def test_once_only_endorsement_is_accepted_once(tmp_path: Path, ex: dict[str, Any]) -> None:
    """Times relative to now: a replay store refuses to verify "as of" the past."""
    from wallet.assertions.replay import ReplayStore

    now = int(time.time())
    one_time_pub, one_time_sec = crypto_sign_seed_keypair(bytes([5]) * 32)
    cred = credential(holder=one_time_pub, issued_at=now - 60, once=True, claims={"verified_person": True})
    assert cred["payload"]["_wallet"] == {"once": True}
    store = ReplayStore.open(tmp_path / "replay.db")
    results = []
    for jti in (b64u(bytes([1]) * 16), b64u(bytes([2]) * 16)):  # two assertions: only the endorsement repeats
        shown_now = present(cred, secret=one_time_sec, iat=now, nonce=jti)
        _, token = assertion([shown_now["presentation"]], secret=one_time_sec, public=one_time_pub, iat=now, jti=jti,
                             state="unlinkable")
        results.append(_verify(token, _trust(ex), at=now, replay=store))
    store.commit()
    assert results[0].valid and results[0].endorsements[0].once, results[0].error
    assert results[1].error.code == "replayed"


if __name__ == "__main__":  # print the values, to write the doc from
    values = example()
    for name, value in values.items():
        if name in ("cred", "metadata", "response_doc", "bits", "issuer_sec", "holder_sec"):
            continue
        print(f"== {name}\n{value.hex() if isinstance(value, bytes) else value}\n")
    cred = values["cred"]
    for n, d in enumerate(cred["disclosures"], 1):
        print(f"== disclosure {n}: salt {b64u(salt_bytes(n))}\n{d['json']}\n{d['encoded']}\n{d['digest']}\n")
    print("== decoys\n" + "\n".join(cred["decoys"]) + "\n")
    print("== jwt\n" + cred["jwt"] + "\n\n== issuance\n" + cred["issuance"] + "\n")

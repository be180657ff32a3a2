"""Endorsements interoperate with independent SD-JWT implementations, both ways.

* The Python reference implementation (PyPI ``sd-jwt`` 0.10.4, module ``sd_jwt``) reads the wallet's
  endorsements, the issuance form an IdP hands out and the presentation an assertion carries, verifies
  the issuer's signature and the disclosures, and returns the same claims the wallet reads.
* The TypeScript implementation ``@sd-jwt/core`` 0.17.0 (tests/js, run under node with Ed25519 from
  node's crypto) verifies a whole presentation taken out of an SDP signed by ``wallet sign-sdp``, its
  Key Binding JWT included (nonce = the assertion's jti, aud = the destination), and refuses it once
  anything in it, or what is expected of it, is changed.
* An SD-JWT VC issued by either library for the wallet's persona-wide key is imported with ``wallet
  endorse import --metadata``, presented by ``wallet sign-sdp --endorsed-by``, accepted by ``wallet
  verify`` trusting that issuer (``wallet trust add``), and refused (untrusted-issuer, exit 24) by a
  verifier that does not trust it; a kid that is the issuer's own name for a key of its metadata (not the
  RFC 7638 thumbprint) names that key.
"""

from __future__ import annotations

import base64
import hashlib
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from conftest import require_real_part
from scenarios.parties import CHROME, Party

JS = Path(__file__).parent / "js"
IDP = "https://idp.example"
SHOP = "https://shop.example"
UNTRUSTED_EXIT = 24


# -- helpers, independent of the wallet's own code ---------------------------------------------------------

def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def assertion_of(sdp: bytes) -> tuple[str, dict[str, Any]]:
    """(token, payload) of the SDP's a=identity assertion, read the way a destination reads it."""
    for line in sdp.decode().splitlines():
        if line.startswith("a=identity:"):
            envelope = json.loads(base64.b64decode(line[len("a=identity:"):].split(" ")[0]))
            token = envelope["assertion"]
            return token, json.loads(b64url_decode(token.split(".")[1]))
    raise AssertionError("the SDP has no a=identity line")


_B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


def did_key_ed25519(did: str) -> bytes:
    """The raw Ed25519 key of a did:key (z + base58btc of 0xed01 + 32 bytes)."""
    assert did.startswith("did:key:z"), did
    number = 0
    for ch in did[len("did:key:z"):]:
        number = number * 58 + _B58.index(ch)
    raw = number.to_bytes((number.bit_length() + 7) // 8, "big")
    assert raw[:2] == b"\xed\x01" and len(raw) == 34, raw.hex()
    return raw[2:]


def okp(public_key: bytes) -> dict[str, str]:
    return {"kty": "OKP", "crv": "Ed25519", "x": b64url(public_key)}


def flip(text: str, at: int) -> str:
    """``text`` with the base64url character at ``at`` replaced by another one (in the middle of a
    signature this changes the decoded bytes, unlike the padding bits of its last character)."""
    return text[:at] + ("B" if text[at] == "A" else "A") + text[at + 1:]


def flip_jwt_signature(jwt: str) -> str:
    return flip(jwt, jwt.rindex(".") + 10)


def fresh_jwk() -> dict[str, str]:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    return okp(Ed25519PrivateKey.generate().public_key().public_bytes(Encoding.Raw, PublicFormat.Raw))


def wallet_claims(token: str, issuer_key: bytes) -> dict[str, Any]:
    """What the wallet itself reads from an endorsement (issuer signature checked, disclosures applied)."""
    from wallet.endorsements.credential import read_endorsement

    sd = read_endorsement(token)
    sd.verify_issuer(issuer_key)
    return sd.claims()


def node_or_skip(package: str) -> str:
    node = shutil.which("node")
    if node is None or not (JS / "node_modules" / package).is_dir():
        require_real_part(f"node and the npm package {package} (npm ci --prefix tests/js)")
    assert node is not None
    return node


def ts_verify(cases: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """@sd-jwt/core's verdict on each case (tests/js/sd_jwt_verify.js)."""
    node = node_or_skip("@sd-jwt/core")
    data = "".join(json.dumps(c) + "\n" for c in cases)
    out = subprocess.run([node, str(JS / "sd_jwt_verify.js")], input=data.encode(), capture_output=True,
                         timeout=120, check=True, cwd=JS)
    results = [json.loads(line) for line in out.stdout.decode().splitlines()]
    assert len(results) == len(cases), out.stderr.decode()
    return results


def ts_issue(request: dict[str, Any]) -> dict[str, Any]:
    """An SD-JWT VC issued by @sd-jwt/core (tests/js/sd_jwt_issue.js): {"vc": ..., "issuer_jwk": ...}."""
    node = node_or_skip("@sd-jwt/core")
    out = subprocess.run([node, str(JS / "sd_jwt_issue.js")], input=json.dumps(request).encode(),
                         capture_output=True, timeout=120, check=True, cwd=JS)
    return json.loads(out.stdout)


# -- the wallet's side: an IdP endorses Alice, Alice presents the endorsement in a signed SDP --------------

class Endorsed:
    def __init__(self, root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        self.idp = Party(root, "idp")
        monkeypatch.setenv("WALLET_IDP_HOME", str(self.idp.dir / "idp-home"))
        self.alice = Party(root, "alice").init()
        self.idp.ok("idp", "init", "--issuer", IDP, "--store", "file")
        account = self.alice.ok("endorse", "account", "--idp", IDP).out.strip()
        self.idp.ok("idp", "enroll", "alice", "--account-key", account, "--attr", "verified_person=true",
                    "--attr", "name=Alice Example")
        request, response = self.alice.dir / "req.jws", self.idp.dir / "resp.json"
        self.alice.ok("endorse", "request", "--idp", IDP, "--state", "identified", "-o", str(request))
        self.idp.ok("idp", "issue", str(request), "-o", str(response))
        self.alice.ok("endorse", "import", str(response))
        # What the IdP handed out: the issuance form, every disclosure in it.
        (self.issued,) = json.loads(response.read_text())["endorsements"]
        self.idp.ok("idp", "publish", str(self.idp.dir / "pub"))
        self.metadata_file = self.idp.dir / "pub" / ".well-known" / "jwt-vc-issuer"
        self.metadata = json.loads(self.metadata_file.read_text())
        (self.issuer_jwk,) = self.metadata["jwks"]["keys"]
        self.issuer_key = b64url_decode(self.issuer_jwk["x"])
        self.sdp, _ = self.alice.sign(CHROME, SHOP, "--state", "identified", "--verified", "name")
        self.token, self.assertion = assertion_of(self.sdp)
        (self.presentation,) = self.assertion["endorsements"]
        self.alice_key = did_key_ed25519(self.assertion["iss"])


@pytest.fixture
def endorsed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Endorsed:
    return Endorsed(tmp_path, monkeypatch)


def test_the_wallet_flow_is_what_the_interop_tests_read(endorsed: Endorsed) -> None:
    """The material the other tests hand to other libraries is what it should be (and the wallet accepts it)."""
    a = endorsed.assertion
    assert a["aud"] == SHOP and a["state"] == "identified"
    jwt, *disclosures, kb = endorsed.presentation.split("~")
    assert kb and len(disclosures) == 1  # only name disclosed, and bound to the call
    assert json.loads(b64url_decode(disclosures[0]))[1:] == ["name", "Alice Example"]
    assert json.loads(b64url_decode(jwt.split(".")[0])) == {"alg": "EdDSA", "typ": "dc+sd-jwt",
                                                             "kid": endorsed.issuer_jwk["kid"]}
    verifier = Party(endorsed.alice.dir.parent, "verifier")
    verifier.ok("trust", "add", IDP, "--metadata", str(endorsed.metadata_file))
    code, doc = verifier.verify(endorsed.sdp, SHOP, "--trust", str(verifier.home / "trust.json"))
    assert code == 0, doc
    assert [(e["issuer"], e["claims"]) for e in doc["endorsements"]] == [(IDP, {"name": "Alice Example"})]


# -- 1. the Python reference implementation reads the wallet's endorsements --------------------------------

def need_sd_jwt() -> None:
    try:
        import sd_jwt  # noqa: F401
    except ImportError:
        require_real_part("the Python sd-jwt package (pip install -e .[test])")


def _py_verifier(presentation: str, jwk: dict[str, Any], seen: list[tuple[str, dict[str, Any]]] | None = None,
                 **kwargs: Any) -> Any:
    need_sd_jwt()
    from jwcrypto.jwk import JWK
    from sd_jwt.verifier import SDJWTVerifier

    def issuer_key(issuer: str, header: dict[str, Any]) -> JWK:
        if seen is not None:
            seen.append((issuer, dict(header)))
        return JWK(**{k: jwk[k] for k in ("kty", "crv", "x")})

    return SDJWTVerifier(presentation, issuer_key, **kwargs)


def test_python_reference_verifies_the_issued_endorsement(endorsed: Endorsed) -> None:
    seen: list[tuple[str, dict[str, Any]]] = []
    verifier = _py_verifier(endorsed.issued, endorsed.issuer_jwk, seen)
    theirs = verifier.get_verified_payload()
    ours = wallet_claims(endorsed.issued, endorsed.issuer_key)
    assert theirs == ours
    assert theirs["iss"] == IDP and theirs["vct"] == "urn:wallet:vct:person"
    assert theirs["verified_person"] is True and theirs["name"] == "Alice Example"
    assert theirs["cnf"] == {"jwk": okp(endorsed.alice_key)}
    assert seen == [(IDP, {"alg": "EdDSA", "typ": "dc+sd-jwt", "kid": endorsed.issuer_jwk["kid"]})]


def test_python_reference_verifies_the_presented_endorsement(endorsed: Endorsed) -> None:
    """The presentation out of the signed SDP: issuer signature and the one disclosure by the reference
    implementation, and its Key Binding JWT too once it is told the algorithm.

    sd-jwt 0.10.4's SDJWTVerifier checks the Key Binding JWT (when given expected_aud and expected_nonce)
    with its DEFAULT_SIGNING_ALG, ES256, and has no parameter for another one: jwcrypto then refuses the
    EdDSA KB JWT whatever it holds. So the constructor is called without aud/nonce (it then verifies the
    issuer signature and the disclosures and ignores the KB JWT), and the KB JWT is checked by the same
    class's own _verify_key_binding_jwt with sign_alg="EdDSA" (typ, signature by cnf.jwk, aud, nonce,
    sd_hash).
    """
    verifier = _py_verifier(endorsed.presentation, endorsed.issuer_jwk)
    theirs = verifier.get_verified_payload()
    ours = wallet_claims(endorsed.presentation, endorsed.issuer_key)
    assert theirs == ours
    assert theirs["name"] == "Alice Example" and "verified_person" not in theirs  # not disclosed
    verifier._verify_key_binding_jwt(SHOP, endorsed.assertion["jti"], sign_alg="EdDSA")
    with pytest.raises(ValueError, match="nonce"):
        verifier._verify_key_binding_jwt(SHOP, "another-assertion", sign_alg="EdDSA")
    with pytest.raises(ValueError, match="audience"):
        verifier._verify_key_binding_jwt("https://elsewhere.example", endorsed.assertion["jti"], sign_alg="EdDSA")


def test_python_reference_refuses_a_tampered_endorsement(endorsed: Endorsed) -> None:
    """The reference implementation's acceptance above means something: it refuses another issuer key and a
    changed signature, and does not take a disclosure whose digest the issuer did not sign."""
    from jwcrypto.jws import InvalidJWSSignature

    with pytest.raises(InvalidJWSSignature):
        _py_verifier(endorsed.issued, fresh_jwk())
    jwt, *rest = endorsed.issued.split("~")
    with pytest.raises(InvalidJWSSignature):
        _py_verifier("~".join([flip_jwt_signature(jwt), *rest]), endorsed.issuer_jwk)
    # RFC 9901 section 7.1 says to reject a disclosure no digest refers to; sd-jwt 0.10.4 leaves it out instead.
    forged = b64url(json.dumps(["c2FsdHNhbHRzYWx0c2FsdA", "name", "Mallory"]).encode())
    try:
        theirs = _py_verifier(f"{jwt}~{forged}~", endorsed.issuer_jwk).get_verified_payload()
    except ValueError:
        return
    assert "name" not in theirs and theirs["iss"] == IDP


# -- 2. @sd-jwt/core verifies a whole presentation out of a signed SDP -------------------------------------

def test_typescript_sd_jwt_verifies_the_presentation_in_a_signed_sdp(endorsed: Endorsed) -> None:
    keys = endorsed.metadata["jwks"]["keys"]
    nonce, p = endorsed.assertion["jti"], endorsed.presentation
    jwt, disclosure, kb = p.split("~")
    forged = b64url(json.dumps([json.loads(b64url_decode(disclosure))[0], "name", "Mallory"]).encode())
    good = {"presentation": p, "issuer_keys": keys, "nonce": nonce, "aud": SHOP}
    cases = {
        "genuine": good,
        "another nonce expected": {**good, "nonce": "another-assertion-jti"},
        "another audience expected": {**good, "aud": "https://elsewhere.example"},
        "another issuer key": {**good, "issuer_keys": [{**fresh_jwk(), "kid": keys[0]["kid"]}]},
        "issuer signature flipped": {**good, "presentation": f"{flip_jwt_signature(jwt)}~{disclosure}~{kb}"},
        "key binding signature flipped": {**good, "presentation": f"{jwt}~{disclosure}~{flip_jwt_signature(kb)}"},
        "disclosure swapped": {**good, "presentation": f"{jwt}~{forged}~{kb}"},
        "disclosure dropped": {**good, "presentation": f"{jwt}~{kb}"},
        "key binding dropped": {**good, "presentation": f"{jwt}~{disclosure}~"},
    }
    results = dict(zip(cases, ts_verify(list(cases.values())), strict=True))

    genuine = results.pop("genuine")
    assert genuine["ok"] is True, genuine
    assert genuine["payload"] == wallet_claims(p, endorsed.issuer_key)
    assert genuine["payload"]["name"] == "Alice Example" and "verified_person" not in genuine["payload"]
    assert genuine["header"] == {"alg": "EdDSA", "typ": "dc+sd-jwt", "kid": keys[0]["kid"]}
    assert genuine["kb"]["header"] == {"alg": "EdDSA", "typ": "kb+jwt"}
    assert genuine["kb"]["payload"]["nonce"] == nonce
    assert genuine["kb"]["payload"]["aud"] == SHOP
    assert genuine["kb"]["payload"]["iat"] == endorsed.assertion["iat"]
    assert genuine["kb"]["payload"]["sd_hash"] == b64url(hashlib.sha256(f"{jwt}~{disclosure}~".encode()).digest())

    refused = {name: r for name, r in results.items() if not r["ok"]}
    assert refused.keys() == results.keys(), {name: r for name, r in results.items() if r["ok"]}
    assert "Nonce" in refused["another nonce expected"]["error"]
    assert "aud" in refused["another audience expected"]["error"]
    assert "sd_hash" in refused["disclosure swapped"]["error"]
    assert "sd_hash" in refused["disclosure dropped"]["error"]
    assert "Key Binding JWT not exist" in refused["key binding dropped"]["error"]


# -- 3. an SD-JWT VC made by another implementation, in the wallet ------------------------------------------

def _py_issue(issuer: str, vct: str, holder: bytes, claims: dict[str, Any], iat: int, exp: int) -> tuple[str, dict]:
    """An SD-JWT VC by the Python reference implementation, signed EdDSA with a fresh key (no kid)."""
    need_sd_jwt()
    from jwcrypto.jwk import JWK
    from sd_jwt.common import SDObj
    from sd_jwt.issuer import SDJWTIssuer

    issuer_key = JWK.generate(kty="OKP", crv="Ed25519")
    user_claims: dict[Any, Any] = {"iss": issuer, "iat": iat, "exp": exp, "vct": vct}
    user_claims.update({SDObj(name): value for name, value in claims.items()})
    made = SDJWTIssuer(user_claims, issuer_key, holder_key=JWK(**okp(holder)), sign_alg="EdDSA",
                       add_decoy_claims=True, extra_header_parameters={"typ": "dc+sd-jwt"})
    public = issuer_key.export_public(as_dict=True)
    return made.sd_jwt_issuance, {k: public[k] for k in ("kty", "crv", "x")}


@pytest.mark.parametrize("library", ["python-sd-jwt", "ts-sd-jwt-core"])
def test_a_third_party_sd_jwt_vc_is_imported_presented_and_verified(
        library: str, tmp_path: Path) -> None:
    import time

    alice = Party(tmp_path, "alice").init()
    did = json.loads(alice.ok("pseudonym", "x.example", "--scope", "persona", "--json").out)["id"]
    holder = did_key_ed25519(did)
    issuer = f"https://{library}.issuer.example"
    vct = "https://credentials.example/identity_credential"
    claims = {"name": "Erika Mustermann", "email": "erika@mail.example", "verified_person": True}
    now = int(time.time())
    if library == "python-sd-jwt":
        vc, issuer_jwk = _py_issue(issuer, vct, holder, claims, now - 60, now + 86400)
    else:
        made = ts_issue({"iss": issuer, "vct": vct, "iat": now - 60, "exp": now + 86400, "holder_jwk": okp(holder),
                         "claims": claims})
        vc, issuer_jwk = made["vc"], made["issuer_jwk"]

    # What the library made is what the test claims it is: an EdDSA dc+sd-jwt for Alice's persona key.
    header = json.loads(b64url_decode(vc.split(".")[0]))
    payload = json.loads(b64url_decode(vc.split(".")[1]))
    assert header["alg"] == "EdDSA" and header["typ"] == "dc+sd-jwt"
    assert header.get("kid") == issuer_jwk.get("kid")  # none from sd-jwt, the RFC 7638 thumbprint from TS
    assert payload["cnf"]["jwk"]["x"] == b64url(holder) and payload["iss"] == issuer and payload["vct"] == vct
    assert payload["_sd_alg"] == "sha-256" and len(payload["_sd"]) > len(claims)  # decoys too
    assert not set(claims) & set(payload)  # every claim selectively disclosable

    vc_file, metadata_file = alice.dir / "vc.txt", alice.dir / "issuer-metadata.json"
    vc_file.write_text(vc + "\n")
    metadata_file.write_text(json.dumps({"issuer": issuer, "jwks": {"keys": [issuer_jwk]}}))
    alice.ok("endorse", "import", str(vc_file), "--metadata", str(metadata_file))
    (held,) = json.loads(alice.ok("endorse", "list", "--json").out)["endorsements"]
    assert (held["issuer"], held["persona"], held["scope"], held["vct"], held["claims"], held["expires"]) == (
        issuer, "default", "persona", vct, sorted(claims), now + 86400)

    signed, _ = alice.sign(CHROME, SHOP, "--state", "identified", "--endorsed-by", issuer, "--verified", "name")
    _, assertion = assertion_of(signed)
    assert assertion["iss"] == did
    (presentation,) = assertion["endorsements"]
    assert presentation.startswith(vc.split("~")[0] + "~")  # the third party's own JWT, not re-signed

    # The library that made it reads the wallet's presentation of it, Key Binding JWT included.
    if library == "python-sd-jwt":
        shown = _py_verifier(presentation, issuer_jwk)
        shown._verify_key_binding_jwt(SHOP, assertion["jti"], sign_alg="EdDSA")  # EdDSA: see above
        disclosed = shown.get_verified_payload()
    else:
        (result,) = ts_verify([{"presentation": presentation, "issuer_keys": [issuer_jwk],
                                "nonce": assertion["jti"], "aud": SHOP}])
        assert result["ok"] is True, result
        disclosed = result["payload"]
    assert {k: disclosed[k] for k in claims if k in disclosed} == {"name": "Erika Mustermann"}

    # A verifier that trusts the issuer (by its key, or by its metadata) accepts it and reports the claim.
    verifier = Party(tmp_path, "verifier")
    if library == "python-sd-jwt":
        verifier.ok("trust", "add", issuer, "--key", json.dumps(issuer_jwk))
    else:
        verifier.ok("trust", "add", issuer, "--metadata", str(metadata_file))
    trust_file = verifier.home / "trust.json"
    code, doc = verifier.verify(signed, SHOP, "--trust", str(trust_file))
    assert code == 0, doc
    assert doc["valid"] is True and doc["identity"]["id"] == did
    assert doc["endorsements"] == [{"issuer": issuer, "vct": vct, "claims": {"name": "Erika Mustermann"},
                                    "status": "none", "once": False}]

    # One that trusts someone else, or nobody at all, refuses it: untrusted-issuer.
    stranger = Party(tmp_path, "stranger")
    stranger.ok("trust", "add", IDP, "--key", json.dumps(fresh_jwk()))
    code, doc = stranger.verify(signed, SHOP, "--trust", str(stranger.home / "trust.json"))
    assert code == UNTRUSTED_EXIT, doc
    assert doc["valid"] is False and doc["error"]["code"] == "untrusted-issuer" and doc["endorsements"] == []
    nobody = Party(tmp_path, "nobody")
    code, doc = nobody.verify(signed, SHOP)
    assert code == UNTRUSTED_EXIT and doc["error"]["code"] == "untrusted-issuer", doc


def test_an_issuer_kid_that_is_not_a_thumbprint_names_the_key_of_that_kid(tmp_path: Path) -> None:
    """A JWS kid is the issuer's own name for a key of its JWKS (RFC 7515 4.1.4; SD-JWT VC issuer metadata),
    not necessarily its RFC 7638 thumbprint: the wallet imports, and a verifier trusting the issuer's
    metadata accepts, a VC whose kid is the one the metadata gives its key."""
    import time

    alice = Party(tmp_path, "alice").init()
    did = json.loads(alice.ok("pseudonym", "x.example", "--scope", "persona", "--json").out)["id"]
    issuer, vct, now = "https://kid.issuer.example", "https://credentials.example/identity_credential", int(time.time())
    need_sd_jwt()
    from jwcrypto.jwk import JWK
    from sd_jwt.common import SDObj
    from sd_jwt.issuer import SDJWTIssuer

    key = JWK.generate(kty="OKP", crv="Ed25519")
    made = SDJWTIssuer({"iss": issuer, "iat": now - 60, "exp": now + 3600, "vct": vct, SDObj("name"): "Erika"}, key,
                       holder_key=JWK(**okp(did_key_ed25519(did))), sign_alg="EdDSA",
                       extra_header_parameters={"typ": "dc+sd-jwt", "kid": "signing-key-2026"})
    public = {**{k: key.export_public(as_dict=True)[k] for k in ("kty", "crv", "x")}, "kid": "signing-key-2026"}
    # Another key of the issuer's comes first: the kid, not the order, says which one signed.
    metadata = {"issuer": issuer, "jwks": {"keys": [{**fresh_jwk(), "kid": "signing-key-2025"}, public]}}
    vc_file, metadata_file = alice.dir / "vc.txt", alice.dir / "issuer-metadata.json"
    vc_file.write_text(made.sd_jwt_issuance)
    metadata_file.write_text(json.dumps(metadata))
    alice.ok("endorse", "import", str(vc_file), "--metadata", str(metadata_file))
    signed, _ = alice.sign(CHROME, SHOP, "--state", "identified", "--endorsed-by", issuer, "--verified", "name")

    verifier = Party(tmp_path, "verifier")
    verifier.ok("trust", "add", issuer, "--metadata", str(metadata_file))
    code, doc = verifier.verify(signed, SHOP, "--trust", str(verifier.home / "trust.json"))
    assert code == 0, doc
    assert [(e["issuer"], e["claims"]) for e in doc["endorsements"]] == [(issuer, {"name": "Erika"})]
    # Trusting only the issuer's other key: the kid names a key it does not trust.
    other = Party(tmp_path, "other")
    other.ok("trust", "add", issuer, "--key", json.dumps(metadata["jwks"]["keys"][0]))
    code, doc = other.verify(signed, SHOP, "--trust", str(other.home / "trust.json"))
    assert code == UNTRUSTED_EXIT and doc["error"]["code"] == "untrusted-issuer", doc

"""Forged, lifted, re-bound, expired, revoked and oversized endorsements, each with the code it must get.

Like attack_corpus (whose assertion helpers it uses), everything is built by hand here, with libsodium and
hand-made JOSE and SD-JWT, never with the wallet's own issuing or presenting code, so that a bug there cannot
hide a bug in the verifier. ``CASES`` maps a name to (signed SDP bytes, verify() keyword arguments including a
``trust`` store, expected code or None for valid).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import zlib
from typing import Any

from nacl.bindings import crypto_sign, crypto_sign_seed_keypair

from attack_corpus import GOOD as ASSERTION_GOOD
from attack_corpus import ALICE_PUB, ALICE_SEC, AUDIENCE, CHROME, MALLORY, MALLORY_PUB, MALLORY_SEC, T0, b64u, claims, \
    envelope, sdp_fingerprints, token, with_identity
from wallet.endorsements.trust import TrustStore
from wallet.privacy.policy import Policy

IDP = "https://idp.example"
OTHER = "https://other-idp.example"
IDP_PUB, IDP_SEC = crypto_sign_seed_keypair(bytes([3]) * 32)
OTHER_PUB, OTHER_SEC = crypto_sign_seed_keypair(bytes([4]) * 32)
JTI = b64u(bytes(range(16)))
STATUS_URI = IDP + "/statuslists/1"
SALT = b64u(b"sixteen salt bytes")


def jwk(public: bytes) -> dict[str, str]:
    return {"kty": "OKP", "crv": "Ed25519", "x": b64u(public)}


def kid(public: bytes) -> str:
    canonical = json.dumps({"crv": "Ed25519", "kty": "OKP", "x": b64u(public)}, separators=(",", ":"))
    return b64u(hashlib.sha256(canonical.encode()).digest())


def jws(header: dict[str, Any], payload: dict[str, Any] | bytes, secret: bytes, *, how: str = "ed25519") -> str:
    raw = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    signing_input = (b64u(json.dumps(header).encode()) + "." + b64u(raw)).encode()
    if how == "ed25519":
        sig = crypto_sign(signing_input, secret)[:64]
    elif how == "hmac":
        sig = hmac.digest(secret[32:], signing_input, hashlib.sha256)
    else:
        sig = b""
    return signing_input.decode() + "." + b64u(sig)


def disclosure(name: str, value: Any, salt: str = SALT) -> str:
    return b64u(json.dumps([salt, name, value]).encode())


def digest(text: str) -> str:
    return b64u(hashlib.sha256(text.encode("ascii")).digest())


def vc(
    *,
    holder: bytes = ALICE_PUB,
    disclose: dict[str, Any] | None = None,
    extra_digests: list[str] | None = None,
    issuer: str = IDP,
    secret: bytes = IDP_SEC,
    header: dict[str, Any] | None = None,
    how: str = "ed25519",
    drop_from_sd: tuple[str, ...] = (),
    **visible: Any,
) -> tuple[str, list[str]]:
    """(issuer-signed JWT, its disclosures) of an SD-JWT VC about ``holder``."""
    disclose = {"verified_person": True, "name": "Alice Example"} if disclose is None else disclose
    encoded = [disclosure(k, v, salt=b64u(k.encode() * 4)) for k, v in disclose.items()]
    sd = sorted([digest(d) for d, k in zip(encoded, disclose) if k not in drop_from_sd] + (extra_digests or [])
                + [b64u(hashlib.sha256(b"decoy").digest())])
    payload: dict[str, Any] = {"iss": issuer, "iat": T0 - 3600, "exp": T0 + 86_400, "vct": "urn:wallet:vct:person",
                               "cnf": {"jwk": jwk(holder)}, "_sd": sd, "_sd_alg": "sha-256"}
    payload.update(visible)
    payload = {k: v for k, v in payload.items() if v is not ...}
    head = header if header is not None else {"alg": "EdDSA", "typ": "dc+sd-jwt", "kid": kid(IDP_PUB)}
    return jws(head, payload, secret, how=how), encoded


def presentation(
    jwt: str,
    shown: list[str],
    *,
    aud: str = AUDIENCE,
    nonce: str = JTI,
    iat: int = T0,
    secret: bytes = ALICE_SEC,
    sd_hash: str | None = None,
    header: dict[str, Any] | None = None,
    how: str = "ed25519",
    kb: bool = True,
) -> str:
    without = "~".join([jwt, *shown, ""])
    if not kb:
        return without
    payload = {"iat": iat, "aud": aud, "nonce": nonce, "sd_hash": sd_hash or digest(without)}
    return without + jws(header or {"alg": "EdDSA", "typ": "kb+jwt"}, payload, secret, how=how)


def endorsed_sdp(presentations: list[str], *, secret: bytes = ALICE_SEC, iss: str | None = None, **override: Any) -> bytes:
    extra = {"iss": iss} if iss else {}
    payload = claims(contents=sdp_fingerprints(CHROME), endorsements=presentations, **extra, **override)
    return with_identity(CHROME, envelope(token(payload, secret=secret)))


def trust(*, claims_for: list[str] | None = None, status: str | None = None, kid: str | None = None,
          **window: Any) -> TrustStore:
    store = TrustStore.empty()
    store.add(IDP, keys=[{**jwk(IDP_PUB), **({"kid": kid} if kid else {})}], claims=claims_for, **window)
    if status is not None:
        store.load_status(IDP, status, now=T0)
    return store


def policy(**endorsement: Any) -> Policy:
    doc = {"version": 2, "party": AUDIENCE, "accept": ["identified", "pseudonymous", "unlinkable"], "require": [],
           "endorsement": endorsement}
    return Policy.from_json(json.dumps(doc).encode(), source="corpus")


def status_token(revoked: list[int], *, secret: bytes = IDP_SEC, exp: int = T0 + 86_400) -> str:
    bits = bytearray(128)
    for i in revoked:
        bits[i // 8] |= 1 << (i % 8)
    payload = {"sub": STATUS_URI, "iat": T0 - 60, "exp": exp, "ttl": 86_400,
               "status_list": {"bits": 1, "lst": b64u(zlib.compress(bytes(bits)))}}
    return jws({"alg": "EdDSA", "typ": "statuslist+jwt"}, payload, secret)


_JWT, _DISC = vc()
GOOD_PRESENTATION = presentation(_JWT, _DISC)
GOOD = endorsed_sdp([GOOD_PRESENTATION])
_T = {"audience": AUDIENCE, "at": T0 + 10}


def _with(jwt_disc: tuple[str, list[str]], **kb: Any) -> bytes:
    jwt, disc = jwt_disc
    return endorsed_sdp([presentation(jwt, disc, **kb)])


def _lifted() -> bytes:
    """Mallory lifts Alice's presentation (KB and all) into her own assertion."""
    return endorsed_sdp([GOOD_PRESENTATION], secret=MALLORY_SEC, iss=MALLORY)


def _mallory_rebinds() -> bytes:
    """Mallory lifts Alice's endorsement and makes her own Key Binding JWT for it."""
    return endorsed_sdp([presentation(_JWT, _DISC, secret=MALLORY_SEC)], secret=MALLORY_SEC, iss=MALLORY)


def _huge(size: int) -> bytes:
    jwt, disc = vc(disclose={"name": "A" * size})
    return endorsed_sdp([presentation(jwt, disc)])


def _status(index: int) -> tuple[str, list[str]]:
    return vc(status={"status_list": {"idx": index, "uri": STATUS_URI}})


CASES: dict[str, tuple[bytes, dict[str, Any], str | None]] = {
    "endorsement_valid": (GOOD, {**_T, "trust": trust()}, None),
    "endorsement_valid_no_disclosure": (_with((_JWT, [])), {**_T, "trust": trust()}, None),
    "endorsement_valid_not_revoked": (_with(_status(7)), {**_T, "trust": trust(status=status_token([8]))}, None),
    "endorsement_no_trust_store": (GOOD, {**_T}, "untrusted-issuer"),
    "endorsement_untrusted_issuer": (_with(vc(issuer=OTHER, secret=OTHER_SEC)), {**_T, "trust": trust()}, "untrusted-issuer"),
    "endorsement_forged_by_untrusted_key": (_with(vc(secret=OTHER_SEC, header={"alg": "EdDSA", "typ": "dc+sd-jwt"})),
                                            {**_T, "trust": trust()}, "bad-endorsement"),
    "endorsement_forged_kid_of_untrusted_key": (_with(vc(secret=OTHER_SEC, header={"alg": "EdDSA", "typ": "dc+sd-jwt", "kid": kid(OTHER_PUB)})),
                                                {**_T, "trust": trust()}, "untrusted-issuer"),
    "endorsement_signature_bit_flipped": (
        endorsed_sdp([presentation(_JWT[:-2] + ("A" if _JWT[-2] != "A" else "B") + _JWT[-1], _DISC)]),
        {**_T, "trust": trust()}, "bad-endorsement"),
    "endorsement_disclosure_not_in_sd": (
        _with((_JWT, [*_DISC, disclosure("email", "mallory@example.org")])), {**_T, "trust": trust()}, "bad-endorsement"),
    "endorsement_disclosure_digest_dropped_from_sd": (_with(vc(drop_from_sd=("name",))), {**_T, "trust": trust()}, "bad-endorsement"),
    "endorsement_duplicated_disclosure": (_with((_JWT, [_DISC[0], _DISC[0]])), {**_T, "trust": trust()}, "bad-endorsement"),
    "endorsement_disclosure_names_sd": (
        _with(vc(disclose={"_sd": ["x"]})), {**_T, "trust": trust()}, "bad-endorsement"),
    "endorsement_disclosure_names_ellipsis": (
        _with(vc(disclose={"...": "x"})), {**_T, "trust": trust()}, "bad-endorsement"),
    "endorsement_disclosure_overrides_visible_claim": (
        _with(vc(disclose={"iss": OTHER})), {**_T, "trust": trust()}, "bad-endorsement"),
    "endorsement_lifted_into_another_assertion": (_lifted(), {**_T, "trust": trust()}, "bad-endorsement"),
    "endorsement_lifted_and_rebound_by_another_key": (_mallory_rebinds(), {**_T, "trust": trust()}, "bad-endorsement"),
    "endorsement_cnf_of_another_holder": (_with(vc(holder=MALLORY_PUB)), {**_T, "trust": trust()}, "bad-endorsement"),
    "endorsement_kb_wrong_aud": (_with((_JWT, _DISC), aud="https://other.example"), {**_T, "trust": trust()}, "bad-endorsement"),
    "endorsement_kb_wrong_nonce": (_with((_JWT, _DISC), nonce=b64u(b"another assertion")), {**_T, "trust": trust()}, "bad-endorsement"),
    "endorsement_kb_wrong_sd_hash": (_with((_JWT, _DISC), sd_hash=digest("something else")), {**_T, "trust": trust()}, "bad-endorsement"),
    "endorsement_kb_signed_by_another_key": (_with((_JWT, _DISC), secret=MALLORY_SEC), {**_T, "trust": trust()}, "bad-endorsement"),
    "endorsement_kb_wrong_typ": (_with((_JWT, _DISC), header={"alg": "EdDSA", "typ": "JWT"}), {**_T, "trust": trust()}, "bad-endorsement"),
    "endorsement_kb_made_at_another_time": (_with((_JWT, _DISC), iat=T0 - 7200), {**_T, "trust": trust()}, "bad-endorsement"),
    "endorsement_kb_missing": (_with((_JWT, _DISC), kb=False), {**_T, "trust": trust()}, "bad-endorsement"),
    "endorsement_kb_alg_none": (_with((_JWT, _DISC), header={"alg": "none", "typ": "kb+jwt"}, how="none"),
                                {**_T, "trust": trust()}, "bad-endorsement"),
    "endorsement_kb_alg_hs256": (_with((_JWT, _DISC), header={"alg": "HS256", "typ": "kb+jwt"}, how="hmac"),
                                 {**_T, "trust": trust()}, "bad-endorsement"),
    "endorsement_issuer_alg_none": (_with(vc(header={"alg": "none", "typ": "dc+sd-jwt"}, how="none")),
                                    {**_T, "trust": trust()}, "bad-endorsement"),
    "endorsement_issuer_alg_hs256": (_with(vc(header={"alg": "HS256", "typ": "dc+sd-jwt"}, how="hmac")),
                                     {**_T, "trust": trust()}, "bad-endorsement"),
    "endorsement_sd_alg_sha512": (_with(vc(_sd_alg="sha-512")), {**_T, "trust": trust()}, "bad-endorsement"),
    "endorsement_wrong_typ": (_with(vc(header={"alg": "EdDSA", "typ": "vc+sd-jwt+x"})), {**_T, "trust": trust()}, "bad-endorsement"),
    "endorsement_expired": (_with(vc(exp=T0 - 3600)), {**_T, "trust": trust()}, "endorsement-expired"),
    "endorsement_not_yet_valid": (_with(vc(iat=T0 + 3600)), {**_T, "trust": trust()}, "endorsement-expired"),
    "endorsement_revoked": (_with(_status(7)), {**_T, "trust": trust(status=status_token([7]))}, "endorsement-revoked"),
    "endorsement_status_index_outside_list": (_with(_status(5000)), {**_T, "trust": trust(status=status_token([]))},
                                              "bad-endorsement"),
    "endorsement_claim_not_trusted": (GOOD, {**_T, "trust": trust(claims_for=["verified_person"])}, "claim-not-trusted"),
    "endorsement_issued_outside_trusted_window": (GOOD, {**_T, "trust": trust(valid_after=T0)}, "untrusted-issuer"),
    "endorsement_oversized_assertion": (_huge(16_000), {**_T, "trust": trust()}, "too-large"),
    "endorsement_oversized_presentation": (_huge(5_800), {**_T, "trust": trust()}, "bad-endorsement"),
    "endorsement_not_a_list": (endorsed_sdp(GOOD_PRESENTATION), {**_T, "trust": trust()}, "malformed"),  # type: ignore[arg-type]
    "endorsement_five_at_once": (endorsed_sdp([GOOD_PRESENTATION] * 5), {**_T, "trust": trust()}, "malformed"),
    "endorsement_policy_met": (GOOD, {**_T, "trust": trust(), "policy": policy(claims=["verified_person"], issuers=[IDP])},
                               None),
    "endorsement_policy_mandates_another_idp": (
        GOOD, {**_T, "trust": trust(), "policy": policy(issuers=[OTHER])}, "missing-endorsement"),
    "endorsement_policy_claim_not_disclosed": (
        _with((_JWT, _DISC[:1])), {**_T, "trust": trust(), "policy": policy(claims=["name"])}, "missing-endorsement"),
    "endorsement_policy_none_presented": (
        ASSERTION_GOOD, {**_T, "trust": trust(), "policy": policy(claims=[])},
        "missing-endorsement"),
    # found in review: a crash before the signature check, a disclosed status, deeper nesting
    "endorsement_kid_not_a_string": (_with(vc(header={"alg": "EdDSA", "typ": "dc+sd-jwt", "kid": ["x"]})),
                                     {**_T, "trust": trust()}, "bad-endorsement"),
    "endorsement_kid_an_object": (_with(vc(header={"alg": "EdDSA", "typ": "dc+sd-jwt", "kid": {"a": 1}})),
                                  {**_T, "trust": trust()}, "bad-endorsement"),
    "endorsement_discloses_its_status": (
        _with(vc(disclose={"verified_person": True, "status": {"status_list": {"idx": 7, "uri": STATUS_URI}}})),
        {**_T, "trust": trust(status=status_token([7]))}, "bad-endorsement"),
    "endorsement_discloses_its_cnf": (_with(vc(disclose={"cnf": {"jwk": jwk(MALLORY_PUB)}}, cnf=...)),
                                      {**_T, "trust": trust()}, "bad-endorsement"),
    "endorsement_nested_disclosure_in_an_array": (_with(vc(disclose={"name": [{"...": "x"}]})),
                                                  {**_T, "trust": trust()}, "bad-endorsement"),
    "endorsement_nested_disclosure_deep": (_with(vc(disclose={"name": {"a": {"b": {"_sd": []}}}})),
                                           {**_T, "trust": trust()}, "bad-endorsement"),
    "endorsement_valid_legacy_typ": (_with(vc(header={"alg": "EdDSA", "typ": "vc+sd-jwt"})), {**_T, "trust": trust()},
                                     None),
    "endorsement_valid_kid_named_by_metadata": (
        _with(vc(header={"alg": "EdDSA", "typ": "dc+sd-jwt", "kid": "key-1"})), {**_T, "trust": trust(kid="key-1")},
        None),
    "endorsement_not_ascii": (endorsed_sdp([GOOD_PRESENTATION.replace("~", "\u02dc", 1)]), {**_T, "trust": trust()},
                              "bad-endorsement"),
}

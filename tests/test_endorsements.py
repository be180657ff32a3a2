"""Endorsements end to end through the library: the IdP, the holder, reconciliation, signing, verifying.

Each test is an attack or a promise of docs/endorsements.md: keys the IdP is asked to endorse are the ones
the privacy state calls for, requests and responses that are not what they claim are refused, a once-only
endorsement is used once, an exhausted batch falls back as the rule says, and a verifier believes only the
issuers, claims and times its trust store names.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

from wallet.assertions.sdp import Fingerprint
from wallet.assertions.verify import verify
from wallet.endorse import account_key, import_response, make_request
from wallet.endorsements.credential import read_endorsement
from wallet.endorsements.requests import make_request as raw_request
from wallet.endorsements.trust import TrustStore
from wallet.errors import AlreadyExists, CorruptData, UsageError
from wallet.facade import create_wallet, open_wallet
from wallet.idp import create_idp, open_idp
from wallet.identity.personas import Persona
from wallet.jose import parse_compact
from wallet.privacy.policy import Policy
from wallet.privacy.rules import Rule
from wallet.storage.paths import WalletHome
from wallet.vocabulary import KeyScope

ISS = "https://idp.example"
OTHER = "https://other.example"
FP = [Fingerprint.parse("sha-256 " + ":".join(["AB"] * 32))]
PASS = b"endorsement test passphrase"


def _pass(confirm: bool) -> bytes:
    return PASS


def new_idp(tmp_path: Path, issuer: str = ISS, name: str = "idp") -> Any:
    home = WalletHome.resolve(str(tmp_path / name))
    create_idp(home, issuer=issuer, store="file", passphrase=_pass)
    return open_idp(home, passphrase=_pass)


def new_wallet(tmp_path: Path, name: str = "wallet") -> Any:
    home = WalletHome.resolve(str(tmp_path / name))
    create_wallet(home, store="file", passphrase=_pass)
    return open_wallet(home, passphrase=_pass)


@pytest.fixture
def idp(tmp_path: Path) -> Any:
    return new_idp(tmp_path)


@pytest.fixture
def wallet(tmp_path: Path) -> Any:
    return new_wallet(tmp_path)


def enroll(wallet: Any, idp: Any, persona: str = "default", account: str = "alice", **claims: Any) -> None:
    claims = claims or {"verified_person": True, "name": "Alice Example", "email": "alice@example.org"}
    idp.enroll(account, account_key=account_key(wallet, idp.issuer, persona=persona).did, claims=claims)


def endorse(wallet: Any, idp: Any, **request: Any) -> list[Any]:
    return import_response(wallet, idp.issue(make_request(wallet, idp.issuer, **request)).encode())


def trust_of(*idps: Any, **kwargs: Any) -> TrustStore:
    store = TrustStore.empty()
    for i in idps:
        store.add(i.issuer, keys=i.metadata()["jwks"]["keys"], **kwargs)
    return store


def sign(wallet: Any, dest: str, **kwargs: Any) -> Any:
    plan = wallet.plan(dest, **{k: kwargs.pop(k) for k in ("policies", "state", "endorsed_by", "verified", "persona")
                                if k in kwargs})
    assert plan.outcome.satisfiable, plan.outcome.conflicts
    issued = wallet.sign(plan.destination, fingerprints=FP, persona=plan.persona.name, state=plan.outcome.state,
                         disclose=plan.outcome.disclosed, endorsements=plan.outcome.endorsements, **kwargs)
    return plan, issued


# -- keys --------------------------------------------------------------------------------------------------
def test_the_account_key_is_the_personas_pairwise_key_for_that_idp_alone(wallet: Any) -> None:
    wallet.add_persona(Persona.new("work", kind="real"))
    key = account_key(wallet, ISS)
    assert key.did == wallet.pseudonym(ISS, scope=KeyScope.PAIRWISE)[2].did
    others = {account_key(wallet, OTHER).did, account_key(wallet, ISS, persona="work").did}
    assert key.did not in others and len(others) == 2


def test_the_keys_asked_for_are_the_ones_the_state_signs_with(wallet: Any) -> None:
    def keys(**request: Any) -> list[str]:
        payload = parse_compact(make_request(wallet, ISS, **request)).payload
        return [k["jwk"]["x"] for k in payload["keys"]]

    from wallet.encoding import b64url

    persona_key = b64url(wallet.pseudonym("x.example", scope=KeyScope.PERSONA)[2].public_key)
    assert keys(state="identified") == [persona_key]
    pairwise = [b64url(wallet.pseudonym(d)[2].public_key) for d in ("https://a.example", "https://b.example")]
    assert keys(state="pseudonymous", destinations=["a.example", "https://b.example"]) == pairwise
    once = keys(state="unlinkable", count=5)
    assert len(set(once)) == 5 and not set(once) & {persona_key, *pairwise}
    assert len(wallet.pending()) == 3


@pytest.mark.parametrize("request_args,needle", [
    ({"state": "pseudonymous"}, "--to DEST"),
    ({"state": "identified", "count": 3}, "--count is for unlinkable"),
    ({"state": "identified", "destinations": ["a.example"]}, "drop --to"),
    ({"state": "unlinkable", "destinations": ["a.example"]}, "drop --to"),
    ({"state": "unlinkable", "claims": ["name"]}, "identify nobody"),
    ({"state": "unlinkable", "count": 0}, "--count must be"),
    ({"state": "unlinkable", "count": 1001}, "--count must be"),
    ({"state": "undetectable"}, "unknown privacy state"),
    ({"state": "identified", "claims": ["shoe_size"]}, "unknown claim"),
])
def test_requests_that_make_no_sense_are_usage_errors(wallet: Any, request_args: dict[str, Any], needle: str) -> None:
    with pytest.raises(UsageError) as caught:
        make_request(wallet, ISS, **request_args)
    assert needle in caught.value.message + str(caught.value.hint)
    assert wallet.pending() == []


def test_the_guid_is_sent_only_when_the_user_asks(wallet: Any, idp: Any) -> None:
    enroll(wallet, idp)
    plain = make_request(wallet, ISS, state="identified")
    assert "guid" not in parse_compact(plain).payload and str(wallet.root.guid) not in plain
    idp.issue(plain)
    assert idp.account("alice")["guid"] is None
    asked = make_request(wallet, ISS, state="identified", with_guid=True)
    assert parse_compact(asked).payload["guid"] == str(wallet.root.guid)
    idp.issue(asked)
    assert idp.account("alice")["guid"] == str(wallet.root.guid)


# -- the IdP refuses requests that are not what they claim -------------------------------------------------
def _forged(wallet: Any, _idp: Any, **change: Any) -> str:
    from nacl.bindings import crypto_sign_seed_keypair

    acct = account_key(wallet, ISS)
    pub, sec = crypto_sign_seed_keypair(bytes([9]) * 32)
    args: dict[str, Any] = {"idp": ISS, "account": (acct.did, acct.secret_key), "keys": [(pub, sec)],
                            "state": "identified"}
    args.update(change)
    return raw_request(**args)[0]


def test_the_idp_refuses_forged_and_stale_requests(wallet: Any, idp: Any, tmp_path: Path) -> None:
    from nacl.bindings import crypto_sign_seed_keypair

    enroll(wallet, idp)
    pub, sec = crypto_sign_seed_keypair(bytes([9]) * 32)
    _, other_sec = crypto_sign_seed_keypair(bytes([8]) * 32)
    stranger = new_wallet(tmp_path, "stranger")
    s_acct = account_key(stranger, ISS)
    acct = account_key(wallet, ISS)
    cases = {
        "a key it does not hold": _forged(wallet, idp, keys=[(pub, other_sec)]),
        "another IdP": _forged(wallet, idp, idp=OTHER),
        "expired": _forged(wallet, idp, now=int(time.time()) - 2 * 86_400),
        "not enrolled": raw_request(idp=ISS, account=(s_acct.did, s_acct.secret_key), keys=[(pub, sec)],
                                    state="identified")[0],
        "account key endorsed": _forged(wallet, idp, keys=[(acct.public_key, acct.secret_key)]),
        "key twice": _forged(wallet, idp, keys=[(pub, sec), (pub, sec)], state="unlinkable"),
        "claims it lacks": _forged(wallet, idp, claims=["phone_number"]),
        "group with a person claim": _forged(wallet, idp, claims=["group", "name"]),
        "identified batch": _forged(wallet, idp, keys=[(pub, sec), crypto_sign_seed_keypair(bytes([7]) * 32)]),
    }
    for name, request in cases.items():
        with pytest.raises(UsageError) as caught:
            idp.issue(request)
        assert caught.value.message, name
    tampered = _forged(wallet, idp)
    head, body, sig = tampered.split(".")
    with pytest.raises(UsageError, match="signature"):
        idp.issue(f"{head}.{body}.{'A' if sig[0] != 'A' else 'B'}{sig[1:]}")
    idp.revoke("alice")
    with pytest.raises(UsageError, match="revoked"):
        idp.issue(_forged(wallet, idp))


def test_a_request_is_answered_once(wallet: Any, idp: Any) -> None:
    """Answering twice would issue endorsements whose status indexes the IdP forgets: revocation would miss them."""
    enroll(wallet, idp)
    request = make_request(wallet, ISS, state="unlinkable", count=2)
    import_response(wallet, idp.issue(request).encode())
    with pytest.raises(UsageError, match="already answered"):
        idp.issue(request)
    assert idp.revoke("alice") == 2


@pytest.mark.parametrize("entry", [
    {"valid_after": "2026-01-01"},
    {"valid_before": True},
    {"claims": "verified_person"},
    {"claims": [1]},
    {"keys": "not a list"},
    {"keys": []},
])
def test_a_malformed_trust_file_is_corrupt_not_a_crash(entry: dict[str, Any]) -> None:
    doc = {"format": "wallet-trust/1", "issuers": {ISS: {"keys": [{"kty": "OKP", "crv": "Ed25519", "x": "A" * 43}],
                                                         **entry}}}
    with pytest.raises(CorruptData):
        TrustStore.from_json(json.dumps(doc).encode(), what="trust file")


def test_endorsements_of_a_day_share_their_times(wallet: Any, idp: Any) -> None:
    """Once-only endorsements cannot be grouped by the second they were issued (docs/endorsements.md 14)."""
    enroll(wallet, idp)
    kept = endorse(wallet, idp, state="unlinkable", count=3)
    times = {(read_endorsement(h["token"]).payload["iat"], h["expires"]) for h in kept}
    assert len(times) == 1 and next(iter(times))[0] % 86_400 == 0


@pytest.mark.parametrize("status,once,claims", [
    ("https://idp.example/statuslists/1", True, {"verified_person": True}),
    (None, False, {"name": "Ann \u00e9 \"quoted\" \\ back", "email": "ann@example.org"}),
    ("https://idp.example/tenant/statuslists/1", False, {"group": "support@corp.example"}),
])
def test_a_batch_signs_exactly_the_json_of_its_claims(status: Any, once: bool, claims: dict[str, Any]) -> None:
    """The batch serialises its shared claims once; what it signs must be the wallet's JSON of the claims."""
    from nacl.bindings import crypto_sign_seed_keypair

    from wallet.encoding import b64url, b64url_decode, dumps
    from wallet.endorsements.credential import VCT_PERSON, Batch, jwk_of

    public, secret = crypto_sign_seed_keypair(bytes([5]) * 32)
    holder = crypto_sign_seed_keypair(bytes([6]) * 32)[0]
    batch = Batch(issuer=ISS, secret_key=secret, claims=claims, vct=VCT_PERSON, issued_at=1_800_000_000, ttl=3600,
                  status_uri=status, once=once)
    token = batch.endorse(holder, 42 if status else None)
    jwt = token.split("~")[0]
    signed = b64url_decode(jwt.split(".")[1])
    payload = json.loads(signed)
    expected = {"iss": ISS, "iat": 1_800_000_000, "exp": 1_800_003_600, "vct": VCT_PERSON, "cnf": {"jwk": jwk_of(holder)}}
    if status:
        expected["status"] = {"status_list": {"idx": 42, "uri": status}}
    if once:
        expected["_wallet"] = {"once": True}
    expected.update({"_sd": payload["_sd"], "_sd_alg": "sha-256"})
    assert signed == dumps(expected) and len(payload["_sd"]) == 8  # always eight digests, decoys included
    sd = read_endorsement(token)
    sd.verify_issuer(public)
    from wallet.endorsements.credential import disclosed_claims

    assert disclosed_claims(sd.claims()) == claims
    assert jwt.split(".")[0] == b64url(dumps({"alg": "EdDSA", "typ": "dc+sd-jwt", "kid": read_endorsement(token).header["kid"]}))
    with pytest.raises(ValueError):
        batch.endorse(holder, None if status else 1)


def test_enrolment_guards(wallet: Any, idp: Any) -> None:
    enroll(wallet, idp)
    with pytest.raises(AlreadyExists):
        enroll(wallet, idp)
    with pytest.raises(AlreadyExists, match="enrolled for account"):
        idp.enroll("bob", account_key=account_key(wallet, ISS).did, claims={"name": "Bob"})
    for bad in ({"verified_person": False}, {"shoe_size": "42"}, {"email": "not an address"}, {"name": "x\x1b[2J"},
                {"group": "nogroup"}, {"name": ""}):
        with pytest.raises(UsageError):
            idp.enroll("carol", account_key=None, claims=bad)
    updated = idp.enroll("alice", account_key=None, claims={"org": "Corp.Example"}, replace=True)
    assert updated["claims"]["org"] == "corp.example" and updated["claims"]["name"] == "Alice Example"


# -- the holder refuses responses that are not what it asked for --------------------------------------------
def test_import_matches_responses_to_requests(wallet: Any, idp: Any, tmp_path: Path) -> None:
    enroll(wallet, idp)
    response = idp.issue(make_request(wallet, ISS, state="identified")).encode()
    kept = import_response(wallet, response)
    assert [h["scope"] for h in kept] == ["persona"] and kept[0]["claims"]["name"] == "Alice Example"
    with pytest.raises(UsageError, match="no pending request"):
        import_response(wallet, response)  # twice
    # Another wallet's response, with its request id swapped for one of ours: the keys do not match.
    other = new_wallet(tmp_path, "other")
    enroll(other, idp, account="other")
    theirs = json.loads(idp.issue(make_request(other, ISS, state="identified")))
    theirs["request"] = parse_compact(make_request(wallet, ISS, state="identified")).payload["jti"]
    with pytest.raises(UsageError, match="did not ask"):
        import_response(wallet, json.dumps(theirs).encode())
    # A response whose metadata names a key that did not sign the endorsements.
    mine = json.loads(idp.issue(make_request(wallet, ISS, state="identified")))
    mine["metadata"] = new_idp(tmp_path, name="impostor").metadata()
    with pytest.raises(UsageError, match="verifiers would refuse"):
        import_response(wallet, json.dumps(mine).encode())
    with pytest.raises(UsageError, match="issuer's keys"):
        import_response(wallet, mine["endorsements"][0].encode())
    assert len(wallet.held()) == 1


def test_an_expired_endorsement_is_not_kept_nor_used(wallet: Any, idp: Any) -> None:
    enroll(wallet, idp)
    response = idp.issue(make_request(wallet, ISS, state="identified")).encode()
    with pytest.raises(UsageError, match="expired"):
        import_response(wallet, response, now=int(time.time()) + 200 * 86_400)


# -- signing with endorsements -------------------------------------------------------------------------------
def test_an_identified_call_presents_only_the_claims_allowed(wallet: Any, idp: Any) -> None:
    enroll(wallet, idp)
    endorse(wallet, idp, state="identified")
    plan, issued = sign(wallet, "shop.example", state="identified", verified=["name"])
    [presented] = issued.payload["endorsements"]
    sd = read_endorsement(presented)
    assert [d.name for d in sd.disclosures] == ["name"] and "alice@example.org" not in presented
    result = verify(issued.token, audience="shop.example", fingerprints=[FP[0].line()],
                    at=issued.payload["iat"], trust=trust_of(idp))
    assert result.valid, result.error
    assert [(e.issuer, e.claims) for e in result.endorsements] == [(ISS, {"name": "Alice Example"})]
    assert result.disclosed == {}  # verified claims are reported apart from self-asserted ones
    assert issued.entry["endorsements"] == [{"issuer": ISS, "claims": {"name": "Alice Example"}}]


def test_a_once_only_endorsement_is_used_once(wallet: Any, idp: Any) -> None:
    enroll(wallet, idp)
    endorse(wallet, idp, state="unlinkable", count=2)
    _, first = sign(wallet, "callcentre.example", state="unlinkable", verified=["verified_person"])
    wallet.record(first)
    assert len(wallet.held()) == 1
    _, second = sign(wallet, "callcentre.example", state="unlinkable", verified=["verified_person"])
    assert second.key.did != first.key.did and second.endorsements[0]["id"] != first.endorsements[0]["id"]
    wallet.unrecord(first)  # its output could not be written: the endorsement is kept for another call
    assert len(wallet.held()) == 2
    wallet.record(first)
    # Another command picked the same endorsement meanwhile: the second use is refused, nothing recorded.
    with pytest.raises(UsageError, match="used by another command"):
        wallet.record(first.__class__(first.token, {**first.payload, "jti": "x" * 22}, first.key, first.persona,
                                      first.entry, first.endorsements))
    assert len(wallet.history()) == 1


def test_an_exhausted_batch_falls_back_as_the_rule_says(wallet: Any, idp: Any) -> None:
    enroll(wallet, idp)
    endorse(wallet, idp, state="unlinkable", count=1)
    wallet.prefs.add_rule(Rule.new(dest="fallback.example", state="unlinkable", verified=["verified_person"],
                                   on_conflict="fallback:pseudonymous"))
    wallet.prefs.add_rule(Rule.new(dest="refuse.example", state="unlinkable", verified=["verified_person"]))
    _, used = sign(wallet, "refuse.example")
    wallet.record(used)
    refused = wallet.plan("refuse.example").outcome
    assert not refused.satisfiable and refused.endorsements == []
    assert any(c["item"].startswith("endorsement") and c["resolution"] == "unresolved" for c in refused.conflicts)
    fallen = wallet.plan("fallback.example").outcome
    assert fallen.satisfiable and fallen.state == "pseudonymous" and fallen.endorsements == []
    assert any(c["resolution"] == "fallback to pseudonymous" for c in fallen.conflicts)


def test_mandated_and_preferred_issuers(wallet: Any, idp: Any, tmp_path: Path) -> None:
    other = new_idp(tmp_path, OTHER, "other-idp")
    for i in (idp, other):
        enroll(wallet, i, verified_person=True)
        endorse(wallet, i, state="identified")

    def choose(**requirement: Any) -> Any:
        doc = {"version": 2, "party": "https://shop.example", "accept": ["identified"], "require": [],
               "endorsement": requirement}
        return wallet.plan("shop.example", state="identified", verified=["verified_person"],
                           policies=[Policy.from_json(json.dumps(doc).encode(), source="p")]).outcome

    assert [e["issuer"] for e in choose(claims=["verified_person"], preferred=[OTHER]).endorsements] == [OTHER]
    assert [e["issuer"] for e in choose(issuers=[ISS]).endorsements] == [ISS]
    chosen = choose(issuers=[ISS, OTHER], preferred=[ISS])
    assert [e["issuer"] for e in chosen.endorsements] == [ISS]
    assert any("did not name" in n for n in chosen.notices)  # draft 8.6.4: an IdP the user did not choose
    named = wallet.plan("shop.example", state="identified", endorsed_by=[OTHER], verified=["verified_person"]).outcome
    assert [e["issuer"] for e in named.endorsements] == [OTHER] and named.notices == []
    missing = choose(issuers=["https://third.example"])
    assert not missing.satisfiable


def test_a_required_verified_claim_the_rule_withholds_is_a_conflict(wallet: Any, idp: Any) -> None:
    enroll(wallet, idp)
    endorse(wallet, idp, state="identified")
    doc = {"version": 2, "party": "https://shop.example", "accept": ["identified"], "require": [],
           "endorsement": {"claims": ["email"]}}
    policy = Policy.from_json(json.dumps(doc).encode(), source="p")
    refused = wallet.plan("shop.example", state="identified", verified=["name"], policies=[policy]).outcome
    assert not refused.satisfiable
    allowed = wallet.plan("shop.example", state="identified", verified=["email"], policies=[policy]).outcome
    assert allowed.satisfiable and allowed.endorsements[0]["claims"] == ["email"]


def test_an_unlinkable_call_never_shows_identifying_verified_claims() -> None:
    with pytest.raises(UsageError, match="identify nobody"):
        Rule.new(state="unlinkable", verified=["name"])
    with pytest.raises(UsageError, match="undetectable"):
        Rule.new(state="undetectable", endorsed_by=[ISS])
    with pytest.raises(UsageError):
        Rule.new(state="identified", endorsed_by=["http://idp.example"])


def test_rules_stored_before_endorsements_still_read() -> None:
    record = Rule.new(dest="a.example", state="identified").to_record()
    old = {k: v for k, v in record.items() if k not in ("endorsed_by", "verified")}
    assert Rule.from_record(old).endorsed_by == ()
    with pytest.raises(CorruptData):
        Rule.from_record({**record, "verified": ["name", 3]})


# -- policies --------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("doc,needle", [
    ({"version": 1, "endorsement": {}}, "unknown field 'endorsement'"),
    ({"version": 2, "endorsement": []}, "must be an object"),
    ({"version": 2, "endorsement": {"claims": ["shoe_size"]}}, "unknown claim"),
    ({"version": 2, "endorsement": {"issuers": ["http://idp.example"]}}, "https URL"),
    ({"version": 2, "endorsement": {"issuers": [ISS], "preferred": [OTHER]}}, "not among the mandated"),
    ({"version": 2, "endorsement": {"mandated": [ISS]}}, "unknown member 'mandated'"),
    ({"version": 2, "accept": ["undetectable"], "endorsement": {}}, "cannot accept undetectable"),
])
def test_policy_v2_is_strict(doc: dict[str, Any], needle: str) -> None:
    from wallet.errors import InvalidPolicy

    full = {"accept": ["identified"], "require": [], **doc}
    with pytest.raises(InvalidPolicy) as caught:
        Policy.from_json(json.dumps(full).encode(), source="p")
    assert needle in caught.value.message


def test_policy_v2_round_trips() -> None:
    doc = {"version": 2, "party": "https://shop.example", "role": "destination", "accept": ["unlinkable"],
           "require": [], "origin": "optional",
           "endorsement": {"claims": ["verified_person"], "issuers": [ISS, OTHER], "preferred": [OTHER]}}
    assert Policy.from_json(json.dumps(doc).encode(), source="p").to_json() == doc


# -- the verifier ---------------------------------------------------------------------------------------------
def test_revocation_reaches_the_verifier_through_the_status_list(wallet: Any, idp: Any, tmp_path: Path) -> None:
    enroll(wallet, idp)
    endorse(wallet, idp, state="identified")
    _, issued = sign(wallet, "shop.example", state="identified", verified=["verified_person"])
    now = issued.payload["iat"]
    trust = trust_of(idp)
    check = dict(audience="shop.example", fingerprints=[FP[0]], at=now)
    assert verify(issued.token, trust=trust, **check).endorsements[0].status == "unchecked"
    trust.load_status(ISS, idp.status_token(now=now), now=now)
    assert verify(issued.token, trust=trust, **check).endorsements[0].status == "valid"
    assert idp.revoke("alice") == 1
    fresh = TrustStore.from_json(json.dumps(trust.to_json()).encode(), what="t")  # a reloaded file
    fresh.load_status(ISS, idp.status_token(now=now + 1), now=now + 1)
    assert verify(issued.token, trust=fresh, **check).error.code == "endorsement-revoked"
    with pytest.raises(UsageError, match="older"):
        fresh.load_status(ISS, idp.status_token(now=now - 100), now=now)
    stale = dict(check, at=now + 2 * 86_400)
    assert verify(issued.token, trust=fresh, **stale).error.code in ("expired", "bad-endorsement")


def test_publish_writes_what_verifiers_load(tmp_path: Path) -> None:
    idp = new_idp(tmp_path, "https://idp.example/tenant", "tenant")
    written = idp.publish(str(tmp_path / "site"))
    assert sorted(Path(p).relative_to(tmp_path / "site").as_posix() for p in written) == [
        ".well-known/jwt-vc-issuer/tenant", "tenant/statuslists/1"]
    metadata = json.loads(Path(written[0]).read_text())
    store = TrustStore.empty()
    from wallet.endorsements.trust import issuer_metadata_keys

    store.add(idp.issuer, keys=issuer_metadata_keys(json.dumps(metadata).encode(), idp.issuer))
    loaded = store.load_status(idp.issuer, Path(written[1]).read_text(), now=int(time.time()))
    assert loaded.uri == "https://idp.example/tenant/statuslists/1" and loaded.list.count_revoked() == 0
    assert oct(Path(written[0]).stat().st_mode & 0o777) == "0o644"


def test_a_batch_accepts_a_once_only_endorsement_once(wallet: Any, idp: Any) -> None:
    from wallet.assertions.batch import verify_batch
    from wallet.assertions.replay import ReplayStore

    enroll(wallet, idp)
    endorse(wallet, idp, state="unlinkable", count=1)
    _, first = sign(wallet, "callcentre.example", state="unlinkable", verified=["verified_person"])
    _, again = sign(wallet, "callcentre.example", state="unlinkable", verified=["verified_person"])  # not recorded
    assert first.key.did == again.key.did and first.payload["jti"] != again.payload["jti"]
    lines = [json.dumps({"assertion": i.token, "fingerprints": [FP[0].line()]}).encode()
             for i in (first, again)]
    store = ReplayStore.open(str(Path(wallet.home.path) / "replay.db"))
    results = [r.to_json() for r in verify_batch(lines, audience="callcentre.example", replay=store, workers=1,
                                                  trust=trust_of(idp))]
    assert [r["valid"] for r in results] == [True, False]
    assert results[1]["error"]["code"] == "replayed" and "once-only" in results[1]["error"]["message"]


def test_endorsements_travel_in_backups_and_go_with_their_persona(wallet: Any, idp: Any, tmp_path: Path) -> None:
    from wallet.backup import export_backup, read_backup

    wallet.add_persona(Persona.new("work", kind="real"))
    enroll(wallet, idp, persona="work")
    endorse(wallet, idp, persona="work", state="unlinkable", count=3)
    endorse(wallet, idp, persona="work", state="identified")
    make_request(wallet, ISS, persona="work", state="unlinkable", count=2)  # pending, for one-time keys
    _, records = read_backup(export_backup(wallet, b"backup pass"), b"backup pass")
    # Once-only endorsements stay out: restored, they would be presented again after being used since.
    assert [v["scope"] for _, v in records["endorsement"]] == ["persona"] and records["endorsement-request"] == []
    bad = dict(records["endorsement"][0][1], scope="pairwise")
    from wallet.backup import _validate

    with pytest.raises(CorruptData):
        _validate({**records, "endorsement": [(bad["id"], bad)]})
    wallet.remove_persona("work")
    assert wallet.held() == [] and wallet.pending() == []

"""The adversarial review of issue 9 (endorsements): each confirmed finding as a test of the CORRECT behaviour.

Every test here fails on the reviewed code and passes once its finding is fixed. Numbers refer to the review's
report (H = high, M = medium, L = low). Attacks build what an adversary would: a foreign or misbehaving IdP
signing SD-JWT VCs by hand, a caller forging assertions with its own key, or two commands interleaving.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from nacl.bindings import crypto_sign_seed_keypair

from conftest import PASSPHRASE, wallet_exe
from wallet.assertions.sdp import Fingerprint
from wallet.assertions.verify import verify
from wallet.encoding import b64url
from wallet.endorse import account_key, import_response, make_request
from wallet.endorsements.credential import jwk_of, read_endorsement, status_of, thumbprint
from wallet.endorsements.sdjwt import issue as sd_issue
from wallet.endorsements.sdjwt import key_binding_jwt
from wallet.endorsements.trust import TrustStore
from wallet.errors import UsageError
from wallet.facade import create_wallet, open_wallet
from wallet.identity.didkey import did_key_from_public
from wallet.idp import create_idp, open_idp
from wallet.jose import parse_compact, sign_compact
from wallet.storage.paths import WalletHome
from wallet.vocabulary import KeyScope

ISS = "https://idp.example"
FP = Fingerprint.parse("sha-256 " + ":".join(["AB"] * 32))
FPLINE = FP.line()
PASS = b"review 9 passphrase"
PERSON = "urn:wallet:vct:person"


def _pass(confirm: bool) -> bytes:
    return PASS


def _new_idp(tmp_path: Path, name: str = "idp") -> Any:
    home = WalletHome.resolve(str(tmp_path / name))
    create_idp(home, issuer=ISS, store="file", passphrase=_pass)
    return open_idp(home, passphrase=_pass)


def _new_wallet(tmp_path: Path, name: str = "wallet") -> Any:
    home = WalletHome.resolve(str(tmp_path / name))
    create_wallet(home, store="file", passphrase=_pass)
    return open_wallet(home, passphrase=_pass)


def _enroll(wallet: Any, idp: Any, account: str = "alice", **claims: Any) -> None:
    claims = claims or {"verified_person": True, "name": "Alice Example", "email": "alice@example.org"}
    idp.enroll(account, account_key=account_key(wallet, ISS).did, claims=claims)


def _sign(wallet: Any, dest: str, **plan_args: Any) -> Any:
    plan = wallet.plan(dest, **plan_args)
    assert plan.outcome.satisfiable, plan.outcome.conflicts
    return plan, wallet.sign(plan.destination, fingerprints=[FP], persona=plan.persona.name,
                             state=plan.outcome.state, disclose=plan.outcome.disclosed,
                             endorsements=plan.outcome.endorsements)


# A foreign (or misbehaving) issuer: any organisation may run one, and the wallet imports its SD-JWT VCs.
FOREIGN_PUB, FOREIGN_SEC = crypto_sign_seed_keypair(bytes([9]) * 32)
HEADER = {"alg": "EdDSA", "typ": "dc+sd-jwt", "kid": thumbprint(FOREIGN_PUB)}


def _metadata() -> bytes:
    return json.dumps({"issuer": ISS, "jwks": {"keys": [{**jwk_of(FOREIGN_PUB), "kid": thumbprint(FOREIGN_PUB)}]}}).encode()


def _foreign_trust(**kwargs: Any) -> TrustStore:
    store = TrustStore.empty()
    store.add(ISS, keys=[jwk_of(FOREIGN_PUB)], **kwargs)
    return store


def _response(request_jws: str, endorsements: list[str]) -> bytes:
    jti = parse_compact(request_jws).payload["jti"]
    return json.dumps({"format": "wallet-endorsement-response/1", "issuer": ISS, "request": jti,
                       "metadata": json.loads(_metadata()), "endorsements": endorsements}).encode()


def _day() -> int:
    now = int(time.time())
    return now - now % 86_400


def _forged_assertion(presentation_of: Any, *, now: int, **extra: Any) -> str:
    """An assertion by a caller's own key (seed 07) carrying the presentation ``presentation_of(jti)`` returns."""
    pub, sec = crypto_sign_seed_keypair(bytes([7]) * 32)
    jti = b64url(os.urandom(16))
    payload = {"iss": did_key_from_public(pub), "aud": "https://shop.example", "iat": now, "exp": now + 300,
               "jti": jti, "contents": [FP.to_json()], "state": "identified", "disclosed": {},
               "origin": {"status": "none"}}
    if presentation_of is not None:
        payload["endorsements"] = [presentation_of(jti, pub, sec)]
    payload.update(extra)
    return sign_compact({"alg": "EdDSA", "typ": "wallet-identity+jwt"}, payload, sec)


def _bound(token: str, *, now: int) -> Any:
    def make(jti: str, pub: bytes, sec: bytes) -> str:
        return token + key_binding_jwt(token, audience="https://shop.example", nonce=jti, issued_at=now, secret_key=sec)
    return make


HOLDER_PUB = crypto_sign_seed_keypair(bytes([7]) * 32)[0]


# -- H1: visible claims escape the user's rule (and an unlinkable call shows identifying claims) --------------
def test_h1_an_unlinkable_call_never_shows_an_identifying_claim_an_idp_made_visible(tmp_path: Path) -> None:
    wallet = _new_wallet(tmp_path)
    request = make_request(wallet, ISS, state="unlinkable", count=1)
    day = _day()
    endorsements = [sd_issue(HEADER, {"iss": ISS, "iat": day, "exp": day + 90 * 86_400, "vct": PERSON,
                                      "cnf": {"jwk": k["jwk"]}, "_wallet": {"once": True},
                                      "name": "Alice Example", "acct": "alice-0042"},  # visible, not disclosable
                             {"verified_person": True}, FOREIGN_SEC, decoys=3)
                    for k in parse_compact(request).payload["keys"]]
    try:
        import_response(wallet, _response(request, endorsements))
    except UsageError:
        return  # refusing such an endorsement is correct
    plan = wallet.plan("callcentre.example", state="unlinkable", verified=["verified_person"])
    if not plan.outcome.satisfiable or not plan.outcome.endorsements:
        return  # never presenting it is correct too
    _, issued = _sign(wallet, "callcentre.example", state="unlinkable", verified=["verified_person"])
    result = verify(issued.token, audience="callcentre.example", fingerprints=[FPLINE], at=issued.payload["iat"],
                    trust=_foreign_trust())
    assert result.valid, result.error
    shown = result.endorsements[0].claims
    assert set(shown) <= {"verified_person", "group"}, f"an unlinkable call showed {shown}"


def test_h1_an_identified_call_shows_no_verified_claim_the_rule_withholds(tmp_path: Path) -> None:
    wallet = _new_wallet(tmp_path)
    holder = wallet.derive(wallet.persona("default"), KeyScope.PERSONA)
    now = int(time.time())
    token = sd_issue(HEADER, {"iss": ISS, "iat": now - 10, "exp": now + 86_400, "vct": PERSON,
                              "cnf": {"jwk": jwk_of(holder.public_key)}, "email": "alice@secret.example"},
                     {"verified_person": True}, FOREIGN_SEC, decoys=3)
    try:
        import_response(wallet, token.encode(), metadata=_metadata())
    except UsageError:
        return
    plan = wallet.plan("shop.example", state="identified", verified=["verified_person"])
    if not plan.outcome.satisfiable or not plan.outcome.endorsements:
        return
    _, issued = _sign(wallet, "shop.example", state="identified", verified=["verified_person"])
    result = verify(issued.token, audience="shop.example", fingerprints=[FPLINE], at=issued.payload["iat"],
                    trust=_foreign_trust())
    assert result.valid, result.error
    assert set(result.endorsements[0].claims) <= {"verified_person"}, result.endorsements[0].claims
    # and the ledger says what the verifier saw
    assert issued.entry["endorsements"][0]["claims"] == result.endorsements[0].claims


# -- H2: two endorsements of one one-time key make "unlinkable" calls share their key -------------------------
def test_h2_unlinkable_calls_never_share_a_one_time_key(tmp_path: Path) -> None:
    wallet = _new_wallet(tmp_path)
    request = make_request(wallet, ISS, state="unlinkable", count=1)
    [key] = parse_compact(request).payload["keys"]
    day = _day()
    endorsements = [sd_issue(HEADER, {"iss": ISS, "iat": day, "exp": day + 90 * 86_400, "vct": PERSON,
                                      "cnf": {"jwk": key["jwk"]}, "_wallet": {"once": True}},
                             {"verified_person": True}, FOREIGN_SEC, decoys=3) for _ in range(3)]
    try:
        import_response(wallet, _response(request, endorsements))
    except UsageError:
        return  # one endorsement per key asked for: refusing the response is correct
    keys = []
    for dest in ("a.example", "b.example", "c.example"):
        plan = wallet.plan(dest, state="unlinkable", verified=["verified_person"], endorsed_by=[ISS])
        if not plan.outcome.satisfiable:
            break
        _, issued = _sign(wallet, dest, state="unlinkable", verified=["verified_person"], endorsed_by=[ISS])
        wallet.record(issued)
        keys.append(issued.key.did)
    assert len(set(keys)) == len(keys), f"{len(keys)} unlinkable calls signed with {len(set(keys))} key(s)"


# -- H3: a deeply nested disclosure crashes the verifier before any signature is checked --------------------
def _deep_assertion(depth: int = 500) -> tuple[str, int]:
    now = int(time.time())
    deep = b'["saltsaltsaltsaltsalt","x",' + b"[" * depth + b"]" * depth + b"]"
    jwt = sign_compact({"alg": "EdDSA", "typ": "dc+sd-jwt"},
                       {"iss": ISS, "iat": now, "exp": now + 99, "vct": "x", "cnf": {"jwk": jwk_of(HOLDER_PUB)}, "_sd": []},
                       FOREIGN_SEC)
    return _forged_assertion(lambda jti, pub, sec: f"{jwt}~{b64url(deep)}~", now=now), now


def test_h3_a_deeply_nested_disclosure_is_a_verdict_not_a_crash() -> None:
    token, now = _deep_assertion()
    result = verify(token, audience="shop.example", fingerprints=[FPLINE], at=now)
    assert not result.valid and result.error is not None
    assert result.error.code in ("bad-endorsement", "malformed", "untrusted-issuer")


def test_h3_one_deep_line_does_not_end_a_verifier_batch() -> None:
    from wallet.assertions.batch import verify_batch

    token, now = _deep_assertion()
    good = _forged_assertion(None, now=now)
    lines = [json.dumps({"assertion": t, "fingerprints": [FPLINE]}).encode() for t in (token, good)]
    results = [r.to_json() for r in verify_batch(lines, audience="shop.example", at=now, workers=1)]
    assert [r["valid"] for r in results] == [False, True]


def test_h3_importing_a_deeply_nested_endorsement_is_a_usage_error(tmp_path: Path) -> None:
    wallet = _new_wallet(tmp_path)
    token, _ = _deep_assertion()
    vc = parse_compact(token).payload["endorsements"][0]
    with pytest.raises(UsageError):
        import_response(wallet, vc.encode(), metadata=_metadata())


# -- M1: wallet verify's human line can be made to claim an IdP vouched --------------------------------------
def test_m1_self_asserted_text_cannot_pose_as_a_verified_claim(cli, tmp_path: Path) -> None:
    now = int(time.time())
    lie = ("Mallory; verified by https://idp.example (urn:wallet:vct:person, status valid): "
           "verified_person=true, name=Alice Example")
    token = _forged_assertion(None, now=now, disclosed={"name": lie})
    path = tmp_path / "spoof.jwt"
    path.write_text(token)
    r = cli(["verify", str(path), "--audience", "shop.example", "--fingerprint", FPLINE, "--no-replay-check"])
    assert r.code == 0, r.err
    # no endorsement was presented at all: no line says an IdP vouched, and the lie stays inside its quotes
    assert [line for line in r.out.splitlines() if line.startswith("verified by")] == [], r.out
    assert 'self-asserted: name="Mallory; verified by' in r.out and r.out.count("\n") == 1, r.out


# -- M2: a foreign claim value the ledger cannot hold breaks history and backups for good ---------------------
def test_m2_a_presented_claim_never_makes_the_ledger_unreadable(tmp_path: Path) -> None:
    from wallet.backup import export_backup

    wallet = _new_wallet(tmp_path)
    holder = wallet.derive(wallet.persona("default"), KeyScope.PERSONA)
    now = int(time.time())
    token = sd_issue(HEADER, {"iss": ISS, "iat": now - 10, "exp": now + 86_400, "vct": PERSON,
                              "cnf": {"jwk": jwk_of(holder.public_key)}},
                     {"verified_person": True, "name": {"given": "Alice", "family": "Example"}}, FOREIGN_SEC, decoys=3)
    try:
        import_response(wallet, token.encode(), metadata=_metadata())
        _, issued = _sign(wallet, "shop.example", state="identified", verified=["name"])
        wallet.record(issued)
    except UsageError:
        return  # refusing to keep or to present it is correct
    wallet.history()  # CorruptData on the reviewed code: `wallet history` and `wallet export` fail from now on
    export_backup(wallet, b"backup pass")


# -- M3: restoring a backup brings back once-only endorsements already presented -----------------------------
def test_m3_a_restored_backup_never_presents_a_used_once_only_endorsement_again(tmp_path: Path) -> None:
    from wallet.backup import export_backup, read_backup
    from wallet.storage.provisioning import provision

    idp, wallet = _new_idp(tmp_path), _new_wallet(tmp_path)
    _enroll(wallet, idp)
    import_response(wallet, idp.issue(make_request(wallet, ISS, state="unlinkable", count=1)).encode())
    blob = export_backup(wallet, b"backup pass")
    _, used = _sign(wallet, "a.example", state="unlinkable", verified=["verified_person"])
    wallet.record(used)
    root, records = read_backup(blob, b"backup pass")
    home = WalletHome.resolve(str(tmp_path / "restored"))
    provision(home, root, store="file", passphrase=_pass, records=records, force=False)
    restored = open_wallet(home, passphrase=_pass)
    plan = restored.plan("b.example", state="unlinkable", verified=["verified_person"])
    if plan.outcome.satisfiable and plan.outcome.endorsements:
        _, again = _sign(restored, "b.example", state="unlinkable", verified=["verified_person"])
        assert again.key.did != used.key.did, "the same once-only endorsement and one-time key in two calls"


# -- M4: a revocation that lands while a request is being answered misses it (and may undo itself) -----------
def test_m4_a_concurrent_revocation_is_never_lost(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from wallet.endorsements.statuslist import parse_token

    idp, wallet = _new_idp(tmp_path), _new_wallet(tmp_path)
    _enroll(wallet, idp)
    request = make_request(wallet, ISS, state="identified", with_guid=True)
    import wallet.endorsements.issuer as issuer_module

    original = issuer_module.read_request

    def revoked_meanwhile(*args: Any, **kwargs: Any) -> Any:
        # Another process, `wallet idp revoke alice --yes`, commits while this one checks the request. (Inside
        # issue()'s transaction another process's revoke waits for the commit, then revokes what was issued.)
        idp.revoke("alice")
        return original(*args, **kwargs)

    monkeypatch.setattr(issuer_module, "read_request", revoked_meanwhile)
    try:
        response = idp.issue(request)
    except UsageError:
        response = None  # refusing the request is correct
    monkeypatch.setattr(issuer_module, "read_request", original)
    assert idp.account("alice")["revoked"], "the revocation was undone"
    if response is not None:
        uri, index = status_of(read_endorsement(json.loads(response)["endorsements"][0]))
        now = int(time.time())
        listed = parse_token(idp.status_token(now=now), idp.public_key, uri=uri, now=now)
        assert listed.list.revoked(index), "an endorsement issued to a revoked account is valid"


# -- M5: after a key rotation no status list can be loaded any more --------------------------------------------
def test_m5_a_status_list_signed_by_the_issuers_new_key_loads() -> None:
    from wallet.endorsements.statuslist import StatusList, sign_token

    old, new = crypto_sign_seed_keypair(bytes([1]) * 32), crypto_sign_seed_keypair(bytes([2]) * 32)
    uri, now = ISS + "/statuslists/1", int(time.time())
    store = TrustStore.empty()
    store.add(ISS, keys=[jwk_of(old[0]), jwk_of(new[0])])  # both keys trusted during the rotation
    store.load_status(ISS, sign_token(uri, StatusList.new(1024), old[1], issued_at=now - 100, ttl=86_400), now=now)
    fresh = StatusList.new(1024)
    fresh.revoke(5)
    store.load_status(ISS, sign_token(uri, fresh, new[1], issued_at=now, ttl=86_400), now=now)
    assert store.entry(ISS).status_list(uri, now=now).list.revoked(5)


# -- M6: "verified_person" is satisfied by verified_person = false ---------------------------------------------
def test_m6_a_policy_requiring_verified_person_refuses_verified_person_false() -> None:
    from wallet.privacy.policy import Policy

    now = int(time.time())
    token = sd_issue(HEADER, {"iss": ISS, "iat": now - 10, "exp": now + 86_400, "vct": PERSON,
                              "cnf": {"jwk": jwk_of(HOLDER_PUB)}}, {"verified_person": False}, FOREIGN_SEC, decoys=3)
    assertion = _forged_assertion(_bound(token, now=now), now=now)
    policy = Policy.from_json(json.dumps({"version": 2, "party": "https://shop.example", "accept": ["identified"],
                                          "require": [], "endorsement": {"claims": ["verified_person"],
                                                                         "issuers": [ISS]}}).encode(), source="p")
    result = verify(assertion, audience="shop.example", fingerprints=[FPLINE], at=now,
                    trust=_foreign_trust(claims=["verified_person"]), policy=policy)
    assert not result.valid, result.to_json()["endorsements"]


# -- M7: one account exhausts the IdP's status list for good ---------------------------------------------------
def test_m7_one_account_cannot_exhaust_the_idps_status_list_for_ever(tmp_path: Path) -> None:
    import base64

    from wallet.endorsements.issuer import STATUS

    idp = _new_idp(tmp_path)
    empty = base64.b64encode(bytes(128)).decode()  # a small list (1,024 entries) for speed; same code path
    with idp.records.transaction():
        idp.records.put(STATUS, "bits", {"revoked": empty, "allocated": empty})
    alice, bob = _new_wallet(tmp_path, "alice"), _new_wallet(tmp_path, "bob")
    _enroll(alice, idp, "alice", verified_person=True)
    _enroll(bob, idp, "bob", verified_person=True)
    for count in (1000, 24):
        try:
            idp.issue(make_request(alice, ISS, state="unlinkable", count=count))
        except UsageError:
            pass  # a per-account limit would be a fix too
    # Long after every endorsement alice got has expired, another account still gets one.
    later = int(time.time()) + idp.config["ttl"] + 3 * 86_400
    idp.issue(make_request(bob, ISS, state="identified", now=later), now=later)


# -- M8: two trust commands at once lose one's change (a removed issuer comes back) ----------------------------
def test_m8_trust_rm_is_not_undone_by_a_concurrent_trust_status(cli, tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    from wallet.endorsements.statuslist import StatusList, sign_token

    path = tmp_path / "trust.json"
    pub, sec = crypto_sign_seed_keypair(bytes([3]) * 32)
    store = TrustStore.empty()
    store.add(ISS, keys=[jwk_of(pub)])
    store.save(str(path))
    token = tmp_path / "list"
    token.write_text(sign_token(ISS + "/statuslists/1", StatusList.new(1024), sec, issued_at=int(time.time()),
                                ttl=86_400))
    original = TrustStore.load_status
    env = {**os.environ, "WALLET_HOME": str(tmp_path / "nohome")}

    def with_rm_meanwhile(self: TrustStore, *args: Any, **kwargs: Any) -> Any:
        # The administrator removes the (compromised) issuer while a cron job's `trust status` runs.
        rm = subprocess.Popen([*wallet_exe(), "trust", "rm", ISS, "--trust", str(path)], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            rm.wait(timeout=5)  # a fix that locks the file makes rm wait for this command instead
        except subprocess.TimeoutExpired:
            pass
        with_rm_meanwhile.rm = rm  # type: ignore[attr-defined]
        return original(self, *args, **kwargs)

    monkeypatch.setattr(TrustStore, "load_status", with_rm_meanwhile)
    cli(["trust", "status", ISS, str(token), "--trust", str(path)])
    assert with_rm_meanwhile.rm.wait(timeout=30) == 0  # type: ignore[attr-defined]
    assert TrustStore.load(str(path)).entry(ISS) is None, "the removed issuer is trusted again"


# -- L1: nbf is ignored (the reference library refuses a not-yet-valid credential) ----------------------------
def test_l1_an_endorsement_not_valid_yet_by_nbf_is_refused() -> None:
    now = int(time.time())
    token = sd_issue(HEADER, {"iss": ISS, "iat": now - 10, "nbf": now + 30 * 86_400, "exp": now + 90 * 86_400,
                              "vct": PERSON, "cnf": {"jwk": jwk_of(HOLDER_PUB)}},
                     {"verified_person": True}, FOREIGN_SEC, decoys=3)
    result = verify(_forged_assertion(_bound(token, now=now), now=now), audience="shop.example",
                    fingerprints=[FPLINE], at=now, trust=_foreign_trust())
    assert not result.valid and result.error.code in ("endorsement-expired", "bad-endorsement")


# -- L2: a fixed number of decoys tells verifiers how many claims were withheld -------------------------------
def test_l2_the_number_of_digests_does_not_tell_how_many_claims_an_endorsement_holds(tmp_path: Path) -> None:
    idp, wallet = _new_idp(tmp_path), _new_wallet(tmp_path)
    _enroll(wallet, idp)
    sizes = []
    for claims in (["verified_person"], ["verified_person", "name", "email"]):
        response = json.loads(idp.issue(make_request(wallet, ISS, state="identified", claims=claims)))
        sizes.append(len(read_endorsement(response["endorsements"][0]).payload["_sd"]))
    assert sizes[0] == sizes[1], f"_sd holds {sizes[0]} digests for one claim, {sizes[1]} for three"


# -- L3: updating a revoked account reinstates it ---------------------------------------------------------------
def test_l3_updating_a_revoked_account_does_not_reinstate_it(tmp_path: Path) -> None:
    idp, wallet = _new_idp(tmp_path), _new_wallet(tmp_path)
    _enroll(wallet, idp)
    idp.revoke("alice")
    idp.enroll("alice", account_key=None, claims={"email": "alice@new.example"}, replace=True)
    assert idp.account("alice")["revoked"]
    with pytest.raises(UsageError, match="revoked"):
        idp.issue(make_request(wallet, ISS, state="identified"))


# -- L4: issuer-chosen text reaches the terminal unescaped ------------------------------------------------------
def test_l4_issuer_text_cannot_steer_the_terminal(cli, file_wallet: Path, tmp_path: Path) -> None:
    wallet = open_wallet(WalletHome.resolve(str(file_wallet)), passphrase=lambda confirm: PASSPHRASE.encode())
    holder = wallet.derive(wallet.persona("default"), KeyScope.PERSONA)
    wallet.close()
    now = int(time.time())
    token = sd_issue(HEADER, {"iss": ISS, "iat": now - 10, "exp": now + 86_400, "vct": "urn:x\x1b]0;PWNED\x07\x1b[2J",
                              "cnf": {"jwk": jwk_of(holder.public_key)}},
                     {"verified_person": True, "\x1b[31mevil\x1b[0m": "x"}, FOREIGN_SEC, decoys=3)
    (tmp_path / "vc").write_text(token)
    (tmp_path / "meta.json").write_bytes(_metadata())
    r = cli(["endorse", "import", str(tmp_path / "vc"), "--metadata", str(tmp_path / "meta.json")])
    assert "\x1b" not in r.err, r.err
    if r.code == 2:  # refusing issuer text that is not printable is correct too
        return
    assert r.code == 0, r.err
    r = cli(["explain", "--to", "shop.example", "--state", "identified", "--verified", "verified_person",
             "--endorsed-by", ISS])
    assert r.code == 0, r.err
    assert "\x1b" not in r.out, r.out


# -- L5: an endorsement with an empty vct is reported as a corrupt wallet ------------------------------------
def test_l5_an_endorsement_with_an_empty_vct_is_a_usage_error_not_corruption(tmp_path: Path) -> None:
    wallet = _new_wallet(tmp_path)
    holder = wallet.derive(wallet.persona("default"), KeyScope.PERSONA)
    now = int(time.time())
    token = sd_issue(HEADER, {"iss": ISS, "iat": now - 10, "exp": now + 86_400, "vct": "",
                              "cnf": {"jwk": jwk_of(holder.public_key)}}, {"verified_person": True}, FOREIGN_SEC,
                     decoys=3)
    try:
        import_response(wallet, token.encode(), metadata=_metadata())
    except UsageError:
        pass
    assert wallet.held() is not None


# -- L6: `wallet idp publish` makes its top directory unreadable to the web server -----------------------------
def test_l6_published_files_are_readable_by_a_web_server(cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    passfile = tmp_path / "idp-pass"
    passfile.write_text(PASSPHRASE + "\n")
    monkeypatch.setenv("WALLET_IDP_HOME", str(tmp_path / "idp"))
    monkeypatch.setenv("WALLET_PASSPHRASE_FILE", str(passfile))
    assert cli(["idp", "init", "--issuer", ISS, "--store", "file"]).code == 0
    site = tmp_path / "site"
    r = cli(["idp", "publish", str(site)])
    assert r.code == 0, r.err
    for path in (site, site / ".well-known", site / "statuslists"):
        assert path.stat().st_mode & 0o005 == 0o005, f"{path} is {oct(path.stat().st_mode & 0o777)}"

"""Use case 7.1: Alice calls insurers' call centres from their websites (click-to-link, single CS).

She stays undetectable where visitors are welcome, uses a pseudonym where authentication is required, and the
call centres cannot link her calls to each other, to her employer or to the website that sent her.
"""

from __future__ import annotations

import json
from pathlib import Path

from parties import CHROME, FIREFOX, Party, a_moment_later, assertion_text, away_from_midnight, observable


def test_undetectable_where_allowed_pseudonymous_where_required_never_linkable(tmp_path: Path) -> None:
    alice = Party(tmp_path, "alice").init()
    alice.ok("persona", "add", "work", "--attr", "email=alice@employer.example", "--attr", "org=employer.example")
    alice.ok("rule", "add", "--service", "click-to-link", "--state", "undetectable",
             "--on-conflict", "fallback:pseudonymous")
    open_insurer = Party(tmp_path, "insurer-a")
    open_policy = open_insurer.policy(party="insurer-a.example", accept=["undetectable", "pseudonymous", "identified"])
    strict_insurer = Party(tmp_path, "insurer-b")
    strict_policy = strict_insurer.policy(party="insurer-b.example", accept=["pseudonymous", "identified"])
    clinic = Party(tmp_path, "clinic-c")
    clinic_policy = clinic.policy(party="clinic-c.example", accept=["pseudonymous"])
    ctx = ["--service", "click-to-link", "--model", "single-cs", "--origin", "https://health-portal.example/sensitive/page"]

    # Insurer A welcomes visitors: Alice stays undetectable, the offer passes unchanged.
    sdp_a, notice = alice.sign(CHROME, "insurer-a.example", *ctx, "--policy", open_policy)
    assert sdp_a == alice.offered and "undetectable" in notice
    code, seen = open_insurer.verify(sdp_a, "insurer-a.example", "--policy", open_policy)
    assert code == 0 and seen["identity"] is None and seen["origin"]["status"] == "undetected"

    # Insurer B and clinic C require authentication: the rule falls back to her pseudonym.
    sdp_b, notice_b = alice.sign(CHROME, "insurer-b.example", *ctx, "--policy", strict_policy)
    sdp_c, _ = alice.sign(FIREFOX, "clinic-c.example", *ctx, "--policy", clinic_policy)
    code_b, seen_b = strict_insurer.verify(sdp_b, "insurer-b.example", "--policy", strict_policy)
    code_c, seen_c = clinic.verify(sdp_c, "clinic-c.example", "--policy", clinic_policy)
    assert code_b == 0 and code_c == 0
    assert seen_b["identity"]["state"] == seen_c["identity"]["state"] == "pseudonymous"
    assert "decided by rule" in notice_b and "pseudonymous: pairwise key" in notice_b

    # What they can see: a pseudonymous, verified identity; no employer, e-mail or originating page.
    for seen in (seen_b, seen_c):
        assert seen["disclosed"] == {} and seen["origin"] == {"status": "withheld", "url": None}
    readable = (sdp_b + sdp_c).decode() + assertion_text(sdp_b) + assertion_text(sdp_c)
    assert '"iss"' in readable  # the decoded assertions really are part of what is searched
    for secret in ("employer.example", "alice", "health-portal"):
        assert secret not in readable
    # What they cannot do: link her. Each saw a pairwise pseudonym of its own, unrelated to the other's and to
    # her work identity (which her employer's systems would know).
    assert seen_b["identity"]["id"] != seen_c["identity"]["id"]
    work_ids = {alice.ok("pseudonym", d, "--persona", "work", "--scope", "persona").out.strip()
                for d in ("insurer-b.example", "clinic-c.example")}
    assert not work_ids & {seen_b["identity"]["id"], seen_c["identity"]["id"]}


def test_with_unlinkable_callers_two_call_centres_see_unrelated_identities(tmp_path: Path) -> None:
    alice = Party(tmp_path, "alice").init()
    alice.ok("rule", "add", "--service", "click-to-link", "--state", "unlinkable")
    b = Party(tmp_path, "b")
    seen = []
    for site in ("insurer-b.example", "insurer-b.example", "clinic-c.example"):
        sdp, _ = alice.sign(CHROME, site, "--service", "click-to-link")
        code, doc = b.verify(sdp, site, "--no-replay-check")
        assert code == 0 and doc["identity"]["state"] == "unlinkable"
        seen.append(doc["identity"]["id"])
    assert len(set(seen)) == 3  # not even two calls to the same centre can be linked


IDP = "https://idp.example"
CENTRE = "callcentre.example"
CLINIC = "clinic.example"
PERSON = {"issuer": IDP, "vct": "urn:wallet:vct:person", "claims": {"verified_person": True}, "status": "valid",
          "once": True}


def test_unlinkable_callers_endorsed_as_verified_persons_by_an_independent_idp(tmp_path: Path) -> None:
    """The call centre accepts unlinkable callers only if an IdP it trusts vouches that a real person calls
    (no nuisance calls), yet it can link neither two calls of one caller nor a call to the caller's account."""
    away_from_midnight()  # Alice's and Bob's endorsements below are issued the same day
    idp = Party(tmp_path, "idp").idp_init(IDP)
    centre = Party(tmp_path, "callcentre")
    assert centre.trust(idp, "verified_person")["claims"] == ["verified_person"]
    accept = ["unlinkable", "pseudonymous", "identified"]
    requirement = {"claims": ["verified_person"], "issuers": [IDP], "preferred": []}
    policy = centre.policy(version=2, party="https://callcentre.example", accept=accept, endorsement=requirement)
    clinic = Party(tmp_path, "clinic")
    clinic.trust(idp, "verified_person")
    clinic_policy = clinic.policy(version=2, party="https://clinic.example", accept=accept, endorsement=requirement)

    alice = Party(tmp_path, "alice").init()
    account_key = alice.enroll_at(idp, "alice", "verified_person=true", "name=Alice Example")
    kept = alice.endorse_by(idp, "--state", "unlinkable", "--count", "2")
    assert kept["kept"] == 2 and kept["claims"] == ["verified_person"]  # no name in once-only endorsements
    assert alice.once_left(IDP) == 2
    # For calls that fall back to her pseudonym, the key the call centre sees as her is endorsed too.
    alice.endorse_by(idp, "--state", "pseudonymous", "--to", CENTRE, "--claims", "verified_person")
    alice.ok("rule", "add", "--dest", CENTRE, "--state", "unlinkable", "--verified", "verified_person",
             "--on-conflict", "fallback:pseudonymous")
    alice.ok("rule", "add", "--dest", CLINIC, "--state", "unlinkable", "--verified", "verified_person",
             "--on-conflict", "refuse")

    # A second verified person at the same IdP, endorsed a moment later (the same day): what Alice's two calls
    # share must be no more than what any two callers endorsed by this IdP share.
    a_moment_later()
    bob = Party(tmp_path, "bob").init()
    bob.enroll_at(idp, "bob", "verified_person=true", "name=Bob Example")
    bob.endorse_by(idp, "--state", "unlinkable", "--count", "1")

    calls = []
    for n, sdp_file in enumerate((CHROME, FIREFOX)):
        sdp, notice = alice.sign(sdp_file, CENTRE, "--policy", policy)
        assert "unlinkable: one-time key" in notice and f"endorsed by {IDP} showing verified_person=true" in notice
        code, seen = centre.verify(sdp, CENTRE, "--policy", policy)
        assert code == 0, seen
        assert seen["identity"]["state"] == "unlinkable" and seen["disclosed"] == {}
        assert seen["endorsements"] == [PERSON]
        assert "Alice" not in assertion_text(sdp) and account_key not in assertion_text(sdp)
        assert alice.once_left(IDP) == 1 - n  # each once-only endorsement is used once, then deleted
        if n == 0:  # the same once-only assertion presented again is a replay
            code, again = centre.verify(sdp, CENTRE, "--policy", policy)
            assert code == 17 and again["error"]["code"] == "replayed"
        calls.append((sdp, seen))
    (a1, seen1), (a2, seen2) = calls
    assert seen1["identity"]["id"] != seen2["identity"]["id"]
    shared = observable(a1) & observable(a2)
    assert ("endorsement.iss", json.dumps(IDP)) in shared  # the IdP ...
    assert ("endorsement.disclosed.verified_person", "true") in shared  # ... and the claim are common
    b1, _ = bob.sign(FIREFOX, CENTRE, "--state", "unlinkable", "--verified", "verified_person", "--policy", policy)
    assert centre.verify(b1, CENTRE, "--policy", policy)[0] == 0
    linking = shared - (observable(a1) & observable(b1))

    # A caller the IdP vouches for nothing is refused ...
    mallory = Party(tmp_path, "mallory").init()
    out = mallory.dir / "refused.sdp"
    r = mallory("sign-sdp", "--to", CENTRE, str(CHROME), "-o", str(out), "--state", "unlinkable", "--verified",
                "verified_person", "--policy", policy)
    assert r.code == 23 and "requires an endorsement" in r.err and not out.exists()  # her wallet says so first
    nuisance, _ = mallory.sign(CHROME, CENTRE, "--state", "unlinkable")
    code, seen = centre.verify(nuisance, CENTRE, "--policy", policy)
    assert code == 28 and seen["error"]["code"] == "missing-endorsement" and seen["endorsements"] == []

    # Alice's batch is used up: her call-centre rule falls back to her (endorsed) pseudonym; the clinic rule
    # refuses; neither ever presents a once-only endorsement twice.
    assert alice.once_left(IDP) == 0
    doc = json.loads(alice.ok("explain", "--to", CENTRE, "--policy", policy, "--json").out)
    assert doc["satisfiable"] and doc["state"] == "pseudonymous"
    sdp, notice = alice.sign(CHROME, CENTRE, "--policy", policy)
    assert "pseudonymous: pairwise key" in notice
    code, seen = centre.verify(sdp, CENTRE, "--policy", policy)
    assert code == 0, seen
    assert seen["identity"]["state"] == "pseudonymous" and seen["endorsements"] == [{**PERSON, "once": False}]
    assert seen["identity"]["id"] not in (seen1["identity"]["id"], seen2["identity"]["id"])
    out = alice.dir / "clinic.sdp"
    r = alice("sign-sdp", "--to", CLINIC, str(FIREFOX), "-o", str(out), "--policy", clinic_policy)
    assert r.code == 23 and "once-only" in r.err and not out.exists()
    assert alice.once_left(IDP) == 0

    # Checked last, so that everything above runs whatever it finds.
    assert not linking, f"Alice's two calls share what no call by another caller shares: {sorted(linking)}"


def test_a_batch_of_once_only_endorsements_the_wallet_asks_for_is_one_the_idp_answers(tmp_path: Path) -> None:
    """A caller who makes many unlinkable calls asks for a large batch: whatever count the wallet accepts in a
    request, the IdP issues (a request the IdP would refuse is refused by the wallet, and nothing is pending)."""
    idp = Party(tmp_path, "idp").idp_init(IDP)
    alice = Party(tmp_path, "alice").init()
    alice.enroll_at(idp, "alice", "verified_person=true")
    request, response = alice.file("request", ".jws"), alice.file("response", ".json")
    r = alice("endorse", "request", "--idp", IDP, "--state", "unlinkable", "--count", "150", "-o", str(request))
    if r.code != 0:
        assert r.code == 2 and "--count" in r.err and alice.held() == []
        return
    issued = idp("idp", "issue", str(request), "-o", str(response))
    assert issued.code == 0, issued.err
    assert alice.ok("endorse", "import", str(response), "--json").out and alice.once_left(IDP) == 150

"""Use case 7.4: Alice's company and Bob's company host a conference through their own calling services
(dual CS, negotiated). Bob's service demands stricter privacy than Alice's; the outcome satisfies every
party, and does not depend on the order the policies arrive in."""

from __future__ import annotations

import json
from pathlib import Path

from parties import (AIORTC, CHROME, FIREFOX, Party, a_moment_later, assertion_text, away_from_midnight, observable,
                     presented_endorsements)


def test_negotiated_outcome_meets_every_party(tmp_path: Path) -> None:
    alice = Party(tmp_path, "alice").init()
    alice.ok("persona", "add", "work", "--attr", "display_name=Alice", "--attr", "email=alice@a-corp.example",
             "--attr", "org=a-corp.example")
    alice.ok("rule", "add", "--service", "conferencing", "--model", "dual-cs", "--state", "identified",
             "--persona", "work", "--disclose", "display_name,email,org", "--on-conflict", "fallback:pseudonymous")
    a_cs = Party(tmp_path, "a-corp").policy(party="conf.a-corp.example", role="calling-service",
                                            accept=["identified", "pseudonymous"], require=[])
    b_cs = Party(tmp_path, "b-corp").policy(party="conf.b-corp.example", role="calling-service",
                                            accept=["pseudonymous"], require=[])
    bob = Party(tmp_path, "bob")
    bob_policy = bob.policy(party="bob.b-corp.example", accept=["pseudonymous", "unlinkable"], require=[])
    ctx = ["--to", "bob.b-corp.example", "--service", "conferencing", "--model", "dual-cs"]

    outcomes = set()
    for order in ([a_cs, b_cs, bob_policy], [bob_policy, b_cs, a_cs], [b_cs, bob_policy, a_cs]):
        doc = json.loads(alice.ok("explain", *ctx, *[x for p in order for x in ("--policy", p)], "--json").out)
        outcomes.add(json.dumps(doc, sort_keys=True))
    assert len(outcomes) == 1
    doc = json.loads(outcomes.pop())
    assert doc["satisfiable"] and doc["state"] == "pseudonymous"
    assert doc["disclosed"] == {}  # falling back to pseudonymous does not carry her e-mail along
    conflict = doc["conflicts"][0]
    assert conflict["item"] == "state" and conflict["resolution"] == "fallback to pseudonymous"
    assert set(conflict["refused_by"]) == {"https://conf.b-corp.example", "https://bob.b-corp.example"}

    sdp, notice = alice.sign(AIORTC, "bob.b-corp.example", "--service", "conferencing", "--model", "dual-cs",
                             "--policy", a_cs, "--policy", b_cs, "--policy", bob_policy)
    assert "pseudonymous" in notice
    code, seen = bob.verify(sdp, "bob.b-corp.example", "--policy", bob_policy)
    assert code == 0 and seen["identity"]["state"] == "pseudonymous" and seen["disclosed"] == {}
    assert len(seen["fingerprints"]) == 3  # aiortc's sha-256, sha-384 and sha-512 are all covered


CORP_IDP = "https://idp.corp.example"
GROUP = "support@corp.example"


def _group(status: str = "valid") -> dict:
    return {"issuer": CORP_IDP, "vct": "urn:wallet:vct:group", "claims": {"group": GROUP}, "status": status,
            "once": True}


def test_corporate_idp_vouches_for_group_membership_only_and_revokes_a_leaver(tmp_path: Path) -> None:
    """The mandatory corporate IdP endorses each member's one-time keys with the group alone: Bob's company
    sees "a member of support@corp.example" on every call, never who, and cannot link two calls; when the
    corporation revokes a member, the endorsements she still holds are refused as soon as the partner loads
    the new status list, while the other members' calls still pass."""
    away_from_midnight()  # both members' endorsements below are issued the same day
    corp = Party(tmp_path, "corp").idp_init(CORP_IDP)
    partner = Party(tmp_path, "b-corp")
    partner.trust(corp, "group")  # the corporate IdP is believed about its groups, and nothing else
    policy = partner.policy(version=2, party="https://conf.b-corp.example", role="calling-service",
                            accept=["unlinkable", "pseudonymous"],
                            endorsement={"claims": ["group"], "issuers": [CORP_IDP], "preferred": []})
    members = {}
    for name in ("member", "colleague"):
        if name == "colleague":
            a_moment_later()  # endorsed a moment later than the first member (the same day)
        who = Party(tmp_path, name).init()
        key = who.enroll_at(corp, name, "verified_person=true", f"name={name.title()} Example",
                            f"email={name}@corp.example", f"group={GROUP}")
        # An unlinkable endorsement carries nothing that identifies the member.
        r = who("endorse", "request", "--idp", CORP_IDP, "--state", "unlinkable", "--claims", "group,name")
        assert r.code == 2 and "not 'name'" in r.err
        kept = who.endorse_by(corp, "--state", "unlinkable", "--count", "3", "--claims", "group")
        assert kept["kept"] == 3 and kept["claims"] == ["group"]
        members[name] = (who, key)
    alice, account_key = members["member"]
    assert alice.once_left(CORP_IDP) == 3

    ctx = ["--state", "unlinkable", "--verified", "group", "--service", "conferencing", "--model", "dual-cs",
           "--policy", policy]
    calls = []
    for sdp_file in (AIORTC, CHROME):
        sdp, notice = alice.sign(sdp_file, "bob.b-corp.example", *ctx)
        assert f"showing group={GROUP}" in notice
        code, seen = partner.verify(sdp, "bob.b-corp.example", "--policy", policy)
        assert code == 0, seen
        assert seen["identity"]["state"] == "unlinkable" and seen["disclosed"] == {}
        assert seen["endorsements"] == [_group()]  # the group, and no name
        shown = presented_endorsements(sdp)
        assert [e["disclosed"] for e in shown] == [{"group": GROUP}]  # what the decoded presentation discloses
        readable = assertion_text(sdp) + json.dumps(shown)
        for personal in ("Member Example", "member@corp.example", "verified_person", account_key):
            assert personal not in readable
        calls.append((sdp, seen["identity"]["id"]))
    (first, id1), (second, id2) = calls
    assert id1 != id2 and alice.once_left(CORP_IDP) == 1
    colleague, _ = members["colleague"]
    theirs, _ = colleague.sign(CHROME, "bob.b-corp.example", *ctx)
    assert partner.verify(theirs, "bob.b-corp.example", "--policy", policy)[0] == 0
    linking = (observable(first) & observable(second)) - (observable(first) & observable(theirs))

    # The member leaves: the corporation revokes her account and publishes; the partner loads the list.
    r = corp.ok("idp", "revoke", "member", "--yes", "--json")
    doc = json.loads(r.out)
    assert doc["revoked"] == "member" and doc["endorsements"] == 3  # all she was ever issued, used or not
    corp.publish()
    assert partner.load_status(corp)["revoked"] == 3
    leftover, _ = alice.sign(FIREFOX, "bob.b-corp.example", *ctx)  # her wallet still holds one
    code, seen = partner.verify(leftover, "bob.b-corp.example", "--policy", policy)
    assert code == 27 and seen["valid"] is False and seen["error"]["code"] == "endorsement-revoked"
    # Her colleague's endorsements are untouched; and the IdP issues nothing more to the revoked account.
    theirs, _ = colleague.sign(FIREFOX, "bob.b-corp.example", *ctx)
    code, seen = partner.verify(theirs, "bob.b-corp.example", "--policy", policy)
    assert code == 0 and seen["endorsements"] == [_group()]
    request = alice.file("request", ".jws")
    alice.ok("endorse", "request", "--idp", CORP_IDP, "--state", "unlinkable", "--count", "1", "--claims", "group",
             "-o", str(request))
    r = corp("idp", "issue", str(request), "-o", str(corp.dir / "never.json"))
    assert r.code == 2 and "revoked" in r.err and not (corp.dir / "never.json").exists()

    # Checked last, so that everything above runs whatever it finds.
    assert not linking, f"the member's two calls share what a colleague's call does not: {sorted(linking)}"

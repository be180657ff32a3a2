"""Use case 7.4: Alice's company and Bob's company host a conference through their own calling services
(dual CS, negotiated). Bob's service demands stricter privacy than Alice's; the outcome satisfies every
party, and does not depend on the order the policies arrive in."""

from __future__ import annotations

import json
from pathlib import Path

from parties import AIORTC, Party


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

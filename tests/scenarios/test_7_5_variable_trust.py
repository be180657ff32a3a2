"""Use case 7.5: Alice, in sales, is unlinkable and pseudonymous to a prospect but fully linkable to her
colleague; her company's calling-service policy forbids unlinkable customer calls, and reconciliation says so."""

from __future__ import annotations

import json
from pathlib import Path

from parties import CHROME, Party


def test_unlinkable_to_prospects_linkable_to_colleagues(tmp_path: Path) -> None:
    alice = Party(tmp_path, "alice").init()
    alice.ok("persona", "add", "work", "--attr", "display_name=Alice Sales", "--attr", "email=alice@corp.example")
    alice.ok("dest", "set", "charlie@corp.example", "--category", "inner-circle")
    alice.ok("rule", "add", "--category", "inner-circle", "--state", "identified", "--persona", "work",
             "--disclose", "display_name,email")
    alice.ok("rule", "add", "--dest", "*.prospects.example", "--state", "unlinkable", "--on-conflict", "fallback:pseudonymous")

    bob = Party(tmp_path, "bob")
    bob_ids = []
    for _ in range(2):
        sdp, notice = alice.sign(CHROME, "survey.prospects.example")
        assert "unlinkable" in notice and "disclosed: nothing" in notice
        code, doc = bob.verify(sdp, "survey.prospects.example", "--no-replay-check")
        assert code == 0 and doc["disclosed"] == {}
        bob_ids.append(doc["identity"]["id"])
    assert bob_ids[0] != bob_ids[1]  # Bob can neither call back nor link the two calls

    charlie = Party(tmp_path, "charlie")
    charlie_ids = []
    for _ in range(2):
        sdp, _ = alice.sign(CHROME, "charlie@corp.example")
        code, doc = charlie.verify(sdp, "charlie@corp.example", "--no-replay-check")
        assert code == 0 and doc["disclosed"] == {"display_name": "Alice Sales", "email": "alice@corp.example"}
        charlie_ids.append(doc["identity"]["id"])
    assert charlie_ids[0] == charlie_ids[1]  # Charlie recognises her and can call her back
    assert not set(charlie_ids) & set(bob_ids)

    # Her company's calling service forbids unlinkable calls to customers: the destination rule conflicts
    # with the corporate policy; the rule's fallback resolves it, transparently.
    corp = Party(tmp_path, "corp").policy(party="cs.corp.example", role="calling-service", accept=["identified", "pseudonymous"])
    alice.ok("dest", "set", "cs.corp.example", "--category", "trusted")
    doc = json.loads(alice.ok("explain", "--to", "survey.prospects.example", "--policy", corp, "--json").out)
    assert doc["state"] == "pseudonymous" and doc["satisfiable"]
    assert doc["conflicts"] == [{"item": "state", "wanted": "unlinkable", "by": doc["decided_by"],
                                 "refused_by": ["https://cs.corp.example"], "resolution": "fallback to pseudonymous"}]

"""Use case 7.2: Bob, a support agent, calls Alice back through the company's service; she cannot reach him
again or link two calls to him, while she herself stays undetectable (no identity at all)."""

from __future__ import annotations

from pathlib import Path

from parties import AIORTC, ANSWER, Party, assertion_text


def test_agent_is_unlinkable_and_caller_undetectable(tmp_path: Path) -> None:
    bob = Party(tmp_path, "bob").init()
    bob.ok("persona", "add", "support", "--attr", "display_name=Support team", "--attr", "email=bob@support.example")
    # The company's rule for agents calling visitors back: unlinkable, whoever the visitor is.
    bob.ok("rule", "add", "--service", "click-to-link", "--state", "unlinkable", "--persona", "support")
    alice = Party(tmp_path, "alice").init()
    alice.ok("rule", "add", "--service", "click-to-link", "--state", "undetectable")
    alice_policy = alice.policy(party="acct:alice@visitor.example", accept=["unlinkable", "pseudonymous", "identified"])

    seen = []
    for _ in range(2):  # two separate call-backs
        offer, notice = bob.sign(AIORTC, "alice@visitor.example", "--service", "click-to-link", "--policy", alice_policy)
        assert "unlinkable: one-time key of persona 'support'" in notice and "disclosed: nothing" in notice
        code, doc = alice.verify(offer, "alice@visitor.example", "--policy", alice_policy)
        assert code == 0, doc
        assert doc["identity"]["state"] == "unlinkable" and doc["disclosed"] == {}
        readable = assertion_text(offer)
        assert '"iss"' in readable and "bob@support.example" not in readable and "Support team" not in readable
        seen.append(doc["identity"]["id"])
    assert seen[0] != seen[1]  # Alice cannot tell the two calls came from the same agent, nor call him back

    # Alice answers without any identity: her answer passes unchanged; Bob's side sees "undetected".
    answer, notice = alice.sign(ANSWER, "support.example", "--service", "click-to-link")
    assert answer == alice.offered and "undetectable" in notice
    code, doc = bob.verify(answer, "support.example")
    assert code == 20 and doc["origin"]["status"] == "undetected" and doc["identity"] is None

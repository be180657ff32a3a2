"""Use case 7.3: Alice plays poker as "PokerAce": every player sees the same verified pseudonym, and nothing
links it to her other identities."""

from __future__ import annotations

from pathlib import Path

from parties import CHROME, FIREFOX, Party


def test_one_pseudonym_for_every_player_and_nothing_else(tmp_path: Path) -> None:
    alice = Party(tmp_path, "alice").init()
    alice.ok("persona", "add", "PokerAce", "--kind", "pseudonym", "--attr", "display_name=PokerAce")
    alice.ok("persona", "add", "home", "--attr", "email=alice@home.example", "--attr", "phone=+15551230000")
    alice.ok("rule", "add", "--dest", "*.poker.example", "--service", "contact-list", "--state", "pseudonymous",
             "--persona", "PokerAce", "--disclose", "display_name")
    casino = Party(tmp_path, "casino")
    casino_policy = casino.policy(party="poker.example", role="calling-service", accept=["pseudonymous", "identified"],
                                  require=["display_name"])
    ids = []
    for player in ("bob.poker.example", "carol.poker.example"):
        sdp, _ = alice.sign(CHROME, player, "--service", "contact-list", "--model", "single-cs", "--policy", casino_policy)
        other = Party(tmp_path, player)
        code, doc = other.verify(sdp, player, "--policy", casino_policy)
        assert code == 0, doc
        assert doc["disclosed"] == {"display_name": "PokerAce"} and doc["identity"]["state"] == "pseudonymous"
        ids.append(doc["identity"]["id"])
        assert b"home.example" not in sdp and b"+1555" not in sdp
    assert ids[0] == ids[1]  # the same pseudonym to every player: recognisable at the table
    # ... and unrelated to anything Alice shows elsewhere.
    home_id = alice.ok("pseudonym", "bob.poker.example", "--persona", "home").out.strip()
    sdp, _ = alice.sign(FIREFOX, "bank.example", "--persona", "home", "--state", "identified")
    code, doc = Party(tmp_path, "bank").verify(sdp, "bank.example")
    assert ids[0] not in (home_id, doc["identity"]["id"])

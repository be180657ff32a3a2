"""Use case 7.3: Alice plays poker as "PokerAce": every player sees the same verified pseudonym, and nothing
links it to her other identities."""

from __future__ import annotations

from pathlib import Path

from parties import CHROME, FIREFOX, Party, assertion_text


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
        readable = assertion_text(sdp)
        assert '"PokerAce"' in readable and "home.example" not in readable and "+1555" not in readable
    assert ids[0] == ids[1]  # the same pseudonym to every player: recognisable at the table
    assert ids[0] == alice.ok("pseudonym", "x.example", "--persona", "PokerAce").out.strip()  # her named pseudonym
    # ... and unrelated to anything Alice shows elsewhere, even to the same players with another persona.
    sdp, _ = alice.sign(FIREFOX, "bob.poker.example", "--persona", "home", "--state", "pseudonymous")
    code, doc = Party(tmp_path, "bob-again").verify(sdp, "bob.poker.example")
    assert code == 0 and doc["identity"]["id"] != ids[0] and doc["disclosed"] == {}

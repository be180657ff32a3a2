"""Use case 7.3: Alice plays poker as "PokerAce": every player sees the same verified pseudonym, and nothing
links it to her other identities."""

from __future__ import annotations

import json
from pathlib import Path

from parties import CHROME, FIREFOX, Party, assertion_text, presented_endorsements


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


IDP = "https://idp.example"
POKER = "https://poker.example"
CARDS = "https://cards.example"
PERSON = {"issuer": IDP, "vct": "urn:wallet:vct:person", "claims": {"verified_person": True}, "status": "valid",
          "once": False}


def _account(issuer: str, name: str) -> dict:
    return {"issuer": issuer, "vct": "urn:wallet:vct:account", "claims": {"account": name}, "status": "valid",
            "once": False}


def _bound_keys(sdp: bytes) -> set[str]:
    """The keys the endorsements in an SDP's assertion vouch for, as did:key identifiers."""
    from wallet.encoding import b64url_decode
    from wallet.identity.didkey import did_key_from_public

    return {did_key_from_public(b64url_decode(e["payload"]["cnf"]["jwk"]["x"])) for e in presented_endorsements(sdp)}


def test_game_site_vouches_for_the_pseudonyms_account_and_an_independent_idp_for_the_person(tmp_path: Path) -> None:
    """The game site, acting as an IdP, vouches that the PokerAce pseudonym is one of its verified accounts;
    Alice's own IdP vouches that a real person holds it. The site believes each for its own claim only; a
    second game site sees another pseudonym, another key and nothing of the first."""
    idp = Party(tmp_path, "idp").idp_init(IDP)
    casino = Party(tmp_path, "casino").idp_init(POKER)
    casino.trust(casino, "account")  # the site believes itself about its accounts, and nothing else
    casino.trust(idp, "verified_person")  # and the independent IdP about real persons, nothing else
    trusted = json.loads(casino.ok("trust", "list", "--json").out)["issuers"]
    assert {k: v["claims"] for k, v in trusted.items()} == {IDP: ["verified_person"], POKER: ["account"]}
    policy = casino.policy(version=2, party=POKER, role="calling-service", accept=["pseudonymous", "identified"],
                           require=["display_name"],
                           endorsement={"claims": ["account"], "issuers": [POKER], "preferred": []})

    alice = Party(tmp_path, "alice").init()
    alice.ok("persona", "add", "PokerAce", "--kind", "pseudonym", "--attr", "display_name=PokerAce")
    alice.enroll_at(casino, "PokerAce", "account=PokerAce", persona="PokerAce")
    alice.enroll_at(idp, "alice", "verified_person=true", "name=Alice Example", persona="PokerAce")
    # A named pseudonym's endorsements are for its persona-wide key: no --to.
    assert alice.endorse_by(casino, "--persona", "PokerAce", "--state", "pseudonymous")["claims"] == ["account"]
    assert alice.endorse_by(idp, "--persona", "PokerAce", "--state", "pseudonymous",
                            "--claims", "verified_person")["claims"] == ["verified_person"]
    held = {g["issuer"]: g for g in alice.held()}
    assert set(held) == {IDP, POKER}
    assert all(g["persona"] == "PokerAce" and g["scope"] == "persona" and not g["once"] for g in held.values())

    both = ["--persona", "PokerAce", "--state", "pseudonymous", "--disclose", "display_name",
            "--endorsed-by", IDP, "--endorsed-by", POKER, "--verified", "verified_person", "--verified", "account"]
    ids = []
    for player, sdp_file in (("bob.poker.example", CHROME), ("carol.poker.example", FIREFOX)):
        sdp, notice = alice.sign(sdp_file, player, *both, "--policy", policy)
        assert f"endorsed by {IDP} showing verified_person=true" in notice
        assert f"endorsed by {POKER} showing account=PokerAce" in notice
        code, seen = casino.verify(sdp, player, "--policy", policy)  # the site checks the call it carries
        assert code == 0, seen
        assert seen["identity"]["state"] == "pseudonymous" and seen["disclosed"] == {"display_name": "PokerAce"}
        assert sorted(seen["endorsements"], key=lambda e: e["issuer"]) == [PERSON, _account(POKER, "PokerAce")]
        readable = assertion_text(sdp)
        assert "Alice Example" not in readable and "alice" not in readable  # her IdP's other claims stay hidden
        ids.append(seen["identity"]["id"])
    assert ids[0] == ids[1] == alice.ok("pseudonym", "x.example", "--persona", "PokerAce").out.strip()
    assert _bound_keys(sdp) == {ids[0]}  # both IdPs vouch for the one key PokerAce signs with

    # The IdP's endorsement alone does not make a game account: the site's policy wants its own.
    sdp, _ = alice.sign(CHROME, "dave.poker.example", "--persona", "PokerAce", "--state", "pseudonymous",
                        "--disclose", "display_name", "--endorsed-by", IDP, "--verified", "verified_person")
    code, seen = casino.verify(sdp, "dave.poker.example", "--policy", policy)
    assert code == 28 and seen["error"]["code"] == "missing-endorsement" and seen["endorsements"] == [PERSON]

    # A second game site: another pseudonym, endorsed there; it sees another key and nothing of PokerAce.
    cards = Party(tmp_path, "cards").idp_init(CARDS)
    cards.trust(cards, "account")
    cards_policy = cards.policy(version=2, party=CARDS, role="calling-service", accept=["pseudonymous"],
                                endorsement={"claims": ["account"], "issuers": [CARDS], "preferred": []})
    alice.ok("persona", "add", "CardShark", "--kind", "pseudonym", "--attr", "display_name=CardShark")
    alice.enroll_at(cards, "CardShark", "account=CardShark", persona="CardShark")
    alice.endorse_by(cards, "--persona", "CardShark", "--state", "pseudonymous")
    other, _ = alice.sign(FIREFOX, "erin.cards.example", "--persona", "CardShark", "--state", "pseudonymous",
                          "--disclose", "display_name", "--verified", "account", "--policy", cards_policy)
    code, seen = cards.verify(other, "erin.cards.example", "--policy", cards_policy)
    assert code == 0, seen
    assert seen["endorsements"] == [_account(CARDS, "CardShark")] and seen["disclosed"] == {"display_name": "CardShark"}
    assert seen["identity"]["id"] not in ids
    assert _bound_keys(other) == {seen["identity"]["id"]} and not _bound_keys(other) & _bound_keys(sdp)
    readable = assertion_text(other)
    assert "PokerAce" not in readable and POKER not in readable and IDP not in readable

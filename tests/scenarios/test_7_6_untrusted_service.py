"""Use case 7.6: Alice uses a calling service she does not trust. Its policy cannot force her to disclose more
than her rule allows, and if it swaps the DTLS fingerprint (even re-signing with its own key) Bob notices."""

from __future__ import annotations

import json
from pathlib import Path

from parties import FIREFOX, Party, assertion_text, presented_endorsements


def test_untrusted_service_cannot_impose_or_impersonate(tmp_path: Path) -> None:
    alice = Party(tmp_path, "alice").init()
    alice.ok("persona", "add", "work", "--attr", "display_name=Alice", "--attr", "email=alice@corp.example")
    alice.ok("dest", "set", "cheapcalls.example", "--category", "untrusted")
    alice.ok("dest", "set", "bob@partner.example", "--category", "trusted")
    alice.ok("rule", "add", "--dest", "bob@partner.example", "--state", "identified", "--persona", "work",
             "--disclose", "display_name")
    cs_policy = Party(tmp_path, "cheapcalls").policy(party="cheapcalls.example", role="calling-service",
                                                     accept=["identified"], require=["email", "display_name"])
    doc = json.loads(alice.ok("explain", "--to", "bob@partner.example", "--policy", cs_policy, "--json").out)
    assert doc["satisfiable"] and doc["disclosed"] == {"display_name": "Alice"}  # no e-mail for the service
    assert any(d["item"] == "policy:https://cheapcalls.example" and d["value"] == "not binding" for d in doc["decisions"])

    sdp, _ = alice.sign(FIREFOX, "bob@partner.example", "--policy", cs_policy)
    alice_id = alice.ok("pseudonym", "bob@partner.example", "--persona", "work", "--scope", "persona").out.strip()
    bob = Party(tmp_path, "bob")
    code, seen = bob.verify(sdp, "bob@partner.example", "--expect-id", alice_id, "--no-replay-check")
    assert code == 0 and seen["identity"]["id"] == alice_id and seen["disclosed"] == {"display_name": "Alice"}

    # The service swaps the fingerprint for its own...
    text = sdp.decode()
    digest = text.split("a=fingerprint:sha-256 ")[1].split("\r\n")[0]
    mitm = text.replace(digest, ":".join(["EE"] * 32)).encode()
    code, seen = bob.verify(mitm, "bob@partner.example", "--expect-id", alice_id, "--no-replay-check")
    assert code == 18 and seen["error"]["code"] == "fingerprint-mismatch"
    # ... and even re-signs with a wallet of its own: Bob, expecting Alice, refuses.
    cs = Party(tmp_path, "cs-wallet").init()
    swapped = FIREFOX.read_bytes().replace(digest.encode(), b":".join([b"EE"] * 32))
    (cs.dir / "swapped.sdp").write_bytes(swapped)
    resigned, _ = cs.sign(cs.dir / "swapped.sdp", "bob@partner.example", "--state", "identified")
    code, seen = bob.verify(resigned, "bob@partner.example", "--expect-id", alice_id, "--no-replay-check")
    assert code == 19 and seen["error"]["code"] == "identity-mismatch"


CORP_IDP = "https://idp.corp.example"
NAME = "Alice Example"


def test_trusted_idp_catches_a_service_that_impersonates_alice_without_any_out_of_band_id(tmp_path: Path) -> None:
    """Bob knows no key of Alice's beforehand (no --expect-id). What he trusts is her corporate IdP, for
    names: his policy wants a name vouched for by it. A service that swaps the fingerprint and re-signs,
    claiming "Alice Example" itself, or vouched for by an IdP of its own, is refused; Alice's call passes."""
    corp = Party(tmp_path, "corp-idp").idp_init(CORP_IDP)
    bob = Party(tmp_path, "bob")
    bob.trust(corp, "verified_person", "name", "email")
    policy = bob.policy(version=2, party="acct:bob@partner.example", accept=["identified", "pseudonymous"],
                        endorsement={"claims": ["name"], "issuers": [CORP_IDP], "preferred": [CORP_IDP]})

    alice = Party(tmp_path, "alice").init()
    alice.ok("persona", "add", "work", "--attr", f"display_name={NAME}", "--attr", "email=alice@corp.example")
    alice.enroll_at(corp, "alice", "verified_person=true", f"name={NAME}", "email=alice@corp.example",
                    persona="work")
    kept = alice.endorse_by(corp, "--persona", "work", "--state", "identified")  # her persona-wide key
    assert kept["claims"] == ["email", "name", "verified_person"]
    alice.ok("dest", "set", "cheapcalls.example", "--category", "untrusted")
    # Her IdP-based rule for this untrusted service (draft 8.3.7): her corporate IdP vouches for her name.
    alice.ok("rule", "add", "--dest", "bob@partner.example", "--state", "identified", "--persona", "work",
             "--disclose", "display_name", "--endorsed-by", CORP_IDP, "--verified", "name")
    cs_policy = Party(tmp_path, "cheapcalls").policy(party="cheapcalls.example", role="calling-service",
                                                     accept=["identified"], require=["email", "display_name"])
    sdp, notice = alice.sign(FIREFOX, "bob@partner.example", "--policy", cs_policy)
    assert f"endorsed by {CORP_IDP} showing name={NAME}" in notice
    code, seen = bob.verify(sdp, "bob@partner.example", "--policy", policy, "--no-replay-check")
    assert code == 0, seen
    assert seen["disclosed"] == {"display_name": NAME}  # self-asserted
    assert seen["endorsements"] == [{"issuer": CORP_IDP, "vct": "urn:wallet:vct:person", "claims": {"name": NAME},
                                     "status": "valid", "once": False}]  # verified by the IdP
    shown = presented_endorsements(sdp)
    assert [e["disclosed"] for e in shown] == [{"name": NAME}]  # not her e-mail, though the IdP vouches for it
    assert "alice@corp.example" not in assertion_text(sdp) + json.dumps(shown)

    # The service swaps the fingerprint for its own and re-signs with a wallet of its own, claiming her name.
    digest = sdp.decode().split("a=fingerprint:sha-256 ")[1].split("\r\n")[0]
    swapped = FIREFOX.read_bytes().replace(digest.encode(), b":".join([b"EE"] * 32))
    cs = Party(tmp_path, "cs-wallet").init()
    cs.ok("persona", "add", "alice", "--attr", f"display_name={NAME}")
    (cs.dir / "swapped.sdp").write_bytes(swapped)
    resigned, _ = cs.sign(cs.dir / "swapped.sdp", "bob@partner.example", "--persona", "alice", "--state", "identified",
                          "--disclose", "display_name")
    code, seen = bob.verify(resigned, "bob@partner.example", "--policy", policy, "--no-replay-check")
    assert code == 28 and seen["valid"] is False and seen["error"]["code"] == "missing-endorsement"
    assert seen["disclosed"] == {"display_name": NAME} and seen["endorsements"] == []
    # ... and with an IdP of its own vouching for "Alice Example": Bob does not trust that IdP.
    rogue = Party(tmp_path, "cs-idp").idp_init("https://idp.cheapcalls.example")
    cs.enroll_at(rogue, "alice", "verified_person=true", f"name={NAME}", persona="alice")
    cs.endorse_by(rogue, "--persona", "alice", "--state", "identified")
    resigned, notice = cs.sign(cs.dir / "swapped.sdp", "bob@partner.example", "--persona", "alice",
                               "--state", "identified", "--disclose", "display_name",
                               "--endorsed-by", rogue.issuer, "--verified", "name")
    assert f"endorsed by {rogue.issuer} showing name={NAME}" in notice
    code, seen = bob.verify(resigned, "bob@partner.example", "--policy", policy, "--no-replay-check")
    assert code == 24 and seen["valid"] is False and seen["error"]["code"] == "untrusted-issuer"
    assert rogue.issuer in seen["error"]["message"]

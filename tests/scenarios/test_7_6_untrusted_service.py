"""Use case 7.6: Alice uses a calling service she does not trust. Its policy cannot force her to disclose more
than her rule allows, and if it swaps the DTLS fingerprint (even re-signing with its own key) Bob notices."""

from __future__ import annotations

import json
from pathlib import Path

from parties import FIREFOX, Party


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

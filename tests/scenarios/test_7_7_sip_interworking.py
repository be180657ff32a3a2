"""Use case 7.7: Alice calls Bob's mobile number through an interworking service; the SIP side sees her
phone number (and only that), bound to the call's DTLS fingerprint."""

from __future__ import annotations

from pathlib import Path

from parties import CHROME, Party, assertion_text


def test_interworking_discloses_the_phone_number_only(tmp_path: Path) -> None:
    alice = Party(tmp_path, "alice").init()
    alice.ok("persona", "add", "mobile", "--attr", "phone=+44-20-7123-4567", "--attr", "email=alice@social.example",
             "--attr", "sip=sip:alice@social.example")
    alice.ok("rule", "add", "--service", "interworking", "--state", "identified", "--persona", "mobile",
             "--disclose", "phone")
    gateway_policy = Party(tmp_path, "gateway").policy(party="sip-gw.mobile.example", role="calling-service",
                                                       accept=["identified"], require=["phone"])
    sdp, notice = alice.sign(CHROME, "tel:+44-7700-900123", "--service", "interworking", "--model", "dual-cs",
                             "--policy", gateway_policy)
    assert "disclosed: phone=+442071234567" in notice
    bob = Party(tmp_path, "bob")
    code, seen = bob.verify(sdp, "tel:+447700900123", "--policy", gateway_policy)
    assert code == 0, seen
    assert seen["audience"] == "tel:+447700900123" and seen["identity"]["state"] == "identified"
    assert seen["disclosed"] == {"phone": "+442071234567"}
    readable = assertion_text(sdp)
    assert "+442071234567" in readable and "social.example" not in readable  # no e-mail, no SIP identity
    # The same assertion is worthless for another number.
    code, seen = bob.verify(sdp, "tel:+447700900999", "--no-replay-check")
    assert code == 14 and seen["error"]["code"] == "audience-mismatch"

"""Use case 7.7: Alice calls Bob's mobile number through an interworking service; the SIP side sees her
phone number (and only that), bound to the call's DTLS fingerprint."""

from __future__ import annotations

import json
from pathlib import Path

from parties import CHROME, Party, assertion_text, presented_endorsements


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


CARRIER = "https://idp.carrier.example"
IDP = "https://idp.example"
PHONE = "+442071234567"


def test_carrier_vouches_for_the_phone_number_the_gateway_shows(tmp_path: Path) -> None:
    """The mobile operator, as an IdP, vouches for the number it allocated to Alice; the interworking gateway
    shows a caller's number only when the operator vouches for it. A number a caller merely asserts, or one
    vouched for by an IdP the gateway does not trust for numbers, is refused."""
    carrier = Party(tmp_path, "carrier").idp_init(CARRIER)
    general = Party(tmp_path, "general-idp").idp_init(IDP)
    gateway = Party(tmp_path, "gateway")  # a stateless verifier: its trust file is given with --trust
    trust = gateway.dir / "trusted-idps.json"
    gateway.trust(carrier, "phone_number", trust_file=trust)
    gateway.trust(general, "verified_person", trust_file=trust)  # believed that a real person calls, not numbers
    assert not gateway.home.exists()
    policy = gateway.policy(version=2, party="sip-gw.mobile.example", role="calling-service", accept=["identified"],
                            endorsement={"claims": ["phone_number"], "issuers": [CARRIER], "preferred": []})

    alice = Party(tmp_path, "alice").init()
    alice.ok("persona", "add", "mobile", "--attr", "phone=+44-20-7123-4567", "--attr", "email=alice@social.example")
    alice.enroll_at(carrier, "alice", "phone_number=+44 20 7123 4567", "verified_person=true", "name=Alice Example",
                    persona="mobile")
    alice.endorse_by(carrier, "--persona", "mobile", "--state", "identified", "--claims", "phone_number")
    alice.ok("rule", "add", "--service", "interworking", "--state", "identified", "--persona", "mobile",
             "--endorsed-by", CARRIER, "--verified", "phone_number")
    sdp, notice = alice.sign(CHROME, "tel:+44-7700-900123", "--service", "interworking", "--model", "dual-cs",
                             "--policy", policy)
    assert f"endorsed by {CARRIER} showing phone_number={PHONE}" in notice and "disclosed: nothing" in notice
    code, seen = gateway.verify(sdp, "tel:+447700900123", "--policy", policy, "--trust", str(trust))
    assert code == 0, seen
    assert seen["identity"]["state"] == "identified" and seen["disclosed"] == {}
    assert seen["endorsements"] == [{"issuer": CARRIER, "vct": "urn:wallet:vct:person",
                                     "claims": {"phone_number": PHONE}, "status": "valid", "once": False}]
    shown = presented_endorsements(sdp)
    assert [e["disclosed"] for e in shown] == [{"phone_number": PHONE}]
    assert "social.example" not in assertion_text(sdp) and "Alice Example" not in json.dumps(shown)

    # Mallory asserts Alice's number herself: no endorsement, refused.
    mallory = Party(tmp_path, "mallory").init()
    mallory.ok("persona", "add", "mobile", "--attr", "phone=+44-20-7123-4567")
    spoof, _ = mallory.sign(CHROME, "tel:+44-7700-900123", "--persona", "mobile", "--state", "identified",
                            "--disclose", "phone")
    code, seen = gateway.verify(spoof, "tel:+447700900123", "--policy", policy, "--trust", str(trust))
    assert code == 28 and seen["error"]["code"] == "missing-endorsement"
    assert seen["disclosed"] == {"phone": PHONE} and seen["endorsements"] == []
    # An IdP of her own vouches for it: the gateway does not trust it.
    rogue = Party(tmp_path, "rogue-idp").idp_init("https://idp.mallory.example")
    mallory.enroll_at(rogue, "mallory", "phone_number=+442071234567", persona="mobile")
    mallory.endorse_by(rogue, "--persona", "mobile", "--state", "identified")
    spoof, _ = mallory.sign(CHROME, "tel:+44-7700-900123", "--persona", "mobile", "--state", "identified",
                            "--endorsed-by", rogue.issuer, "--verified", "phone_number")
    code, seen = gateway.verify(spoof, "tel:+447700900123", "--policy", policy, "--trust", str(trust))
    assert code == 24 and seen["error"]["code"] == "untrusted-issuer"
    # An IdP the gateway trusts, but only for verified_person, cannot vouch for a number.
    mallory.enroll_at(general, "mallory", "verified_person=true", "phone_number=+442071234567", persona="mobile")
    mallory.endorse_by(general, "--persona", "mobile", "--state", "identified")
    spoof, notice = mallory.sign(CHROME, "tel:+44-7700-900123", "--persona", "mobile", "--state", "identified",
                                 "--endorsed-by", IDP, "--verified", "phone_number")
    assert f"endorsed by {IDP} showing phone_number={PHONE}" in notice
    code, seen = gateway.verify(spoof, "tel:+447700900123", "--policy", policy, "--trust", str(trust))
    assert code == 29 and seen["error"]["code"] == "claim-not-trusted"
    # ... though it may still vouch that a real person calls (which the gateway's policy does not ask for).
    honest, _ = mallory.sign(CHROME, "tel:+44-7700-900123", "--persona", "mobile", "--state", "identified",
                             "--endorsed-by", IDP, "--verified", "verified_person")
    code, seen = gateway.verify(honest, "tel:+447700900123", "--policy", policy, "--trust", str(trust))
    assert code == 28 and seen["endorsements"][0]["claims"] == {"verified_person": True}


def test_the_gateway_turns_a_vouched_call_into_a_signed_sip_invite(tmp_path: Path) -> None:
    """End to end: Alice's wallet signs an SDP showing her carrier-endorsed number; the gateway verifies it and
    sends a SIP INVITE whose RFC 8224 Identity header attests A; the SIP side verifies it against the gateway's
    key and the INVITE's From and To. A number the carrier did not vouch for gets C, and a tampered To is refused."""
    carrier = Party(tmp_path, "carrier").idp_init(CARRIER)
    gateway = Party(tmp_path, "gateway")
    trust = gateway.dir / "trusted-idps.json"
    gateway.trust(carrier, "phone_number", trust_file=trust)
    init = json.loads(gateway.ok("gateway", "init", "--x5u", "https://sip-gw.mobile.example/cert.pem", "--json").out)
    public = gateway.dir / "gateway-public.pem"
    public.write_text(init["public_key"])

    alice = Party(tmp_path, "alice").init()
    alice.ok("persona", "add", "mobile", "--attr", "phone=+44-20-7123-4567", "--attr", "email=alice@social.example")
    alice.enroll_at(carrier, "alice", "phone_number=+44 20 7123 4567", persona="mobile")
    alice.endorse_by(carrier, "--persona", "mobile", "--state", "identified", "--claims", "phone_number")
    alice.ok("rule", "add", "--service", "interworking", "--state", "identified", "--persona", "mobile",
             "--endorsed-by", CARRIER, "--verified", "phone_number")
    sdp, _ = alice.sign(CHROME, "tel:+44-7700-900123", "--service", "interworking", "--model", "dual-cs")
    offer = gateway.dir / "offer.signed.sdp"
    offer.write_bytes(sdp)
    invite = gateway.dir / "invite.sip"
    made = json.loads(gateway.ok("gateway", "invite", str(offer), "--from", PHONE, "--to", "+447700900123",
                                 "--trust", str(trust), "-o", str(invite), "--json").out)
    assert made["attest"] == "A" and made["orig"] == PHONE and made["dest"] == {"tn": ["447700900123"]}
    message = invite.read_bytes()
    assert message.startswith(b"INVITE tel:+447700900123 SIP/2.0\r\n")
    assert b"a=identity" not in message and b"social.example" not in message  # the assertion stays behind
    assert b";info=<https://sip-gw.mobile.example/cert.pem>;alg=ES256;ppt=shaken\r\n" in message

    bob = Party(tmp_path, "sip-side")  # a SIP verifier: no wallet, only the gateway's public key
    r = bob("verify", "--sip", str(invite), "--gateway-key", str(public), "--json")
    assert r.code == 0, r.err
    seen = json.loads(r.out)
    assert (seen["orig"], seen["dest"], seen["attest"]) == (PHONE, "+447700900123", "A")
    # the same call replayed at the gateway is refused; the INVITE's To re-targeted is refused by the SIP side
    r = gateway("gateway", "invite", str(offer), "--from", PHONE, "--to", "+447700900123", "--trust", str(trust))
    assert r.code == 17
    forged = bob.dir / "forged.sip"
    forged.write_bytes(message.replace(b"To: <tel:+447700900123>", b"To: <tel:+447700900999>"))
    r = bob("verify", "--sip", str(forged), "--gateway-key", str(public), "--json")
    assert r.code == 32 and json.loads(r.out)["error"]["code"] == "sip-mismatch"

    # Mallory's self-asserted number: the gateway passes the call on, attesting only C.
    mallory = Party(tmp_path, "mallory").init()
    mallory.ok("persona", "add", "mobile", "--attr", "phone=+44-20-7123-4567")
    spoof, _ = mallory.sign(CHROME, "tel:+44-7700-900123", "--persona", "mobile", "--state", "identified",
                            "--disclose", "phone")
    offer.write_bytes(spoof)
    made = json.loads(gateway.ok("gateway", "invite", str(offer), "--from", PHONE, "--to", "+447700900123",
                                 "--trust", str(trust), "-o", str(invite), "--json").out)
    assert made["attest"] == "C"
    r = bob("verify", "--sip", str(invite), "--gateway-key", str(public), "--json")
    assert r.code == 0 and json.loads(r.out)["attest"] == "C"

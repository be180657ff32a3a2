"""SIP interworking (use case 7.7, docs/interworking.md): a gateway turns a verified WebRTC call into a SIP INVITE
with an RFC 8224 Identity header (passport.py: the RFC 8225 PASSporT; sip.py: where a SIP message is parsed and
built; gateway.py: the gateway's key, the attestation, and the SIP side's verification)."""

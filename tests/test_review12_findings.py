"""Review 12: defects found in the SIP interworking gateway and wallet.webrtc.check_peer_certificate.

Each test fails on the code as reviewed; its docstring says what is wrong and why it matters."""

from __future__ import annotations

import datetime
import os
import tempfile
from pathlib import Path

import pytest

from wallet.assertions.verify import VerifyResult
from wallet.endorsements.presentation import VerifiedEndorsement
from wallet.errors import FingerprintMismatch, UsageError
from wallet.interworking.gateway import attestation, create_gateway
from wallet.webrtc import certificate_fingerprint, check_peer_certificate

NOW = 1_800_000_000

#: A public key on secp112r1, a curve OpenSSL knows and ``cryptography`` does not load.
SECP112R1_PUBLIC_PEM = b"""-----BEGIN PUBLIC KEY-----
MDIwEAYHKoZIzj0CAQYFK4EEAAYDHgAEJFvqAKVDlYEdm/1jCww5xlnQXfIKk141
NC8i2Q==
-----END PUBLIC KEY-----
"""


def _result_vouching(phone_number: str) -> VerifyResult:
    """A verified assertion carrying one endorsement, by a trusted IdP, showing ``phone_number``."""
    result = VerifyResult()
    result.valid = True
    result.endorsements = [VerifiedEndorsement("https://idp.carrier.example", "urn:wallet:vct:person",
                                               {"phone_number": phone_number}, "valid", False, "k", NOW + 3600)]
    return result


def _self_signed_der(name: str) -> bytes:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.serialization import Encoding
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now)
            .not_valid_after(now + datetime.timedelta(days=30)).sign(key, hashes.SHA256()))
    return cert.public_bytes(Encoding.DER)


# -- 1. attest A for a number no IdP vouched for ------------------------------------------------------------
def test_attest_a_requires_the_endorsed_number_to_be_global_not_a_national_number_without_plus() -> None:
    """gateway.attestation compares passport.canonical_tn() of the endorsement's phone_number with that of
    --from, and canonical_tn drops the leading '+': a national number an IdP vouched for ("2025550123", a US
    number written without +1, as OIDC phone_number claims often are: the verifier never re-validates
    received claims) becomes equal to the *global* number +20 25550123 (Egypt). The gateway then signs
    attest "A" (full attestation, "the signer knows the customer's right to the number") for +2025550123,
    a number nobody vouched for. Only an endorsed number in global form (leading '+') may give A."""
    result = _result_vouching("2025550123")  # a trusted IdP vouches for a US national number
    assert attestation(result, "+2025550123") != "A"


# -- 2. check_peer_certificate on an RTCPeerConnection checks only one of its DTLS transports ----------------
class _Ssl:
    def __init__(self, der: bytes) -> None:
        self.der = der

    def get_peer_certificate(self, as_cryptography: bool = False):  # pyOpenSSL's signature
        from cryptography import x509

        return x509.load_der_x509_certificate(self.der)


class _Dtls:  # aiortc.RTCDtlsTransport: state, and the handshake's pyOpenSSL connection in _ssl
    def __init__(self, der: bytes) -> None:
        self.state, self._ssl = "connected", _Ssl(der)


class _Sctp:  # aiortc.RTCSctpTransport: its DTLS transport in .transport
    def __init__(self, dtls: _Dtls) -> None:
        self.transport = dtls


class _Endpoint:
    def __init__(self, dtls: _Dtls) -> None:
        self.transport = dtls


class _Transceiver:  # aiortc.RTCRtpTransceiver: sender/receiver .transport
    def __init__(self, dtls: _Dtls) -> None:
        self.sender, self.receiver = _Endpoint(dtls), _Endpoint(dtls)


class _PeerConnection:  # aiortc.RTCPeerConnection without BUNDLE: one DTLS transport per m= line
    def __init__(self, data: _Dtls, audio: _Dtls) -> None:
        self.sctp = _Sctp(data)
        self._transceivers = [_Transceiver(audio)]

    def getTransceivers(self):  # noqa: N802 (aiortc's name)
        return list(self._transceivers)


def test_check_peer_certificate_on_a_peer_connection_checks_every_dtls_transport_not_only_the_data_channel() -> None:
    """Given an RTCPeerConnection, peer_certificate() reads only pc.sctp.transport (the data channel's DTLS
    transport). Without BUNDLE (aiortc's default 'balanced' policy gives audio, video and data their own
    transports when the answer does not bundle) the media flow over other DTLS transports. Mallory, who
    controls signalling, gives the victim's aiortc an SDP whose data m= line carries Bob's verified
    fingerprint (she relays that DTLS untouched) and whose audio m= line carries her own (she terminates the
    audio DTLS): aiortc's per-transport check passes, and check_peer_certificate(pc, ...) reports the call
    authenticated while the audio is with Mallory. The helper must check every DTLS transport of the peer
    connection (or refuse a peer connection with more than one)."""
    bob, mallory = _self_signed_der("bob"), _self_signed_der("mallory")
    pc = _PeerConnection(data=_Dtls(bob), audio=_Dtls(mallory))
    with pytest.raises((FingerprintMismatch, UsageError)):
        check_peer_certificate(pc, [certificate_fingerprint(bob)])


# -- 3. the gateway signs a bogus global number for a national --from --------------------------------------
def test_gateway_refuses_a_from_number_that_is_not_in_global_form() -> None:
    """Gateway.invite_for accepts --from without a '+' (passport.canonical_tn makes the '+' optional) and
    writes it as a global number: the national UK number 020 7123 4567 given as --from 02071234567 becomes
    ``From: <tel:+02071234567>`` and a signed PASSporT orig "02071234567", a number that cannot exist
    (no E.164 country code starts with 0) and that a SIP verifier or a call-blocking service compares with
    its lists as if it were global. A gateway must sign only numbers in global form (RFC 8224 section 8.3),
    refusing a --from without '+' instead of guessing."""
    gateway = create_gateway(tempfile.mkdtemp() + "/gw")
    with pytest.raises(UsageError):
        gateway.invite_for(None, caller="02071234567", callee="+447700900123", sdp=b"v=0\r\n", now=NOW)


# -- 4. hostile --gateway-key: an internal error -------------------------------------------------------------
def test_verify_sip_with_a_gateway_key_on_an_unsupported_curve_is_a_usage_error_not_an_internal_error(
        cli, tmp_path: Path) -> None:
    """load_public_key catches only ValueError; a PEM public key on a curve cryptography does not support
    (secp112r1 here; also brainpoolP160r1, prime192v2, sect113r1...) raises
    cryptography.exceptions.UnsupportedAlgorithm, which escapes as "internal error (UnsupportedAlgorithm)
    ... this is a bug" with exit status 1 instead of the usage error (exit 2) any other non-P-256 key gets.
    Exit 1 is also what other failures use, so a script cannot tell a broken trust anchor from a verdict."""
    gateway = create_gateway(str(tmp_path / "gw"))
    message = tmp_path / "invite.sip"
    message.write_bytes(gateway.invite_for(None, caller="+442071234567", callee="+447700900123", sdp=b"v=0\r\n"))
    key = tmp_path / "odd.pem"
    key.write_bytes(SECP112R1_PUBLIC_PEM)
    result = cli(["verify", "--sip", str(message), "--gateway-key", str(key)])
    assert "internal error" not in result.err, result.err
    assert result.code == UsageError.exit_code


# -- 5. a damaged gateway key file: an internal error --------------------------------------------------------
def test_gateway_invite_with_a_damaged_key_file_is_a_clear_error_not_an_internal_error(
        cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """open_gateway calls serialization.load_pem_private_key unguarded: a gateway-key.pem that is damaged
    (truncated by a full disk, overwritten) raises ValueError, an encrypted PKCS#8 one TypeError, and
    ``wallet gateway invite`` ends with "internal error (ValueError) ... this is a bug" instead of naming the
    file that is wrong."""
    home = tmp_path / "gw"
    create_gateway(str(home))
    monkeypatch.setenv("WALLET_GATEWAY_HOME", str(home))
    (home / "gateway-key.pem").write_bytes(b"-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----\n")
    assert oct(os.stat(home / "gateway-key.pem").st_mode & 0o777) == "0o600"
    sdp = tmp_path / "call.sdp"
    sdp.write_bytes(b"v=0\r\n")
    result = cli(["gateway", "invite", str(sdp), "--from", "+442071234567", "--to", "+447700900123"])
    assert "internal error" not in result.err, result.err
    assert "gateway-key.pem" in result.err

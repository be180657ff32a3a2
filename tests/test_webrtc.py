"""wallet.webrtc: the certificate a DTLS peer presented must be one the verified assertion covers.

Certificates here are real self-signed ones (cryptography), as a WebRTC stack makes; the live calls and the
man in the middle are in tests/test_aiortc_call.py.
"""

from __future__ import annotations

import datetime
import hashlib
import subprocess
import sys

import pytest

from conftest import REPO
from wallet.assertions.sdp import Fingerprint
from wallet.assertions.verify import VerifyResult
from wallet.errors import BadSignature, FingerprintMismatch, UsageError
from wallet.webrtc import certificate_fingerprint, check_peer_certificate, peer_certificate


def certificate() -> bytes:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(x509.NameOID.COMMON_NAME, "webrtc")])
    now = datetime.datetime.now(tz=datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now)
            .not_valid_after(now + datetime.timedelta(days=1)).sign(key, hashes.SHA256()))
    return cert.public_bytes(serialization.Encoding.DER)


def test_the_fingerprint_is_the_hash_of_the_der_bytes_as_an_sdp_writes_it() -> None:
    der = certificate()
    fp = certificate_fingerprint(der)
    assert fp.algorithm == "sha-256" and fp.digest.replace(":", "") == hashlib.sha256(der).hexdigest().upper()
    assert Fingerprint.parse(fp.line()) == fp
    assert certificate_fingerprint(der, "SHA-512").digest.count(":") == 63


def test_a_certificate_the_assertion_covers_passes_by_any_strong_hash() -> None:
    der = certificate()
    other = certificate_fingerprint(certificate())
    for alg in ("sha-256", "sha-384", "sha-512"):
        mine = certificate_fingerprint(der, alg)
        assert check_peer_certificate(der, [other, mine]) == mine
        assert check_peer_certificate(der, [mine.line().lower()]) == mine  # as an a=fingerprint line has it
        assert check_peer_certificate(der, [mine.to_json()]) == mine  # as `wallet verify --json` prints it


def test_a_man_in_the_middles_certificate_is_a_fingerprint_mismatch() -> None:
    signer, mallory = certificate(), certificate()
    with pytest.raises(FingerprintMismatch) as caught:
        check_peer_certificate(mallory, [certificate_fingerprint(signer)])
    assert caught.value.code == "fingerprint-mismatch"
    assert certificate_fingerprint(mallory).digest in caught.value.message


def test_a_weak_hash_binds_no_certificate() -> None:
    der = certificate()
    sha1 = Fingerprint.of("sha-1", ":".join(f"{b:02X}" for b in hashlib.sha1(der).digest()))
    with pytest.raises(FingerprintMismatch, match="no fingerprint with a hash"):
        check_peer_certificate(der, [sha1])
    with pytest.raises(FingerprintMismatch):
        check_peer_certificate(der, [])


def test_an_assertion_that_did_not_verify_passes_nothing() -> None:
    der = certificate()
    failed = VerifyResult()
    failed.error = BadSignature("forged")
    failed.fingerprints = [certificate_fingerprint(der).to_json()]  # even one that would match
    with pytest.raises(BadSignature):
        check_peer_certificate(der, failed)
    unset = VerifyResult()
    with pytest.raises(UsageError):
        check_peer_certificate(der, unset)
    ok = VerifyResult()
    ok.valid, ok.fingerprints = True, [certificate_fingerprint(der).to_json()]
    assert check_peer_certificate(der, ok) == certificate_fingerprint(der)


def test_a_transport_before_its_handshake_has_no_certificate_to_check() -> None:
    aiortc = pytest.importorskip("aiortc")
    pc = aiortc.RTCPeerConnection()
    with pytest.raises(UsageError, match="no data channel transport"):
        peer_certificate(pc)

    class NotYet:
        state, _ssl = "connecting", None

    with pytest.raises(UsageError, match="has not completed"):
        check_peer_certificate(NotYet(), [certificate_fingerprint(certificate())])


def test_the_library_imports_and_checks_der_bytes_without_aiortc_or_cryptography() -> None:
    der = certificate()
    code = (
        "import sys\n"
        "for name in ('aiortc', 'cryptography', 'OpenSSL'):\n"
        "    sys.modules[name] = None  # importing any of them now fails\n"
        "from wallet.webrtc import certificate_fingerprint, check_peer_certificate\n"
        "der = bytes.fromhex(sys.argv[1])\n"
        "print(check_peer_certificate(der, [certificate_fingerprint(der, 'sha-384')]).line())\n"
    )
    p = subprocess.run([sys.executable, "-c", code, der.hex()], capture_output=True, text=True, cwd=REPO, timeout=30)
    assert p.returncode == 0, p.stderr
    assert p.stdout.strip() == certificate_fingerprint(der, "sha-384").line()

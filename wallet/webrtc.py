"""Where a verified assertion is tied to the DTLS session a WebRTC stack actually set up.

    >>> from wallet.webrtc import check_peer_certificate
    >>> result = wallet.verify(signed_offer, audience="sip:bob@example.org")  # doctest: +SKIP
    >>> check_peer_certificate(pc.sctp.transport, result)                    # doctest: +SKIP
    Fingerprint('sha-256 AB:CD:...')

An assertion binds an identity to the fingerprints written in an SDP (wallet.assertions.verify). Whether the
peer at the other end of the DTLS handshake holds one of those certificates is another question, answered
only after the handshake: :func:`check_peer_certificate` takes the certificate the peer presented (its DER
bytes, or an aiortc ``RTCDtlsTransport``, ``RTCSctpTransport`` or ``RTCPeerConnection`` it reads it from) and
the fingerprints the assertion covers, and raises :class:`wallet.errors.FingerprintMismatch` unless one of
them is the certificate's. It holds even when the SDP the WebRTC stack was given is not the one that was
verified (docs/interworking.md, "aiortc and DTLS").

The digests are computed here with hashlib; aiortc is never imported (the wallet does not depend on it), and
``cryptography`` only to read the DER bytes out of an aiortc transport (``pip install 'wallet[webrtc]'``).
"""

from __future__ import annotations

import hashlib

from wallet.assertions.sdp import Fingerprint
from wallet.assertions.verify import VerifyResult
from wallet.errors import FingerprintMismatch, UsageError

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs start-up; mypy honours the name
if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

#: The hash functions a peer certificate is matched with (RFC 8122 names -> hashlib). SHA-1 and MD5 are
#: left out on purpose: an assertion covering only such a fingerprint binds no certificate here.
HASHES = {"sha-256": "sha256", "sha-384": "sha384", "sha-512": "sha512"}


def certificate_fingerprint(der: bytes, algorithm: str = "sha-256") -> Fingerprint:
    """The fingerprint of a DER-encoded certificate, as an ``a=fingerprint`` line writes it (RFC 8122)."""
    name = HASHES.get(algorithm.lower())
    if name is None:
        raise UsageError(f"unsupported fingerprint hash {algorithm[:40]!r}", hint="use " + ", ".join(HASHES))
    digest = hashlib.new(name, der).hexdigest().upper()
    return Fingerprint(algorithm.lower(), ":".join(digest[i:i + 2] for i in range(0, len(digest), 2)))


def peer_certificate(transport: object) -> bytes:
    """The DER bytes of the certificate the remote peer presented in a completed aiortc DTLS handshake.

    ``transport`` is an ``RTCDtlsTransport``, an ``RTCSctpTransport`` (its ``transport``) or an
    ``RTCPeerConnection`` (its SCTP transport's). aiortc keeps the handshake's pyOpenSSL connection in the
    private ``_ssl``, the only place it exposes the certificate (aiortc 1.9-1.16).
    """
    dtls = transport
    if hasattr(dtls, "sctp"):  # RTCPeerConnection (data channels: the SCTP association's DTLS transport)
        dtls = getattr(dtls, "sctp")
        if dtls is None:
            raise UsageError("the peer connection has no data channel transport to read a certificate from")
    if not hasattr(dtls, "_ssl") and hasattr(dtls, "transport"):  # RTCSctpTransport
        dtls = getattr(dtls, "transport")
    if getattr(dtls, "state", None) != "connected" or getattr(dtls, "_ssl", None) is None:
        raise UsageError("the DTLS handshake has not completed: there is no peer certificate yet",
                         hint="check after the connection state is 'connected'")
    cert = getattr(dtls, "_ssl").get_peer_certificate(as_cryptography=True)
    if cert is None:
        raise UsageError("the DTLS peer presented no certificate")
    from cryptography.hazmat.primitives.serialization import Encoding

    der = cert.public_bytes(Encoding.DER)
    assert isinstance(der, bytes)
    return der


def asserted_fingerprints(asserted: VerifyResult | Iterable[Fingerprint | str | Mapping[str, str]]) -> list[Fingerprint]:
    """The fingerprints an assertion covers: a :class:`VerifyResult` (which must be valid: otherwise its own
    rejection is raised), or its ``fingerprints`` as ``wallet verify --json`` prints them, or lines."""
    if isinstance(asserted, VerifyResult):
        if not asserted.valid or asserted.error is not None:
            raise asserted.error if asserted.error is not None else UsageError("the assertion did not verify")
        items: Iterable[Fingerprint | str | Mapping[str, str]] = asserted.fingerprints
    else:
        items = asserted
    out = []
    for item in items:
        if isinstance(item, Fingerprint):
            out.append(item)
        elif isinstance(item, str):
            out.append(Fingerprint.parse(item))
        else:
            out.append(Fingerprint.of(item.get("algorithm"), item.get("digest")))
    return out


def _dtls_transports(pc: object) -> list[object]:
    """Every distinct DTLS transport of an aiortc RTCPeerConnection: its data channel's and each transceiver's
    (without BUNDLE, media flow over transports of their own)."""
    found: list[object] = []
    sctp = getattr(pc, "sctp", None)
    if sctp is not None:
        found.append(getattr(sctp, "transport", sctp))
    transceivers = getattr(pc, "getTransceivers", None)
    for transceiver in transceivers() if callable(transceivers) else []:
        for end in (getattr(transceiver, "sender", None), getattr(transceiver, "receiver", None)):
            transport = getattr(end, "transport", None)
            if transport is not None:
                found.append(transport)
    unique: list[object] = []
    for transport in found:
        if not any(transport is seen for seen in unique):
            unique.append(transport)
    if not unique:
        raise UsageError("the peer connection has no DTLS transport to read a certificate from")
    return unique


def check_peer_certificate(
    peer: bytes | object, asserted: VerifyResult | Iterable[Fingerprint | str | Mapping[str, str]]
) -> Fingerprint:
    """The fingerprint by which the certificate the peer presented is covered by the assertion.

    ``peer``: the certificate's DER bytes, or an aiortc transport (:func:`peer_certificate`). ``asserted``:
    see :func:`asserted_fingerprints`. Raises :class:`wallet.errors.FingerprintMismatch` when no covered
    fingerprint (with a hash in :data:`HASHES`) is the certificate's: the peer is not the one who signed.
    """
    if not isinstance(peer, bytes) and hasattr(peer, "sctp"):  # a peer connection: every transport must match
        matched = [check_peer_certificate(peer_certificate(t), asserted) for t in _dtls_transports(peer)]
        return matched[0]
    der = peer if isinstance(peer, bytes) else peer_certificate(peer)
    covered = asserted_fingerprints(asserted)
    for fp in covered:
        if fp.algorithm in HASHES and certificate_fingerprint(der, fp.algorithm) == fp:
            return fp
    shown = certificate_fingerprint(der)
    if not any(fp.algorithm in HASHES for fp in covered):
        raise FingerprintMismatch("the assertion covers no fingerprint with a hash the peer certificate is "
                                  f"matched with ({', '.join(HASHES)})")
    raise FingerprintMismatch(f"the DTLS peer presented a certificate the assertion does not cover ({shown.line()}): "
                              "the peer is not the party who signed")

"""The SIP interworking gateway (use case 7.7): its P-256 key, the attestation it gives a verified WebRTC call,
the INVITE it builds, and the SIP side's check of that INVITE.

    >>> import tempfile, time
    >>> from wallet.interworking.gateway import create_gateway, open_gateway, verify_sip
    >>> home = tempfile.mkdtemp() + "/gw"
    >>> gateway = create_gateway(home, x5u="https://gateway.example/cert.pem")
    >>> invite = gateway.invite_for(None, caller="+442071234567", callee="tel:+447700900123", sdp=b"v=0\\r\\n",
    ...                            now=1_800_000_000)
    >>> verify_sip(invite, key_pem=gateway.public_pem(), now=1_800_000_010).claims["attest"]
    'C'

A gateway's home (``WALLET_GATEWAY_HOME``, default the platform data directory's ``wallet-gateway``) is a 0700
directory holding its private key (``gateway-key.pem``, PKCS#8, mode 0600), its public key
(``gateway-public.pem``, what a SIP verifier trusts) and ``gateway.json`` (the ``x5u`` URL its PASSporTs name).

The attestation (RFC 8588 section 4) follows what the gateway verified in the caller's assertion:

- ``A`` (full): an endorsement by an identity provider the gateway trusts for ``phone_number`` vouches for the
  calling number itself;
- ``B`` (partial): an identity provider the gateway trusts vouches for the caller (some endorsement verified),
  but not for this number (a self-asserted number, or none);
- ``C`` (gateway): the caller's signature verified, nothing more: the gateway only passes the call on.
"""

from __future__ import annotations

import os
import re
import time
import uuid

from wallet.errors import AlreadyExists, FileError, Malformed, SipMismatch, SipParameterMismatch, UsageError
from wallet.interworking import passport
from wallet.interworking.sip import Party, build_invite, parse_message, party_of_uri

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs start-up; mypy honours the name
if TYPE_CHECKING:
    from typing import Any

    from cryptography.hazmat.primitives.asymmetric.ec import EllipticCurvePrivateKey, EllipticCurvePublicKey

    from wallet.assertions.verify import VerifyResult

ENV = "WALLET_GATEWAY_HOME"
KEY_FILE = "gateway-key.pem"
PUBLIC_FILE = "gateway-public.pem"
CONFIG_FILE = "gateway.json"
DEFAULT_X5U = "https://gateway.example/cert.pem"
_X5U = re.compile(r"https://([A-Za-z0-9.-]+)(?::[0-9]{1,5})?(?:/[\x21-\x7e]*)?")


def default_gateway_home() -> str:
    """WALLET_GATEWAY_HOME if set, else ``wallet-gateway`` beside the wallet's default home."""
    env = os.environ.get(ENV)
    if env:
        return os.path.abspath(os.path.expanduser(env))
    from wallet.storage.paths import default_home

    return os.path.join(os.path.dirname(default_home()), "wallet-gateway")


def attestation(result: VerifyResult | None, caller: str) -> str:
    """RFC 8588 attest for a call from ``caller`` whose assertion verified as ``result`` (module docstring)."""
    if result is None or not result.valid:
        return "C"
    number = passport.global_tn(caller)
    for endorsement in result.endorsements:
        shown = endorsement.claims.get("phone_number")
        if isinstance(shown, str):
            try:  # global form on both sides: a national number vouched for is no number in particular
                if passport.global_tn(shown) == number:
                    return "A"
            except Malformed:
                continue
    return "B" if result.endorsements else "C"


def _dest(callee: str) -> tuple[str, dict[str, list[str]]]:
    """(the To URI, the PASSporT's dest) for a callee given as a number, a tel: URI or a SIP URI."""
    if callee.lower().startswith(("sip:", "sips:", "tel:")):
        party = party_of_uri(callee)
    else:
        party = Party(passport.canonical_tn(callee), None)
    if party.tn is not None:
        return f"tel:+{party.tn}", {"tn": [party.tn]}
    assert party.uri is not None
    return party.uri, {"uri": [party.uri]}


class Gateway:
    """An opened gateway: its signing key and the x5u its PASSporTs name."""

    def __init__(self, key: EllipticCurvePrivateKey, x5u: str) -> None:
        self.key, self.x5u = key, x5u
        match = _X5U.fullmatch(x5u)
        assert match is not None
        self.host = match.group(1).lower()

    def public_pem(self) -> bytes:
        from cryptography.hazmat.primitives import serialization

        return self.key.public_key().public_bytes(serialization.Encoding.PEM,
                                                  serialization.PublicFormat.SubjectPublicKeyInfo)

    def invite_for(self, result: VerifyResult | None, *, caller: str, callee: str, sdp: bytes,
                   now: int | None = None) -> bytes:
        """The INVITE for a WebRTC call from ``caller`` (a number) to ``callee`` (a number or a URI), its
        assertion having verified as ``result``: the PASSporT says what the gateway verified (attestation)."""
        try:
            orig = passport.global_tn(caller)
        except Malformed:
            raise UsageError(f"--from {caller[:40]!r} is not a telephone number in global form",
                             hint="give the + and the country code, e.g. --from +442071234567") from None
        try:
            to_uri, dest = _dest(callee)
        except Malformed as exc:
            raise UsageError(f"--to {callee[:60]!r}: {exc.message}", hint="a number, a tel: URI or a sip: URI") from None
        claims: dict[str, Any] = {"attest": attestation(result, caller), "dest": dest,
                                  "iat": int(time.time()) if now is None else now, "orig": {"tn": orig},
                                  "origid": str(uuid.uuid4())}
        token = passport.sign(claims, key=self.key, x5u=self.x5u)
        identity = f"{token};info=<{self.x5u}>;alg={passport.ALG};ppt={passport.PPT}"
        body = re.sub(rb"(?<!\r)\n", b"\r\n", sdp)
        return build_invite(request_uri=to_uri, from_uri=f"tel:+{orig}", to_uri=to_uri, identity=identity,
                            sdp=body, host=self.host)


def create_gateway(home: str, *, x5u: str = DEFAULT_X5U, force: bool = False) -> Gateway:
    """``wallet gateway init``: a new P-256 key in ``home`` (a 0700 directory; the key file 0600)."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    from wallet.encoding import dumps
    from wallet.storage.files import check_private, write_new_file

    if not _X5U.fullmatch(x5u):
        raise UsageError(f"--x5u {x5u[:80]!r} is not an https URL", hint="e.g. https://gateway.example/cert.pem")
    if os.path.exists(os.path.join(home, KEY_FILE)) and not force:
        raise AlreadyExists(f"a gateway key already exists in {home}", hint="add --force to replace it")
    try:
        os.makedirs(home, mode=0o700, exist_ok=True)
    except OSError as exc:
        raise FileError(f"cannot create {home}: {exc.strerror}") from None
    check_private(home, what="the gateway directory", directory=True)
    key = ec.generate_private_key(ec.SECP256R1())
    gateway = Gateway(key, x5u)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    write_new_file(os.path.join(home, KEY_FILE), pem, replace=force)
    write_new_file(os.path.join(home, PUBLIC_FILE), gateway.public_pem(), replace=force)
    write_new_file(os.path.join(home, CONFIG_FILE), dumps({"x5u": x5u}) + b"\n", replace=force)
    return gateway


def open_gateway(home: str) -> Gateway:
    """The gateway in ``home``; its key file must be private (0600, in a 0700 directory, owned by this user)."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    from wallet.encoding import user_json
    from wallet.storage.files import check_private

    path = os.path.join(home, KEY_FILE)
    if not os.path.exists(path):
        raise UsageError(f"no gateway key in {home}", hint="create one: wallet gateway init (or set WALLET_GATEWAY_HOME)")
    check_private(home, what="the gateway directory", directory=True)
    check_private(path, what="the gateway key")
    try:
        with open(path, "rb") as fh:
            pem = fh.read(1 << 16)
        with open(os.path.join(home, CONFIG_FILE), "rb") as fh:
            config = user_json(fh.read(1 << 16), what="gateway.json")
    except OSError as exc:
        raise FileError(f"cannot read the gateway in {home}: {exc.strerror}") from None
    from cryptography.exceptions import UnsupportedAlgorithm

    try:
        key = serialization.load_pem_private_key(pem, password=None)
    except (ValueError, TypeError, UnsupportedAlgorithm):
        raise UsageError(f"{path} is not a readable P-256 private key (damaged, encrypted or of another kind)",
                         hint="restore it from a backup, or make a new gateway: wallet gateway init --force") from None
    if not isinstance(key, ec.EllipticCurvePrivateKey) or key.curve.name != "secp256r1":
        raise UsageError(f"{path} is not a P-256 private key")
    x5u = config.get("x5u") if isinstance(config, dict) else None
    if not isinstance(x5u, str) or not _X5U.fullmatch(x5u):
        raise UsageError(f"{home}/{CONFIG_FILE} names no https x5u URL")
    return Gateway(key, x5u)


def load_public_key(pem: bytes) -> EllipticCurvePublicKey:
    """A trusted gateway's P-256 public key, from a PEM public key or certificate (``--gateway-key``)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    from cryptography.exceptions import UnsupportedAlgorithm

    try:
        if b"-----BEGIN CERTIFICATE-----" in pem:
            key: object = x509.load_pem_x509_certificate(pem).public_key()
        else:
            key = serialization.load_pem_public_key(pem)
    except (ValueError, UnsupportedAlgorithm):
        raise UsageError("--gateway-key is not a PEM public key or certificate") from None
    if not isinstance(key, ec.EllipticCurvePublicKey) or key.curve.name != "secp256r1":
        raise UsageError("--gateway-key is not a P-256 (ES256) key")
    return key


class SipVerdict:
    """What the SIP side accepted: the PASSporT's header and claims, and the From and To they match."""

    __slots__ = ("header", "claims", "info", "from_", "to")

    def __init__(self, header: dict[str, Any], claims: dict[str, Any], info: str, from_: Party, to: Party) -> None:
        self.header, self.claims, self.info, self.from_, self.to = header, claims, info, from_, to

    def to_json(self) -> dict[str, Any]:
        return {"valid": True, "error": None, "orig": self.from_.shown(), "dest": self.to.shown(),
                "attest": self.claims.get("attest"), "origid": self.claims.get("origid"), "iat": self.claims["iat"],
                "ppt": self.header.get("ppt"), "x5u": self.header["x5u"], "info": self.info}


def _matches(party: Party, claim: dict[str, Any], many: bool) -> bool:
    """Does From (``many`` False: orig) or To (``many`` True: one of dest) match the PASSporT's claim?"""
    values = [v for k, vs in claim.items() for v in (vs if many else [vs])
              if k == ("tn" if party.tn is not None else "uri")]
    for value in values:
        try:
            if party.tn is not None and passport.canonical_tn(value) == party.tn:
                return True
            if party.uri is not None and party_of_uri(value).uri == party.uri:
                return True
        except Malformed:
            continue
    return False


def verify_sip(data: bytes, *, key_pem: bytes | None = None, key: EllipticCurvePublicKey | None = None,
               now: float | None = None) -> SipVerdict:
    """``wallet verify --sip``: an INVITE (or a header block) whose Identity header's PASSporT verifies with the
    trusted gateway key, is fresh, agrees with the header's alg and ppt, and names its From and To. Raises the
    :class:`wallet.errors.Rejected` that says why not."""
    trusted = key if key is not None else load_public_key(key_pem or b"")
    message = parse_message(data)
    header_params = message.identity
    ppt_header = passport.decode(header_params.passport)[0]
    if header_params.alg is not None and header_params.alg != ppt_header.get("alg"):
        raise SipParameterMismatch(f"the Identity header says alg={header_params.alg[:20]}, the PASSporT "
                                   f"{str(ppt_header.get('alg'))[:20]}")
    if header_params.ppt != ppt_header.get("ppt"):  # RFC 8225 section 8.1: both or neither, and the same
        raise SipParameterMismatch(f"the Identity header's ppt ({header_params.ppt}) is not the PASSporT's "
                                   f"({str(ppt_header.get('ppt'))[:20]})")
    header, claims = passport.verify(header_params.passport, key=trusted,
                                     now=int(time.time() if now is None else now))
    if not _matches(message.from_, claims["orig"], False):
        raise SipMismatch(f"the PASSporT's orig is not the From header's {message.from_.shown()[:80]}")
    if not _matches(message.to, claims["dest"], True):
        raise SipMismatch(f"the PASSporT's dest does not name the To header's {message.to.shown()[:80]}")
    return SipVerdict(header, claims, header_params.info, message.from_, message.to)

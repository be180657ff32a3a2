"""RFC 8225 PASSporTs with the SHAKEN extension (RFC 8588), signed and verified with ES256 (P-256, SHA-256).

    >>> from wallet.interworking.passport import canonical_tn
    >>> canonical_tn("+44 (20) 7123-4567")
    '442071234567'

A PASSporT is a compact JWS. Its header is ``{"alg": "ES256", "ppt": "shaken", "typ": "passport", "x5u": URL}``;
its claims are ``attest``, ``dest`` (``{"tn": [...]}`` or ``{"uri": [...]}``), ``iat``, ``orig``
(``{"tn": ...}``) and ``origid``, serialised with sorted keys and no whitespace (RFC 8225 section 9). The
signature is the raw 64-byte R||S of RFC 7518 section 3.4, never DER. ``cryptography`` is imported here only,
and only when a PASSporT is signed or verified: a plain ``wallet verify`` never loads it.
"""

from __future__ import annotations

import json
import re

from wallet.encoding import b64url, b64url_decode, strict_json
from wallet.errors import BadSignature, Expired, Malformed, NotYetValid, TooLarge, UnsupportedAlg
from wallet.vocabulary import SKEW_SECONDS

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs start-up; mypy honours the name
if TYPE_CHECKING:
    from typing import Any

    from cryptography.hazmat.primitives.asymmetric.ec import EllipticCurvePrivateKey, EllipticCurvePublicKey

ALG = "ES256"
TYP = "passport"
PPT = "shaken"
#: RFC 8588 section 4: A full, B partial, C gateway attestation (docs/interworking.md gives the gateway's mapping).
ATTESTATIONS = ("A", "B", "C")
#: RFC 8224 section 12.1 recommends refusing a PASSporT whose iat is more than 60 seconds old.
FRESHNESS_SECONDS = 60
MAX_PASSPORT_CHARS = 4096
_MAX_DEST = 16
_TN_SEPARATORS = re.compile(r"[-.()\s]")
_TN = re.compile(r"\+?[0-9]{1,15}")
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def canonical_tn(text: str) -> str:
    """A telephone number in RFC 8224 section 8.3 canonical form: digits only (the leading + and the visual
    separators removed); :class:`Malformed` if it is not a number of 1 to 15 digits."""
    number = _TN_SEPARATORS.sub("", text) if len(text) <= 64 else text
    if not _TN.fullmatch(number):
        raise Malformed("not a telephone number (1 to 15 digits, optionally after a +)")
    return number.removeprefix("+")


def global_tn(text: str) -> str:
    """A telephone number that must be in global form (a leading +, RFC 8224 section 8.3): its digits;
    :class:`Malformed` for a national number (without +), whose country nobody can know."""
    number = _TN_SEPARATORS.sub("", text) if len(text) <= 64 else text
    if not number.startswith("+"):
        raise Malformed("not a telephone number in global form (a + and the country code)")
    return canonical_tn(number)


def _serialise(value: dict[str, Any]) -> str:
    return b64url(json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8"))


def _raw_signature(der: bytes) -> bytes:
    from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

    r, s = decode_dss_signature(der)
    return r.to_bytes(32, "big") + s.to_bytes(32, "big")


def sign(claims: dict[str, Any], *, key: EllipticCurvePrivateKey, x5u: str) -> str:
    """The compact PASSporT for ``claims``, signed with the gateway's P-256 key."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec

    signing_input = _serialise({"alg": ALG, "ppt": PPT, "typ": TYP, "x5u": x5u}) + "." + _serialise(claims)
    der = key.sign(signing_input.encode("ascii"), ec.ECDSA(hashes.SHA256()))
    return signing_input + "." + b64url(_raw_signature(der))


def _segment(part: str, what: str) -> Any:
    try:
        raw = b64url_decode(part)
    except ValueError:
        raise Malformed(f"the PASSporT's {what} is not base64url") from None
    value = strict_json(raw, what=f"PASSporT {what}")
    if not isinstance(value, dict):
        raise Malformed(f"the PASSporT's {what} is not a JSON object")
    return value


def decode(token: str) -> tuple[dict[str, Any], dict[str, Any], str, bytes]:
    """(header, claims, signing input, raw signature) of a compact PASSporT, read strictly, not verified."""
    if len(token) > MAX_PASSPORT_CHARS:
        raise TooLarge(f"the PASSporT is longer than {MAX_PASSPORT_CHARS} characters")
    parts = token.split(".")
    if len(parts) != 3:
        raise Malformed("the PASSporT is not a compact JWS (three base64url parts)")
    header, claims = _segment(parts[0], "header"), _segment(parts[1], "claims")
    try:
        signature = b64url_decode(parts[2])
    except ValueError:
        raise Malformed("the PASSporT's signature is not base64url") from None
    return header, claims, parts[0] + "." + parts[1], signature


def _check_header(header: dict[str, Any]) -> None:
    if header.get("alg") != ALG:
        raise UnsupportedAlg(f"the PASSporT's alg is {str(header.get('alg'))[:20]!r}, not {ALG}")
    if header.get("typ") != TYP:
        raise Malformed("the PASSporT's typ is not 'passport'")
    if "crit" in header:
        raise Malformed("the PASSporT names critical header parameters this verifier does not know")
    if not isinstance(header.get("x5u"), str) or not header["x5u"].startswith("https://"):
        raise Malformed("the PASSporT's x5u is not an https URL")
    if "ppt" in header and header["ppt"] != PPT:
        raise Malformed("the PASSporT's ppt is not 'shaken'")


def _check_claims(header: dict[str, Any], claims: dict[str, Any]) -> None:
    iat = claims.get("iat")
    if not isinstance(iat, int) or isinstance(iat, bool) or not 0 <= iat < 2**53:
        raise Malformed("the PASSporT's iat is not an integer number of seconds")
    orig, dest = claims.get("orig"), claims.get("dest")
    if not isinstance(orig, dict) or len(orig) != 1 or not isinstance(next(iter(orig.values())), str) \
            or next(iter(orig)) not in ("tn", "uri"):
        raise Malformed("the PASSporT's orig is not {\"tn\": NUMBER} or {\"uri\": URI}")
    if not isinstance(dest, dict) or not dest or set(dest) - {"tn", "uri"} or not all(
            isinstance(v, list) and 0 < len(v) <= _MAX_DEST and all(isinstance(x, str) for x in v)
            for v in dest.values()):
        raise Malformed("the PASSporT's dest is not {\"tn\": [...]} or {\"uri\": [...]}")
    if header.get("ppt") == PPT:
        if claims.get("attest") not in ATTESTATIONS:
            raise Malformed("the SHAKEN PASSporT's attest is not A, B or C")
        origid = claims.get("origid")
        if not isinstance(origid, str) or not _UUID.fullmatch(origid.lower()):
            raise Malformed("the SHAKEN PASSporT's origid is not a UUID")


def verify(token: str, *, key: EllipticCurvePublicKey, now: int) -> tuple[dict[str, Any], dict[str, Any]]:
    """(header, claims) of a PASSporT whose signature verifies with ``key`` and whose iat is fresh at ``now``;
    otherwise the :class:`wallet.errors.Rejected` that says why."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

    header, claims, signing_input, signature = decode(token)
    _check_header(header)
    if len(signature) != 64:  # RFC 7518 section 3.4: R||S, 32 bytes each; a DER signature is refused
        raise BadSignature("the PASSporT's signature is not a 64-byte ES256 signature (R||S)")
    der = encode_dss_signature(int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big"))
    try:
        key.verify(der, signing_input.encode("ascii"), ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        raise BadSignature("the PASSporT's signature does not verify with the gateway's key") from None
    _check_claims(header, claims)
    if claims["iat"] > now + SKEW_SECONDS:
        raise NotYetValid("the PASSporT was issued in the future (iat)")
    if claims["iat"] < now - FRESHNESS_SECONDS:
        raise Expired(f"the PASSporT's iat is {now - claims['iat']} seconds old; at most {FRESHNESS_SECONDS} "
                      "are accepted (RFC 8224 section 12.1)")
    return header, claims

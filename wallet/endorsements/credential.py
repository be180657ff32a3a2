"""The endorsement: an SD-JWT VC in which an identity provider vouches for claims about the holder of one key.

    >>> from nacl.bindings import crypto_sign_seed_keypair
    >>> from wallet.endorsements.credential import VCT_PERSON, disclosed_claims, issue_endorsement, read_endorsement
    >>> idp_public, idp_secret = crypto_sign_seed_keypair(bytes(32))
    >>> holder_public, _ = crypto_sign_seed_keypair(bytes([1]) * 32)
    >>> token = issue_endorsement(issuer="https://idp.example", secret_key=idp_secret, holder_key=holder_public,
    ...                           claims={"verified_person": True, "name": "Ann Example"}, vct=VCT_PERSON,
    ...                           issued_at=1800000000, ttl=86400)
    >>> sd = read_endorsement(token)
    >>> sd.verify_issuer(idp_public); disclosed_claims(sd.claims())
    {'verified_person': True, 'name': 'Ann Example'}

Shape (docs/endorsements.md has a worked example): header ``{"alg": "EdDSA",
"typ": "dc+sd-jwt", "kid": <RFC 7638 thumbprint of the issuer key>}``;
visible claims ``iss`` (the IdP's https identifier), ``iat``, ``exp``, ``vct``,
``cnf.jwk`` (the endorsed Ed25519 key, OKP), optionally ``status`` (a Token
Status List entry) and ``_wallet`` (``{"once": true}`` for a once-only
endorsement of a one-time key); every personal claim (:data:`CLAIMS`) is
selectively disclosable, decoy digests making ``_sd`` always :data:`SD_DIGESTS` long, ``_sd_alg`` sha-256.
"""

from __future__ import annotations

import hashlib

from wallet.encoding import b64url, b64url_decode, dumps
from wallet.endorsements.sdjwt import SEPARATOR, SdJwt, salted, tail
from wallet.jose import sign_encoded
from wallet.errors import BadEndorsement, UsageError
from wallet.vocabulary import ENDORSED_CLAIMS

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs start-up; mypy honours the name
if TYPE_CHECKING:
    from typing import Any

TYP = "dc+sd-jwt"
#: The media type earlier SD-JWT VC drafts used; verifiers accept it during the transition, issuers never use it.
LEGACY_TYP = "vc+sd-jwt"
#: The claims an endorsement can vouch for, all selectively disclosable.
CLAIMS = ENDORSED_CLAIMS
#: What an endorsement is about (its ``vct``): a person, membership of a group, an account at a service.
VCT_PERSON = "urn:wallet:vct:person"
VCT_GROUP = "urn:wallet:vct:group"
VCT_ACCOUNT = "urn:wallet:vct:account"
VCTS = (VCT_PERSON, VCT_GROUP, VCT_ACCOUNT)
#: Claims of an SD-JWT VC that are about the credential, never disclosed data.
REGISTERED = frozenset(("iss", "iat", "exp", "nbf", "vct", "cnf", "status", "sub", "jti", "_wallet", "vct#integrity"))
#: Every endorsement's ``_sd`` holds this many digests, decoys making up the difference (at least one): a
#: verifier cannot tell from their number how many claims an endorsement holds, nor so how many were withheld.
SD_DIGESTS = len(CLAIMS) + 1


def jwk_of(public_key: bytes) -> dict[str, str]:
    """The OKP JWK (RFC 8037) of an Ed25519 public key."""
    return {"kty": "OKP", "crv": "Ed25519", "x": b64url(public_key)}


def key_of(jwk: object) -> bytes:
    """The Ed25519 public key of an OKP JWK; BadEndorsement for anything else."""
    if not isinstance(jwk, dict) or jwk.get("kty") != "OKP" or jwk.get("crv") != "Ed25519" or not isinstance(
            jwk.get("x"), str):
        raise BadEndorsement("a key must be an Ed25519 OKP JWK")
    try:
        raw = b64url_decode(jwk["x"])
    except ValueError:
        raise BadEndorsement("a JWK's x is not base64url") from None
    if len(raw) != 32:
        raise BadEndorsement("an Ed25519 key is 32 bytes")
    return raw


def thumbprint(public_key: bytes) -> str:
    """The RFC 7638 JWK thumbprint of an Ed25519 key (its ``kid``)."""
    known = _THUMBPRINTS.get(public_key)
    if known is None:
        canonical = dumps({"crv": "Ed25519", "kty": "OKP", "x": b64url(public_key)})
        known = _THUMBPRINTS[public_key] = b64url(hashlib.sha256(canonical).digest())
        if len(_THUMBPRINTS) > 4096:  # a verifier of many once-only keys: keep the cache small
            _THUMBPRINTS.clear()
    return known


_THUMBPRINTS: dict[bytes, str] = {}


def check_claim(name: str, value: object) -> Any:
    """A claim value as an IdP may vouch for it (UsageError when it is not one), normalised."""
    from wallet.destination import normalize_host
    from wallet.identity.personas import validate_attribute
    from wallet.text import unsafe_character

    if name not in CLAIMS:
        raise UsageError(f"unknown claim {name!r}", hint="claims: " + ", ".join(CLAIMS))
    if name == "verified_person":
        if value not in (True, "true"):
            raise UsageError("verified_person is true (an IdP vouches that a real person holds the account)")
        return True
    if not isinstance(value, str) or not value or len(value) > 256 or unsafe_character(value):
        raise UsageError(f"claim {name!r} needs a value of 1-256 displayable characters")
    if name == "email":
        return validate_attribute("email", value)[1]
    if name == "phone_number":
        return validate_attribute("phone", value)[1]
    if name == "org":
        return normalize_host(value)
    if name == "group":
        local, at, host = value.rpartition("@")
        if not at or not local:
            raise UsageError("a group is named like an address: support@corp.example")
        return f"{local}@{normalize_host(host)}"
    return value


def issue_endorsement(
    *,
    issuer: str,
    secret_key: bytes,
    holder_key: bytes,
    claims: dict[str, Any],
    vct: str,
    issued_at: int,
    ttl: int,
    status: tuple[str, int] | None = None,
    once: bool = False,
    kid: str | None = None,
) -> str:
    """An endorsement in issuance form (``jwt~disclosures~``), every claim of ``claims`` selectively disclosable.

    ``kid`` is the issuer key's thumbprint (computed from ``secret_key`` if not given).
    """
    batch = Batch(issuer=issuer, secret_key=secret_key, claims=claims, vct=vct, issued_at=issued_at, ttl=ttl,
                  status_uri=None if status is None else status[0], once=once, kid=kid)
    return batch.endorse(holder_key, None if status is None else status[1])


class Batch:
    """Endorsements that share their issuer, claims, type, times and status list: one per key (and index).

    The issuer-signed payload is, in this order, ``iss``, ``iat``, ``exp``, ``vct``, ``cnf``, ``status``,
    ``_wallet``, ``_sd``, ``_sd_alg``; what all endorsements of the batch share is serialised once, and each
    endorsement adds its key, its status index, and its disclosures' digests (base64url strings and an
    integer, which need no JSON escaping). ``tests/test_endorsements.py`` checks that the bytes equal the
    wallet's JSON serialisation of the same claims.
    """

    __slots__ = ("_secret", "_claims", "_header", "_has_status", "_parts", "_tails")

    def __init__(self, *, issuer: str, secret_key: bytes, claims: dict[str, Any], vct: str, issued_at: int, ttl: int,
                 status_uri: str | None = None, once: bool = False, kid: str | None = None) -> None:
        from wallet.endorsements.sdjwt import SD_ALG

        if kid is None:
            from nacl.bindings import crypto_sign_ed25519_sk_to_pk

            kid = thumbprint(crypto_sign_ed25519_sk_to_pk(secret_key))
        clash = set(claims) & (REGISTERED | {"_sd", "...", "_sd_alg"})
        if clash:
            raise ValueError(f"claim {sorted(clash)[0]!r} cannot be selectively disclosed")
        self._secret, self._claims, self._has_status = secret_key, claims, status_uri is not None
        self._tails = [tail(name, value) for name, value in claims.items()]
        self._header = b64url(dumps({"alg": "EdDSA", "typ": TYP, "kid": kid}))
        shared = dumps({"iss": issuer, "iat": issued_at, "exp": issued_at + ttl, "vct": vct})
        after_index = b"" if status_uri is None else b',"uri":' + dumps(status_uri) + b"}}"
        # The payload is: parts[0] + key + parts[1] + index + parts[2] + digests + parts[3].
        self._parts = (
            shared[:-1] + b',"cnf":{"jwk":{"kty":"OKP","crv":"Ed25519","x":"',
            b'"}}' + (b',"status":{"status_list":{"idx":' if status_uri is not None else b""),
            after_index + (b',"_wallet":{"once":true}' if once else b"") + b',"_sd":[',
            b'],"_sd_alg":' + dumps(SD_ALG) + b"}",
        )

    def endorse(self, holder_key: bytes, index: int | None = None) -> str:
        """The endorsement of ``holder_key`` (with status list entry ``index`` if the batch has a list)."""
        if (index is None) == self._has_status or (index is not None and (type(index) is not int or index < 0)):
            raise ValueError("a status index (an integer >= 0) is given exactly when the batch has a status list")
        if len(holder_key) != 32:
            raise ValueError("an Ed25519 public key is 32 bytes")
        disclosures, digests = salted(self._claims, max(1, SD_DIGESTS - len(self._claims)), self._tails)
        first, second, third, last = self._parts
        payload = b"".join((first, b64url(holder_key).encode("ascii"), second,
                            b"" if index is None else str(index).encode("ascii"), third,
                            ('"' + '","'.join(digests) + '"').encode("ascii"), last))
        return SEPARATOR.join([sign_encoded(self._header, payload, self._secret), *disclosures, ""])


def read_endorsement(text: str) -> SdJwt:
    """Parse an endorsement (issuance form or presentation) and check what its header must say."""
    sd = SdJwt.parse(text)
    if sd.header.get("typ") not in (TYP, LEGACY_TYP):
        raise BadEndorsement(f"an endorsement is an SD-JWT VC (typ {TYP})")
    registered = [d.name for d in sd.disclosures if d.name in REGISTERED]
    if registered:  # SD-JWT VC: iss, cnf, status... are never selectively disclosable
        raise BadEndorsement(f"an endorsement may not disclose {registered[0]!r} selectively")
    issuer = sd.payload.get("iss")
    if not isinstance(issuer, str) or not issuer.startswith("https://") or len(issuer) > 2048:
        raise BadEndorsement("an endorsement's iss is its issuer's https identifier")
    for name in ("iat", "exp"):
        value = sd.payload.get(name)
        if value is None:  # optional in SD-JWT VC; this profile requires both: nothing is vouched for forever
            raise BadEndorsement(f"an endorsement must say when it was issued and until when it is valid (no {name})")
        if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value < 2**53:
            raise BadEndorsement(f"an endorsement's {name} must be whole seconds")
    vct = sd.payload.get("vct")
    # printable ASCII: "printable" by Unicode tables would differ between runtimes (the browser proxy's, Python's)
    if not isinstance(vct, str) or not 0 < len(vct) <= 2048 or not vct.isascii() or not vct.isprintable():
        raise BadEndorsement("an endorsement names its type (vct: 1-2048 printable characters)")
    nbf = sd.payload.get("nbf")
    if nbf is not None and (not isinstance(nbf, int) or isinstance(nbf, bool) or not 0 <= nbf < 2**53):
        raise BadEndorsement("an endorsement's nbf must be whole seconds")
    cnf = sd.payload.get("cnf")
    if not isinstance(cnf, dict) or set(cnf) != {"jwk"}:
        raise BadEndorsement("an endorsement binds one key (cnf.jwk)")
    key_of(cnf["jwk"])
    return sd


def holder_key(sd: SdJwt) -> bytes:
    return key_of(sd.payload["cnf"]["jwk"])


def status_of(sd: SdJwt) -> tuple[str, int] | None:
    """(status list URI, index) of an endorsement that has one."""
    status = sd.payload.get("status")
    if status is None:
        return None
    entry = status.get("status_list") if isinstance(status, dict) else None
    if not isinstance(entry, dict) or not isinstance(entry.get("uri"), str) or not isinstance(entry.get("idx"), int) \
            or isinstance(entry.get("idx"), bool) or entry["idx"] < 0:
        raise BadEndorsement("an endorsement's status is {\"status_list\": {\"idx\": N, \"uri\": ...}}")
    return entry["uri"], entry["idx"]


def is_once(sd: SdJwt) -> bool:
    marker = sd.payload.get("_wallet")
    return isinstance(marker, dict) and marker.get("once") is True


def disclosed_claims(claims: dict[str, Any]) -> dict[str, Any]:
    """The claims of an endorsement that are about the holder (registered claims left out)."""
    return {name: value for name, value in claims.items() if name not in REGISTERED}

"""SD-JWT (RFC 9901): selectively disclosable claims, presentations, and Key Binding JWTs, strictly read.

    >>> from nacl.bindings import crypto_sign_seed_keypair
    >>> from wallet.endorsements.sdjwt import SdJwt, issue
    >>> public, secret = crypto_sign_seed_keypair(bytes(32))
    >>> token = issue({"alg": "EdDSA", "typ": "dc+sd-jwt"}, {"iss": "https://idp.example"},
    ...               {"name": "Ann", "email": "ann@corp.example"}, secret, decoys=2)
    >>> sd = SdJwt.parse(token)
    >>> sd.verify_issuer(public); sorted(sd.claims())
    ['email', 'iss', 'name']
    >>> shown = SdJwt.parse(sd.presentation({"name"}))
    >>> shown.verify_issuer(public); sorted(shown.claims())
    ['iss', 'name']

What the wallet issues and accepts is the plain RFC 9901 shape: one issuer-
signed JWT whose top-level ``_sd`` array holds the SHA-256 digests of the
disclosures (and decoys), each disclosure ``[salt, claim name, value]`` in
unpadded base64url, ``~`` between the parts, the presentation ending in ``~``
or in a Key Binding JWT. Reading it refuses everything RFC 9901 says a
verifier must refuse (a disclosure whose digest is not in ``_sd``, a digest or
disclosure twice, a disclosure naming ``_sd`` or ``...`` or a claim that is
already there, an ``_sd_alg`` other than sha-256) and, being the wallet's own
profile, anything it never issues: nested or array disclosures, ``alg`` other
than EdDSA, oversized parts. Every refusal is :class:`wallet.errors.BadEndorsement`.
"""

from __future__ import annotations

import hashlib
import os

from wallet.encoding import b64url, b64url_decode, dumps, strict_json
from wallet.errors import BadEndorsement, Malformed, TooLarge, UnsupportedAlg
from wallet.jose import parse_compact, sign_compact

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs start-up; mypy honours the name
if TYPE_CHECKING:
    from typing import Any

SEPARATOR = "~"
SD_ALG = "sha-256"
KB_TYP = "kb+jwt"
MAX_SD_JWT_BYTES = 8 * 1024
MAX_DISCLOSURES = 32
MAX_DIGESTS = 64
_RESERVED = ("_sd", "...", "_sd_alg")


def digest(encoded: str) -> str:
    """The base64url SHA-256 of a disclosure (or of a presentation, for ``sd_hash``) as ASCII."""
    return b64url(hashlib.sha256(encoded.encode("ascii")).digest())


class Disclosure:
    """One ``[salt, name, value]`` disclosure, as encoded (the digest covers exactly these characters)."""

    __slots__ = ("encoded", "salt", "name", "value")

    def __init__(self, encoded: str, salt: str, name: str, value: Any) -> None:
        self.encoded, self.salt, self.name, self.value = encoded, salt, name, value

    @property
    def digest(self) -> str:
        return digest(self.encoded)

    @classmethod
    def new(cls, name: str, value: Any, salt: bytes | None = None) -> Disclosure:
        """A disclosure with a fresh 128-bit salt (or the 16 random bytes given)."""
        text = b64url(os.urandom(16) if salt is None else salt)
        return cls(_encode(text, tail(name, value)), text, name, value)

    @classmethod
    def parse(cls, encoded: str) -> Disclosure:
        try:
            raw = b64url_decode(encoded)
        except ValueError:
            raise BadEndorsement("a disclosure is not unpadded base64url") from None
        try:
            doc = strict_json(raw, what="disclosure")
        except Malformed as exc:
            raise BadEndorsement(exc.message) from None
        if not isinstance(doc, list) or len(doc) != 3:
            raise BadEndorsement("a disclosure must be [salt, claim name, value] (array elements are not used here)")
        salt, name, value = doc
        if not isinstance(salt, str) or len(salt) < 16 or not isinstance(name, str) or not name:
            raise BadEndorsement("a disclosure's salt (16 characters at least) and claim name must be strings")
        if name in _RESERVED:
            raise BadEndorsement(f"a disclosure may not name {name!r}")
        if _nested(value):
            raise BadEndorsement("a disclosed value nests too deep, or holds a nested selective disclosure")
        return cls(encoded, salt, name, value)


#: How deep a claim value may nest (an address object is 2; this profile's own claims are scalars).
MAX_VALUE_DEPTH = 8


def _nested(value: Any) -> bool:
    """Whether ``value`` holds, at any depth, an object with ``_sd`` or ``...`` (nested or array disclosures,
    which this profile never issues), or nests deeper than :data:`MAX_VALUE_DEPTH`. Iterative: a hostile
    value nested hundreds of levels deep is a verdict, never a RecursionError."""
    pending = [(value, 0)]
    while pending:
        item, depth = pending.pop()
        if isinstance(item, dict):
            if "_sd" in item or "..." in item or depth >= MAX_VALUE_DEPTH:
                return True
            pending.extend((v, depth + 1) for v in item.values())
        elif isinstance(item, list):
            if depth >= MAX_VALUE_DEPTH:
                return True
            pending.extend((v, depth + 1) for v in item)
    return False


def issue(
    header: dict[str, Any],
    visible: dict[str, Any],
    selective: dict[str, Any],
    secret_key: bytes,
    *,
    decoys: int = 0,
) -> str:
    """An SD-JWT in issuance form (``jwt~d1~...~dn~``): ``visible`` claims in the clear, each of ``selective``
    as its own disclosure, plus ``decoys`` random digests; signed with a libsodium Ed25519 secret key."""
    if not visible.keys().isdisjoint(selective) or not visible.keys().isdisjoint(_RESERVED):
        clash = set(visible) & (set(selective) | set(_RESERVED))
        raise ValueError(f"claim {sorted(clash)[0]!r} is both visible and selective, or reserved")
    disclosures, digests = salted(selective, decoys)
    payload = {**visible, "_sd": digests, "_sd_alg": SD_ALG}
    return SEPARATOR.join([sign_compact(header, payload, secret_key), *disclosures, ""])


def tail(name: str, value: Any) -> bytes:
    """What follows the salt in a disclosure's JSON, ``","name",value]``: the same for every endorsement of a
    batch, so an issuer serialises it once (:func:`salted`)."""
    return b"," + dumps(name) + b"," + dumps(value) + b"]"


def _encode(salt: str, tail: bytes) -> str:
    """The base64url of ``["salt","name",value]`` (compact JSON: a base64url salt needs no escaping)."""
    return b64url(b'["' + salt.encode("ascii") + b'"' + tail)


def salted(selective: dict[str, Any], decoys: int, tails: list[bytes] | None = None) -> tuple[list[str], list[str]]:
    """(encoded disclosures of ``selective``, each with a fresh 128-bit salt; the sorted ``_sd`` digests of
    those and of ``decoys`` decoys). ``tails`` are the claims' :func:`tail`, if already made."""
    ends = tails if tails is not None else [tail(name, value) for name, value in selective.items()]
    noise = os.urandom(16 * len(ends) + 33 * decoys)  # one call to the CSPRNG for every salt and decoy
    encoded = [_encode(b64url(noise[16 * i:16 * i + 16]), end) for i, end in enumerate(ends)]
    return encoded, sorted([digest(e) for e in encoded] + _decoys(noise[16 * len(ends):], decoys))


def _decoys(noise: bytes, count: int) -> list[str]:
    """``count`` decoy digests from 33 random bytes each.

    A decoy must look like the base64url SHA-256 digest of a disclosure nobody has seen (RFC 9901 section
    4.2.5): 43 characters whose first 42 are uniformly random and whose last carries 4 random bits and 2 zero
    bits (the canonical end of 32 bytes). The base64url of 33 random bytes is 44 characters, each of 6
    uniform bits; its first 42 and its 43rd with the 2 low bits cleared are exactly that. Encoding all the
    decoys at once (33 is a multiple of 3, so they do not share characters) costs one call, not one per decoy.
    """
    import binascii

    text = binascii.b2a_base64(noise[:33 * count], newline=False).translate(_URLSAFE)
    return [(text[44 * i:44 * i + 42] + text[44 * i + 42:44 * i + 43].translate(_CANONICAL_END)).decode("ascii")
            for i in range(count)]


_ALPHABET = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
_URLSAFE = bytes.maketrans(b"+/", b"-_")
#: Each base64url character to the one with the same high 4 bits and the low 2 bits cleared.
_CANONICAL_END = bytes.maketrans(_ALPHABET, bytes(_ALPHABET[i & 0b111100] for i in range(64)))


class SdJwt:
    """A parsed SD-JWT (issuance form or presentation, with or without a Key Binding JWT), not yet verified."""

    __slots__ = ("jwt", "header", "payload", "signing_input", "signature", "disclosures", "kb_jwt", "_verified")

    def __init__(self, jwt: str, disclosures: list[Disclosure], kb_jwt: str | None) -> None:
        try:
            compact = parse_compact(jwt, max_bytes=MAX_SD_JWT_BYTES)
        except UnsupportedAlg as exc:
            raise BadEndorsement(f"the endorsement's {exc.message}") from None
        except (Malformed, TooLarge) as exc:
            raise BadEndorsement(f"the endorsement's JWT: {exc.message}") from None
        self.jwt = jwt
        self.header, self.payload = compact.header, compact.payload
        self.signing_input, self.signature = compact.signing_input, compact.signature
        self.disclosures = disclosures
        self.kb_jwt = kb_jwt
        self._verified = False

    @classmethod
    def parse(cls, text: str) -> SdJwt:
        if not isinstance(text, str) or len(text) > MAX_SD_JWT_BYTES:
            raise BadEndorsement(f"an endorsement is a string of at most {MAX_SD_JWT_BYTES} bytes")
        if not text.isascii():
            raise BadEndorsement("an endorsement contains non-ASCII characters")
        parts = text.split(SEPARATOR)
        if len(parts) < 2:
            raise BadEndorsement("an SD-JWT is <jwt>~<disclosures>~[<key binding jwt>]")
        jwt, *middle, last = parts
        if len(middle) > MAX_DISCLOSURES:
            raise BadEndorsement(f"an endorsement carries at most {MAX_DISCLOSURES} disclosures")
        if any(not d for d in middle):
            raise BadEndorsement("an SD-JWT has an empty disclosure (two '~' in a row)")
        disclosures = [Disclosure.parse(d) for d in middle]
        return cls(jwt, disclosures, last or None)

    def without_kb(self) -> str:
        """``jwt~d1~...~dn~``: what a Key Binding JWT's ``sd_hash`` covers."""
        return SEPARATOR.join([self.jwt, *(d.encoded for d in self.disclosures), ""])

    def verify_issuer(self, public_key: bytes) -> None:
        """Check the issuer's signature (Ed25519 ``public_key``) and the structure of ``_sd``."""
        from nacl.bindings import crypto_sign_open
        from nacl.exceptions import BadSignatureError

        try:
            crypto_sign_open(self.signature + self.signing_input, public_key)
        except (BadSignatureError, ValueError):
            raise BadEndorsement("the endorsement's signature does not verify with its issuer's key") from None
        self._verified = True

    def claims(self) -> dict[str, Any]:
        """The visible claims and the disclosed ones (issuer signature checked first), per RFC 9901 section 7."""
        if not self._verified:
            raise RuntimeError("verify_issuer() first")
        payload = dict(self.payload)
        alg = payload.pop("_sd_alg", SD_ALG)
        if alg != SD_ALG:
            raise BadEndorsement(f"_sd_alg {str(alg)[:20]!r} is not supported (only sha-256)")
        digests = payload.pop("_sd", [])
        if not isinstance(digests, list) or not all(isinstance(d, str) for d in digests) or len(digests) > MAX_DIGESTS:
            raise BadEndorsement("_sd must be a list of digests")
        if len(set(digests)) != len(digests):
            raise BadEndorsement("a digest appears twice in _sd")
        if any(_nested(v) for v in payload.values()):
            raise BadEndorsement("a claim nests too deep, or holds a nested selective disclosure")
        known = set(digests)
        seen: set[str] = set()
        for disclosure in self.disclosures:
            d = disclosure.digest
            if d in seen:
                raise BadEndorsement("a disclosure is presented twice")
            seen.add(d)
            if d not in known:
                raise BadEndorsement(f"the disclosure of {disclosure.name[:40]!r} is not in the endorsement's _sd")
            if disclosure.name in payload:
                raise BadEndorsement(f"claim {disclosure.name[:40]!r} is disclosed twice or also visible")
            payload[disclosure.name] = disclosure.value
        return payload

    def presentation(self, keep: set[str]) -> str:
        """This SD-JWT with only the disclosures of the claims in ``keep`` (no Key Binding JWT yet)."""
        chosen = [d for d in self.disclosures if d.name in keep]
        return SEPARATOR.join([self.jwt, *(d.encoded for d in chosen), ""])


def key_binding_jwt(without_kb: str, *, audience: str, nonce: str, issued_at: int, secret_key: bytes) -> str:
    """The Key Binding JWT for a presentation (RFC 9901 section 4.3), signed by the holder's key."""
    payload = {"iat": issued_at, "aud": audience, "nonce": nonce, "sd_hash": digest(without_kb)}
    return sign_compact({"alg": "EdDSA", "typ": KB_TYP}, payload, secret_key)


def verify_key_binding(sd: SdJwt, public_key: bytes) -> dict[str, Any]:
    """Check a presentation's Key Binding JWT signature, type and sd_hash; its payload (aud, nonce, iat) for
    the caller to compare with the call."""
    if sd.kb_jwt is None:
        raise BadEndorsement("the endorsement has no Key Binding JWT: it is not bound to this call")
    try:
        kb = parse_compact(sd.kb_jwt)
    except (Malformed, TooLarge, UnsupportedAlg) as exc:
        raise BadEndorsement(f"the Key Binding JWT: {exc.message}") from None
    if kb.header.get("typ") != KB_TYP:
        raise BadEndorsement("the Key Binding JWT's typ must be kb+jwt")
    if not kb.verify(public_key):
        raise BadEndorsement("the Key Binding JWT is not signed by the endorsed key")
    payload = kb.payload
    for name, kind in (("iat", int), ("aud", str), ("nonce", str), ("sd_hash", str)):
        if not isinstance(payload.get(name), kind) or isinstance(payload.get(name), bool):
            raise BadEndorsement(f"the Key Binding JWT lacks {name!r}")
    if payload["sd_hash"] != digest(sd.without_kb()):
        raise BadEndorsement("the Key Binding JWT's sd_hash does not match the presentation")
    return payload

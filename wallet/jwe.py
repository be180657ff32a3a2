"""Compact JWE for one recipient: ECDH-ES key agreement on X25519, A256GCM (RFC 7516, 7518, 8037).

    >>> from wallet.jwe import encrypt, decrypt, public_jwk_of
    >>> secret = {"kty": "OKP", "crv": "X25519", "d": "dwdtCnMYpX08FsFyUbJmRd9ML4frwJkqsXf7pR25LCo",
    ...           "x": "hSDwCYkwp1R0i33ctD73Wg2_Og0mOBr066SpjqqbTmo"}
    >>> token = encrypt(b'{"name":"Alice"}', public_jwk_of(secret))
    >>> decrypt(token, secret)
    b'{"name":"Alice"}'

The wallet encrypts disclosed attributes to a destination's published key
(draft 8.4.2, docs/assertion-format.md): direct key agreement (no encrypted
key), the Concat KDF of RFC 7518 section 4.6 with SHA-256 over the X25519
shared secret, ``AlgorithmID`` the ``enc`` value, empty ``apu``/``apv``
unless the header names them. The protected header is the additional
authenticated data, as RFC 7516 says.

Opening parses hostile input: a token larger than :data:`MAX_JWE_BYTES`,
non-canonical base64url, duplicate JSON members, an ``alg`` other than
ECDH-ES, an ``enc`` other than A256GCM, a ``zip`` or ``crit`` member, any
header member outside :data:`HEADER_MEMBERS`, an ``epk`` that is not a
32-byte X25519 public key, a nonce that is not 96 bits or a tag that is not
128 bits are :class:`wallet.errors.Malformed`; a low-order ``epk`` (an
all-zero shared secret, RFC 7748 section 6.1), a wrong key or any change to
the header, nonce, ciphertext or tag is :class:`wallet.errors.DecryptFailed`.

Only the key agreement and AES-GCM need ``cryptography``: it is imported
when a JWE is made or opened, never by a verifier that only checks the
header (:func:`parse`).
"""

from __future__ import annotations

import hashlib

from wallet.encoding import b64url, b64url_decode, dumps, strict_json
from wallet.errors import DecryptFailed, Malformed, TooLarge

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs start-up; mypy honours the name
if TYPE_CHECKING:
    from typing import Any

ALG = "ECDH-ES"
ENC = "A256GCM"
#: The protected header members a JWE may carry; anything else (zip, crit, jku, jwk...) is refused.
HEADER_MEMBERS = ("alg", "enc", "epk", "kid", "apu", "apv", "typ", "cty")
MAX_JWE_BYTES = 12 * 1024
_KEY_BYTES = 32


def _key_bytes(jwk: object, member: str, *, what: str) -> bytes:
    """The 32-byte value of ``member`` of an X25519 OKP JWK (ValueError, said of ``what``, if it is not one)."""
    if not isinstance(jwk, dict) or jwk.get("kty") != "OKP" or jwk.get("crv") != "X25519":
        raise ValueError(f"{what} must be an X25519 JWK (kty OKP, crv X25519)")
    value = jwk.get(member)
    if not isinstance(value, str):
        raise ValueError(f"{what} has no '{member}'")
    try:
        raw = b64url_decode(value)
    except ValueError:
        raise ValueError(f"{what}: '{member}' is not unpadded base64url") from None
    if len(raw) != _KEY_BYTES:
        raise ValueError(f"{what}: '{member}' must be {_KEY_BYTES} bytes, not {len(raw)}")
    return raw


def check_public_jwk(jwk: object, *, what: str = "the encryption key") -> dict[str, str]:
    """A public X25519 JWK reduced to its required members (ValueError if it is not one, or holds 'd')."""
    x = _key_bytes(jwk, "x", what=what)
    assert isinstance(jwk, dict)
    if "d" in jwk:
        raise ValueError(f"{what} holds a private key ('d'): publish only the public key")
    if is_low_order(x):
        raise ValueError(f"{what} is a low-order point (every shared secret with it is predictable)")
    return {"kty": "OKP", "crv": "X25519", "x": b64url(x)}


_P = 2**255 - 19
#: The u-coordinates of Curve25519's points of order 1, 2, 4 and 8 (RFC 7748 section 6.1 notes their danger).
_LOW_ORDER = frozenset({0, 1, _P - 1,
                        325606250916557431795983626356110631294008115727848805560023387167927233504,
                        39382357235489614581723060781553021112529911719440698176882885853963445705823})


def is_low_order(u: bytes) -> bool:
    """True for an X25519 public value of low order, however it is spelled (bit 255 masked, reduced mod p, as
    RFC 7748 section 5 decodes it): the shared secret with it is one of a handful of values."""
    value = int.from_bytes(u, "little") & ((1 << 255) - 1)
    return value % _P in _LOW_ORDER


def generate() -> tuple[dict[str, str], dict[str, str]]:
    """A new X25519 key pair as JWKs: (private, with "d" and "x"; public, "x" only) (RFC 8037 section 2)."""
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

    key = X25519PrivateKey.generate()
    public = {"kty": "OKP", "crv": "X25519", "x": b64url(key.public_key().public_bytes_raw())}
    return {**public, "d": b64url(key.private_bytes_raw())}, public


def public_jwk_of(private: dict[str, Any]) -> dict[str, str]:
    """The public JWK of a private X25519 JWK (its 'x' is recomputed from 'd', never trusted)."""
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

    d = _key_bytes(private, "d", what="the private key")
    public = X25519PrivateKey.from_private_bytes(d).public_key().public_bytes_raw()
    return {"kty": "OKP", "crv": "X25519", "x": b64url(public)}


def thumbprint(public: dict[str, str]) -> str:
    """The RFC 7638 JWK thumbprint (SHA-256) of a public X25519 JWK: which key a JWE was made for."""
    canonical = '{"crv":"X25519","kty":"OKP","x":"%s"}' % public["x"]
    return b64url(hashlib.sha256(canonical.encode("ascii")).digest())


def concat_kdf(shared: bytes, *, enc: str = ENC, apu: bytes = b"", apv: bytes = b"", bits: int = 256) -> bytes:
    """RFC 7518 section 4.6.2 for direct key agreement: one SHA-256 round (``bits`` <= 256)."""

    def field(data: bytes) -> bytes:
        return len(data).to_bytes(4, "big") + data

    other = field(enc.encode("ascii")) + field(apu) + field(apv) + bits.to_bytes(4, "big")
    return hashlib.sha256(b"\x00\x00\x00\x01" + shared + other).digest()[: bits // 8]


def _agree(secret: bytes, public: bytes) -> bytes:
    """X25519(secret, public); DecryptFailed for a low-order point (an all-zero shared secret)."""
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey

    try:
        shared = X25519PrivateKey.from_private_bytes(secret).exchange(X25519PublicKey.from_public_bytes(public))
    except ValueError:  # cryptography refuses the all-zero result itself
        shared = bytes(32)
    if not any(shared):
        raise DecryptFailed("the JWE's ephemeral key is a low-order point (all-zero shared secret)")
    return shared


def encrypt(plaintext: bytes, recipient: dict[str, str], *, kid: str | None = None,
            ephemeral: bytes | None = None, iv: bytes | None = None) -> str:
    """The compact JWE of ``plaintext`` for the public X25519 JWK ``recipient``.

    ``ephemeral`` (a 32-byte X25519 private key) and ``iv`` (12 bytes) are fresh random values unless given:
    only the worked example of docs/assertion-format.md and its test fix them.
    """
    import os

    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    public = check_public_jwk(recipient)
    eph_secret = os.urandom(_KEY_BYTES) if ephemeral is None else ephemeral
    eph_public = X25519PrivateKey.from_private_bytes(eph_secret).public_key().public_bytes_raw()
    header: dict[str, Any] = {"alg": ALG, "enc": ENC, "epk": {"kty": "OKP", "crv": "X25519", "x": b64url(eph_public)}}
    if kid is not None:
        header["kid"] = kid
    protected = b64url(dumps(header))
    cek = concat_kdf(_agree(eph_secret, b64url_decode(public["x"])))
    nonce = os.urandom(12) if iv is None else iv
    sealed = AESGCM(cek).encrypt(nonce, plaintext, protected.encode("ascii"))
    return ".".join((protected, "", b64url(nonce), b64url(sealed[:-16]), b64url(sealed[-16:])))


class Jwe:
    """A parsed compact JWE whose header passed every check; :meth:`open` decrypts it."""

    __slots__ = ("header", "protected", "epk", "iv", "ciphertext", "tag")

    def __init__(self, header: dict[str, Any], protected: str, epk: bytes, iv: bytes, ciphertext: bytes,
                 tag: bytes) -> None:
        self.header, self.protected, self.epk = header, protected, epk
        self.iv, self.ciphertext, self.tag = iv, ciphertext, tag

    @property
    def kid(self) -> str | None:
        kid = self.header.get("kid")
        return kid if isinstance(kid, str) else None

    def open(self, private: dict[str, Any]) -> bytes:
        """The plaintext, with the private X25519 JWK ``private``; DecryptFailed for a wrong key or any change."""
        from cryptography.exceptions import InvalidTag
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        d = _key_bytes(private, "d", what="the decryption key")
        apu, apv = (b64url_decode(self.header[n]) if n in self.header else b"" for n in ("apu", "apv"))
        cek = concat_kdf(_agree(d, self.epk), apu=apu, apv=apv)
        try:
            return AESGCM(cek).decrypt(self.iv, self.ciphertext + self.tag, self.protected.encode("ascii"))
        except InvalidTag:
            raise DecryptFailed("the encrypted disclosure does not open with this key (wrong key, or it was "
                                "changed: authentication tag mismatch)",
                                hint="give the private key of the encryption key the destination publishes") from None


def parse(token: object) -> Jwe:
    """Split a compact JWE and check its header strictly, without decrypting (no ``cryptography`` needed)."""
    if not isinstance(token, str):
        raise Malformed("an encrypted disclosure must be a compact JWE string")
    if len(token) > MAX_JWE_BYTES:
        raise TooLarge(f"the encrypted disclosure is longer than {MAX_JWE_BYTES} bytes")
    if not token.isascii():
        raise Malformed("the encrypted disclosure contains non-ASCII characters")
    parts = token.split(".")
    if len(parts) != 5:
        raise Malformed("a compact JWE has five parts separated by '.'")
    try:
        raw_header, encrypted_key, iv, ciphertext, tag = (b64url_decode(p) for p in parts)
    except ValueError:
        raise Malformed("a JWE part is not unpadded base64url") from None
    header = strict_json(raw_header, what="JWE header")
    if not isinstance(header, dict):
        raise Malformed("the JWE header is not a JSON object")
    if "zip" in header or "crit" in header:
        raise Malformed("the JWE header asks for compression or extensions (zip/crit): refused")
    unknown = sorted(set(header) - set(HEADER_MEMBERS))
    if unknown:
        raise Malformed(f"the JWE header has an unknown member {unknown[0][:20]!r}")
    if header.get("alg") != ALG:
        raise Malformed(f"the JWE's alg must be {ALG} (direct key agreement)")
    if header.get("enc") != ENC:
        raise Malformed(f"the JWE's enc must be {ENC}")
    epk = header.get("epk")
    if not isinstance(epk, dict) or set(epk) != {"kty", "crv", "x"}:
        raise Malformed("the JWE's epk must be a public X25519 JWK {kty, crv, x}")
    try:
        point = _key_bytes(epk, "x", what="the JWE's epk")
    except ValueError as exc:
        raise Malformed(str(exc)) from None
    for name in ("kid", "typ", "cty", "apu", "apv"):
        if name in header and (not isinstance(header[name], str) or len(header[name]) > 256):
            raise Malformed(f"the JWE header's {name!r} must be a short string")
    for name in ("apu", "apv"):
        if name in header:
            try:
                b64url_decode(header[name])
            except ValueError:
                raise Malformed(f"the JWE header's {name!r} is not unpadded base64url") from None
    if encrypted_key:
        raise Malformed("a direct key agreement JWE (ECDH-ES) has an empty encrypted key")
    if len(iv) != 12:
        raise Malformed("an A256GCM nonce (iv) is 96 bits")
    if len(tag) != 16:
        raise Malformed("an A256GCM tag is 128 bits")
    return Jwe(header, parts[0], point, iv, ciphertext, tag)


def decrypt(token: str, private: dict[str, Any]) -> bytes:
    """:func:`parse` then :meth:`Jwe.open`."""
    return parse(token).open(private)

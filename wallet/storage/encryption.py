"""Authenticated encryption: raw keys for records, Argon2id passphrase envelopes for files.

    >>> from wallet.storage.encryption import seal_with_passphrase, open_with_passphrase, KdfParams
    >>> weak = KdfParams(opslimit=1, memlimit=8192)  # doctest-only cost
    >>> blob = seal_with_passphrase(b"secret", b"pass", purpose=b"S", kdf=weak)
    >>> open_with_passphrase(blob, b"pass", purpose=b"S")
    b'secret'

Envelope layout (all integers big-endian), documented in docs/design.md::

    magic "WALLET" (6) | purpose (1) | version 0x01 (1) | kdf 0x01 = Argon2id v1.3 (1)
    | opslimit (4) | memlimit in bytes (8) | salt (16) | nonce (24)
    | XChaCha20-Poly1305 ciphertext and tag, with the whole header as associated data
    | SHA-256 of everything before it (32)

The header is bound as associated data, so KDF parameters cannot be lowered
without the tag failing. The trailing SHA-256 is not a security control: it
only lets us tell a damaged file ("corrupted") from a wrong passphrase.
"""

from __future__ import annotations

import hashlib
import os
import struct

from nacl import bindings as sodium
from nacl.exceptions import CryptoError

from wallet.errors import AuthError, CorruptData, FileError

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs start-up; mypy honours the name
if TYPE_CHECKING:
    from collections.abc import Callable
    from contextlib import AbstractContextManager

    #: Shows that a slow step runs (the CLI passes a spinner on a terminal): progress("message") is entered
    #: around each Argon2id derivation.
    Progress = Callable[[str], AbstractContextManager[object]]

MAGIC = b"WALLET"
VERSION = 1
KDF_ARGON2ID13 = 1
_HEADER = struct.Struct(">6sccBIQ16s24s")
HEADER_LEN = _HEADER.size
_TAG_LEN = 16
_DIGEST_LEN = 32
KEY_LEN = 32
NONCE_LEN = 24

# Bounds accepted when *reading* an envelope: a few times DEFAULT_KDF, so a
# hostile or tampered file cannot make us spend minutes and gigabytes before
# the tag check rejects it (the header's checksum is not keyed).
_MAX_OPSLIMIT = 10
_MAX_MEMLIMIT = 1 << 30
_MIN_MEMLIMIT = 8192


class KdfParams:
    """Argon2id's cost: passes over memory (``opslimit``) and memory in bytes (``memlimit``)."""

    __slots__ = ("opslimit", "memlimit")

    def __init__(self, opslimit: int, memlimit: int) -> None:
        self.opslimit, self.memlimit = opslimit, memlimit


#: The cost every file the CLI writes uses: Argon2id t=3, m=64 MiB, p=1
#: (RFC 9106 section 4, second recommended option). Tests lower it by
#: monkeypatching this module attribute; no option or variable reaches it.
DEFAULT_KDF = KdfParams(opslimit=3, memlimit=64 << 20)


def seal(key: bytes, plaintext: bytes, aad: bytes) -> bytes:
    """nonce || XChaCha20-Poly1305(plaintext) with a fresh random 192-bit nonce."""
    nonce = os.urandom(NONCE_LEN)
    return nonce + sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(plaintext, aad, nonce, key)


def unseal(key: bytes, blob: bytes, aad: bytes) -> bytes:
    """Inverse of :func:`seal`; :class:`CorruptData` if the blob was modified or moved."""
    if len(blob) < NONCE_LEN + _TAG_LEN:
        raise CorruptData("an encrypted record is truncated")
    try:
        return sodium.crypto_aead_xchacha20poly1305_ietf_decrypt(
            blob[NONCE_LEN:], aad, blob[:NONCE_LEN], key
        )
    except CryptoError:
        raise CorruptData(
            "an encrypted record failed authentication (modified, moved or from another wallet)"
        ) from None


def passphrase_key(passphrase: bytes, salt: bytes, kdf: KdfParams) -> bytes:
    try:
        return bytes(
            sodium.crypto_pwhash_alg(
                KEY_LEN,
                passphrase,
                salt,
                kdf.opslimit,
                kdf.memlimit,
                sodium.crypto_pwhash_ALG_ARGON2ID13,
            )
        )
    except (MemoryError, RuntimeError):  # libsodium could not get the memory Argon2id asks for
        raise FileError(
            f"not enough memory for the key derivation ({kdf.memlimit >> 20} MiB)",
            hint="free some memory and try again",
        ) from None


def _working(progress: Progress | None, message: str) -> AbstractContextManager[object]:
    import contextlib

    return progress(message) if progress is not None else contextlib.nullcontext()


def seal_with_passphrase(
    plaintext: bytes, passphrase: bytes, *, purpose: bytes, kdf: KdfParams | None = None,
    progress: Progress | None = None,
) -> bytes:
    kdf = kdf or DEFAULT_KDF
    if not passphrase:
        raise AuthError("the passphrase is empty")
    salt = os.urandom(16)
    nonce = os.urandom(NONCE_LEN)
    header = _HEADER.pack(
        MAGIC, purpose, bytes([VERSION]), KDF_ARGON2ID13, kdf.opslimit, kdf.memlimit, salt, nonce
    )
    with _working(progress, "deriving the key from the passphrase (Argon2id)"):
        key = passphrase_key(passphrase, salt, kdf)
    body = header + sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(plaintext, header, nonce, key)
    return body + hashlib.sha256(body).digest()


def read_header(blob: bytes, *, purpose: bytes, what: str) -> tuple[KdfParams, bytes, bytes]:
    """Validate an envelope's structure; returns (kdf, salt, nonce). Raises CorruptData."""
    if len(blob) < HEADER_LEN + _TAG_LEN + _DIGEST_LEN:
        raise CorruptData(f"the {what} is truncated ({len(blob)} bytes)")
    magic, got_purpose, version, kdf_id, ops, mem, salt, nonce = _HEADER.unpack_from(blob)
    if magic != MAGIC or got_purpose != purpose:
        raise CorruptData(f"the {what} is not a wallet {what} (bad magic)")
    if version != bytes([VERSION]) or kdf_id != KDF_ARGON2ID13:
        raise CorruptData(f"the {what} has an unsupported format version")
    if not (1 <= ops <= _MAX_OPSLIMIT and _MIN_MEMLIMIT <= mem <= _MAX_MEMLIMIT):
        raise CorruptData(f"the {what} has out-of-range key-derivation parameters")
    if hashlib.sha256(blob[:-_DIGEST_LEN]).digest() != blob[-_DIGEST_LEN:]:
        raise CorruptData(f"the {what} is corrupted (checksum mismatch)")
    return KdfParams(ops, mem), salt, nonce


def open_with_passphrase(
    blob: bytes, passphrase: bytes, *, purpose: bytes, what: str = "file", progress: Progress | None = None
) -> bytes:
    kdf, salt, nonce = read_header(blob, purpose=purpose, what=what)
    with _working(progress, f"unlocking the {what} (Argon2id)"):
        key = passphrase_key(passphrase, salt, kdf)
    try:
        return sodium.crypto_aead_xchacha20poly1305_ietf_decrypt(
            blob[HEADER_LEN:-_DIGEST_LEN], blob[:HEADER_LEN], nonce, key
        )
    except CryptoError:
        raise AuthError(
            f"cannot decrypt the {what}: wrong passphrase (or the file was altered)",
            hint="check the passphrase; nothing was changed",
        ) from None

"""did:key identifiers for Ed25519 public keys (W3C CCG did:key method).

    >>> from wallet.identity.didkey import did_key_from_public, public_from_did_key
    >>> did = did_key_from_public(bytes(32))
    >>> public_from_did_key(did) == bytes(32)
    True

A did:key is ``did:key:z`` + base58btc(multicodec varint 0xed 0x01 || 32-byte
public key). Nothing else is accepted when decoding: another multicodec, a
wrong length or another multibase prefix is an error.
"""

from __future__ import annotations

import functools

from wallet.encoding import b58decode, b58encode

ED25519_MULTICODEC = b"\xed\x01"
PREFIX = "did:key:z"
# 2 multicodec bytes + 32 key bytes encode to 48 base58 characters.
_MAX_DID_LEN = 64


def did_key_from_public(public_key: bytes) -> str:
    if len(public_key) != 32:
        raise ValueError("an Ed25519 public key is 32 bytes")
    return PREFIX + b58encode(ED25519_MULTICODEC + public_key)


@functools.lru_cache(maxsize=4096)  # pure; a batch verifier meets the same callers again
def public_from_did_key(did: str) -> bytes:
    """The 32-byte Ed25519 public key inside ``did``; ValueError if it is not one."""
    if not isinstance(did, str) or len(did) > _MAX_DID_LEN or not did.startswith(PREFIX):
        raise ValueError("not an Ed25519 did:key (expected 'did:key:z6Mk...')")
    raw = b58decode(did[len(PREFIX):])
    if raw[:2] != ED25519_MULTICODEC:
        raise ValueError("did:key multicodec is not ed25519-pub (0xed01)")
    if len(raw) != 34:
        raise ValueError("did:key Ed25519 public key must be 32 bytes")
    return raw[2:]

"""The identity root: the user's GUID and master secret.

    >>> from wallet.identity.root import IdentityRoot
    >>> root = IdentityRoot.generate()
    >>> IdentityRoot.from_bytes(root.to_bytes()) == root
    True
    >>> "master" in repr(root) and root.master.hex() not in repr(root)
    True

The GUID is a random RFC 9562 version-4 UUID: a surrogate key that links the
user's personas, independent of any IdP or calling service. It is never an
input to key derivation, so no identifier can reveal it. The master secret is
32 bytes from the OS CSPRNG; every key the wallet uses is derived from it.
"""

from __future__ import annotations

import os
TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs start-up; mypy honours the name

from wallet.errors import CorruptData

if TYPE_CHECKING:
    import uuid

MASTER_LEN = 32
ROOT_LEN = 16 + MASTER_LEN


def _is_uuid4(raw: bytes) -> bool:
    return len(raw) == 16 and raw[6] >> 4 == 4 and raw[8] & 0xC0 == 0x80


class IdentityRoot:
    """A plain class, not a dataclass: ``dataclasses`` costs ~8 ms of start-up."""

    __slots__ = ("_guid", "master")

    def __init__(self, guid: uuid.UUID | bytes, master: bytes) -> None:
        raw = guid if isinstance(guid, bytes) else guid.bytes
        if not _is_uuid4(raw):
            raise CorruptData("the stored GUID is not a version-4 UUID")
        if len(master) != MASTER_LEN:
            raise CorruptData("the master secret has the wrong length")
        from wallet.storage.hardening import protect_process

        protect_process()  # the master secret must never reach a core dump
        self._guid = raw
        self.master = master

    @property
    def guid(self) -> uuid.UUID:
        import uuid

        return uuid.UUID(bytes=self._guid)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, IdentityRoot):
            return NotImplemented
        return self._guid == other._guid and self.master == other.master

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:  # never print the secret, even in a traceback
        return "IdentityRoot(guid=<redacted>, master=<redacted>)"

    @classmethod
    def generate(cls) -> IdentityRoot:
        from wallet.storage.hardening import protect_process

        protect_process()  # before the new secret exists
        raw = bytearray(os.urandom(16))
        raw[6] = (raw[6] & 0x0F) | 0x40  # version 4 (RFC 9562 section 5.4)
        raw[8] = (raw[8] & 0x3F) | 0x80  # variant 10
        return cls(bytes(raw), os.urandom(MASTER_LEN))

    def to_bytes(self) -> bytes:
        return self._guid + self.master

    def wipe(self) -> None:
        """Zero the GUID and master secret in memory (this root is unusable afterwards)."""
        from wallet.storage.hardening import wipe

        wipe(self.master)
        wipe(self._guid)

    @classmethod
    def from_bytes(cls, raw: bytes) -> IdentityRoot:
        if len(raw) != ROOT_LEN:
            raise CorruptData("the stored identity root has the wrong length")
        return cls(raw[:16], raw[16:])

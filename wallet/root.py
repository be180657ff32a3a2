"""The identity root: the user's GUID and master secret.

    >>> from wallet.root import IdentityRoot
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
import uuid
from dataclasses import dataclass, field

from wallet.errors import CorruptData

MASTER_LEN = 32
ROOT_LEN = 16 + MASTER_LEN


@dataclass(frozen=True)
class IdentityRoot:
    guid: uuid.UUID
    master: bytes = field(repr=False)

    def __post_init__(self) -> None:
        if len(self.master) != MASTER_LEN:
            raise CorruptData("the master secret has the wrong length")

    def __repr__(self) -> str:  # never print the secret, even in a traceback
        return "IdentityRoot(guid=<redacted>, master=<redacted>)"

    @classmethod
    def generate(cls) -> IdentityRoot:
        return cls(guid=uuid.UUID(bytes=os.urandom(16), version=4), master=os.urandom(MASTER_LEN))

    def to_bytes(self) -> bytes:
        return self.guid.bytes + self.master

    @classmethod
    def from_bytes(cls, raw: bytes) -> IdentityRoot:
        if len(raw) != ROOT_LEN:
            raise CorruptData("the stored identity root has the wrong length")
        guid = uuid.UUID(bytes=raw[:16])
        if guid.version != 4:
            raise CorruptData("the stored GUID is not a version-4 UUID")
        return cls(guid=guid, master=raw[16:])

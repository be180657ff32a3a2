"""Where pseudonyms are derived: deterministic, domain-separated Ed25519 keys.

    >>> from wallet.identity.derivation import Deriver
    >>> from wallet.vocabulary import KeyScope
    >>> d = Deriver(bytes(32))
    >>> a = d.derive(b"persona-id-16byte", KeyScope.PAIRWISE, "https://a.example")
    >>> a.did == d.derive(b"persona-id-16byte", KeyScope.PAIRWISE, "https://a.example").did
    True

Construction (docs/design.md has the full specification)::

    prk  = HKDF-Extract(salt = "wallet/v1/derive", ikm = master secret)
    seed = HKDF-Expand(prk, info = LP("wallet/v1/<scope>") || LP(persona id) || LP(context), 32)
    key  = Ed25519 key pair from seed (RFC 8032)

LP(x) is x prefixed by its 4-byte big-endian length. The context is empty for
the persona-wide scope, the normalised destination for the pairwise scope,
and 32 fresh random bytes for the one-time scope (not stored, so a one-time
key is never reused; the one exception is a key endorsed in advance for one
call, whose context the wallet keeps with its once-only endorsement until
that call, wallet.endorse). The GUID is not an input: no identifier can reveal it.
"""

from __future__ import annotations

import hmac
import os

from nacl.bindings import crypto_sign_seed_keypair

from wallet.identity.didkey import did_key_from_public
from wallet.hkdf import hkdf_extract, lp
from wallet.vocabulary import KeyScope

_EXTRACT_SALT = b"wallet/v1/derive"


def _label(scope: KeyScope) -> bytes:
    return b"wallet/v1/" + scope.value.encode("ascii")


class Pseudonym:
    """A derived key pair; ``secret_key`` is libsodium's 64-byte form (seed || public)."""

    __slots__ = ("scope", "public_key", "secret_key", "context")

    def __init__(self, scope: KeyScope, public_key: bytes, secret_key: bytes, context: bytes | None = None) -> None:
        self.scope = scope
        self.public_key = public_key
        self.secret_key = secret_key
        self.context = context  # a one-time key's random context (to derive it again), else None

    def __repr__(self) -> str:
        return f"Pseudonym(scope={self.scope.value!r}, did={self.did!r}, secret_key=<redacted>)"

    @property
    def did(self) -> str:
        return did_key_from_public(self.public_key)


_LABELS = {scope: lp(_label(scope)) for scope in KeyScope}


class Deriver:
    """Derives keys from one master secret; keeps only the HKDF PRK in memory."""

    __slots__ = ("_prk",)

    def __init__(self, master: bytes) -> None:
        self._prk = hkdf_extract(_EXTRACT_SALT, master)

    def wipe(self) -> None:
        """Zero the PRK in memory (this deriver is unusable afterwards)."""
        from wallet.storage.hardening import wipe

        wipe(self._prk)

    def __repr__(self) -> str:
        return "Deriver(<redacted>)"

    def seed(self, persona_id: bytes, scope: KeyScope, context: bytes) -> bytes:
        """HKDF-Expand(prk, LP(label) || LP(persona_id) || LP(context), 32).

        Written out as the single HKDF block T(1) = HMAC(prk, info || 0x01),
        with the label's prefix precomputed: this is the hot loop of a
        calling service minting pairwise identifiers (bench/derive.py).
        tests/test_derivation.py checks it against wallet.hkdf.
        """
        message = b"".join(
            (
                _LABELS[scope],
                len(persona_id).to_bytes(4, "big"),
                persona_id,
                len(context).to_bytes(4, "big"),
                context,
                b"\x01",
            )
        )
        return hmac.digest(self._prk, message, "sha256")

    def derive(
        self, persona_id: bytes, scope: KeyScope, destination: str | None = None, *, context: bytes | None = None
    ) -> Pseudonym:
        """The key ``destination`` sees for this persona under ``scope``.

        ``destination`` must already be normalised (wallet.destination); it is
        required for the pairwise scope and ignored otherwise. A one-time key
        takes a fresh random context, unless ``context`` gives the one an
        earlier key was made with (a key endorsed in advance, used later).
        """
        if scope == KeyScope.PAIRWISE:
            if not destination:
                raise ValueError("a pairwise pseudonym needs a destination")
            context = destination.encode("utf-8")
        elif scope == KeyScope.ONE_TIME:
            context = os.urandom(32) if context is None else context
        else:
            context = b""
        public, secret = crypto_sign_seed_keypair(self.seed(persona_id, scope, context))
        return Pseudonym(scope, public, secret, context if scope == KeyScope.ONE_TIME else None)

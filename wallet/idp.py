"""An identity provider's home: create one, open one (the IdP role of the package; docs/endorsements.md).

    >>> import tempfile
    >>> from wallet.idp import create_idp, open_idp
    >>> from wallet.storage.paths import WalletHome
    >>> home = WalletHome.resolve(tempfile.mkdtemp() + "/idp")
    >>> choice = create_idp(home, issuer="https://idp.example", store="file", passphrase=lambda confirm: b"idp passphrase")
    >>> idp = open_idp(home, passphrase=lambda confirm: b"idp passphrase")
    >>> idp.issuer, idp.metadata()["jwks"]["keys"][0]["crv"]
    ('https://idp.example', 'Ed25519')

An IdP home is built like a wallet's (a secret store holding a random root,
an encrypted record store, the same staged replacement), in its own directory
(``WALLET_IDP_HOME``, default the platform data directory's ``wallet-idp``).
The issuer's Ed25519 key is derived from the root: HKDF-SHA256 with salt
``wallet/v1/idp`` and info ``LP("wallet/v1/idp-issuer")``, the 32 bytes being
the key's seed. An IdP service in Python opens the home with :func:`open_idp`
and calls :class:`wallet.endorsements.issuer.IdentityProvider`.
"""

from __future__ import annotations

import os
import sys

from wallet.endorsements.issuer import IdentityProvider
from wallet.facade import unlock_home
from wallet.identity.root import IdentityRoot
from wallet.storage.paths import WalletHome

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs start-up; mypy honours the name
if TYPE_CHECKING:
    from collections.abc import Callable

    from wallet.storage.encryption import Progress
    from wallet.storage.provisioning import StoreChoice
    from wallet.storage.secretstores import PassphraseSource

ENV = "WALLET_IDP_HOME"


def default_idp_home() -> WalletHome:
    """WALLET_IDP_HOME if set, else ``wallet-idp`` beside the wallet's default home."""
    env = os.environ.get(ENV)
    if env:
        return WalletHome.resolve(os.path.expanduser(env))
    if sys.platform.startswith("linux") or "bsd" in sys.platform:
        xdg = os.environ.get("XDG_DATA_HOME", "").strip()
        base = xdg if xdg and os.path.isabs(xdg) else os.path.join(os.path.expanduser("~"), ".local", "share")
        return WalletHome.resolve(os.path.join(base, "wallet-idp"))
    import platformdirs

    return WalletHome.resolve(platformdirs.user_data_dir("wallet-idp", appauthor=False))


def issuer_secret(root: IdentityRoot) -> bytes:
    """The issuer's libsodium Ed25519 secret key, derived from the IdP's root (module docstring)."""
    from nacl.bindings import crypto_sign_seed_keypair

    from wallet.hkdf import hkdf_expand, hkdf_extract, lp

    seed = hkdf_expand(hkdf_extract(b"wallet/v1/idp", root.master), lp(b"wallet/v1/idp-issuer"), 32)
    return crypto_sign_seed_keypair(seed)[1]


def create_idp(
    home: WalletHome, *, issuer: str, store: str = "auto", passphrase: PassphraseSource, force: bool = False,
    ttl: int | None = None, progress: Progress | None = None, announce: Callable[[StoreChoice], None] | None = None,
) -> StoreChoice:
    """``wallet idp init``: a new IdP home whose issuer is ``issuer`` (an https URL)."""
    from wallet.endorsements.issuer import DEFAULT_TTL
    from wallet.storage.provisioning import provision

    records = IdentityProvider.initial_records(issuer, ttl=ttl or DEFAULT_TTL)
    return provision(home, IdentityRoot.generate(), store=store, passphrase=passphrase, force=force, records=records,
                     progress=progress, announce=announce)


def open_idp(home: WalletHome, *, passphrase: PassphraseSource, progress: Progress | None = None) -> IdentityProvider:
    _, root, records = unlock_home(home, passphrase, progress)
    return IdentityProvider(records, issuer_secret(root))

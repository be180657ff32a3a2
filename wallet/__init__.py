"""wallet: a command-line identity wallet for private, verifiable WebRTC identity.

    >>> import wallet
    >>> wallet.__version__
    '0.1.0'
    >>> result = wallet.verify(open("offer.sdp", "rb").read(), audience="https://shop.example")  # doctest: +SKIP
    >>> result.valid, result.to_json()["identity"]                                              # doctest: +SKIP
    >>> for r in wallet.verify_batch(open("requests.jsonl", "rb"), audience="shop.example"):    # doctest: +SKIP
    ...     print(r.text)

An identity provider service uses the same package::

    >>> idp = wallet.open_idp(home, passphrase=lambda confirm: secret)                        # doctest: +SKIP
    >>> idp.enroll("ann", account_key="did:key:z6Mk...", claims={"verified_person": True})    # doctest: +SKIP
    >>> response_json = idp.issue(request_jws)                                               # doctest: +SKIP
    >>> trust = wallet.TrustStore.load("trust.json")                                         # doctest: +SKIP
    >>> wallet.verify(sdp, audience="https://callcentre.example", trust=trust).endorsements  # doctest: +SKIP

The package is a typed library with a thin CLI in ``wallet.cli`` (the package
map is in docs/design.md): ``wallet.facade`` opens a wallet, ``wallet.idp`` an
identity provider; ``wallet.identity``, ``wallet.assertions``,
``wallet.endorsements`` and ``wallet.privacy`` hold the domain; ``wallet.storage``
keeps it on disk. Importing ``wallet`` imports nothing else, so the ``wallet``
command starts fast; the names below load on first use.
"""

from wallet._version import __version__

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs start-up; mypy honours the name
if TYPE_CHECKING:
    from wallet.assertions.batch import BatchResult, verify_batch
    from wallet.assertions.verify import VerifyResult, verify
    from wallet.endorsements.issuer import IdentityProvider
    from wallet.endorsements.trust import TrustStore
    from wallet.facade import Wallet, create_wallet, open_wallet
    from wallet.idp import create_idp, open_idp

__all__ = ["BatchResult", "IdentityProvider", "TrustStore", "VerifyResult", "Wallet", "__version__", "create_idp",
           "create_wallet", "open_idp", "open_wallet", "verify", "verify_batch"]
_LAZY = {
    "verify": "wallet.assertions.verify", "VerifyResult": "wallet.assertions.verify",
    "verify_batch": "wallet.assertions.batch", "BatchResult": "wallet.assertions.batch",
    "Wallet": "wallet.facade", "open_wallet": "wallet.facade", "create_wallet": "wallet.facade",
    "open_idp": "wallet.idp", "create_idp": "wallet.idp", "IdentityProvider": "wallet.endorsements.issuer",
    "TrustStore": "wallet.endorsements.trust",
}


def __getattr__(name: str) -> object:
    # Imported on first use, so that `import wallet` (and the CLI's start) stays light.
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'wallet' has no attribute {name!r}")

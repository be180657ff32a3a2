"""wallet: a command-line identity wallet for private, verifiable WebRTC identity.

    >>> import wallet
    >>> wallet.__version__
    '0.1.0'
    >>> result = wallet.verify(open("offer.sdp", "rb").read(), audience="https://shop.example")  # doctest: +SKIP
    >>> result.valid, result.to_json()["identity"]                                              # doctest: +SKIP
    >>> for r in wallet.verify_batch(open("requests.jsonl", "rb"), audience="shop.example"):    # doctest: +SKIP
    ...     print(r.text)

The package is a typed library with a thin CLI in ``wallet.cli`` (the package
map is in docs/design.md): ``wallet.facade`` opens a wallet; ``wallet.identity``,
``wallet.assertions`` and ``wallet.privacy`` hold the domain; ``wallet.storage``
keeps it on disk. Importing ``wallet`` imports nothing else, so the ``wallet``
command starts fast; the names below load on first use.
"""

from wallet._version import __version__

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs start-up; mypy honours the name
if TYPE_CHECKING:
    from wallet.assertions.batch import BatchResult, verify_batch
    from wallet.assertions.verify import VerifyResult, verify
    from wallet.facade import Wallet, create_wallet, open_wallet

__all__ = ["BatchResult", "VerifyResult", "Wallet", "__version__", "create_wallet", "open_wallet", "verify",
           "verify_batch"]
_LAZY = {
    "verify": "wallet.assertions.verify", "VerifyResult": "wallet.assertions.verify",
    "verify_batch": "wallet.assertions.batch", "BatchResult": "wallet.assertions.batch",
    "Wallet": "wallet.facade", "open_wallet": "wallet.facade", "create_wallet": "wallet.facade",
}


def __getattr__(name: str) -> object:
    # Imported on first use, so that `import wallet` (and the CLI's start) stays light.
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'wallet' has no attribute {name!r}")

"""wallet: a command-line identity wallet for private, verifiable WebRTC identity.

    >>> import wallet
    >>> wallet.__version__
    '0.1.0'
    >>> result = wallet.verify(open("offer.sdp", "rb").read(), audience="https://shop.example")  # doctest: +SKIP
    >>> result.valid, result.to_json()["identity"]                                              # doctest: +SKIP

The package is a typed library (``wallet.facade``, ``wallet.identity.derivation``, ...)
with a thin CLI in ``wallet.cli``. Importing it imports nothing else, so the
``wallet`` command starts fast.
"""

from wallet._version import __version__

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs start-up; mypy honours the name
if TYPE_CHECKING:
    from wallet.assertions.verify import VerifyResult, verify

__all__ = ["VerifyResult", "__version__", "verify"]


def __getattr__(name: str) -> object:
    # Imported on first use, so that `import wallet` (and the CLI's start) stays light.
    if name in ("verify", "VerifyResult"):
        from wallet.assertions import verify as verifier

        return getattr(verifier, name)
    raise AttributeError(f"module 'wallet' has no attribute {name!r}")

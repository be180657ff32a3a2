"""wallet: a command-line identity wallet for private, verifiable WebRTC identity.

    >>> import wallet
    >>> wallet.__version__
    '0.1.0'

The package is a typed library (``wallet.vault``, ``wallet.derivation``, ...)
with a thin CLI in ``wallet.cli``. Importing it imports nothing else, so the
``wallet`` command starts fast.
"""

from wallet._version import __version__

__all__ = ["__version__"]

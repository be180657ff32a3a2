"""Keep secrets out of core dumps: a process that holds one becomes non-dumpable, with a zero core limit.

    >>> from wallet.storage.hardening import protect_process
    >>> protect_process()   # doctest: +SKIP

Called where a secret first enters the process (a passphrase is read, the
identity root is built, a secret store is opened); cheap after the first call,
and never called on the paths that hold no secret (``verify``, completion,
``--version``), so their start-up does not pay for it. On Linux
``prctl(PR_SET_DUMPABLE, 0)`` stops core dumps even where the core pattern
pipes them to a helper that ignores RLIMIT_CORE, and stops other processes of
the same user from attaching with ptrace; RLIMIT_CORE 0 covers the rest.
"""

from __future__ import annotations

import sys

_PR_SET_DUMPABLE = 4
_protected = False


def protect_process() -> None:
    """Make this process non-dumpable (idempotent; failures are ignored: it is defence in depth)."""
    global _protected
    if _protected:
        return
    _protected = True
    try:
        import resource

        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    except (ImportError, ValueError, OSError):
        pass
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_DUMPABLE, 0, 0, 0, 0)
        except (OSError, AttributeError):
            pass


def is_protected() -> bool:
    return _protected

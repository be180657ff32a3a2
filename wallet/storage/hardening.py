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


_CAP_IPC_LOCK = 14
_MCL_CURRENT, _MCL_FUTURE = 1, 2


def _has_ipc_lock() -> bool:
    try:
        with open("/proc/self/status") as fh:
            caps = next(line for line in fh if line.startswith("CapEff:"))
        return bool(int(caps.split()[1], 16) >> _CAP_IPC_LOCK & 1)
    except (OSError, StopIteration, ValueError, IndexError):
        return False


def lock_memory() -> str | None:
    """Keep this process's memory out of swap: mlockall(MCL_CURRENT | MCL_FUTURE). None when done, else why not.

    Only where it cannot backfire: with CAP_IPC_LOCK, or an RLIMIT_MEMLOCK of at least 1 GiB. Under a small
    limit MCL_FUTURE would make later allocations fail once the limit is reached, so the memory is left
    unlocked and the reason returned for the caller to report.
    """
    if not sys.platform.startswith("linux"):
        return f"memory locking is not supported on {sys.platform}"
    import os
    import resource

    soft, _ = resource.getrlimit(resource.RLIMIT_MEMLOCK)
    if not _has_ipc_lock() and soft != resource.RLIM_INFINITY and soft < 1 << 30:
        return (f"RLIMIT_MEMLOCK is {soft // 1024} KiB, too small to lock a Python process "
                "(raise it: ulimit -l unlimited, or LimitMEMLOCK=infinity in a systemd unit)")
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        if libc.mlockall(_MCL_CURRENT | _MCL_FUTURE) != 0:
            return f"mlockall failed: {os.strerror(ctypes.get_errno())}"
    except (OSError, AttributeError) as exc:
        return f"mlockall is unavailable ({type(exc).__name__})"
    return None


def wipe(data: bytes | bytearray) -> None:
    """Overwrite ``data`` with zeros in place: a bytearray portably; an immutable ``bytes`` object only on CPython,
    by writing into its buffer (the object must not be used afterwards). Copies made elsewhere (by libsodium,
    hashlib, the allocator, an earlier slice) are out of reach: this narrows the window, it does not close it."""
    if isinstance(data, bytearray):
        data[:] = bytes(len(data))
        return
    import platform

    if len(data) < 2 or platform.python_implementation() != "CPython":  # 0/1-byte objects are shared singletons
        return
    import ctypes

    ctypes.memset(id(data) + sys.getsizeof(b"") - 1, 0, len(data))  # ob_sval: the header, less its NUL

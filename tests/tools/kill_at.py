"""Run the wallet CLI and SIGKILL it at its Nth file-system or keyring step (a kill -9 at every point).

    python tests/tools/kill_at.py N wallet-args...

Steps are calls to the os functions that change files (open, replace, rename, link, unlink, mkdir, rmdir,
fsync) and to the keyring store's save and delete. With N = 0 nothing is killed and the number of steps
is written to stderr as "steps: K" at exit, so a test can try every N in 1..K.
"""

from __future__ import annotations

import atexit
import os
import signal
import sys

target = int(sys.argv[1])
count = [0]


def kill_point(fn):  # type: ignore[no-untyped-def]
    def wrapper(*args, **kwargs):  # type: ignore[no-untyped-def]
        count[0] += 1
        if count[0] == target:
            os.kill(os.getpid(), signal.SIGKILL)
        return fn(*args, **kwargs)

    return wrapper


for name in ("open", "replace", "rename", "link", "unlink", "mkdir", "rmdir", "fsync"):
    setattr(os, name, kill_point(getattr(os, name)))

from wallet.storage.secretstores import keyringstore  # noqa: E402

keyringstore.KeyringStore.save = kill_point(keyringstore.KeyringStore.save)  # type: ignore[method-assign]
keyringstore.KeyringStore.delete = kill_point(keyringstore.KeyringStore.delete)  # type: ignore[method-assign]

if target == 0:
    atexit.register(lambda: sys.stderr.write(f"steps: {count[0]}\n"))

from wallet._entry import main  # noqa: E402

sys.exit(main(sys.argv[2:]))

"""The verifier's replay store: each (issuer, jti) is accepted once until its assertion expires.

This module holds the file store (SQLite, the default) and :func:`open_store`, which picks the file store or
the shared one (``wallet.assertions.shared_replay``, a Redis or Valkey server) from a --replay-store value.
Both implement :class:`Replay`.

    >>> import os, tempfile
    >>> from wallet.assertions.replay import ReplayStore
    >>> store = ReplayStore.open(os.path.join(tempfile.mkdtemp(), "replay.db"))
    >>> store.first_use("did:key:z6Mk...", "jti-1", expires=2**40), store.first_use("did:key:z6Mk...", "jti-1", expires=2**40)
    (True, False)
    >>> store.commit()

Rows hold SHA-256(issuer || 0x00 || jti) truncated to 128 bits and the expiry
time, nothing else: the store reveals how many assertions were accepted and
when they expire, not who made them. SQLite's primary key makes the check
atomic across concurrent verifier processes.

A "first use" is only a promise until :meth:`ReplayStore.commit` returns: a
caller must commit before it tells anyone that an assertion was accepted (the
batch verifier commits each chunk before printing it), and must not keep the
write lock while it waits on anything else. The file gets the same checks as
every other wallet file: a private directory and file owned by the user, a
regular file (no symlink, no device), so that nobody else can empty it and
re-open replays.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import stat
import time

from wallet.storage.database import rollback, storage_error
TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs start-up; mypy honours the name
if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import Protocol

    from wallet.storage.files import StrPath

    class Replay(Protocol):
        """What a verifier needs of a replay store (the file store here, the shared one in shared_replay)."""

        def first_use(self, issuer: str, jti: str, *, expires: int) -> bool | None:
            """True the first time (issuer, jti) is seen, False for a replay; None: not checked (fail-open)."""

        def first_uses(self, entries: list[tuple[str, str, int]]) -> Sequence[bool | None]:
            """first_use for each (issuer, jti, expires), in order; a repeat inside ``entries`` is a replay."""

        def commit(self) -> None:
            """Make the first uses so far definite: only then may they be reported as accepted."""

        def rollback(self) -> None:
            """Forget uncommitted first uses, where the store can."""

        def close(self) -> None:
            """Commit, then release the store."""

from wallet.errors import FileError, InsecurePermissions, WalletError
from wallet.vocabulary import SKEW_SECONDS

BUSY_TIMEOUT_S = 15.0
_BUSY_CODES = (5, 6)  # SQLITE_BUSY, SQLITE_LOCKED
_CORRUPT_HINT = "move it aside (a replay store holds no identity, only what was already accepted), or pass --replay-store"


def check_time(at: float | None) -> None:
    """A replay store remembers an assertion until it expires by the wall clock: verifying "as of" an
    earlier time (``--at``) with one would let the same assertion through again once its entry is purged."""
    if at is not None and at < time.time() - SKEW_SECONDS:
        from wallet.errors import UsageError

        raise UsageError(
            "a verification time in the past cannot be used with a replay store",
            hint="re-checking a saved assertion: add --no-replay-check",
        )


#: The URL schemes of a shared store (wallet.assertions.shared_replay); any other value is a file path.
SCHEMES = ("redis", "rediss", "unix", "redis+unix")


def is_url(spec: str) -> bool:
    """Whether a --replay-store value names a server (SCHEME://..., or redis:... missing its //) or a file."""
    scheme, sep, _ = spec.partition("://")
    if sep and scheme[:1].isalpha() and all(c.isascii() and (c.isalnum() or c in "+-.") for c in scheme):
        return True
    return ":" in spec and spec.split(":", 1)[0].lower() in SCHEMES  # ./redis:x is still a file


def open_store(spec: str, *, fail_open: bool = False) -> Replay:
    """The store a --replay-store value names: a server URL (redis://, rediss://, unix://, redis+unix://) or a
    file path. ``fail_open`` applies to a server only: a file store always fails closed."""
    if is_url(spec):
        from wallet.assertions.shared_replay import RedisReplayStore

        return RedisReplayStore.open(spec, fail_open=fail_open)
    return ReplayStore.open(spec)


def replay_key(issuer: str, jti: str) -> bytes:
    """What a store keeps of an (issuer, jti): SHA-256(issuer || 0x00 || jti), 128 bits of it."""
    return hashlib.sha256(issuer.encode() + b"\0" + jti.encode()).digest()[:16]


def _check_path(path: str) -> None:
    """Refuse a store others could write or swap: the same rules as the wallet's own files."""
    from wallet.storage.files import check_private, lstat_or_none

    parent = os.path.dirname(os.path.abspath(path))
    existing = lstat_or_none(path)
    if existing is not None and not stat.S_ISREG(existing.st_mode):  # said first: it is what the user must fix
        raise FileError(
            f"the replay store {path} is not a regular file (a link, device or directory)",
            hint="give the path of a file the verifier may create and own",
        )
    try:
        os.makedirs(parent, mode=0o700, exist_ok=True)
    except OSError as exc:
        raise FileError(f"cannot create {parent}: {exc.strerror}") from None
    check_private(parent, what="replay store directory", directory=True)
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        try:
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600))
        except FileExistsError:
            pass  # another verifier created it first: checked below
        except OSError as exc:
            raise FileError(f"cannot create the replay store {path}: {exc.strerror}") from None
        st = os.lstat(path)
    except OSError as exc:
        raise FileError(f"cannot read the replay store {path}: {exc.strerror}") from None
    if not stat.S_ISREG(st.st_mode):
        raise FileError(
            f"the replay store {path} is not a regular file (a link, device or directory)",
            hint="give the path of a file the verifier may create and own",
        )
    if hasattr(os, "getuid") and st.st_uid != os.getuid():
        raise InsecurePermissions(f"the replay store {path} is owned by another user", hint="it must be owned by you")
    if st.st_mode & 0o077:
        raise InsecurePermissions(
            f"the replay store {path} is accessible by other users (mode {stat.S_IMODE(st.st_mode):o})",
            hint=f"whoever can write it can re-open replays; run 'chmod 600 {path}'",
        )
    if st.st_nlink != 1:
        raise InsecurePermissions(f"the replay store {path} has other hard links", hint="give it a file of its own")
    # SQLite's side files hold committed acceptances too (the write-ahead log and its index): one planted
    # by someone else, or still open in their process, could erase them.
    for suffix in ("-wal", "-shm", "-journal"):
        side = path + suffix
        side_st = lstat_or_none(side)
        if side_st is not None and (
            not stat.S_ISREG(side_st.st_mode)
            or (hasattr(os, "getuid") and side_st.st_uid != os.getuid())
            or side_st.st_mode & 0o077
            or side_st.st_nlink != 1
        ):
            raise InsecurePermissions(
                f"the replay store's side file {side} is not a private file of yours",
                hint="stop every verifier using the store, then delete that file (it is rebuilt)",
            )


class ReplayStore:
    def __init__(self, conn: sqlite3.Connection, path: str) -> None:
        self._conn = conn
        self._path = path
        self._what = f"the replay store {path}"
        self._pending = 0

    def _error(self, exc: sqlite3.Error) -> WalletError:
        return storage_error(exc, self._what, corrupt_hint=_CORRUPT_HINT, path=self._path)

    @classmethod
    def open(cls, path: StrPath) -> ReplayStore:
        path = os.fspath(path)
        _check_path(path)
        what = f"the replay store {path}"
        deadline = time.monotonic() + BUSY_TIMEOUT_S
        while True:
            conn: sqlite3.Connection | None = None
            try:
                conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_S, isolation_level=None)
                conn.execute("PRAGMA journal_mode=WAL")
                conn.execute("PRAGMA synchronous=NORMAL")
                conn.execute("CREATE TABLE IF NOT EXISTS seen (key BLOB PRIMARY KEY, expires INTEGER NOT NULL) WITHOUT ROWID")
                conn.execute("CREATE INDEX IF NOT EXISTS seen_expires ON seen (expires)")
                conn.execute("DELETE FROM seen WHERE expires < ?", (int(time.time()) - SKEW_SECONDS,))
                return cls(conn, path)
            except sqlite3.Error as exc:
                if conn is not None:
                    conn.close()
                # Some lock upgrades (changing the journal mode while another verifier opens the
                # file) report busy at once instead of waiting: retry until the same deadline.
                busy = (getattr(exc, "sqlite_errorcode", 0) or 0) & 0xFF in _BUSY_CODES
                if not busy or time.monotonic() > deadline:
                    raise storage_error(exc, what, corrupt_hint=_CORRUPT_HINT, path=path) from None
                time.sleep(0.05)

    def _begin(self) -> None:
        if self._pending == 0:
            try:
                self._conn.execute("BEGIN IMMEDIATE")
            except sqlite3.Error as exc:
                raise self._error(exc) from None

    def first_use(self, issuer: str, jti: str, *, expires: int) -> bool:
        """Record (issuer, jti); False if it was already recorded (a replay). Call :meth:`commit` after."""
        self._begin()
        self._pending += 1
        try:
            self._conn.execute("INSERT INTO seen VALUES (?, ?)", (replay_key(issuer, jti), expires + SKEW_SECONDS))
        except sqlite3.IntegrityError:
            return False
        except sqlite3.Error as exc:
            self._abort()
            raise self._error(exc) from None
        return True

    def first_uses(self, entries: list[tuple[str, str, int]]) -> list[bool]:
        """:meth:`first_use` for many (issuer, jti, expires) at once: one query and one insert per call."""
        keys = [replay_key(i, j) for i, j, _ in entries]
        if not keys:
            return []
        self._begin()
        self._pending += len(keys)
        seen: set[bytes] = set()
        try:
            for start in range(0, len(keys), 500):  # SQLite's bound-parameter limit
                part = keys[start : start + 500]
                marks = ",".join("?" * len(part))
                seen.update(row[0] for row in self._conn.execute(f"SELECT key FROM seen WHERE key IN ({marks})", part))
            fresh: list[bool] = []
            rows = []
            for key, (_, _, expires) in zip(keys, entries):
                new = key not in seen
                fresh.append(new)
                if new:
                    seen.add(key)  # a second copy later in the same batch is a replay too
                    rows.append((key, expires + SKEW_SECONDS))
            self._conn.executemany("INSERT OR IGNORE INTO seen VALUES (?, ?)", rows)
        except sqlite3.Error as exc:
            self._abort()
            raise self._error(exc) from None
        return fresh

    def _abort(self) -> None:
        rollback(self._conn)
        self._pending = 0

    def commit(self) -> None:
        """Make every first use since the last commit durable; only then may they be reported as accepted."""
        if self._pending:
            try:
                self._conn.execute("COMMIT")
            except sqlite3.Error as exc:
                self._abort()
                raise self._error(exc) from None
            self._pending = 0

    def rollback(self) -> None:
        """Forget uncommitted first uses (nothing was reported for them)."""
        self._abort()

    def close(self) -> None:
        """Commit, then close (a failed commit still closes, and raises)."""
        try:
            self.commit()
        finally:
            self._conn.close()

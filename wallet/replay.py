"""The verifier's replay store: each (issuer, jti) is accepted once until its assertion expires.

    >>> import tempfile, pathlib
    >>> from wallet.replay import ReplayStore
    >>> store = ReplayStore.open(pathlib.Path(tempfile.mkdtemp()) / "replay.db")
    >>> store.first_use("did:key:z6Mk...", "jti-1", expires=2**40), store.first_use("did:key:z6Mk...", "jti-1", expires=2**40)
    (True, False)

Rows hold SHA-256(issuer || 0x00 || jti) truncated to 128 bits and the expiry
time, nothing else: the store reveals how many assertions were accepted and
when they expire, not who made them. SQLite's primary key makes the check
atomic across concurrent verifier processes.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import time
from pathlib import Path

from wallet.errors import CorruptData, FileError

SKEW_SECONDS = 60


class ReplayStore:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn
        self._pending = 0

    @classmethod
    def open(cls, path: Path) -> ReplayStore:
        try:
            path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            if not path.exists():
                os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
            conn = sqlite3.connect(path, timeout=15, isolation_level=None)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("CREATE TABLE IF NOT EXISTS seen (key BLOB PRIMARY KEY, expires INTEGER NOT NULL) WITHOUT ROWID")
            conn.execute("CREATE INDEX IF NOT EXISTS seen_expires ON seen (expires)")
            conn.execute("DELETE FROM seen WHERE expires < ?", (int(time.time()) - SKEW_SECONDS,))
        except sqlite3.DatabaseError:
            raise CorruptData(f"the replay store {path} is corrupted", hint="delete it, or pass --replay-store") from None
        except OSError as exc:
            raise FileError(f"cannot open the replay store {path}: {exc.strerror}") from None
        return cls(conn)

    def first_use(self, issuer: str, jti: str, *, expires: int) -> bool:
        """Record (issuer, jti); False if it was already recorded (a replay)."""
        key = hashlib.sha256(issuer.encode() + b"\0" + jti.encode()).digest()[:16]
        if self._pending == 0:
            self._conn.execute("BEGIN IMMEDIATE")
        try:
            self._conn.execute("INSERT INTO seen VALUES (?, ?)", (key, expires + SKEW_SECONDS))
        except sqlite3.IntegrityError:
            return False
        finally:
            self._pending += 1
        return True

    def first_uses(self, entries: list[tuple[str, str, int]]) -> list[bool]:
        """:meth:`first_use` for many (issuer, jti, expires) at once: one query and one insert per call."""
        keys = [hashlib.sha256(i.encode() + b"\0" + j.encode()).digest()[:16] for i, j, _ in entries]
        if not keys:
            return []
        if self._pending == 0:
            self._conn.execute("BEGIN IMMEDIATE")
        self._pending += len(keys)
        seen: set[bytes] = set()
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
        return fresh

    def commit(self) -> None:
        if self._pending:
            self._conn.execute("COMMIT")
            self._pending = 0

    def close(self) -> None:
        self.commit()
        self._conn.close()

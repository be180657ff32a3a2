"""SQLite failures as the wallet's own errors: a full, read-only or busy disk is never "corrupted".

    >>> import sqlite3
    >>> from wallet.storage.database import storage_error
    >>> try:
    ...     sqlite3.connect(":memory:").execute("SELECT * FROM missing")
    ... except sqlite3.Error as exc:
    ...     print(storage_error(exc, "the state file").code)
    corrupt

SQLite reports why a statement failed in its primary result code; only
SQLITE_CORRUPT, SQLITE_NOTADB and a schema that is not ours (SQLITE_ERROR on
our own fixed statements) mean the file is damaged. Everything else is the
environment: busy (another process holds the lock past the busy timeout),
full, read-only, unreadable; those are exit 9 (io) with a message that says
which, and the data is intact.
"""

from __future__ import annotations

import os
import sqlite3

from wallet.errors import CorruptData, FileError, WalletError

# Primary result codes (https://sqlite.org/rescode.html).
_ERROR = 1
_PERM, _BUSY, _LOCKED, _NOMEM, _READONLY, _IOERR, _CORRUPT, _FULL, _CANTOPEN, _NOTADB = 3, 5, 6, 7, 8, 10, 11, 13, 14, 26


_READONLY_DBMOVED = 1032  # SQLITE_READONLY | (4 << 8): the file was renamed or replaced under us


def _disk_full(path: str | None) -> bool:
    if path is None:
        return False
    try:
        st = os.statvfs(os.path.dirname(os.path.abspath(path)))
    except OSError:
        return False
    return st.f_bavail == 0


def storage_error(
    exc: sqlite3.Error, what: str, *, corrupt_hint: str | None = None, path: str | None = None
) -> WalletError:
    """The WalletError for a failed SQLite call on ``what`` ("the state file ...") at ``path``."""
    extended = getattr(exc, "sqlite_errorcode", None) or 0
    code = extended & 0xFF
    if extended == _READONLY_DBMOVED:
        return FileError(f"{what} was replaced while this command ran", hint="run the command again")
    if code in (_BUSY, _LOCKED):
        return FileError(
            f"{what} is busy: another wallet process kept it locked for too long",
            hint="try again in a moment; nothing was changed",
        )
    if code == _FULL or (code == _IOERR and _disk_full(path)):  # e.g. the WAL index cannot grow
        return FileError(f"cannot write {what}: the disk is full", hint="free some space and try again; nothing was changed")
    if code in (_READONLY, _PERM):
        return FileError(
            f"cannot write {what}: it is read-only (a read-only file system or file)",
            hint="make it writable and try again; nothing was changed",
        )
    if code == _CANTOPEN:
        return FileError(f"cannot open {what} or its journal (missing directory, no space or no permission)")
    if code == _NOMEM:
        return FileError(f"not enough memory to use {what}")
    if code == _IOERR:
        return FileError(f"input/output error on {what}", hint="check the disk; nothing was changed")
    if code in (_CORRUPT, _NOTADB, _ERROR):  # SQLITE_ERROR on our own fixed statements: not our schema
        return CorruptData(f"{what} is corrupted or is not a wallet database", hint=corrupt_hint)
    return FileError(f"{what} could not be used ({getattr(exc, 'sqlite_errorname', None) or type(exc).__name__})")


def rollback(conn: sqlite3.Connection) -> None:
    """Roll back if a transaction is still open (SQLite ends one itself after some errors, e.g. a full disk)."""
    if conn.in_transaction:
        try:
            conn.execute("ROLLBACK")
        except sqlite3.Error:
            pass  # the statement that failed is what the caller reports

"""Encrypted state at rest: one SQLite file of sealed records under keyed-hash lookups.

    >>> import os, tempfile
    >>> from wallet.storage.records import RecordStore
    >>> path = os.path.join(tempfile.mkdtemp(), "state.db")
    >>> st = RecordStore.create(path, master=bytes(32))
    >>> st.put("persona", "alice", {"kind": "real"})
    >>> st.get("persona", "alice")
    {'kind': 'real'}

Each record is addressed by ``kind`` and ``name`` but neither is stored in the
clear::

    index_key = HKDF(master, "wallet/v1/state-index");  record_key = HKDF(master, "wallet/v1/state-record")
    kind_tag  = HMAC-SHA256(index_key, LP("kind", kind))[:16]
    lookup    = HMAC-SHA256(index_key, LP("record", kind, name))
    sealed    = nonce || XChaCha20-Poly1305(record_key, JSON value, aad = LP("wallet/v1/record", kind_tag, lookup))

So the file shows how many records of each (unnamed) kind exist and their
sizes, nothing else: no GUID, names, destinations or attribute values. The
associated data stops a record being moved to another name. SQLite gives
atomic, crash-safe commits and serialises concurrent writers (busy timeout).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs start-up; mypy honours the name

if TYPE_CHECKING:
    from wallet.storage.files import StrPath
    from typing import Any

from wallet.storage.database import rollback, storage_error
from wallet.errors import CorruptData, FileError, UsageError
from wallet.hkdf import hkdf_expand, hkdf_extract, lp
from wallet.storage.encryption import seal, unseal

SCHEMA_VERSION = 1
_BUSY_TIMEOUT_S = 15.0
_WHAT = "the state file"
_RESTORE = "restore the wallet with 'wallet import' from a backup"
_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS records (
    lookup BLOB PRIMARY KEY, kind BLOB NOT NULL, sealed BLOB NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS records_kind ON records (kind);
"""


def _keys(master: bytes) -> tuple[bytes, bytes, bytes]:
    prk = hkdf_extract(b"wallet/v1/state", master)
    index_key = hkdf_expand(prk, lp(b"wallet/v1/state-index"), 32)
    record_key = hkdf_expand(prk, lp(b"wallet/v1/state-record"), 32)
    check = hmac.digest(index_key, lp(b"wallet/v1/state-check"), hashlib.sha256)
    return index_key, record_key, check


class RecordStore:
    """An open state file. Use :meth:`create` for a new wallet, :meth:`open` otherwise."""

    def __init__(self, conn: sqlite3.Connection, master: bytes, path: str | None = None) -> None:
        self._conn = conn
        self._path = path
        self._index_key, self._record_key, self._check = _keys(master)

    def __repr__(self) -> str:
        return "RecordStore(<encrypted>)"

    # -- opening -------------------------------------------------------------
    @staticmethod
    def _connect(path: str) -> sqlite3.Connection:
        # mode=rw: never let SQLite create a fresh, empty state behind our back.
        absolute = os.path.realpath(path)
        uri = "file:" + absolute.replace("%", "%25").replace("?", "%3F").replace("#", "%23") + "?mode=rw"
        try:
            conn = sqlite3.connect(uri, uri=True, timeout=_BUSY_TIMEOUT_S, isolation_level=None)
            conn.execute("PRAGMA synchronous=FULL")
        except sqlite3.Error as exc:
            raise storage_error(exc, f"{_WHAT} {path}", corrupt_hint=_RESTORE, path=path) from None
        return conn

    @classmethod
    def create(cls, path: StrPath, master: bytes) -> RecordStore:
        """Create a new, empty state file (mode 0600); fails if one exists."""
        path = os.fspath(path)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            os.close(fd)
        except FileExistsError:
            raise
        except OSError as exc:
            raise FileError(f"cannot create {path}: {exc.strerror}") from None
        state = cls(cls._connect(path), master, path)
        with state.transaction():
            for stmt in filter(str.strip, _SCHEMA.split(";")):
                state._execute(stmt, ())
            state._execute(
                "INSERT INTO meta VALUES ('schema', ?), ('check', ?)",
                (str(SCHEMA_VERSION).encode(), state._check),
            )
        return state

    @classmethod
    def open(cls, path: StrPath, master: bytes) -> RecordStore:
        """Open an existing state file; CorruptData if it is missing, damaged or not ours."""
        path = os.fspath(path)
        if not os.path.exists(path):
            raise CorruptData(
                f"the state file {path} is missing",
                hint="restore the wallet with 'wallet import' from a backup",
            )
        state = cls(cls._connect(path), master, path)
        rows = dict(state._rows("SELECT key, value FROM meta", ()))
        if rows.get("schema") != str(SCHEMA_VERSION).encode():
            raise CorruptData(f"the state file {path} has an unknown schema version")
        if not hmac.compare_digest(bytes(rows.get("check", b"")), state._check):
            raise CorruptData(f"the state file {path} belongs to another wallet or was altered")
        return state

    def wipe(self) -> None:
        """Close, and zero the state keys in memory."""
        from wallet.storage.hardening import wipe

        self.close()
        for key in (self._index_key, self._record_key, self._check):
            wipe(key)

    def close(self) -> None:
        self._conn.close()

    # -- records -------------------------------------------------------------
    def _tag(self, *parts: bytes) -> bytes:
        return hmac.digest(self._index_key, lp(*parts), hashlib.sha256)

    def _address(self, kind: str, name: str) -> tuple[bytes, bytes]:
        kind_b = kind.encode()
        try:
            name_b = name.encode("utf-8")
        except UnicodeEncodeError:  # argv bytes that are not UTF-8 arrive as lone surrogates
            raise UsageError(f"{name.encode('utf-8', 'replace').decode()!r} is not valid text") from None
        return self._tag(b"kind", kind_b)[:16], self._tag(b"record", kind_b, name_b)

    @staticmethod
    def _aad(kind_tag: bytes, lookup: bytes) -> bytes:
        return lp(b"wallet/v1/record", kind_tag, lookup)

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """An IMMEDIATE transaction: concurrent writers wait instead of corrupting.

        A failure anywhere (a full or read-only disk at COMMIT included) rolls
        everything back and is reported as what it is; the file keeps its old
        content.
        """
        self._execute("BEGIN IMMEDIATE", ())
        try:
            yield
            self._execute("COMMIT", ())
        except BaseException:
            rollback(self._conn)
            raise

    def _execute(self, sql: str, args: tuple[Any, ...]) -> sqlite3.Cursor:
        try:
            return self._conn.execute(sql, args)
        except sqlite3.Error as exc:
            raise storage_error(exc, _WHAT, corrupt_hint=_RESTORE, path=self._path) from None

    def _rows(self, sql: str, args: tuple[Any, ...]) -> list[Any]:
        try:
            return self._conn.execute(sql, args).fetchall()
        except sqlite3.Error as exc:
            raise storage_error(exc, _WHAT, corrupt_hint=_RESTORE, path=self._path) from None

    def get(self, kind: str, name: str) -> Any:
        kind_tag, lookup = self._address(kind, name)
        rows = self._rows("SELECT sealed FROM records WHERE lookup = ?", (lookup,))
        if not rows:
            return None
        return self._decode(kind_tag, lookup, rows[0][0])

    def _decode(self, kind_tag: bytes, lookup: bytes, sealed: bytes) -> Any:
        plain = unseal(self._record_key, bytes(sealed), self._aad(kind_tag, lookup))
        try:
            return json.loads(plain)
        except ValueError:
            raise CorruptData("an encrypted record holds invalid data") from None

    def put(self, kind: str, name: str, value: Any) -> None:
        kind_tag, lookup = self._address(kind, name)
        blob = seal(
            self._record_key,
            json.dumps(value, separators=(",", ":")).encode(),
            self._aad(kind_tag, lookup),
        )
        self._execute("INSERT OR REPLACE INTO records VALUES (?, ?, ?)", (lookup, kind_tag, blob))

    def delete(self, kind: str, name: str) -> bool:
        _, lookup = self._address(kind, name)
        return self._execute("DELETE FROM records WHERE lookup = ?", (lookup,)).rowcount > 0

    def items(self, kind: str) -> list[Any]:
        """Every record of ``kind`` (decrypted, in no particular order)."""
        kind_tag = self._address(kind, "")[0]
        rows = self._rows("SELECT lookup, sealed FROM records WHERE kind = ?", (kind_tag,))
        return [self._decode(kind_tag, bytes(lookup), sealed) for lookup, sealed in rows]

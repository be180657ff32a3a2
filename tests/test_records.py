"""Encrypted state: nothing readable at rest, records bound to their names, damage detected."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from wallet.errors import CorruptData
from wallet.storage.records import RecordStore

MASTER = bytes.fromhex("42" * 32)


def test_round_trip_and_listing(tmp_path: Path) -> None:
    st = RecordStore.create(tmp_path / "s.db", MASTER)
    with st.transaction():
        st.put("persona", "alice", {"v": 1})
        st.put("persona", "bob", {"v": 2})
        st.put("other", "alice", {"v": 3})
    st.close()
    st = RecordStore.open(tmp_path / "s.db", MASTER)
    assert st.get("persona", "alice") == {"v": 1}
    assert sorted(r["v"] for r in st.items("persona")) == [1, 2]
    assert st.items("other") == [{"v": 3}]
    assert st.delete("persona", "alice") and not st.delete("persona", "alice")
    assert st.get("persona", "alice") is None


def test_file_reveals_no_names_or_values(tmp_path: Path) -> None:
    st = RecordStore.create(tmp_path / "s.db", MASTER)
    st.put("persona", "SecretPersonaName", {"email": "hidden@private.example"})
    st.close()
    raw = (tmp_path / "s.db").read_bytes()
    for needle in (b"SecretPersonaName", b"hidden@private.example", b"persona", b"private.example"):
        assert needle not in raw


def test_other_master_is_rejected(tmp_path: Path) -> None:
    RecordStore.create(tmp_path / "s.db", MASTER).close()
    with pytest.raises(CorruptData):
        RecordStore.open(tmp_path / "s.db", bytes(32))


def test_swapped_records_are_rejected(tmp_path: Path) -> None:
    """An attacker with write access moves bob's ciphertext onto alice's row."""
    st = RecordStore.create(tmp_path / "s.db", MASTER)
    st.put("persona", "alice", {"who": "alice"})
    st.put("persona", "bob", {"who": "bob"})
    st.close()
    db = sqlite3.connect(tmp_path / "s.db")
    rows = db.execute("SELECT lookup, sealed FROM records").fetchall()
    db.execute("UPDATE records SET sealed = ? WHERE lookup = ?", (rows[1][1], rows[0][0]))
    db.commit()
    db.close()
    st = RecordStore.open(tmp_path / "s.db", MASTER)
    with pytest.raises(CorruptData):
        st.items("persona")


@pytest.mark.parametrize("damage", ["truncate", "garbage", "missing"])
def test_damaged_file_is_corrupt_not_reinitialised(tmp_path: Path, damage: str) -> None:
    path = tmp_path / "s.db"
    st = RecordStore.create(path, MASTER)
    st.put("persona", "alice", {"v": 1})
    st.close()
    if damage == "truncate":
        path.write_bytes(path.read_bytes()[:100])
    elif damage == "garbage":
        path.write_bytes(b"\x00garbage" * 500)
    else:
        path.unlink()
    with pytest.raises(CorruptData):
        RecordStore.open(path, MASTER).items("persona")


def test_create_refuses_existing(tmp_path: Path) -> None:
    RecordStore.create(tmp_path / "s.db", MASTER).close()
    with pytest.raises(FileExistsError):
        RecordStore.create(tmp_path / "s.db", MASTER)


def test_failed_transaction_rolls_back(tmp_path: Path) -> None:
    st = RecordStore.create(tmp_path / "s.db", MASTER)
    with pytest.raises(RuntimeError):
        with st.transaction():
            st.put("persona", "alice", {"v": 1})
            raise RuntimeError("crash mid-way")
    assert st.get("persona", "alice") is None

"""What only the embedded store has to prove: the database itself guards the log; WAL; files."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from graph.sqlite import SQLiteStore
from graph.store import Node


def test_the_change_log_cannot_be_edited_or_emptied_even_with_sql(sqlite_store: SQLiteStore) -> None:
    sqlite_store.write([Node("P", "p1", {"name": "x"})], actor="alice")
    raw = sqlite3.connect(sqlite_store.path)
    try:
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            raw.execute("UPDATE changes SET actor = 'mallory'")
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            raw.execute("DELETE FROM changes")
    finally:
        raw.close()
    assert [c.actor for c in sqlite_store.changes()] == ["alice"]


def test_the_store_runs_in_wal_mode_with_a_busy_timeout(sqlite_store: SQLiteStore) -> None:
    raw = sqlite3.connect(sqlite_store.path)
    try:
        assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    finally:
        raw.close()
    assert sqlite_store._conn.execute("PRAGMA busy_timeout").fetchone()[0] >= 10_000


def test_the_store_creates_its_folder(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "deep" / "er" / "registry.sqlite")
    try:
        assert store.counts() == {}
    finally:
        store.close()
    assert (tmp_path / "deep" / "er" / "registry.sqlite").is_file()

"""The change log is hash-chained on both stores (issue 12, item 14): `flowreg log --verify` names the first
entry that was edited, replaced or removed, INSERT OR REPLACE onto an entry is refused by the database, a
damaged row is listed instead of crashing `flowreg log`; and the dev server's password is random."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from graph.changelog import verify
from graph.sqlite import SQLiteStore
from registry.cli import app
from registry.service import Service
from tests.neo4j_fixture import Neo4jConnection
from tests.neo4j_server import dev_password


def flowreg(store: Path, *args: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(app, list(args), env={"FLOWREG_STORE": str(store), "FLOWREG_ACTOR": "tester"})


@pytest.fixture
def logged_store(tmp_path: Path, example_manifest: Path) -> Path:
    path = tmp_path / "chained.sqlite"
    assert flowreg(path, "import", str(example_manifest)).exit_code == 0
    assert flowreg(path, "processor", "add", "--id", "p2", "--name", "P2", "--country", "DE").exit_code == 0
    return path


def test_an_untouched_log_verifies(logged_store: Path) -> None:
    result = flowreg(logged_store, "log", "--verify")
    assert result.exit_code == 0, result.output
    assert "change log intact: 13 entries" in result.output  # 8 records, 4 countries, p2


def test_insert_or_replace_onto_an_entry_is_refused(logged_store: Path) -> None:
    with sqlite3.connect(logged_store) as db, pytest.raises(sqlite3.IntegrityError, match="append-only"):
        db.execute("INSERT OR REPLACE INTO changes (seq, at, actor, operation, label, key) "
                   "VALUES (1, '2020-01-01T00:00:00+00:00', 'mallory', 'create', 'Processor', 'x')")
    assert flowreg(logged_store, "log", "--verify").exit_code == 0


def test_a_rewritten_entry_is_named_and_log_still_lists_it(logged_store: Path) -> None:
    # Whoever can drop the triggers can rewrite the file: the chain still shows where.
    with sqlite3.connect(logged_store) as db:
        db.execute("DROP TRIGGER changes_no_replace")
        db.execute("INSERT OR REPLACE INTO changes (seq, at, actor, operation, label, key, before, after) "
                   "VALUES (3, 'not a time', 'mallory', 'create', 'Processor', 'mailer', NULL, '{broken')")
    result = flowreg(logged_store, "log", "--verify")
    assert result.exit_code == 3, result.output
    assert "broken at entry 3" in result.output
    listed = flowreg(logged_store, "log")
    assert listed.exit_code == 0, listed.output
    assert "mallory" in listed.output and "DAMAGED" in listed.output


def test_a_store_from_before_the_chain_starts_it_at_its_next_write(tmp_path: Path, example_manifest: Path) -> None:
    path = tmp_path / "old.sqlite"
    with sqlite3.connect(path) as db:  # the schema of main before the chain, with one entry
        db.executescript("""
            CREATE TABLE nodes (label TEXT NOT NULL, key TEXT NOT NULL, body TEXT NOT NULL,
                                PRIMARY KEY (label, key)) WITHOUT ROWID;
            CREATE TABLE changes (seq INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL, actor TEXT NOT NULL,
                operation TEXT NOT NULL, label TEXT NOT NULL, key TEXT NOT NULL, before TEXT, after TEXT,
                context TEXT);
            INSERT INTO changes (at, actor, operation, label, key, after)
                VALUES ('2025-01-01T00:00:00+00:00', 'old', 'create', 'Country', 'DE', NULL);
        """)
    store = SQLiteStore(path)
    try:
        Service(store, actor="new").import_file(example_manifest)
        report = verify(store.log_records())
        assert report.intact and report.unchained == 1 and report.entries > 1
    finally:
        store.close()
    assert "1 older entries predate the chain" in flowreg(path, "log", "--verify").output


@pytest.mark.neo4j
def test_the_neo4j_log_is_chained_too(neo4j_server: Neo4jConnection, example_manifest: Path) -> None:
    from graph.neo4j import Neo4jStore
    from registry.mapping import LABELS

    store = Neo4jStore(neo4j_server.uri, neo4j_server.user, neo4j_server.password, labels=LABELS)
    try:
        store.drop_everything()
        Service(store, actor="tester").import_file(example_manifest)
        service = Service(store, actor="tester")
        assert service.verify_log().entries == len(store.changes()) > 8
        store._driver.execute_query("MATCH (e:ChangeLogEntry {seq: 2}) SET e.actor = 'mallory'")
        report = verify(store.log_records())
        assert report.first_bad == 2
        assert [c.actor for c in service.log()][1] == "mallory"
    finally:
        store.close()


def test_the_dev_server_password_is_random_and_kept_with_its_database(tmp_path: Path) -> None:
    assert dev_password(None) != dev_password(None)
    assert len(dev_password(None)) >= 16
    kept = dev_password(tmp_path / "data")
    assert kept == dev_password(tmp_path / "data")
    assert (tmp_path / "data" / "flowreg-dev-password").stat().st_mode & 0o077 == 0
    assert kept != "flowreg-dev"

"""The embedded default store: standard-library sqlite3, WAL, one transaction per write."""

from __future__ import annotations

import json
import random
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from graph.store import Change, Node, StoreUnavailable, WriteResult

SCHEMA = """
CREATE TABLE IF NOT EXISTS nodes (
    label TEXT NOT NULL,
    key   TEXT NOT NULL,
    body  TEXT NOT NULL,
    PRIMARY KEY (label, key)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS changes (
    seq       INTEGER PRIMARY KEY AUTOINCREMENT,
    at        TEXT NOT NULL,
    actor     TEXT NOT NULL,
    operation TEXT NOT NULL CHECK (operation IN ('create', 'update', 'delete')),
    label     TEXT NOT NULL,
    key       TEXT NOT NULL,
    before    TEXT,
    after     TEXT,
    context   TEXT
);
CREATE INDEX IF NOT EXISTS changes_by_record ON changes (label, key);
-- The log is evidence: the database itself refuses to edit or drop an entry.
CREATE TRIGGER IF NOT EXISTS changes_no_update BEFORE UPDATE ON changes
BEGIN SELECT RAISE(ABORT, 'the change log is append-only'); END;
CREATE TRIGGER IF NOT EXISTS changes_no_delete BEFORE DELETE ON changes
BEGIN SELECT RAISE(ABORT, 'the change log is append-only'); END;
"""

BUSY_TIMEOUT_S = 30.0
# Past the busy timeout a writer retries with jittered back-off before "database is locked" reaches a user.
LOCK_RETRIES = 8


def _is_lock_error(error: sqlite3.OperationalError) -> bool:
    message = str(error).lower()
    return "locked" in message or "busy" in message


class SQLiteStore:
    """A GraphStore in one SQLite file. Safe to share between threads and processes."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.location = str(self.path)
        self._lock = threading.RLock()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._conn = sqlite3.connect(
                self.path, timeout=BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=False
            )
            self._conn.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
            self._retrying(lambda: self._conn.execute("PRAGMA journal_mode = WAL"))
            # FULL: a committed registry change survives power loss, not only a crashed process.
            self._conn.execute("PRAGMA synchronous = FULL")
            self._retrying(lambda: self._conn.executescript(SCHEMA))
        except (OSError, sqlite3.Error) as error:
            raise StoreUnavailable(f"cannot open the SQLite store {self.path}: {error}") from None

    def _retrying(self, action):  # type: ignore[no-untyped-def]
        for attempt in range(LOCK_RETRIES + 1):
            try:
                return action()
            except sqlite3.OperationalError as error:
                if not _is_lock_error(error) or attempt == LOCK_RETRIES:
                    raise
                time.sleep(random.uniform(0.05, 0.2) * (attempt + 1))
        raise AssertionError("unreachable")

    @contextmanager
    def _immediate(self) -> Iterator[sqlite3.Connection]:
        # IMMEDIATE takes the write lock up front, so two writers never both read old state and both write.
        self._retrying(lambda: self._conn.execute("BEGIN IMMEDIATE"))
        try:
            yield self._conn
        except BaseException:
            self._conn.execute("ROLLBACK")
            raise
        else:
            self._retrying(lambda: self._conn.execute("COMMIT"))

    def write(
        self,
        upserts: Iterable[Node],
        deletes: Iterable[tuple[str, str]] = (),
        *,
        actor: str,
        context: str | None = None,
    ) -> WriteResult:
        upserts, deletes = list(upserts), list(deletes)
        at = datetime.now(UTC)
        with self._lock, self._immediate() as conn:
            changes: list[Change] = []
            unchanged: dict[str, int] = {}

            def log(operation: str, label: str, key: str, before: str | None, after: str | None) -> None:
                cursor = conn.execute(
                    "INSERT INTO changes (at, actor, operation, label, key, before, after, context)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (at.isoformat(), actor, operation, label, key, before, after, context),
                )
                changes.append(Change(
                    cursor.lastrowid or 0, at, actor, operation, label, key,
                    json.loads(before) if before else None, json.loads(after) if after else None, context,
                ))

            for node in upserts:
                row = conn.execute(
                    "SELECT body FROM nodes WHERE label = ? AND key = ?", (node.label, node.key)
                ).fetchone()
                body = node.canonical()
                if row is not None and row[0] == body:
                    unchanged[node.label] = unchanged.get(node.label, 0) + 1
                    continue
                conn.execute(
                    "INSERT INTO nodes (label, key, body) VALUES (?, ?, ?)"
                    " ON CONFLICT (label, key) DO UPDATE SET body = excluded.body",
                    (node.label, node.key, body),
                )
                log("create" if row is None else "update", node.label, node.key, row[0] if row else None, body)
            for label, key in deletes:
                row = conn.execute(
                    "DELETE FROM nodes WHERE label = ? AND key = ? RETURNING body", (label, key)
                ).fetchone()
                if row is not None:
                    log("delete", label, key, row[0], None)
            return WriteResult(changes, unchanged)

    def read(self, label: str | None = None) -> Iterator[Node]:
        with self._lock:
            if label is None:
                rows = self._conn.execute("SELECT label, key, body FROM nodes ORDER BY label, key").fetchall()
            else:
                rows = self._conn.execute(
                    "SELECT label, key, body FROM nodes WHERE label = ? ORDER BY key", (label,)
                ).fetchall()
        for row_label, key, body in rows:
            yield Node.from_body(row_label, key, json.loads(body))

    def get(self, label: str, key: str) -> Node | None:
        with self._lock:
            row = self._conn.execute(
                "SELECT body FROM nodes WHERE label = ? AND key = ?", (label, key)
            ).fetchone()
        return Node.from_body(label, key, json.loads(row[0])) if row else None

    def node_keys(self) -> set[tuple[str, str]]:
        with self._lock:
            return {(label, key) for label, key in self._conn.execute("SELECT label, key FROM nodes")}

    def counts(self) -> dict[str, int]:
        with self._lock:
            rows = self._conn.execute("SELECT label, count(*) FROM nodes GROUP BY label ORDER BY label")
            return dict(rows.fetchall())

    def changes(
        self, *, since: datetime | None = None, label: str | None = None, key: str | None = None
    ) -> list[Change]:
        clauses, params = [], []
        if since is not None:
            clauses.append("at >= ?")
            params.append(since.astimezone(UTC).isoformat())
        if label is not None:
            clauses.append("label = ?")
            params.append(label)
        if key is not None:
            clauses.append("key = ?")
            params.append(key)
        where = f" WHERE {' AND '.join(clauses)}" if clauses else ""
        with self._lock:
            rows = self._conn.execute(
                "SELECT seq, at, actor, operation, label, key, before, after, context FROM changes"
                f"{where} ORDER BY seq",
                params,
            ).fetchall()
        return [
            Change(seq, datetime.fromisoformat(at), actor, op, lbl, k,
                   json.loads(before) if before else None, json.loads(after) if after else None, context)
            for seq, at, actor, op, lbl, k, before, after, context in rows
        ]

    def revision(self) -> int:
        with self._lock:
            return self._conn.execute("SELECT coalesce(max(seq), 0) FROM changes").fetchone()[0]

    def close(self) -> None:
        with self._lock:
            self._conn.close()

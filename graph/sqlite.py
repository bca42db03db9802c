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

from graph.changelog import LogRecord, entry_hash
from graph.store import (
    Approval,
    Change,
    DanglingReferences,
    Node,
    PlannedChange,
    StoreUnavailable,
    WriteResult,
)

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
    context   TEXT,
    prev_hash TEXT,
    hash      TEXT
);
CREATE INDEX IF NOT EXISTS changes_by_record ON changes (label, key);
-- What readers derive from the registry (persisted check results, keyed inside the data by revision): a cache
-- beside the registry, outside the change log. Stores made before it get the table when next opened.
CREATE TABLE IF NOT EXISTS derived (
    name TEXT PRIMARY KEY,
    data BLOB NOT NULL
);
-- The log is evidence: the database itself refuses to edit or drop an entry.
CREATE TRIGGER IF NOT EXISTS changes_no_update BEFORE UPDATE ON changes
BEGIN SELECT RAISE(ABORT, 'the change log is append-only'); END;
CREATE TRIGGER IF NOT EXISTS changes_no_delete BEFORE DELETE ON changes
BEGIN SELECT RAISE(ABORT, 'the change log is append-only'); END;
"""
# INSERT OR REPLACE deletes the old row without firing the delete trigger: refuse any insert onto a used seq.
# Run after the migration below (an old store gets its hash columns first).
NO_REPLACE = """
CREATE TRIGGER IF NOT EXISTS changes_no_replace BEFORE INSERT ON changes
WHEN EXISTS (SELECT 1 FROM changes WHERE seq = NEW.seq)
BEGIN SELECT RAISE(ABORT, 'the change log is append-only'); END;
"""

# Nodes with a relationship to any of the (label, key) pairs given as one JSON array. A body's edges are
# [type, target label, target key, outgoing]. This reads every body; only a delete outside a replace asks.
DETACHED_OWNERS = """
SELECT DISTINCT n.label, n.key, n.body FROM nodes AS n, json_each(n.body, '$.edges') AS e
WHERE (json_extract(e.value, '$[1]'), json_extract(e.value, '$[2]'))
      IN (SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]') FROM json_each(?))
ORDER BY n.label, n.key
"""

BUSY_TIMEOUT_S = 30.0
# Past the busy timeout a writer retries with jittered back-off before "database is locked" reaches a user.
LOCK_RETRIES = 8


def _is_lock_error(error: sqlite3.OperationalError) -> bool:
    message = str(error).lower()
    return "locked" in message or "busy" in message


class SQLiteStore:
    """A GraphStore in one SQLite file. Safe to share between threads and processes."""

    def __init__(self, path: str | Path, *, create: bool = True) -> None:
        """`create` False: a missing file is refused instead of becoming a new, empty store."""
        self.path = Path(path)
        self.location = str(self.path)
        self._lock = threading.RLock()
        if not create and not self.path.is_file():
            raise StoreUnavailable(f"no store at {self.path}: create it with `flowreg init`, `seed` or `import`, "
                                   "or point --store / FLOWREG_STORE at the right file")
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
            self._retrying(self._migrate)
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

    def _migrate(self) -> None:
        """Stores made before the log was chained get the hash columns; their old entries stay unchained."""
        columns = {row[1] for row in self._conn.execute("PRAGMA table_info(changes)")}
        for column in ("prev_hash", "hash"):
            if column not in columns:
                self._conn.execute(f"ALTER TABLE changes ADD COLUMN {column} TEXT")
        self._conn.executescript(NO_REPLACE)

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
        replace: bool = False,
        approve: Approval | None = None,
    ) -> WriteResult:
        upserts, deletes = list(upserts), list(deletes)
        at = datetime.now(UTC)
        with self._lock, self._immediate() as conn:
            # Everything below sees the store as of the write lock: what a replace deletes and whether a
            # relationship's target is there cannot change before the commit.
            written = {(node.label, node.key) for node in upserts}
            if replace:
                stored = {(label, key) for label, key in conn.execute("SELECT label, key FROM nodes")}
                deletes = sorted(set(deletes) | (stored - written))
            unchanged: dict[str, int] = {}
            # operation, label, key, before, after (and the node written, whose body the change reports)
            planned: list[tuple[str, str, str, str | None, str | None, Node | None]] = []
            for node in upserts:
                row = conn.execute(
                    "SELECT body FROM nodes WHERE label = ? AND key = ?", (node.label, node.key)
                ).fetchone()
                body = node.canonical()
                if row is not None and row[0] == body:
                    unchanged[node.label] = unchanged.get(node.label, 0) + 1
                    continue
                planned.append(("create" if row is None else "update", node.label, node.key,
                                row[0] if row else None, body, node))
            deleted: dict[tuple[str, str], str] = {}  # address -> body, in the order asked
            for label, key in deletes:
                if (label, key) in written or (label, key) in deleted:
                    continue
                row = conn.execute("SELECT body FROM nodes WHERE label = ? AND key = ?", (label, key)).fetchone()
                if row is not None:
                    deleted[(label, key)] = row[0]
            # A replace writes every node it keeps, so no node outside the write can point at one it deletes.
            detached = [] if replace or not deleted else self._detached(conn, set(deleted), written)
            planned += [("update", node.label, node.key, before, node.canonical(), node) for before, node in detached]
            planned += [("delete", label, key, before, None, None) for (label, key), before in deleted.items()]
            self._require_targets(conn, [*upserts, *(node for _, node in detached)], written, set(deleted))
            if approve is not None:
                approve([PlannedChange(op, label, key) for op, label, key, _, _, _ in planned])

            last = conn.execute("SELECT seq, hash FROM changes ORDER BY seq DESC LIMIT 1").fetchone()
            seq, prev_hash = (last[0], last[1]) if last else (0, None)
            changes: list[Change] = []
            for operation, label, key, before, after, node in planned:
                if operation == "delete":
                    conn.execute("DELETE FROM nodes WHERE label = ? AND key = ?", (label, key))
                else:
                    conn.execute(
                        "INSERT INTO nodes (label, key, body) VALUES (?, ?, ?)"
                        " ON CONFLICT (label, key) DO UPDATE SET body = excluded.body",
                        (label, key, after),
                    )
                seq += 1
                fields = [seq, at.isoformat(), actor, operation, label, key, before, after, context]
                link = entry_hash(prev_hash, fields)
                conn.execute(
                    "INSERT INTO changes (seq, at, actor, operation, label, key, before, after, context, prev_hash,"
                    " hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (*fields, prev_hash, link),
                )
                prev_hash = link
                # The body as the node holds it (its properties shared, not parsed again from the text just
                # written): an import's changes otherwise held a second parsed copy of every record.
                changes.append(Change(seq, at, actor, operation, label, key,
                                      json.loads(before) if before else None, node.body() if node else None,
                                      context))
            return WriteResult(changes, unchanged)

    @staticmethod
    def _detached(conn: sqlite3.Connection, deleted: set[tuple[str, str]],
                  written: set[tuple[str, str]]) -> list[tuple[str, Node]]:
        """Each stored node outside the write that has relationships to a deleted node, as it was and as it is
        without them, ordered by label and key."""
        rows = conn.execute(DETACHED_OWNERS, (json.dumps(sorted(deleted)),)).fetchall()
        detached: list[tuple[str, Node]] = []
        for label, key, body in rows:
            if (label, key) in written or (label, key) in deleted:
                continue
            node = Node.from_body(label, key, json.loads(body))
            kept = tuple(e for e in node.edges if (e.target_label, e.target_key) not in deleted)
            detached.append((body, Node(label, key, node.properties, kept)))
        return detached

    @staticmethod
    def _require_targets(conn: sqlite3.Connection, upserts: list[Node], written: set[tuple[str, str]],
                         deleted: set[tuple[str, str]]) -> None:
        """Every relationship of a written node must point at a node stored after this write."""
        missing: list[tuple[str, str, str, str]] = []
        looked_up: dict[tuple[str, str], bool] = {}
        for node in upserts:
            for edge in node.edges:
                target = (edge.target_label, edge.target_key)
                if target in written:
                    continue
                if target not in looked_up:
                    looked_up[target] = target not in deleted and conn.execute(
                        "SELECT 1 FROM nodes WHERE label = ? AND key = ?", target).fetchone() is not None
                if not looked_up[target]:
                    missing.append((node.label, node.key, *target))
        if missing:
            raise DanglingReferences(missing)

    def read(self, label: str | None = None) -> Iterator[Node]:
        """Row by row from one statement, each body parsed only when its node is taken: a caller that keeps what
        it needs of each node (a loaded registry keeps the validated record) never holds every row's text and
        parsed body at once, about 150 MB at 20,000 flows. The store's lock is held until the iteration ends or
        the iterator is closed, so another thread's write waits for a read begun before it."""
        with self._lock:
            if label is None:
                rows = self._conn.execute("SELECT label, key, body FROM nodes ORDER BY label, key")
            else:
                rows = self._conn.execute("SELECT label, key, body FROM nodes WHERE label = ? ORDER BY key", (label,))
            try:
                for row_label, key, body in rows:
                    yield Node.from_body(row_label, key, json.loads(body))
            finally:
                rows.close()

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
        self, *, since: datetime | None = None, label: str | None = None, key: str | None = None,
        after: int | None = None,
    ) -> list[Change]:
        clauses: list[str] = []
        params: list[object] = []
        if after is not None:
            clauses.append("seq > ?")
            params.append(after)
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
        return [_change(*row) for row in rows]

    def log_records(self) -> list[LogRecord]:
        with self._lock:
            rows = self._conn.execute(
                "SELECT seq, at, actor, operation, label, key, before, after, context, prev_hash, hash FROM changes"
                " ORDER BY seq").fetchall()
        return [LogRecord(*row) for row in rows]

    def revision(self) -> int:
        with self._lock:
            return self._conn.execute("SELECT coalesce(max(seq), 0) FROM changes").fetchone()[0]

    def derived(self, name: str) -> bytes | None:
        with self._lock:
            row = self._conn.execute("SELECT data FROM derived WHERE name = ?", (name,)).fetchone()
        return bytes(row[0]) if row else None

    def save_derived(self, name: str, data: bytes) -> None:
        # Its own short transaction, queued behind writers like any write; it touches neither nodes nor the log.
        with self._lock, self._immediate() as conn:
            conn.execute("INSERT INTO derived (name, data) VALUES (?, ?)"
                         " ON CONFLICT (name) DO UPDATE SET data = excluded.data", (name, data))

    def close(self) -> None:
        with self._lock:
            self._conn.close()


def _change(seq: int, at: str, actor: str, operation: str, label: str, key: str, before: str | None,
            after: str | None, context: str | None) -> Change:
    """A stored entry as a Change; one that no longer parses (tampered with outside flowreg) is still shown,
    marked damaged, rather than stopping every reader of the log."""
    try:
        return Change(seq, datetime.fromisoformat(at), actor, operation, label, key,
                      json.loads(before) if before else None, json.loads(after) if after else None, context)
    except (TypeError, ValueError) as error:
        try:
            moment = datetime.fromisoformat(at) if isinstance(at, str) else datetime.fromtimestamp(0, UTC)
        except ValueError:
            moment = datetime.fromtimestamp(0, UTC)
        return Change(seq, moment, str(actor), str(operation), str(label), str(key), None, None,
                      None if context is None else str(context), damaged=f"unreadable entry: {error}")

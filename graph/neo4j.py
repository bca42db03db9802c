"""A GraphStore on Neo4j over the official driver: parameterised Cypher, UNWIND batches, constraints.

Each node keeps its whole content as canonical JSON in `_body` (what is read back and compared), and
its top-level scalar and list properties as ordinary properties, so a DPO can query it in Cypher.
Labels and relationship types are written into Cypher text, so they are checked against a strict
identifier pattern first; every value travels as a parameter.
"""

from __future__ import annotations

import json
import os
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, datetime
from typing import Any

from neo4j import Driver, GraphDatabase, ManagedTransaction
from neo4j.exceptions import AuthError, DriverError, Neo4jError, ServiceUnavailable

from graph.changelog import LogRecord, entry_hash
from graph.store import (
    Approval,
    Change,
    DanglingReferences,
    JSONValue,
    LoadRefused,
    Node,
    PlannedChange,
    StoreUnavailable,
    WriteResult,
)

CHANGE_LABEL = "ChangeLogEntry"
COUNTER_LABEL = "ChangeLogCounter"
# Data readers derive from the registry (persisted check results): one node per name, with no `_label` or
# `_key`, so reads, counts, key listings and replaces never see it.
DERIVED_LABEL = "FlowregDerived"
_OWN_LABELS = (CHANGE_LABEL, COUNTER_LABEL, DERIVED_LABEL)
# A bulk load's entry: one per load transaction, its `after` every loaded record's body by key (one text, not a
# node a record), read back by `changes()` as one create per record under the entry's sequence number.
LOAD = "load"
_IDENTIFIER = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,63}$")
BATCH_ROWS = 5_000  # rows per UNWIND: large enough to amortise a round trip, small enough for a 512 MiB heap


def _identifier(name: str) -> str:
    if not _IDENTIFIER.match(name) or name in _OWN_LABELS:
        raise ValueError(f"{name!r} cannot be a label or relationship type")
    return f"`{name}`"


def _chunks(rows: list[Any], size: int = BATCH_ROWS) -> Iterator[list[Any]]:
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


def _queryable(properties: dict[str, JSONValue]) -> dict[str, Any]:
    """The properties Neo4j can hold as such: scalars and lists of one scalar type, no nulls."""
    kept: dict[str, Any] = {}
    for name, value in properties.items():
        if name.startswith("_") or value is None or isinstance(value, dict):
            continue
        if isinstance(value, list):
            kinds = {type(item) for item in value}
            if len(kinds) > 1 or (kinds and not kinds <= {str, int, float, bool}):
                continue
        kept[name] = value
    return kept


_LOG_FIELDS = ("seq", "at", "actor", "operation", "label", "key", "before", "after", "context")


def _change(e: dict[str, Any]) -> Change:
    """An entry as a Change; one edited into something unreadable is shown, marked damaged, not raised."""
    try:
        return Change(e["seq"], datetime.fromisoformat(e["at"]), e["actor"], e["operation"], e["label"], e["key"],
                      json.loads(e["before"]) if e.get("before") else None,
                      json.loads(e["after"]) if e.get("after") else None, e.get("context"))
    except (KeyError, TypeError, ValueError) as error:
        return Change(e.get("seq", 0), datetime.fromtimestamp(0, UTC), str(e.get("actor")), str(e.get("operation")),
                      str(e.get("label")), str(e.get("key")), None, None, e.get("context"),
                      damaged=f"unreadable entry: {error}")


def _loaded(e: dict[str, Any]) -> list[Change]:
    """A load entry as the creates it stands for, in key order."""
    try:
        bodies = json.loads(e["after"])
        at = datetime.fromisoformat(e["at"])
        return [Change(e["seq"], at, e["actor"], "create", e["label"], key, None, body, e.get("context"))
                for key, body in bodies.items()]
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        return [Change(e.get("seq", 0), datetime.fromtimestamp(0, UTC), str(e.get("actor")), LOAD,
                       str(e.get("label")), str(e.get("key")), None, None, e.get("context"),
                       damaged=f"unreadable load entry: {error}")]


def _node_row(label: str, node: Node, body: str) -> dict[str, Any]:
    return {"props": {**_queryable(node.properties), "_key": node.key, "_label": label, "_body": body}}

def _create_nodes(tx: Any, label: str, items: list[tuple[Node, str]]) -> dict[tuple[str, str], str]:
    """CREATE the nodes (keys known to be new) in chunks; each one's element id by (label, key), for its edges."""
    element_ids: dict[tuple[str, str], str] = {}
    for chunk in _chunks(items):
        result = tx.run(f"UNWIND $rows AS row CREATE (n:{_identifier(label)}) SET n = row.props "
                        "RETURN row.props._key AS key, elementId(n) AS id",
                        rows=[_node_row(label, node, body) for node, body in chunk])
        element_ids.update({(label, row["key"]): row["id"] for row in result})
    return element_ids

def _lock_counter(tx: ManagedTransaction, at: datetime) -> tuple[int, str | None]:
    """Take the change-log counter's write lock (serialising writers: sequence numbers never collide and no two
    writers compare against the same old content); its sequence number and the last entry's hash."""
    record = tx.run(
        f"MERGE (c:{COUNTER_LABEL} {{name: 'changes'}}) ON CREATE SET c.seq = 0 "
        "SET c.locked_at = $at RETURN c.seq AS seq, c.hash AS hash", at=at.isoformat(),
    ).single()
    return (record["seq"], record["hash"]) if record else (0, None)

def load_entry(loaded: Sequence[tuple[Node, str]], *, seq: int, prev_hash: str | None, at: datetime, actor: str,
               context: str | None) -> dict[str, Any]:
    """The change-log entry of one load, as stored: its `after` maps each key to the body, joined from the
    canonical texts of `loaded` (sorted by label and key, so the same load gives the same text and hash)."""
    after = "{" + ",".join(f"{json.dumps(node.key, ensure_ascii=False)}:{body}" for node, body in loaded) + "}"
    label = loaded[0][0].label if len({n.label for n, _ in loaded}) == 1 else "*"
    entry = {"seq": seq, "at": at.isoformat(), "actor": actor, "operation": LOAD, "label": label,
             "key": f"{len(loaded)} records", "before": None, "after": after, "context": context}
    return {**entry, "prev_hash": prev_hash, "hash": entry_hash(prev_hash, [entry[name] for name in _LOG_FIELDS])}

class Neo4jStore:
    """A GraphStore in a Neo4j 5 database."""

    def __init__(self, uri: str, user: str, password: str, database: str | None = None,
                 labels: Iterable[str] = ()) -> None:
        self.location = uri if database is None else f"{uri} (database {database})"
        self._database = database
        try:
            self._driver: Driver = GraphDatabase.driver(uri, auth=(user, password), notifications_min_severity="OFF")
            self._driver.verify_connectivity()
        except AuthError:
            raise StoreUnavailable(f"Neo4j at {uri} refused user {user!r}: check NEO4J_USER and NEO4J_PASSWORD") \
                from None
        except (ServiceUnavailable, DriverError, Neo4jError, ValueError) as error:
            raise StoreUnavailable(f"cannot reach Neo4j at {uri}: {type(error).__name__}: {error}") from None
        self._constrained: set[str] = set()
        self._ensure_constraints([*_OWN_LABELS, *labels])

    @classmethod
    def from_environment(cls, uri: str, labels: Iterable[str] = ()) -> Neo4jStore:
        password = os.environ.get("NEO4J_PASSWORD")
        if not password:
            raise StoreUnavailable(f"set NEO4J_PASSWORD (and NEO4J_USER if not 'neo4j') to use the Neo4j store {uri}")
        return cls(uri, os.environ.get("NEO4J_USER", "neo4j"), password, os.environ.get("NEO4J_DATABASE") or None,
                   labels)

    def _ensure_constraints(self, labels: Iterable[str]) -> None:
        # Schema changes cannot share a transaction with writes, so they run before, once per label.
        for label in labels:
            if label in self._constrained:
                continue
            key = "seq" if label == CHANGE_LABEL else "name" if label in (COUNTER_LABEL, DERIVED_LABEL) else "_key"
            name = f"flowreg_{label.lower()}_{key.strip('_')}"
            self._driver.execute_query(
                f"CREATE CONSTRAINT {name} IF NOT EXISTS FOR (n:`{label}`) REQUIRE n.{key} IS UNIQUE",
                database_=self._database,
            )
            self._constrained.add(label)

    # -- writing --------------------------------------------------------------------------------

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
        labels = {n.label for n in upserts} | {label for label, _ in deletes}
        labels |= {e.target_label for n in upserts for e in n.edges}
        for label in labels:
            _identifier(label)
        for edge_type in {e.type for n in upserts for e in n.edges}:
            _identifier(edge_type)
        bodies = [(node, node.canonical()) for node in upserts]  # fails before any transaction on bad values
        self._ensure_constraints(labels)
        at = datetime.now(UTC)
        with self._driver.session(database=self._database) as session:
            return session.execute_write(self._write, bodies, deletes, actor, context, at, replace, approve)

    def load(self, nodes: Sequence[Node], *, actor: str, context: str | None = None,
             revision: int = 0) -> WriteResult:
        """Create `nodes`, none of them stored yet, in one transaction logged as one `load` entry that holds
        their bodies: the bulk path of a first copy into an empty database (graph.sync.copy_store). It skips
        what a write spends on finding what is there already and on a log entry a record.

        `revision` is the store's revision the caller left it at (0: the database must hold no record); if
        another writer moved it since, LoadRefused is raised and nothing is written. Relationships follow the
        write's rule: a target neither in `nodes` nor stored raises DanglingReferences."""
        nodes = list(nodes)
        labels = {n.label for n in nodes} | {e.target_label for n in nodes for e in n.edges}
        for label in labels:
            _identifier(label)
        for edge_type in {e.type for n in nodes for e in n.edges}:
            _identifier(edge_type)
        bodies = [(node, node.canonical()) for node in nodes]
        if len({(n.label, n.key) for n in nodes}) != len(nodes):
            raise ValueError("a load holds each record once")
        self._ensure_constraints(labels)
        at = datetime.now(UTC)
        with self._driver.session(database=self._database) as session:
            return session.execute_write(self._load, bodies, actor, context, at, revision)

    @staticmethod
    def _load(tx: ManagedTransaction, bodies: list[tuple[Node, str]], actor: str, context: str | None,
              at: datetime, revision: int) -> WriteResult:
        seq, prev_hash = _lock_counter(tx, at)
        if seq != revision:
            raise LoadRefused(f"the store moved from revision {revision} to {seq} during the load")
        if revision == 0 and tx.run("MATCH (n) WHERE n._label IS NOT NULL RETURN n LIMIT 1").single() is not None:
            raise LoadRefused("the database holds records without a change log")
        written = {(n.label, n.key) for n, _ in bodies}
        targets = Neo4jStore._require_targets(tx, [n for n, _ in bodies], written, written, set())
        by_label: dict[str, list[tuple[Node, str]]] = defaultdict(list)
        for node, body in bodies:
            by_label[node.label].append((node, body))
        element_ids: dict[tuple[str, str], str] = {}
        for label, items in by_label.items():
            element_ids.update(_create_nodes(tx, label, items))
        Neo4jStore._create_edges(tx, [node for node, _ in bodies], {**targets, **element_ids})

        loaded = sorted(bodies, key=lambda item: (item[0].label, item[0].key))
        seq += 1
        entry = load_entry(loaded, seq=seq, prev_hash=prev_hash, at=at, actor=actor, context=context)
        tx.run(f"CREATE (x:{CHANGE_LABEL}) SET x = $entry", entry=entry).consume()
        tx.run(f"MATCH (c:{COUNTER_LABEL} {{name: 'changes'}}) SET c.seq = $seq, c.hash = $hash REMOVE c.locked_at",
               seq=seq, hash=entry["hash"]).consume()
        return WriteResult([Change(seq, at, actor, "create", node.label, node.key, None, node.body(), context)
                            for node, _ in loaded])

    @staticmethod
    def _write(tx: ManagedTransaction, bodies: list[tuple[Node, str]], deletes: list[tuple[str, str]],
               actor: str, context: str | None, at: datetime, replace: bool = False,
               approve: Approval | None = None) -> WriteResult:
        seq, prev_hash = _lock_counter(tx, at)
        written = {(n.label, n.key) for n, _ in bodies}
        if replace:
            # Under the counter's lock: no other writer adds or removes a node before this one commits.
            deletes = sorted(set(deletes) | (Neo4jStore._keys(tx) - written))
        deletes = [d for d in dict.fromkeys(deletes) if d not in written]
        existing = Neo4jStore._bodies(tx, [(n.label, n.key) for n, _ in bodies] + deletes)
        deleted = [d for d in deletes if d in existing]
        # A replace writes every node it keeps, so no node outside the write can point at one it deletes.
        detached = [] if replace or not deleted else Neo4jStore._detached(tx, set(deleted), written)
        targets = Neo4jStore._require_targets(tx, [n for n, _ in bodies] + [n for _, n, _ in detached], written,
                                              written - existing.keys(), set(deleted))
        entries: list[dict[str, Any]] = []
        changes: list[Change] = []
        unchanged: dict[str, int] = {}

        def log(operation: str, label: str, key: str, before: str | None, after: Node | None = None,
                after_body: str | None = None) -> None:
            nonlocal seq, prev_hash
            seq += 1
            entry = {"seq": seq, "at": at.isoformat(), "actor": actor, "operation": operation,
                     "label": label, "key": key, "before": before, "after": after_body, "context": context}
            link = entry_hash(prev_hash, [entry[name] for name in _LOG_FIELDS])
            entries.append({**entry, "prev_hash": prev_hash, "hash": link})
            prev_hash = link
            changes.append(Change(seq, at, actor, operation, label, key, json.loads(before) if before else None,
                                  after.body() if after else None, context))

        changed: list[tuple[Node, str, bool]] = []  # node, its body, whether it existed
        for node, body in bodies:
            before = existing.get((node.label, node.key))
            if before == body:
                unchanged[node.label] = unchanged.get(node.label, 0) + 1
                continue
            changed.append((node, body, before is not None))
            existing[(node.label, node.key)] = body
            log("create" if before is None else "update", node.label, node.key, before, node, body)
        for before, node, body in detached:
            changed.append((node, body, True))
            log("update", node.label, node.key, before, node, body)
        for label, key in deleted:
            log("delete", label, key, existing[(label, key)], None)
        if approve is not None:
            approve([PlannedChange(c.operation, c.label, c.key) for c in changes])

        created: dict[str, list[tuple[Node, str]]] = defaultdict(list)
        updated: dict[str, list[tuple[Node, str]]] = defaultdict(list)
        for node, body, was in changed:
            (updated if was else created)[node.label].append((node, body))
        element_ids: dict[tuple[str, str], str] = {}
        for label, items in created.items():
            # New keys (the counter lock is held, so nobody else adds them meanwhile): CREATE needs no
            # lookup and a new node has no relationships to clear. Every written node's element id is kept:
            # its relationships find it by that (a key lookup in the transaction's own index costs more).
            element_ids.update(_create_nodes(tx, label, items))
        for label, items in updated.items():
            for chunk in _chunks(items):
                result = tx.run(f"UNWIND $rows AS row MATCH (n:{_identifier(label)} {{_key: row.props._key}}) "
                                "SET n = row.props RETURN row.props._key AS key, elementId(n) AS id",
                                rows=[_node_row(label, node, body) for node, body in chunk])
                ids = {(label, row["key"]): row["id"] for row in result}
                element_ids.update(ids)
                # The node's own relationships are rewritten from its new content below.
                tx.run(
                    "UNWIND $rows AS row MATCH (n) WHERE elementId(n) = row.id "
                    "CALL (n, row) { MATCH (n)-[r]-() WHERE r._owner = row.key AND r._owner_label = $label DELETE r }",
                    rows=[{"id": element_id, "key": key} for (_, key), element_id in ids.items()], label=label,
                ).consume()
        Neo4jStore._create_edges(tx, [node for node, _, _ in changed], {**targets, **element_ids})

        delete_groups: dict[str, list[str]] = defaultdict(list)
        for label, key in deleted:
            delete_groups[label].append(key)
        for label, keys in delete_groups.items():
            for chunk in _chunks(keys):
                tx.run(f"UNWIND $keys AS key MATCH (n:{_identifier(label)} {{_key: key}}) DETACH DELETE n",
                       keys=chunk).consume()

        for chunk in _chunks(entries):
            tx.run(f"UNWIND $entries AS e CREATE (x:{CHANGE_LABEL}) SET x = e", entries=chunk).consume()
        tx.run(f"MATCH (c:{COUNTER_LABEL} {{name: 'changes'}}) SET c.seq = $seq, c.hash = $hash REMOVE c.locked_at",
               seq=seq, hash=prev_hash).consume()
        return WriteResult(changes, unchanged)

    @staticmethod
    def _keys(tx: ManagedTransaction) -> set[tuple[str, str]]:
        labels = [row["label"] for row in tx.run("CALL db.labels() YIELD label RETURN label")
                  if row["label"] not in _OWN_LABELS and _IDENTIFIER.match(row["label"])]
        found: set[tuple[str, str]] = set()
        for label in labels:
            result = tx.run(f"MATCH (n:{_identifier(label)}) WHERE n._key IS NOT NULL RETURN n._key AS key")
            found.update((label, row["key"]) for row in result)
        return found

    @staticmethod
    def _bodies(tx: ManagedTransaction, keys: list[tuple[str, str]]) -> dict[tuple[str, str], str]:
        by_label: dict[str, list[str]] = defaultdict(list)
        for label, key in keys:
            by_label[label].append(key)
        found: dict[tuple[str, str], str] = {}
        for label, label_keys in by_label.items():
            for chunk in _chunks(label_keys):
                result = tx.run(
                    f"UNWIND $keys AS key MATCH (n:{_identifier(label)} {{_key: key}}) RETURN n._key AS key, "
                    "n._body AS body", keys=chunk)
                found.update({(label, row["key"]): row["body"] for row in result})
        return found

    @staticmethod
    def _detached(tx: ManagedTransaction, deleted: set[tuple[str, str]],
                  written: set[tuple[str, str]]) -> list[tuple[str, Node, str]]:
        """Each stored node outside the write that has relationships to a deleted node: its body as it was,
        the node without those relationships and its new body, ordered by label and key."""
        by_label: dict[str, list[str]] = defaultdict(list)
        for label, key in sorted(deleted):
            by_label[label].append(key)
        owners: set[tuple[str, str]] = set()
        for label, keys in by_label.items():
            for chunk in _chunks(keys):
                # Every relationship carries its owner's address, whichever way it points.
                result = tx.run(f"UNWIND $keys AS key MATCH (:{_identifier(label)} {{_key: key}})-[r]-() "
                                "WHERE r._owner IS NOT NULL "
                                "RETURN DISTINCT r._owner_label AS label, r._owner AS key", keys=chunk)
                owners.update((row["label"], row["key"]) for row in result)
        owners -= deleted | written
        detached: list[tuple[str, Node, str]] = []
        for (label, key), before in sorted(Neo4jStore._bodies(tx, sorted(owners)).items()):
            node = Node.from_body(label, key, json.loads(before))
            kept = Node(label, key, node.properties,
                        tuple(e for e in node.edges if (e.target_label, e.target_key) not in deleted))
            if kept.edges != node.edges:
                detached.append((before, kept, kept.canonical()))
        return detached

    @staticmethod
    def _require_targets(tx: ManagedTransaction, nodes: list[Node], written: set[tuple[str, str]],
                         created: set[tuple[str, str]], deleted: set[tuple[str, str]]) -> dict[tuple[str, str], str]:
        """Every relationship of `nodes` must point at a node stored after this write: the element ids of the
        targets stored before it (a node the write creates gets its id when created), or DanglingReferences
        naming every relationship that would point at nothing."""
        wanted: dict[str, set[str]] = defaultdict(set)
        for node in nodes:
            for edge in node.edges:
                target = (edge.target_label, edge.target_key)
                if target not in created and target not in deleted:
                    wanted[edge.target_label].add(edge.target_key)
        found: dict[tuple[str, str], str] = {}
        for target_label, keys in wanted.items():
            for chunk in _chunks(sorted(keys)):
                result = tx.run(f"UNWIND $keys AS key MATCH (t:{_identifier(target_label)} {{_key: key}}) "
                                "RETURN t._key AS key, elementId(t) AS id", keys=chunk)
                found.update({(target_label, row["key"]): row["id"] for row in result})
        missing = [(node.label, node.key, edge.target_label, edge.target_key) for node in nodes for edge in node.edges
                   if (edge.target_label, edge.target_key) not in written
                   and (edge.target_label, edge.target_key) not in found]
        if missing:
            # A relationship to a node that is not there would otherwise vanish without a word.
            raise DanglingReferences(missing)
        return found

    @staticmethod
    def _create_edges(tx: ManagedTransaction, nodes: list[Node], targets: dict[tuple[str, str], str]) -> None:
        """Each node's relationships, owner and target found by element id (the owners were all written in this
        transaction, `targets` holds every other end)."""
        groups: dict[tuple[str, str, bool], list[dict[str, Any]]] = defaultdict(list)
        for node in nodes:
            owner = targets[(node.label, node.key)]
            for position, edge in enumerate(node.edges):
                groups[(node.label, edge.type, edge.outgoing)].append({
                    "o": owner, "t": targets[(edge.target_label, edge.target_key)], "owner": node.key,
                    "position": position})
        for (label, edge_type, outgoing), rows in groups.items():
            pattern = "(o)-[r:{t}]->(t)" if outgoing else "(t)-[r:{t}]->(o)"
            for chunk in _chunks(rows):
                tx.run("UNWIND $rows AS row MATCH (o) WHERE elementId(o) = row.o MATCH (t) WHERE elementId(t) = row.t "
                       f"CREATE {pattern.format(t=_identifier(edge_type))} "
                       "SET r._owner = row.owner, r._owner_label = $label, r._position = row.position",
                       rows=chunk, label=label).consume()

    # -- reading --------------------------------------------------------------------------------

    def _query(self, cypher: str, **parameters: Any) -> list[dict[str, Any]]:
        records, _, _ = self._driver.execute_query(cypher, parameters, database_=self._database,
                                                   routing_="r")
        return [record.data() for record in records]

    def read(self, label: str | None = None) -> Iterator[Node]:
        if label is None:
            rows = self._query("MATCH (n) WHERE n._label IS NOT NULL RETURN n._label AS label, n._key AS key, "
                               "n._body AS body ORDER BY label, key")
        else:
            rows = self._query(f"MATCH (n:{_identifier(label)}) RETURN n._label AS label, n._key AS key, "
                               "n._body AS body ORDER BY key")
        for row in rows:
            yield Node.from_body(row["label"], row["key"], json.loads(row["body"]))

    def get(self, label: str, key: str) -> Node | None:
        rows = self._query(f"MATCH (n:{_identifier(label)} {{_key: $key}}) RETURN n._body AS body", key=key)
        return Node.from_body(label, key, json.loads(rows[0]["body"])) if rows else None

    def node_keys(self) -> set[tuple[str, str]]:
        # Label by label: one scan of all nodes would also read every change-log entry.
        labels = [row["label"] for row in self._query("CALL db.labels() YIELD label RETURN label")
                  if row["label"] not in _OWN_LABELS and _IDENTIFIER.match(row["label"])]
        found: set[tuple[str, str]] = set()
        for label in labels:
            rows = self._query(f"MATCH (n:{_identifier(label)}) WHERE n._key IS NOT NULL RETURN n._key AS key")
            found.update((label, row["key"]) for row in rows)
        return found

    def counts(self) -> dict[str, int]:
        rows = self._query("MATCH (n) WHERE n._label IS NOT NULL RETURN n._label AS label, count(*) AS n "
                           "ORDER BY label")
        return {row["label"]: row["n"] for row in rows}

    def changes(
        self, *, since: datetime | None = None, label: str | None = None, key: str | None = None,
        after: int | None = None,
    ) -> list[Change]:
        rows = self._query(
            f"MATCH (e:{CHANGE_LABEL}) WHERE ($since IS NULL OR e.at >= $since) "
            "AND ($label IS NULL OR e.label = $label) AND ($key IS NULL OR e.key = $key OR e.operation = $load) "
            "AND ($after IS NULL OR e.seq > $after) RETURN e ORDER BY e.seq",
            since=since.astimezone(UTC).isoformat() if since else None, label=label, key=key, after=after,
            load=LOAD,
        )
        changes: list[Change] = []
        for row in rows:
            if row["e"].get("operation") == LOAD:
                changes += [c for c in _loaded(row["e"]) if key is None or c.key == key]
            else:
                changes.append(_change(row["e"]))
        return changes

    def log_records(self) -> list[LogRecord]:
        rows = self._query(f"MATCH (e:{CHANGE_LABEL}) RETURN e ORDER BY e.seq")
        return [LogRecord(*(row["e"].get(name) for name in _LOG_FIELDS), row["e"].get("prev_hash"),
                          row["e"].get("hash")) for row in rows]

    def revision(self) -> int:
        rows = self._query(f"MATCH (c:{COUNTER_LABEL} {{name: 'changes'}}) RETURN c.seq AS seq")
        return rows[0]["seq"] if rows else 0

    def derived(self, name: str) -> bytes | None:
        rows = self._query(f"MATCH (d:{DERIVED_LABEL} {{name: $name}}) RETURN d.data AS data", name=name)
        return bytes(rows[0]["data"]) if rows and rows[0]["data"] is not None else None

    def save_derived(self, name: str, data: bytes) -> None:
        # Outside the change-log counter's lock: no registry write waits for it, and none is logged.
        self._driver.execute_query(f"MERGE (d:{DERIVED_LABEL} {{name: $name}}) SET d.data = $data",
                                   {"name": name, "data": data}, database_=self._database)

    def close(self) -> None:
        self._driver.close()

    def drop_everything(self) -> None:
        """Empty the database, data and change log alike: for tests and benchmarks, never the CLI."""
        # CALL ... IN TRANSACTIONS needs an auto-commit transaction, hence session.run.
        # Relationships first: a node's DETACH DELETE takes all its relationships into one transaction, and a
        # country, purpose or data category of a 100,000-flow registry has tens of thousands of them (the server's
        # transaction memory pool ran out at size L).
        with self._driver.session(database=self._database) as session:
            session.run("MATCH ()-[r]->() CALL (r) { DELETE r } IN TRANSACTIONS OF 10000 ROWS").consume()
            session.run("MATCH (n) CALL (n) { DELETE n } IN TRANSACTIONS OF 10000 ROWS").consume()


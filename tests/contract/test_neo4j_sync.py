"""Neo4j writes at scale: a 10,000-flow registry copied from the embedded store (counts and content match),
and the relationships a created or updated node ends up with."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from benchmarks.generate import generate_registry
from graph.changelog import verify
from graph.neo4j import Neo4jStore
from graph.sqlite import SQLiteStore
from graph.store import DanglingReferences, Edge, LoadRefused, Node
from graph.sync import copy_store
from registry import manifest as manifests
from registry.mapping import LABELS
from registry.service import Service
from tests.neo4j_fixture import Neo4jConnection

pytestmark = [pytest.mark.neo4j, pytest.mark.slow]


class Interrupted(Exception):
    pass


def test_ten_thousand_flows_sync_and_read_back(neo4j_server: Neo4jConnection, tmp_path: Path) -> None:
    registry = generate_registry("10K")
    assert len(registry.flows) == 10_000
    source = Service(SQLiteStore(tmp_path / "big.sqlite"), actor="sync-test")
    source.import_manifest(manifests.Manifest.of(registry, "generated-10K"))
    target = Neo4jStore(neo4j_server.uri, neo4j_server.user, neo4j_server.password, labels=LABELS)
    target.drop_everything()
    try:
        # An interrupted sync (here: after the first batch) completes when run again.
        def stop_after_first_batch(progress: object) -> None:
            raise Interrupted

        with pytest.raises(Interrupted):
            source.sync_to(target, progress=stop_after_first_batch)
        assert 0 < sum(target.counts().values()) < sum(source.store.counts().values())

        started = time.perf_counter()
        result = source.sync_to(target)
        elapsed = time.perf_counter() - started
        print(f"\nneo4j sync of 10,000 flows: {elapsed:.1f} s, {10_000 / elapsed:,.0f} flows/s")
        assert result.created > 0
        assert target.counts() == source.store.counts()
        assert target.counts()["Flow"] == 10_000
        for label in ("Flow", "Processor", "Safeguard"):
            sample = list(source.store.read(label))[::997]
            assert [target.get(label, node.key) for node in sample] == sample

        again = source.sync_to(target)
        assert (again.created, again.updated, again.deleted) == (0, 0, 0)
    finally:
        target.close()


def relationships(store: Neo4jStore, key: str) -> list[tuple[str, str, str]]:
    rows = store._query("MATCH (n {_key: $key})-[r]-(m) WHERE r._owner = $key "
                        "RETURN type(r) AS type, m._key AS other, "
                        "CASE WHEN startNode(r) = n THEN 'out' ELSE 'in' END AS direction ORDER BY type, other",
                        key=key)
    return [(row["type"], row["other"], row["direction"]) for row in rows]


def test_created_and_updated_nodes_carry_exactly_their_relationships(neo4j_server: Neo4jConnection) -> None:
    """A new node gets its relationships without a lookup of old ones; an update replaces them all."""
    store = Neo4jStore(neo4j_server.uri, neo4j_server.user, neo4j_server.password)
    store.drop_everything()
    try:
        targets = [Node("Country", code, {"code": code}) for code in ("DE", "JP", "US")]
        store.write(targets, actor="t")
        first = Node("Processor", "p1", {"name": "P"}, (Edge("LOCATED_IN", "Country", "DE"),
                                                       Edge("PROCESSES_IN", "Country", "JP", outgoing=False)))
        assert store.write([first], actor="t").count("create") == 1
        assert relationships(store, "p1") == [("LOCATED_IN", "DE", "out"), ("PROCESSES_IN", "JP", "in")]
        moved = Node("Processor", "p1", {"name": "P"}, (Edge("LOCATED_IN", "Country", "US"),))
        result = store.write([moved], actor="t")
        assert result.count("update") == 1 and result.changes[0].after == moved.body()
        assert relationships(store, "p1") == [("LOCATED_IN", "US", "out")]
        assert store.get("Processor", "p1") == moved
        with pytest.raises(ValueError, match="not stored"):
            store.write([Node("Processor", "p2", {}, (Edge("LOCATED_IN", "Country", "XX"),))], actor="t")
        assert store.get("Processor", "p2") is None
    finally:
        store.drop_everything()
        store.close()


def test_a_node_that_loses_relationships_to_a_deleted_node_carries_exactly_the_rest(
        neo4j_server: Neo4jConnection) -> None:
    """The graph Cypher walks agrees with the bodies read back: the owner's remaining relationships, renumbered."""
    store = Neo4jStore(neo4j_server.uri, neo4j_server.user, neo4j_server.password)
    store.drop_everything()
    try:
        store.write([Node("Country", code, {"code": code}) for code in ("DE", "JP", "US")], actor="t")
        edges = (Edge("LOCATED_IN", "Country", "DE"), Edge("PROCESSES_IN", "Country", "JP", outgoing=False),
                 Edge("PROCESSES_IN", "Country", "US"))
        store.write([Node("Processor", "p1", {"name": "P"}, edges)], actor="t")
        result = store.write([], [("Country", "JP"), ("Country", "DE")], actor="t")
        assert [(c.operation, c.key) for c in result.changes] == [("update", "p1"), ("delete", "JP"), ("delete", "DE")]
        assert store.get("Processor", "p1") == Node("Processor", "p1", {"name": "P"},
                                                    (Edge("PROCESSES_IN", "Country", "US"),))
        assert relationships(store, "p1") == [("PROCESSES_IN", "US", "out")]
        positions = store._query("MATCH ()-[r]-() WHERE r._owner = 'p1' RETURN DISTINCT r._position AS p")
        assert positions == [{"p": 0}]
        assert store._query("MATCH (n) WHERE n._key IN ['DE', 'JP'] RETURN n") == []
    finally:
        store.drop_everything()
        store.close()


def graph_as_written(store: Neo4jStore) -> dict[str, object]:
    """Everything a reader of the database sees: every node's properties, every relationship with its ends,
    owner and position, the change log as `changes()` gives it, and the registry read back."""
    nodes = store._query("MATCH (n) WHERE n._label IS NOT NULL RETURN labels(n) AS labels, properties(n) AS props "
                         "ORDER BY n._label, n._key")
    edges = store._query("MATCH (a)-[r]->(b) WHERE r._owner IS NOT NULL RETURN type(r) AS type, a._label AS a_label, "
                         "a._key AS a, b._label AS b_label, b._key AS b, properties(r) AS props "
                         "ORDER BY type, a_label, a, b_label, b, r._position")
    changes = [(c.operation, c.label, c.key, c.before, c.after, c.actor, c.context) for c in store.changes()]
    return {"nodes": nodes, "edges": edges, "changes": changes,
            "registry": Service(store, actor="reader").registry()}


def test_bulk_load_writes_the_graph_the_batched_sync_writes(neo4j_server: Neo4jConnection, tmp_path: Path) -> None:
    """A first sync into an empty database loads in bulk (one change-log entry a batch); what it leaves is the
    graph, the change log read back and the registry the compared, batched sync leaves, with an intact chain."""
    registry = generate_registry("XS")
    source = Service(SQLiteStore(tmp_path / "xs.sqlite"), actor="sync-test")
    source.import_manifest(manifests.Manifest.of(registry, "generated-XS"))
    source.seed(replace=True)  # the seed's own shapes too: sub-processor chains, acknowledgements
    target = Neo4jStore(neo4j_server.uri, neo4j_server.user, neo4j_server.password, labels=LABELS)
    try:
        written = {}
        for bulk in (False, True):
            target.drop_everything()
            result = copy_store(source.store, target, label_order=LABELS, actor="sync-test", context="sync", bulk=bulk)
            assert result.created == sum(source.store.counts().values())
            entries = target.log_records()
            assert verify(entries).intact
            # Batched: an entry a record; loaded: an entry a label (each under 20,000 records).
            assert len(entries) == (len(source.store.counts()) if bulk else result.created)
            written[bulk] = graph_as_written(target)
        assert written[True] == written[False]
        assert written[True]["registry"] == source.registry()

        # Written to afterwards like any store: the next sync compares, and changes nothing.
        again = source.sync_to(target)
        assert (again.created, again.updated, again.deleted) == (0, 0, 0)
    finally:
        target.drop_everything()
        target.close()


def test_bulk_load_refuses_a_store_that_is_not_empty_or_moved(neo4j_server: Neo4jConnection) -> None:
    store = Neo4jStore(neo4j_server.uri, neo4j_server.user, neo4j_server.password)
    store.drop_everything()
    try:
        countries = [Node("Country", code, {"code": code}) for code in ("DE", "JP")]
        store.load(countries[:1], actor="t")
        with pytest.raises(LoadRefused, match="revision 0 to 1"):
            store.load(countries[1:], actor="t")  # a second loader that did not see the first
        with pytest.raises(DanglingReferences):
            store.load([Node("Processor", "p1", {}, (Edge("LOCATED_IN", "Country", "XX"),))], actor="t", revision=1)
        store.load(countries[1:], actor="t", revision=1)
        assert [(c.seq, c.operation, c.key) for c in store.changes()] == [(1, "create", "DE"), (2, "create", "JP")]
        assert store.changes(key="JP")[0].after == countries[1].body()
    finally:
        store.drop_everything()
        store.close()

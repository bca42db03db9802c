"""Neo4j writes at scale: a 10,000-flow registry copied from the embedded store (counts and content match),
and the relationships a created or updated node ends up with."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from benchmarks.generate import generate_registry
from graph.neo4j import Neo4jStore
from graph.sqlite import SQLiteStore
from graph.store import Edge, Node
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

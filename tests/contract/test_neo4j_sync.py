"""A 10,000-flow registry copied from the embedded store into a real Neo4j: counts and content match."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from benchmarks.generate import generate_registry
from graph.neo4j import Neo4jStore
from graph.sqlite import SQLiteStore
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

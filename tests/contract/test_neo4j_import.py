"""The offline first load (neo4j-admin import from the CSV files graph.neo4j_import writes, into a server the
project starts itself) leaves the graph the online first load leaves."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks.generate import generate_registry
from graph.changelog import verify
from graph.neo4j import Neo4jStore
from graph.neo4j_import import complete_import, write_import_files
from graph.sqlite import SQLiteStore
from graph.sync import copy_store
from registry import manifest as manifests
from registry.mapping import LABELS
from registry.service import Service
from tests.contract.test_neo4j_sync import graph_as_written
from tests.neo4j_fixture import Neo4jConnection
from tests.neo4j_server import Neo4jDevServer

pytestmark = [pytest.mark.neo4j, pytest.mark.slow]


def log_and_schema(store: Neo4jStore) -> dict[str, object]:
    """The change-log entries as stored, without the time they were written (and the hashes that cover it), the
    counter, and the constraints."""
    entries = [(r.seq, r.actor, r.operation, r.label, r.key, r.before, r.after, r.context, r.prev_hash is None)
               for r in store.log_records()]
    counter = [{**row["c"], "hash": row["c"].get("hash") is not None}
               for row in store._query("MATCH (c:ChangeLogCounter) RETURN properties(c) AS c")]
    constraints = store._query("SHOW CONSTRAINTS YIELD name, labelsOrTypes, properties RETURN * ORDER BY name")
    return {"entries": entries, "counter": counter, "constraints": constraints,
            "intact": verify(store.log_records()).intact, "revision": store.revision()}


def test_imported_graph_is_the_graph_the_online_load_writes(neo4j_server: Neo4jConnection, tmp_path: Path) -> None:
    registry = generate_registry("XS")
    source = Service(SQLiteStore(tmp_path / "xs.sqlite"), actor="sync-test")
    source.import_manifest(manifests.Manifest.of(registry, "generated-XS"))
    source.seed(replace=True)  # the seed's own shapes too: sub-processor chains, acknowledgements, empty lists

    online = Neo4jStore(neo4j_server.uri, neo4j_server.user, neo4j_server.password, labels=LABELS)
    try:
        online.drop_everything()
        copy_store(source.store, online, label_order=LABELS, actor="sync-test", context="sync")
        expected = graph_as_written(online), log_and_schema(online)
    finally:
        online.drop_everything()
        online.close()

    files = write_import_files(source.store.read(), tmp_path / "csv", label_order=LABELS, actor="sync-test",
                               context="sync")
    assert files.empty_lists  # the case the import tool cannot write is exercised
    server = Neo4jDevServer(data_dir=tmp_path / "imported", startup_timeout=600)
    server.import_csv(files.arguments())  # before the server's first start: the tool writes its store files
    with server:
        imported = Neo4jStore(server.uri, server.user, server.password, labels=LABELS)
        try:
            complete_import(imported, files)
            graph, log = graph_as_written(imported), log_and_schema(imported)
            for part in log:
                assert (part, log[part]) == (part, expected[1][part])
            assert graph == expected[0]
            assert graph_as_written(imported)["registry"] == source.registry()
        finally:
            imported.close()

"""Two `import --replace` at once, with random overlap, on both stores: the store ends up holding exactly one
of the two manifests (never a mix), and every read of it works."""

from __future__ import annotations

import random
import threading
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from graph.sqlite import SQLiteStore
from graph.store import GraphStore
from registry import manifest as manifests
from registry.mapping import to_nodes
from registry.service import Service
from tests.neo4j_fixture import Neo4jConnection

RUNS = 20


def manifest(tag: str, size: int) -> dict[str, object]:
    """A registry whose processors, purposes, safeguards and flows are all named after `tag`: two tags share
    only the organisation, the group company and the vocabulary."""
    return {
        "version": 1,
        "organisation": {"id": "example-group", "name": "Example Group"},
        "countries_of_operation": ["JP", "US"],
        "group_companies": [{"id": "hq", "name": "Example Group Inc.", "country": "JP", "region": "APAC",
                             "role": "controller"}],
        "processors": [{"id": f"p-{tag}-{i}", "name": f"Processor {tag} {i}", "country": "US",
                        "dpa_signed": "2024-03-01"} for i in range(size)],
        "data_subject_groups": [{"id": "entrants", "name": "Campaign entrants", "regions": ["JP"]}],
        "data_categories": [{"id": "user.contact.email", "name": "Email address"}],
        "purposes": [{"id": f"purpose-{tag}-{i}", "name": f"Purpose {tag} {i}",
                      "necessary_categories": ["user.contact.email"], "legal_basis": "contract"}
                     for i in range(size)],
        "safeguards": [{"id": f"scc-{tag}", "kind": "scc_2021", "module": 2, "effective": "2024-03-01"}],
        "flows": [{"id": f"f-{tag}-{i}", "from": "hq", "to": f"p-{tag}-{i}", "subjects": ["entrants"],
                   "categories": ["user.contact.email"], "purpose": f"purpose-{tag}-{i}",
                   "safeguards": [f"scc-{tag}"], "frequency": "systematic", "encrypted_in_transit": True,
                   "source": "policy 4-2"} for i in range(size)],
    }


def write_manifests(directory: Path, size: int) -> dict[str, Path]:
    paths = {}
    for tag in ("start", "a", "b"):
        paths[tag] = directory / f"{tag}.yaml"
        paths[tag].write_text(yaml.safe_dump(manifest(tag, size)), encoding="utf-8")
    return paths


def race(make_store: Callable[[], GraphStore], paths: dict[str, Path], seed: int) -> None:
    """Reset the store to the start manifest, then replace it with A and with B from two clients at once."""
    rng = random.Random(seed)
    delays = {"a": rng.uniform(0, 0.05), "b": rng.uniform(0, 0.05)}
    services = {tag: Service(make_store(), actor=f"replacer-{tag}") for tag in ("a", "b")}
    services["a"].import_file(paths["start"], replace=True)
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def replace_with(tag: str) -> None:
        barrier.wait()
        threading.Event().wait(delays[tag])
        try:
            services[tag].import_file(paths[tag], replace=True)
        except BaseException as error:  # reported by the test, not lost in the thread
            errors.append(error)

    threads = [threading.Thread(target=replace_with, args=(tag,)) for tag in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for service in services.values():
        service.store.close()
    assert errors == []


def assert_exactly_one_manifest(store: GraphStore, paths: dict[str, Path]) -> None:
    stored = store.node_keys()
    expected = {tag: {(n.label, n.key) for n in to_nodes(manifests.load(paths[tag]).fragment)} for tag in "ab"}
    winner = next((tag for tag in "ab" if stored == expected[tag]), None)
    assert winner is not None, f"a mix: {sorted(stored - expected['a'])[:3]} and {sorted(stored - expected['b'])[:3]}"
    reader = Service(store, actor="reader")
    registry = reader.registry()  # every read works: show, check and export all start here
    assert {p.id for p in registry.purposes} == {f"purpose-{winner}-{i}" for i in range(len(registry.purposes))}
    reader.summary()
    reader.check()
    assert manifests.dump(registry) == reader.export_manifest()


def test_overlapping_replaces_on_sqlite_leave_exactly_one_manifest(tmp_path: Path) -> None:
    paths = write_manifests(tmp_path, size=40)
    store_path = tmp_path / "race.sqlite"
    for run in range(RUNS):
        race(lambda: SQLiteStore(store_path), paths, seed=run)
        store = SQLiteStore(store_path)
        try:
            assert_exactly_one_manifest(store, paths)
        finally:
            store.close()


@pytest.mark.neo4j
def test_overlapping_replaces_on_neo4j_leave_exactly_one_manifest(
    tmp_path: Path, neo4j_server: Neo4jConnection
) -> None:
    from graph.neo4j import Neo4jStore
    from registry.mapping import LABELS

    def make() -> GraphStore:
        return Neo4jStore(neo4j_server.uri, neo4j_server.user, neo4j_server.password, labels=LABELS)

    paths = write_manifests(tmp_path, size=8)
    first = make()
    first.drop_everything()  # type: ignore[attr-defined]
    first.close()
    for run in range(RUNS):
        race(make, paths, seed=run)
        store = make()
        try:
            assert_exactly_one_manifest(store, paths)
        finally:
            store.close()

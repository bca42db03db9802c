"""Many processes writing at once: no lost update, no "database is locked" reaching a user."""

from __future__ import annotations

import multiprocessing
import time
from pathlib import Path

import pytest

from graph.sqlite import SQLiteStore
from graph.store import GraphStore
from graph.stores import open_store
from registry.mapping import LABELS
from registry.model import Processor, RegistryFragment
from registry.service import Service
from tests.neo4j_fixture import Neo4jConnection

WORKERS = 8
REGISTRATIONS = 500
# Neo4j registration resolves references against every stored key, so 8 x 500 there took 3 minutes alone
# and over the 10-minute limit on a loaded machine; 8 x 100 still interleaves eight writers throughout.
NEO4J_REGISTRATIONS = 100


def register_processors(store_spec: str, worker: int, registrations: int) -> tuple[int, list[str]]:
    """One process registering processors one at a time, as `flowreg processor add` would."""
    store = open_store(store_spec, LABELS)
    service = Service(store, actor=f"worker-{worker}")
    errors: list[str] = []
    done = 0
    try:
        for index in range(registrations):
            processor = Processor(id=f"p-{worker}-{index}", name=f"Processor {worker}/{index}",
                                  country=("US", "DE", "IN", "JP")[index % 4])
            try:
                result = service.register(RegistryFragment(processors=[processor]), source="concurrency test")
                done += result.created
            except Exception as error:  # counted, not raised: the test reports every lost write
                errors.append(f"{type(error).__name__}: {error}")
    finally:
        store.close()
    return done, errors


def run_workers(store_spec: str, registrations: int) -> tuple[list[tuple[int, list[str]]], float]:
    started = time.perf_counter()
    with multiprocessing.get_context("spawn").Pool(WORKERS) as pool:
        outcomes = pool.starmap(register_processors, [(store_spec, w, registrations) for w in range(WORKERS)])
    return outcomes, time.perf_counter() - started


def assert_nothing_lost(outcomes: list[tuple[int, list[str]]], store: GraphStore, registrations: int) -> None:
    errors = [error for _, worker_errors in outcomes for error in worker_errors]
    assert errors == [], errors[:5]
    assert sum(done for done, _ in outcomes) == WORKERS * registrations
    assert store.counts()["Processor"] == WORKERS * registrations
    logged = [c for c in store.changes(label="Processor")]
    assert len(logged) == WORKERS * registrations
    assert {c.operation for c in logged} == {"create"}
    per_actor = {f"worker-{w}": 0 for w in range(WORKERS)}
    for change in logged:
        per_actor[change.actor] += 1
    assert set(per_actor.values()) == {registrations}
    seqs = [c.seq for c in store.changes()]
    assert seqs == sorted(set(seqs))


@pytest.mark.slow
def test_eight_processes_registering_500_processors_each_lose_nothing(tmp_path: Path) -> None:
    store_path = tmp_path / "shared.sqlite"
    SQLiteStore(store_path).close()
    outcomes, elapsed = run_workers(str(store_path), REGISTRATIONS)
    store = SQLiteStore(store_path)
    try:
        assert_nothing_lost(outcomes, store, REGISTRATIONS)
    finally:
        store.close()
    print(f"\n{WORKERS * REGISTRATIONS} registrations by {WORKERS} processes in {elapsed:.1f}s")


@pytest.mark.slow
@pytest.mark.neo4j
def test_the_same_on_neo4j(neo4j_server: Neo4jConnection, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEO4J_USER", neo4j_server.user)
    monkeypatch.setenv("NEO4J_PASSWORD", neo4j_server.password)
    monkeypatch.delenv("NEO4J_DATABASE", raising=False)
    store = open_store(neo4j_server.uri, LABELS)
    try:
        store.drop_everything()  # type: ignore[attr-defined]
        outcomes, elapsed = run_workers(neo4j_server.uri, NEO4J_REGISTRATIONS)
        assert_nothing_lost(outcomes, store, NEO4J_REGISTRATIONS)
    finally:
        store.close()
    print(f"\nneo4j: {WORKERS * NEO4J_REGISTRATIONS} registrations by {WORKERS} processes in {elapsed:.1f}s")

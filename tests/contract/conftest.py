"""One contract suite, run on every store: a store is done when it passes it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from graph.sqlite import SQLiteStore
from graph.store import GraphStore
from registry.mapping import LABELS

STORE_KINDS = ["sqlite", pytest.param("neo4j", marks=pytest.mark.neo4j)]


@pytest.fixture(params=STORE_KINDS)
def make_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Callable[[], GraphStore]]:
    """A factory of handles on ONE fresh store (several handles = several clients of the same data)."""
    opened: list[GraphStore] = []
    if request.param == "neo4j":
        from graph.neo4j import Neo4jStore

        server = request.getfixturevalue("neo4j_server")

        def make() -> GraphStore:
            store = Neo4jStore(server.uri, server.user, server.password, labels=LABELS)
            if not opened:
                store.drop_everything()  # one server per session: each test starts from an empty graph
            opened.append(store)
            return store
    else:
        def make() -> GraphStore:
            store = SQLiteStore(tmp_path / "contract.sqlite")
            opened.append(store)
            return store

    yield make
    for store in opened:
        store.close()


@pytest.fixture
def store(make_store: Callable[[], GraphStore]) -> GraphStore:
    return make_store()

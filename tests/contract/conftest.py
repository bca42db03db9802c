"""One contract suite, run on every store: a store is done when it passes it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from graph.sqlite import SQLiteStore
from graph.store import GraphStore

STORE_KINDS = ["sqlite"]


@pytest.fixture(params=STORE_KINDS)
def make_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Callable[[], GraphStore]]:
    """A factory of handles on ONE fresh store (several handles = several clients of the same data)."""
    opened: list[GraphStore] = []

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

"""Open the store a spec names the way every registry entry point does: with the registry's labels, and
graph's "cannot open" turned into a FlowregError (exit 3) so the CLI and dashboard report it like any other."""

from __future__ import annotations

from pathlib import Path

from graph import store as graph_store
from graph.store import GraphStore
from graph.stores import open_store as open_graph_store
from registry.errors import StoreUnavailable
from registry.mapping import LABELS


def open_store(spec: str | Path, *, create: bool = False) -> GraphStore:
    """`create` False (every command but init, seed and import): a missing SQLite file is refused, so a typo
    in --store never checks an empty registry and passes."""
    try:
        return open_graph_store(spec, LABELS, create=create)
    except graph_store.StoreUnavailable as error:
        raise StoreUnavailable(str(error)) from None

"""Open the store a spec names: a path to a SQLite file, or a Neo4j URI."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from graph.store import GraphStore

NEO4J_SCHEMES = ("neo4j://", "neo4j+s://", "neo4j+ssc://", "bolt://", "bolt+s://", "bolt+ssc://")


def is_neo4j(spec: str) -> bool:
    return spec.startswith(NEO4J_SCHEMES)


def open_store(spec: str | Path, labels: Iterable[str] = (), *, create: bool = True) -> GraphStore:
    """The store behind `spec`; Neo4j credentials come from NEO4J_USER/NEO4J_PASSWORD/NEO4J_DATABASE.

    `labels` are the schema's node labels: a Neo4j store creates their key constraints on connect.
    `create` False: a SQLite file that does not exist raises StoreUnavailable instead of becoming a new store
    (a Neo4j database always exists once the server does).
    """
    text = str(spec)
    if is_neo4j(text):
        from graph.neo4j import Neo4jStore  # imported here: the embedded store must not need the driver

        return Neo4jStore.from_environment(text, labels)
    from graph.sqlite import SQLiteStore

    return SQLiteStore(text, create=create)

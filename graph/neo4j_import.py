"""CSV files for `neo4j-admin database import full`: the graph a first load into an empty Neo4j leaves, written
offline for a server that is stopped or not yet started (the import tool writes the store files directly).

The files hold what `Neo4jStore.load` writes through `graph.sync.copy_store` into an empty database: each
record a node with its label, `_key`, `_label`, `_body` and queryable properties; each relationship with
`_owner`, `_owner_label` and `_position`; one hash-chained `load` entry a batch of `LOAD_BATCH` records in
the same batches; the change-log counter at the last entry. Constraints cannot be imported by Community
Edition: opening a `Neo4jStore` on the started server with the records' labels creates them.

Nodes are grouped by label and by the names and types of their queryable properties, one file a group, so
no column is empty for a node that lacks the property (an empty field would be read as "no property").
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from graph.neo4j import BATCH_ROWS, CHANGE_LABEL, COUNTER_LABEL, Neo4jStore, _identifier, _queryable, load_entry
from graph.store import Node
from graph.sync import LOAD_BATCH, _batches

DATABASE = "neo4j"
# Between array elements: a control character no registry text holds (checked while writing).
ARRAY_DELIMITER = "\x1f"
_SCALAR_TYPES = ((bool, "boolean"), (int, "long"), (float, "double"), (str, "string"))
_MIN_READ_BUFFER = 4 * 1024 * 1024  # the tool's default; it must hold the largest single value


class NotImportable(ValueError):
    """A value the CSV files cannot carry as the online load would store it."""


@dataclass
class ImportFiles:
    """What was written and the arguments that import it (`neo4j-admin database import full ARGS`)."""

    directory: Path
    nodes: list[tuple[str, Path]] = field(default_factory=list)  # label, file
    relationships: list[tuple[str, Path]] = field(default_factory=list)  # type, file
    records: int = 0
    entries: int = 0
    labels: set[str] = field(default_factory=set)
    largest_value: int = 0
    multiline: bool = False
    # (label, property) -> keys of the records whose property is an empty list: set once the server runs.
    empty_lists: dict[tuple[str, str], list[str]] = field(default_factory=dict)

    def arguments(self, database: str = DATABASE) -> list[str]:
        buffer = max(_MIN_READ_BUFFER, 2 * self.largest_value + 1024)
        return [
            *(f"--nodes={label}={path}" for label, path in self.nodes),
            *(f"--relationships={edge_type}={path}" for edge_type, path in self.relationships),
            f"--array-delimiter=U+{ord(ARRAY_DELIMITER):04X}",
            f"--read-buffer-size={buffer}",
            f"--multiline-fields={'true' if self.multiline else 'false'}",
            "--strict=true",  # a relationship to a node not in the files fails the import, as the load refuses it
            database,
        ]


def _kind(value: Any) -> str | None:
    """The import tool's type of a queryable value, as the driver would have stored it; None for an empty list,
    which the tool reads as no property at all."""
    items = value if isinstance(value, list) else [value]
    for python_type, name in _SCALAR_TYPES:
        if items and isinstance(items[0], python_type):
            return name + ("[]" if isinstance(value, list) else "")
    return None


class _Writer:
    def __init__(self, files: ImportFiles) -> None:
        self.files = files

    def text(self, value: str) -> str:
        if ARRAY_DELIMITER in value:
            raise NotImportable(f"a text holds the array delimiter U+{ord(ARRAY_DELIMITER):04X}")
        return self.quoted(value)

    def quoted(self, value: str) -> str:
        if "\n" in value or "\r" in value:
            self.files.multiline = True
        self.files.largest_value = max(self.files.largest_value, len(value.encode("utf-8")))
        return '"' + value.replace('"', '""') + '"'

    def scalar(self, value: Any) -> str:
        if value is None:
            return ""  # an empty, unquoted field: no property, as `SET n = map` with a null leaves none
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, int):
            return str(value)
        if isinstance(value, float):
            if not math.isfinite(value):
                raise NotImportable(f"{value!r} has no CSV form")
            return repr(value)
        return self.text(value)

    def value(self, value: Any) -> str:
        if isinstance(value, list):
            items = [self.text(item)[1:-1].replace('""', '"') if isinstance(item, str) else self.scalar(item)
                     for item in value]
            return self.quoted(ARRAY_DELIMITER.join(items))
        return self.scalar(value)

    def write(self, path: Path, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
        with open(path, "w", encoding="utf-8", newline="") as out:
            out.write(",".join(header) + "\n")
            for number, row in enumerate(rows, start=1):
                out.write(",".join(self._cell(path, number, row, column, value)
                                   for column, value in zip(header, row, strict=False)) + "\n")

    def _cell(self, path: Path, number: int, row: Sequence[Any], column: str, value: Any) -> str:
        try:
            return self.value(value)
        except NotImportable as problem:  # say where: the file, the row and its first cell (its key), the column
            raise NotImportable(f"{path.name}, row {number} ({row[0]!r}), column {column}: {problem}") from None


def write_import_files(nodes: Iterable[Node], directory: Path, *, label_order: Sequence[str], actor: str,
                       context: str | None, at: datetime | None = None,
                       batch_size: int = LOAD_BATCH) -> ImportFiles:
    """Write the CSV files of the graph `copy_store` loads for `nodes` into an empty Neo4j; NotImportable (before
    any import) for a value they cannot carry, and ValueError for a relationship to a record not among them."""
    directory.mkdir(parents=True, exist_ok=True)
    at = at or datetime.now(UTC)
    files = ImportFiles(directory)
    writer = _Writer(files)
    nodes_by_label: dict[str, list[Node]] = defaultdict(list)
    for node in nodes:
        nodes_by_label[node.label].append(node)
    keys = {(label, node.key) for label, group in nodes_by_label.items() for node in group}
    if len(keys) != sum(len(group) for group in nodes_by_label.values()):
        raise ValueError("a load holds each record once")
    files.labels = set(nodes_by_label)

    # Records, one file per label and property signature; bodies kept for the change log.
    bodies: dict[tuple[str, str], str] = {}
    groups: dict[tuple[str, tuple[tuple[str, str], ...]], list[tuple[Node, dict[str, Any]]]] = defaultdict(list)
    for label, group in nodes_by_label.items():
        _identifier(label)
        for node in group:
            bodies[(label, node.key)] = node.canonical()
            properties = _queryable(node.properties)
            kinds = {name: _kind(value) for name, value in properties.items()}
            for name, kind in kinds.items():
                if kind is None:
                    files.empty_lists.setdefault((label, name), []).append(node.key)
            signature = tuple(sorted((name, kind) for name, kind in kinds.items() if kind is not None))
            groups[(label, signature)].append((node, properties))
    for number, ((label, signature), members) in enumerate(groups.items()):
        path = directory / f"nodes-{number}.csv"
        header = [f":ID({label})", "_key", "_label", "_body", *(f"{name}:{kind}" for name, kind in signature)]
        writer.write(path, header, ([node.key, node.key, label, bodies[(label, node.key)],
                                     *(properties[name] for name, _ in signature)] for node, properties in members))
        files.nodes.append((label, path))
    files.records = len(bodies)

    # Relationships, one file per owner label, type, direction and target label.
    edges: dict[tuple[str, str, bool, str], list[list[Any]]] = defaultdict(list)
    for label, group in nodes_by_label.items():
        for node in group:
            for position, edge in enumerate(node.edges):
                if (edge.target_label, edge.target_key) not in keys:
                    raise ValueError(f"{label} {node.key!r} points at {edge.target_label} {edge.target_key!r}, "
                                     "which the load does not hold")
                edges[(label, edge.type, edge.outgoing, edge.target_label)].append(
                    [node.key, edge.target_key, node.key, label, position] if edge.outgoing
                    else [edge.target_key, node.key, node.key, label, position])
    for number, ((label, edge_type, outgoing, target_label), rows) in enumerate(edges.items()):
        start, end = (label, target_label) if outgoing else (target_label, label)
        path = directory / f"relationships-{number}.csv"
        writer.write(path, [f":START_ID({start})", f":END_ID({end})", "_owner", "_owner_label", "_position:long"],
                     rows)
        files.relationships.append((_identifier(edge_type).strip("`"), path))

    # The change log: the entries copy_store's load would leave, one a batch, chained; then the counter.
    entries: list[dict[str, Any]] = []
    prev_hash: str | None = None
    for seq, batch in enumerate(_batches(nodes_by_label, label_order, batch_size), 1):
        loaded = sorted(((node, bodies[(node.label, node.key)]) for node in batch),
                        key=lambda item: (item[0].label, item[0].key))
        entry = load_entry(loaded, seq=seq, prev_hash=prev_hash, at=at, actor=actor, context=context)
        entries.append(entry)
        prev_hash = entry["hash"]
    columns = ("seq", "at", "actor", "operation", "label", "key", "before", "after", "context", "prev_hash", "hash")
    path = directory / "changes.csv"
    writer.write(path, ["seq:long", *columns[1:]], ([entry[name] for name in columns] for entry in entries))
    files.nodes.append((CHANGE_LABEL, path))
    path = directory / "counter.csv"
    writer.write(path, ["name", "seq:long", "hash"], [["changes", len(entries), prev_hash]])
    files.nodes.append((COUNTER_LABEL, path))
    files.entries = len(entries)
    return files



def complete_import(store: Neo4jStore, files: ImportFiles) -> None:
    """What the import tool cannot write, on the started server, opened with `labels=files.labels` (which
    creates the constraints a load creates): the empty list properties."""
    for (label, name), keys in files.empty_lists.items():
        prop = "`" + name.replace("`", "``") + "`"
        for start in range(0, len(keys), BATCH_ROWS):
            store._driver.execute_query(f"UNWIND $keys AS key MATCH (n:{_identifier(label)} {{_key: key}}) "
                                        f"SET n.{prop} = []", keys=keys[start : start + BATCH_ROWS],
                                        database_=store._database)

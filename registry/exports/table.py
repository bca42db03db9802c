"""The shape every export shares: named tables of typed columns, independent of the file format.

A table's rows are made as a format walks them, never held: the record of processing at size L has over a
million rows. A row is its leading cells (`head`) followed by a `Tail`, the trailing cells and the row's flag,
which rows built from the same facts share (the processor rows of one processor, purpose and set of flows differ
only in the controller served), so a format renders a shared tail once and keeps that rendering on it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from itertools import islice
from typing import ClassVar

from registry.checks.finding import Severity
from registry.model import Organisation

# A cell keeps its type until a format renders it: dates stay dates (real dates in XLSX), lists stay lists
# (arrays in JSON, "; "-joined text in CSV and XLSX).
Cell = str | list[str] | date | bool | int | None
Row = dict[str, Cell]
Cells = tuple[Cell, ...]


class Kind(StrEnum):
    TEXT = "text"
    LIST = "list"
    DATE = "date"
    BOOL = "bool"
    INT = "int"


@dataclass(frozen=True)
class Column:
    key: str  # JSON key
    header: str  # CSV and XLSX heading
    kind: Kind = Kind.TEXT
    width: int = 24  # XLSX column width in characters


class Tail:
    """The cells a row ends with and the row's flag: the highest severity of the unacknowledged findings it
    shows, or None (rendered as a fill). `rendered` holds what each format made of it, by format."""

    __slots__ = ("cells", "flag", "rendered")

    def __init__(self, cells: Cells, flag: Severity | None) -> None:
        self.cells = cells
        self.flag = flag
        self.rendered: dict[str, object] = {}

    EMPTY: ClassVar[dict[Severity | None, Tail]]  # no cells, by flag: for rows made whole in their head


Tail.EMPTY = {flag: Tail((), flag) for flag in (None, *Severity)}


Record = tuple[Cells, Tail]  # one row: its head cells, then its tail's


@dataclass(frozen=True)
class Rows:
    """A table's rows, walked afresh by each call of `walk`; `count` says how many without making them."""

    count: int
    walk: Callable[[], Iterator[Record]]


def listed(rows: Sequence[Row], flags: Sequence[Severity | None], columns: Sequence[Column]) -> Rows:
    """Rows held as dicts (small tables: a what-if's result)."""
    keys = [column.key for column in columns]

    def walk() -> Iterator[Record]:
        for row, flag in zip(rows, flags, strict=True):
            yield tuple(row.get(key) for key in keys), Tail.EMPTY[flag]

    return Rows(len(rows), walk)


class RowView(Sequence[Row]):
    """A table's rows as dicts by column key, made on request: for reading a few (tests, the README sample);
    the formats walk the records instead. Indexing walks up to the row."""

    def __init__(self, table: Table) -> None:
        self._table = table

    def __len__(self) -> int:
        return self._table.source.count

    def __iter__(self) -> Iterator[Row]:
        keys = [column.key for column in self._table.columns]
        for head, tail in self._table.records():
            yield dict(zip(keys, head + tail.cells, strict=True))

    def __getitem__(self, index: int) -> Row:  # type: ignore[override]
        if index < 0:
            index += len(self)
        for row in islice(self, index, None):
            return row
        raise IndexError(index)


class Table:
    """A named table: its columns and its rows, given as dicts (`rows` with `flags`) or as `Rows` to walk."""

    def __init__(self, name: str, title: str, columns: tuple[Column, ...], rows: Sequence[Row] | Rows,
                 flags: Sequence[Severity | None] = ()) -> None:
        self.name = name  # ropa | transfers | findings: file and sheet names derive from it
        self.title = title
        self.columns = columns
        self.source = rows if isinstance(rows, Rows) else listed(rows, flags, columns)

    def records(self) -> Iterator[Record]:
        return self.source.walk()

    @property
    def rows(self) -> RowView:
        return RowView(self)

    @property
    def flags(self) -> tuple[Severity | None, ...]:
        return tuple(tail.flag for _, tail in self.records())

    @property
    def flagged(self) -> int:
        return sum(tail.flag is not None for _, tail in self.records())


@dataclass(frozen=True)
class ExportTables:
    as_of: date
    organisation: Organisation | None
    tables: dict[str, Table] = field(default_factory=dict)  # in export order: ropa, transfers, findings
    reference_reviewed: date | None = None  # when the transfer-regime facts were last checked
    reference_warning: str | None = None  # said when the as-of day is long after that review

    def select(self, which: str) -> list[Table]:
        if which == "all":
            return list(self.tables.values())
        return [self.tables[which]]

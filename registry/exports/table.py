"""The shape every export shares: named tables of typed columns, independent of the file format."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from registry.checks.finding import Severity
from registry.model import Organisation

# A cell keeps its type until a format renders it: dates stay dates (real dates in XLSX), lists stay lists
# (arrays in JSON, "; "-joined text in CSV and XLSX).
Cell = str | list[str] | date | bool | int | None
Row = dict[str, Cell]


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


@dataclass(frozen=True)
class Table:
    name: str  # ropa | transfers | findings: file and sheet names derive from it
    title: str
    columns: tuple[Column, ...]
    rows: tuple[Row, ...]
    # Per row: the highest severity of the unacknowledged findings it shows, or None (rendered as a fill).
    flags: tuple[Severity | None, ...]

    @property
    def flagged(self) -> int:
        return sum(flag is not None for flag in self.flags)


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

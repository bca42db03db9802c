"""A workbook a lawyer can file: a cover sheet, then one sheet per table.

Each table sheet has a frozen, filterable header row, column widths that fit the first rows, dates as real
dates (yyyy-mm-dd), text cells neutralised against formula injection, and the rows that show an
unacknowledged finding filled by the finding's severity. The file is written row by row
(registry.exports.spreadsheetml) in one walk of each table as the table makes them: a column's width comes
from its heading and the first rows (`SAMPLE_ROWS`), and the cover, first in the workbook, is written last,
when the walks have counted the rows it names.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from itertools import chain, islice
from typing import IO

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import PatternFill

from registry.checks.finding import Severity
from registry.exports.cells import neutralise, spreadsheet_text
from registry.exports.spreadsheetml import CellStyle, SheetWriter, WorkbookWriter, escape, number, serial, text
from registry.exports.table import Cell, Column, ExportTables, Kind, Record, Table

DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm:ss"
SHEET_TITLES = {"ropa": "Record of processing", "transfers": "Transfer register", "findings": "Findings"}
FILLS = {
    Severity.HIGH: PatternFill("solid", fgColor="F8CBAD"),
    Severity.MEDIUM: PatternFill("solid", fgColor="FFE699"),
    Severity.LOW: PatternFill("solid", fgColor="DDEBF7"),
}
HEADER_FILL = "D9D9D9"
_LINE_HEIGHT = 12.75  # points per line of the default 11-point font
_MAX_ROW_HEIGHT = 409  # the most a spreadsheet row can be
_MAX_LINES = int((_MAX_ROW_HEIGHT - 3) // _LINE_HEIGHT) + 1  # lines beyond which a row is as high as it can be
# Rows measured for the column widths before the first is written. A width only shapes the view: text longer
# than its column wraps and its row grows to show it all, so a later, longer cell is never cut. The first rows
# are of every kind a table has but the Art. 30(2) record's processor rows at sizes where the controllers' rows
# alone fill the sample: a column with no text in a cut sample takes its cap (Column.width). Measuring every
# row cost a second walk of the 1.6 million rows at size L (about a third of the XLSX export's time).
SAMPLE_ROWS = 2_000


def _fill(severity: Severity) -> str:
    return str(FILLS[severity].fgColor.rgb)[-6:]


# Every style a cell takes, made once; a table cell is its column's kind and its row's flag.
_WRAP = {"vertical": "top", "wrap": True}
_TEXT = {flag: CellStyle(**_WRAP, fill=_fill(flag) if flag else None) for flag in (None, *Severity)}  # type: ignore[arg-type]
_DATE = {flag: CellStyle(**_WRAP, fill=_fill(flag) if flag else None, number_format=DATE_FORMAT)  # type: ignore[arg-type]
         for flag in (None, *Severity)}
_HEADER = CellStyle(bold=True, fill=HEADER_FILL, **_WRAP)  # type: ignore[arg-type]
_COVER_HEADER = CellStyle(bold=True, fill=HEADER_FILL)
_TITLE = CellStyle(bold=True, size=14)
_LABEL = CellStyle(bold=True)
_FACT = CellStyle(horizontal="left", vertical="top", wrap=True)
_FACT_WARNING = CellStyle(bold=True, color="C00000", horizontal="left", vertical="top", wrap=True)
_FACT_DATE = CellStyle(horizontal="left", vertical="top", wrap=True, number_format=DATE_FORMAT)
_FACT_DATETIME = CellStyle(horizontal="left", vertical="top", wrap=True, number_format=DATETIME_FORMAT)
_LEGEND = {severity: CellStyle(fill=_fill(severity)) for severity in Severity}
STYLES = (*_TEXT.values(), *_DATE.values(), _HEADER, _COVER_HEADER, _TITLE, _LABEL, _FACT, _FACT_WARNING,
          _FACT_DATE, _FACT_DATETIME, *_LEGEND.values())


def _legal(text: str) -> str:
    """The text with the control characters XML 1.0 cannot hold written as visible escapes (a spreadsheet
    program would refuse the file). The model refuses them at import; this keeps a store written before that,
    or by another tool, exportable."""
    return ILLEGAL_CHARACTERS_RE.sub(lambda match: f"\\x{ord(match.group()):02x}", text)


def _lines(value: str, chars: int) -> int:
    """How many lines `value` takes wrapped at `chars` characters a line."""
    return sum(-(-len(part) // chars) or 1 for part in value.split("\n"))


def _height(values: Iterable[str], widths: Sequence[float]) -> float:
    """A row's height for its wrapped text (spreadsheet programs do not grow rows written by a library), its
    cells' columns `widths` wide; empty text for a cell that holds none."""
    lines = 1
    for value, width in zip(values, widths, strict=False):
        if value:
            lines = max(lines, _lines(value, max(int(width * 0.85) - 1, 1)))  # words wrap before the edge
    return min(_LINE_HEIGHT * lines + 3, _MAX_ROW_HEIGHT)


def _cover(workbook: WorkbookWriter, tables: ExportTables, chosen: Sequence[tuple[Table, _Counts]],
           generated_at: datetime) -> None:
    """The cover sheet, first in the workbook; written after the tables' sheets, whose rows it counts."""
    organisation = tables.organisation
    widths = (44, 70, 24)
    sheet = workbook.sheet("Cover", widths, position=0)

    def add(*cells: tuple[object, CellStyle | None]) -> None:
        row, parts, texts = sheet.next_row, [], []
        for letter, (value, style) in zip("ABC", cells, strict=False):
            index = workbook.style(style) if style else 0
            if isinstance(value, date):
                parts.append(number(f"{letter}{row}", index, serial(value)))
            elif isinstance(value, int):
                parts.append(number(f"{letter}{row}", index, value))
            else:
                parts.append(text(f"{letter}{row}", index, str(value)))
            texts.append(value if isinstance(value, str) else "")
        sheet.row(_height(texts, widths), *parts)

    add(("Record of processing activities (GDPR Art. 30) and transfer register", _TITLE))
    add()
    facts: list[tuple[str, object]] = [
        ("Organisation", organisation.name if organisation else "not recorded"),
        ("Contact", organisation.contact if organisation and organisation.contact else "not recorded"),
        ("Data protection officer", organisation.dpo if organisation and organisation.dpo else "not recorded"),
        ("Representative", organisation.representative if organisation and organisation.representative
         else "not recorded"),
        ("As of", tables.as_of),
        ("Reference data reviewed", tables.reference_reviewed or "not recorded"),
        *((("Warning", tables.reference_warning),) if tables.reference_warning else ()),
        ("Generated (UTC)", generated_at.replace(tzinfo=None)),
        ("Generated by", "flowreg"),
    ]
    for label, value in facts:
        style = (_FACT_DATETIME if isinstance(value, datetime) else _FACT_DATE if isinstance(value, date)
                 else _FACT_WARNING if label == "Warning" else _FACT)
        add((label, _LABEL), (_legal(neutralise(value)) if isinstance(value, str) else value, style))
    add()
    add(*((heading, _COVER_HEADER) for heading in ("Sheet", "Rows", "Rows with open findings")))
    for table, counts in chosen:
        add((_legal(SHEET_TITLES.get(table.name, table.title)), None), (counts.rows, _FACT),
            (counts.flagged, _FACT))
    add()
    add(("Row fill", _LABEL))
    for severity in Severity:
        add((f"{severity.value} severity finding, not acknowledged", _LEGEND[severity]))


@dataclass
class _Counts:
    """What the cover says of a sheet: how many rows, how many flagged."""

    rows: int
    flagged: int


def _widths(columns: Sequence[Column], sample: Sequence[Record], cut: bool) -> list[int]:
    """Each column as wide as its text in `sample` up to the column's cap (longer text wraps), never narrower
    than a heading's word; a column with no text in a `cut` sample (rows follow it) takes its cap."""
    longest = [0] * len(columns)
    measured: set[int] = set()  # a shared tail is measured once
    for head, tail in sample:
        for index, cell in enumerate(head):
            longest[index] = max(longest[index], len(spreadsheet_text(cell)))
        if id(tail) not in measured:
            measured.add(id(tail))
            for index, cell in enumerate(tail.cells, start=len(head)):
                longest[index] = max(longest[index], len(spreadsheet_text(cell)))
    return [max(column.width if cut and not length else min(length + 2, column.width),
                max(len(word) for word in column.header.split()) + 2, 10)
            for column, length in zip(columns, longest, strict=True)]


_Rendered = tuple[str, int]  # cells as SpreadsheetML without references; lines the row needs


@dataclass(frozen=True)
class _Markup:
    """What a row's cells start with in one row style (a flag's fill), made once per sheet."""

    empty: str
    text: str
    spaced: str  # text with leading or trailing spaces, which a reader would otherwise drop
    number: str
    date: str

    @classmethod
    def of(cls, plain: int, day: int) -> _Markup:
        return cls(f'<c s="{plain}"/>', f'<c s="{plain}" t="inlineStr"><is><t>',
                   f'<c s="{plain}" t="inlineStr"><is><t xml:space="preserve">', f'<c s="{plain}"><v>',
                   f'<c s="{day}"><v>')


def _render(values: Sequence[Cell], columns: Sequence[tuple[bool, int]], markup: _Markup) -> _Rendered:
    """Cells as SpreadsheetML without their references (a cell follows the one before it), with the lines
    their wrapped text takes; text XML 1.0 cannot hold is written as visible escapes (`_legal`)."""
    parts: list[str] = []
    lines = 1
    for value, (typed, chars) in zip(values, columns, strict=True):
        if value is None:
            parts.append(markup.empty)
        elif typed and isinstance(value, date):
            parts.append(f"{markup.date}{serial(value)}</v></c>")
        elif typed and isinstance(value, int) and not isinstance(value, bool):
            parts.append(f"{markup.number}{value}</v></c>")
        else:
            shown = spreadsheet_text(value)
            if not shown:  # empty text (an empty list) is an empty cell, as a spreadsheet program stores it
                parts.append(markup.empty)
                continue
            if ILLEGAL_CHARACTERS_RE.search(shown):  # rare: a store written before the model refused them
                shown = _legal(shown)
            parts.append(f"{markup.text if shown.strip() == shown else markup.spaced}{escape(shown)}</t></is></c>")
            if len(shown) > chars * lines or "\n" in shown:
                lines = max(lines, _lines(shown, chars))
    return "".join(parts), lines


def _table_sheet(workbook: WorkbookWriter, title: str, table: Table) -> _Counts:
    """The table's sheet, written in one walk of its rows."""
    records = table.records()
    sample = list(islice(records, SAMPLE_ROWS + 1))  # one more than measured: whether rows follow the sample
    widths = _widths(table.columns, sample[:SAMPLE_ROWS], cut=len(sample) > SAMPLE_ROWS)
    sheet: SheetWriter = workbook.sheet(title, widths, frozen_heading=True, print_title_rows=True, filtered=True)
    header = workbook.style(_HEADER)
    headings = [_legal(neutralise(column.header)) for column in table.columns]
    sheet.row(_height(headings, widths), *(text(f"{letter}1", header, heading)
                                          for letter, heading in zip(sheet.letters, headings, strict=False)))
    markups = {flag: _Markup.of(workbook.style(_TEXT[flag]), workbook.style(_DATE[flag])) for flag in (None, *Severity)}
    columns = [(column.kind in (Kind.DATE, Kind.INT), max(int(width * 0.85) - 1, 1))
               for column, width in zip(table.columns, widths, strict=False)]
    split_columns = {split: (columns[:split], columns[split:]) for split in range(len(columns) + 1)}
    heights = [min(_LINE_HEIGHT * lines + 3, _MAX_ROW_HEIGHT) for lines in range(_MAX_LINES + 1)]
    flagged = 0
    # The loop below runs for every row of the largest tables: a shared tail is rendered once, and a row adds its
    # head's cells.
    for head, tail in chain(sample, records):
        markup = markups[tail.flag]
        flagged += tail.flag is not None
        head_columns, tail_columns = split_columns[len(head)]
        rendered: _Rendered | None = tail.rendered.get("xlsx")  # type: ignore[assignment]
        if rendered is None:
            rendered = tail.rendered["xlsx"] = _render(tail.cells, tail_columns, markup)
        cells, lines = _render(head, head_columns, markup)
        sheet.row(heights[min(max(lines, rendered[1]), _MAX_LINES)], cells, rendered[0])
    return _Counts(sheet.rows - 1, flagged)


def write_xlsx(tables: ExportTables, chosen: Sequence[Table], generated_at: datetime, target: IO[bytes]) -> None:
    workbook = WorkbookWriter(target, STYLES, title="Record of processing activities", created=generated_at)
    counts = [(table, _table_sheet(workbook, SHEET_TITLES.get(table.name, table.name)[:31], table))
              for table in chosen]
    _cover(workbook, tables, counts, generated_at)
    workbook.close()


def render_xlsx(tables: ExportTables, chosen: Sequence[Table], generated_at: datetime) -> bytes:
    buffer = io.BytesIO()
    write_xlsx(tables, chosen, generated_at, buffer)
    return buffer.getvalue()


def render_workbook(chosen: Sequence[Table], title: str) -> bytes:
    """A workbook of `chosen`, one sheet each titled by the table, without the legal record's cover: for tables
    that are no record (a what-if's result)."""
    buffer = io.BytesIO()
    workbook = WorkbookWriter(buffer, STYLES, title=title, created=datetime.now(UTC))
    for table in chosen:
        _table_sheet(workbook, table.title[:31], table)
    workbook.close()
    return buffer.getvalue()

"""A workbook a lawyer can file: a cover sheet, then one sheet per table.

Each table sheet has a frozen, filterable header row, column widths that fit the content, dates as real
dates (yyyy-mm-dd), text cells neutralised against formula injection, and the rows that show an
unacknowledged finding filled by the finding's severity. The file is written row by row
(registry.exports.spreadsheetml) as the table makes them; the cover's counts and the column widths come
from one walk of each table before its rows are written.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import IO

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import PatternFill
from openpyxl.utils import get_column_letter

from registry.checks.finding import Severity
from registry.exports.cells import neutralise, spreadsheet_text
from registry.exports.spreadsheetml import CellStyle, SheetWriter, WorkbookWriter, escape, number, serial, text
from registry.exports.table import Cell, ExportTables, Kind, Table

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


def _cover(workbook: WorkbookWriter, tables: ExportTables, chosen: Sequence[tuple[Table, _Summary]],
           generated_at: datetime) -> None:
    organisation = tables.organisation
    widths = (44, 70, 24)
    sheet = workbook.sheet("Cover", widths)

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
        sheet.row("".join(parts), _height(texts, widths))

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
    for table, summary in chosen:
        add((_legal(SHEET_TITLES.get(table.name, table.title)), None), (summary.rows, _FACT),
            (summary.flagged, _FACT))
    add()
    add(("Row fill", _LABEL))
    for severity in Severity:
        add((f"{severity.value} severity finding, not acknowledged", _LEGEND[severity]))


@dataclass
class _Summary:
    """What a sheet must say before its first row: how many rows, how many flagged, how wide each column."""

    rows: int
    flagged: int
    widths: list[int]


def _summary(table: Table) -> _Summary:
    """One walk of the table measuring its text (the sheet's rows are made again to be written)."""
    longest = [0] * len(table.columns)
    rows = flagged = 0
    walk = object()  # marks the tails this walk has measured: a shared tail is measured once
    for head, tail in table.records():
        rows += 1
        flagged += tail.flag is not None
        for index, cell in enumerate(head):
            longest[index] = max(longest[index], len(spreadsheet_text(cell)))
        if tail.rendered.get("xlsx-measured") is not walk:
            tail.rendered["xlsx-measured"] = walk
            for index, cell in enumerate(tail.cells, start=len(head)):
                longest[index] = max(longest[index], len(spreadsheet_text(cell)))
    # As wide as the content up to the column's cap (longer text wraps), never narrower than a heading's word.
    widths = [max(min(length + 2, column.width), max(len(word) for word in column.header.split()) + 2, 10)
              for column, length in zip(table.columns, longest, strict=True)]
    return _Summary(rows, flagged, widths)


_Rendered = tuple[list[str], int, bool]  # per cell what follows its reference; lines the row needs; illegal text


def _render(values: Sequence[Cell], columns: Sequence[tuple[bool, int]], plain: int, day: int) -> _Rendered:
    """Cells as SpreadsheetML without their references (`<c r="A2"` is written per row), with the lines their
    wrapped text takes."""
    parts: list[str] = []
    lines = 1
    for value, (typed, chars) in zip(values, columns, strict=True):
        if value is None:
            parts.append(f' s="{plain}"/>')
        elif typed and isinstance(value, date):
            parts.append(f' s="{day}"><v>{serial(value)}</v></c>')
        elif typed and isinstance(value, int) and not isinstance(value, bool):
            parts.append(f' s="{plain}"><v>{value}</v></c>')
        else:
            shown = spreadsheet_text(value)
            if not shown:  # empty text (an empty list) is an empty cell, as a spreadsheet program stores it
                parts.append(f' s="{plain}"/>')
                continue
            parts.append(f' s="{plain}" t="inlineStr"><is><t xml:space="preserve">{escape(shown)}</t></is></c>')
            if len(shown) > chars * lines or "\n" in shown:
                lines = max(lines, _lines(shown, chars))
    return parts, lines, any(ILLEGAL_CHARACTERS_RE.search(part) for part in parts)


def _table_sheet(workbook: WorkbookWriter, title: str, table: Table, summary: _Summary) -> None:
    widths = summary.widths
    last = get_column_letter(len(table.columns))
    sheet: SheetWriter = workbook.sheet(title, widths, frozen_heading=True, print_title_rows=True,
                                        filter_ref=f"A1:{last}{max(summary.rows + 1, 1)}")
    header = workbook.style(_HEADER)
    headings = [_legal(neutralise(column.header)) for column in table.columns]
    sheet.row("".join(text(f"{letter}1", header, heading)
                      for letter, heading in zip(sheet.letters, headings, strict=False)), _height(headings, widths))
    styles = {flag: (workbook.style(_TEXT[flag]), workbook.style(_DATE[flag])) for flag in (None, *Severity)}
    columns = [(column.kind in (Kind.DATE, Kind.INT), max(int(width * 0.85) - 1, 1))
               for column, width in zip(table.columns, widths, strict=False)]
    openings = [f'<c r="{letter}' for letter in sheet.letters]
    # The loop below runs for every row of the largest tables: a shared tail is rendered once, and a row adds its
    # references and its head's cells.
    for head, tail in table.records():
        plain, day = styles[tail.flag]
        split = len(head)
        rendered: _Rendered | None = tail.rendered.get("xlsx")  # type: ignore[assignment]
        if rendered is None:
            rendered = tail.rendered["xlsx"] = _render(tail.cells, columns[split:], plain, day)
        parts, lines, illegal = _render(head, columns[:split], plain, day)
        number_row = f'{sheet.next_row}"'
        cells = "".join([opening + number_row + part
                         for opening, part in zip(openings, parts + rendered[0], strict=True)])
        if illegal or rendered[2]:  # rare: the text is mended cell by cell
            texts = [_legal(spreadsheet_text(value)) if column.kind not in (Kind.DATE, Kind.INT) else ""
                     for value, column in zip(head + tail.cells, table.columns, strict=True)]
            sheet.row(_legal(cells), _height(texts, widths))
        else:
            sheet.row(cells, min(_LINE_HEIGHT * max(lines, rendered[1]) + 3, _MAX_ROW_HEIGHT))


def write_xlsx(tables: ExportTables, chosen: Sequence[Table], generated_at: datetime, target: IO[bytes]) -> None:
    summaries = [(table, _summary(table)) for table in chosen]  # the cover counts rows before any is written
    workbook = WorkbookWriter(target, STYLES, title="Record of processing activities", created=generated_at)
    _cover(workbook, tables, summaries, generated_at)
    for table, summary in summaries:
        _table_sheet(workbook, SHEET_TITLES.get(table.name, table.name)[:31], table, summary)
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
        _table_sheet(workbook, table.title[:31], table, _summary(table))
    workbook.close()
    return buffer.getvalue()

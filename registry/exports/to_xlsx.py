"""A workbook a lawyer can file: a cover sheet, then one sheet per table.

Each table sheet has a frozen, filterable header row, column widths that fit the content, dates as real
dates (yyyy-mm-dd), text cells neutralised against formula injection, and the rows that show an
unacknowledged finding filled by the finding's severity. The file is written row by row
(registry.exports.spreadsheetml), so a register at size L fits in the time of its CSV export's few times over.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import PatternFill
from openpyxl.utils import get_column_letter

from registry.checks.finding import Severity
from registry.exports.cells import neutralise, spreadsheet_text
from registry.exports.spreadsheetml import CellStyle, SheetWriter, WorkbookWriter, escape, number, serial, text
from registry.exports.table import ExportTables, Kind, Table

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


def _cover(workbook: WorkbookWriter, tables: ExportTables, chosen: Sequence[Table], generated_at: datetime) -> None:
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
    for table in chosen:
        add((_legal(SHEET_TITLES.get(table.name, table.title)), None), (len(table.rows), _FACT),
            (table.flagged, _FACT))
    add()
    add(("Row fill", _LABEL))
    for severity in Severity:
        add((f"{severity.value} severity finding, not acknowledged", _LEGEND[severity]))


def _widths(table: Table) -> list[float]:
    widths: list[float] = []
    for column in table.columns:
        # As wide as the content up to the column's cap (longer text wraps), never narrower than a heading's word;
        # the first text that reaches the cap settles it.
        longest = 0
        for row in table.rows:
            longest = max(longest, len(spreadsheet_text(row.get(column.key))))
            if longest + 2 >= column.width:
                break
        heading = max(len(word) for word in column.header.split())
        widths.append(max(min(longest + 2, column.width), heading + 2, 10))
    return widths


def _table_sheet(workbook: WorkbookWriter, title: str, table: Table) -> None:
    widths = _widths(table)
    last = get_column_letter(len(table.columns))
    sheet: SheetWriter = workbook.sheet(title, widths, frozen_heading=True, print_title_rows=True,
                                        filter_ref=f"A1:{last}{max(len(table.rows) + 1, 1)}")
    letters = sheet.letters
    header = workbook.style(_HEADER)
    headings = [_legal(neutralise(column.header)) for column in table.columns]
    sheet.row("".join(text(f"{letter}1", header, heading) for letter, heading in zip(letters, headings, strict=False)),
              _height(headings, widths))
    styles = {flag: (workbook.style(_TEXT[flag]), workbook.style(_DATE[flag])) for flag in (None, *Severity)}
    columns = [(letter, column.key, column.kind in (Kind.DATE, Kind.INT), max(int(width * 0.85) - 1, 1))
               for letter, column, width in zip(letters, table.columns, widths, strict=False)]
    for row, flag in zip(table.rows, table.flags, strict=True):
        plain, day = styles[flag]
        number_row = sheet.next_row
        parts: list[str] = []
        lines = 1
        # The loop below runs for every cell of the largest tables: kept to the few steps a cell needs.
        for letter, key, typed, chars in columns:
            value = row.get(key)
            if value is None:
                parts.append(f'<c r="{letter}{number_row}" s="{plain}"/>')
            elif typed and isinstance(value, date):
                parts.append(number(f"{letter}{number_row}", day, serial(value)))
            elif typed and isinstance(value, int) and not isinstance(value, bool):
                parts.append(number(f"{letter}{number_row}", plain, value))
            else:
                shown = spreadsheet_text(value)
                if not shown:  # empty text (an empty list) is an empty cell, as a spreadsheet program stores it
                    parts.append(f'<c r="{letter}{number_row}" s="{plain}"/>')
                    continue
                parts.append(f'<c r="{letter}{number_row}" s="{plain}" t="inlineStr"><is><t xml:space="preserve">'
                             f'{escape(shown)}</t></is></c>')
                if len(shown) > chars * lines or "\n" in shown:
                    lines = max(lines, _lines(shown, chars))
        cells = "".join(parts)
        if ILLEGAL_CHARACTERS_RE.search(cells):  # rare: looked for once a row, then mended cell by cell
            texts = [_legal(spreadsheet_text(row.get(column.key))) if column.kind not in (Kind.DATE, Kind.INT)
                     else "" for column in table.columns]
            sheet.row(_legal(cells), _height(texts, widths))
        else:
            sheet.row(cells, min(_LINE_HEIGHT * lines + 3, _MAX_ROW_HEIGHT))


def _saved(title: str, created: datetime, write: object) -> bytes:
    buffer = io.BytesIO()
    workbook = WorkbookWriter(buffer, STYLES, title=title, created=created)
    write(workbook)  # type: ignore[operator]
    workbook.close()
    return buffer.getvalue()


def render_xlsx(tables: ExportTables, chosen: Sequence[Table], generated_at: datetime) -> bytes:
    def write(workbook: WorkbookWriter) -> None:
        _cover(workbook, tables, chosen, generated_at)
        for table in chosen:
            _table_sheet(workbook, SHEET_TITLES.get(table.name, table.name)[:31], table)

    return _saved("Record of processing activities", generated_at, write)


def render_workbook(chosen: Sequence[Table], title: str) -> bytes:
    """A workbook of `chosen`, one sheet each titled by the table, without the legal record's cover: for tables
    that are no record (a what-if's result)."""
    def write(workbook: WorkbookWriter) -> None:
        for table in chosen:
            _table_sheet(workbook, table.title[:31], table)

    return _saved(title, datetime.now(UTC), write)

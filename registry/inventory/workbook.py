"""Read an inventory workbook (.xlsx) into tables for the manifest validator, refusing what a form cannot hold.

The file is hostile until read: its size and the unpacked size of its parts are checked before openpyxl sees it,
formulas are refused (never evaluated, their cached values never trusted), and merged cells, hidden sheets and
sheets or columns the layout does not know are refused by name.
"""

from __future__ import annotations

import re
import zipfile
from io import BytesIO
from pathlib import Path

from registry.errors import InvalidInput, Problem
from registry.files import read_input
from registry.inventory.layout import (
    LISTS_SHEET,
    MAX_ROWS,
    SHEETS,
    Formula,
    Table,
    cell_problem,
    refuse,
    unescape_text,
    unknown_sheets,
)
from registry.manifest import Manifest

# A 100,000-flow inventory is about 10 MiB packed and 120 MiB unpacked; much more is not an inventory.
MAX_WORKBOOK_BYTES = 32 * 1024 * 1024
MAX_UNPACKED_BYTES = 512 * 1024 * 1024
MAX_COLUMNS = 200
_FORMULA = re.compile(rb"<(?:\w+:)?f[\s>/]")
_MERGED = re.compile(rb"<(?:\w+:)?mergeCell\b[^>]*\bref=\"([A-Z0-9:]+)\"")


def read(data: bytes, file: str) -> list[Table]:
    """The workbook's sheets as tables; InvalidInput naming every sheet-level problem otherwise."""
    if len(data) > MAX_WORKBOOK_BYTES:
        raise _too_big(file, len(data))
    if not zipfile.is_zipfile(BytesIO(data)):
        raise refuse(file, "not an Excel workbook (.xlsx): save it as 'Excel Workbook (.xlsx)'"
                     + (" (this looks like an old .xls file)" if data[:4] == b"\xd0\xcf\x11\xe0" else ""))
    archive = zipfile.ZipFile(BytesIO(data))
    unpacked = sum(info.file_size for info in archive.infolist())
    if unpacked > MAX_UNPACKED_BYTES:
        raise refuse(file, f"the workbook unpacks to {unpacked:,} bytes; the limit is {MAX_UNPACKED_BYTES:,}")
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(BytesIO(data), read_only=True, data_only=False, keep_links=False)
    except Exception as error:  # openpyxl raises many kinds for a damaged or foreign file
        raise refuse(file, f"not a readable Excel workbook (.xlsx): {type(error).__name__}: {error}"[:300]) from None
    try:
        return _tables(workbook, archive, file)
    finally:
        workbook.close()


def _tables(workbook: object, archive: zipfile.ZipFile, file: str) -> list[Table]:
    problems: list[Problem] = []
    hidden = [ws.title for ws in workbook.worksheets  # type: ignore[attr-defined]
              if ws.sheet_state != "visible" and ws.title != LISTS_SHEET]
    if hidden:
        problems.append(cell_problem(file, f"hidden sheet(s) {', '.join(map(repr, hidden))}: unhide them and remove "
                                           "them or make them visible, so nothing is imported unseen"))
    charts = [sheet.title for sheet in getattr(workbook, "chartsheets", [])]
    if charts:
        problems.append(cell_problem(file, f"chart sheet(s) {', '.join(map(repr, charts))} are not part of the "
                                           f"inventory; expected only {', '.join(SHEETS)}"))
    unknown = [ws.title for ws in workbook.worksheets  # type: ignore[attr-defined]
               if ws.title not in SHEETS and ws.title != LISTS_SHEET and ws.title not in hidden]
    if unknown:
        problems.append(unknown_sheets(file, unknown, "sheet"))
    tables: list[Table] = []
    for worksheet in workbook.worksheets:  # type: ignore[attr-defined]
        title = worksheet.title
        if title == LISTS_SHEET or title not in SHEETS:
            continue
        xml = _sheet_xml(archive, worksheet)
        merged = _MERGED.findall(xml)
        if merged:
            problems.append(cell_problem(file, f"merged cells {', '.join(m.decode() for m in merged[:10])}: unmerge "
                                               "them and write each record's value in its own row", sheet=title))
        has_formulas = bool(_FORMULA.search(xml))
        del xml
        worksheet.reset_dimensions()  # a crafted dimension (A1:XFD1048576) must not make us walk empty rows
        table = Table(title, [])
        rows = worksheet.iter_rows(values_only=not has_formulas)
        count = 0
        for number, row in enumerate(rows, start=1):
            if has_formulas:
                row = tuple(Formula(str(c.value)) if getattr(c, "data_type", None) == "f" else c.value for c in row)
            if len(row) > MAX_COLUMNS and any(v is not None for v in row[MAX_COLUMNS:]):
                problems.append(cell_problem(file, f"more than {MAX_COLUMNS} columns", sheet=title, row=number))
                break
            values = [unescape_text(v) if isinstance(v, str) else v for v in row[:MAX_COLUMNS]]
            if number == 1:
                table.header = values
                continue
            if all(v is None or v == "" for v in values):
                continue
            count += 1
            if count > MAX_ROWS:
                problems.append(cell_problem(file, f"more than {MAX_ROWS:,} rows; split the inventory", sheet=title))
                break
            table.rows.append((number, values))
        if all(v is None or v == "" for v in table.header) and not table.rows:
            problems.append(cell_problem(file, "the sheet is empty: keep its first row of column names (from "
                                               "`flowreg export template`), or delete the sheet", sheet=title))
            continue
        tables.append(table)
    if problems:
        raise InvalidInput(problems, summary=f"cannot read {file}")
    return tables


def _too_big(file: str, size: int) -> InvalidInput:
    return refuse(file, f"the file is {size:,} bytes; an inventory workbook is limited to {MAX_WORKBOOK_BYTES:,} "
                        "(split it, or import a YAML/JSON manifest)")


def _sheet_xml(archive: zipfile.ZipFile, worksheet: object) -> bytes:
    path = getattr(worksheet, "_worksheet_path", None)
    if not path:
        return b""
    try:
        return archive.read(path.lstrip("/"))
    except KeyError:
        return b""


def load(path: str | Path, data: bytes | None = None) -> Manifest:
    """Read and validate an inventory workbook, as `flowreg import inventory.xlsx` does."""
    from registry.inventory.layout import to_manifest

    file = str(path)
    if data is None:
        data = read_input(path, MAX_WORKBOOK_BYTES, what="inventory workbooks")
    return to_manifest(file, read(data, file), kind="workbook")

"""Read an inventory as CSV files, one per sheet (`flows.csv`, ...), from a folder or a zip of them.

Every cell is text: lists are `;`-separated, dates YYYY-MM-DD, booleans TRUE/FALSE. A leading `'` before a
character a spreadsheet would run as a formula (`=`, `+`, `-`, `@`) or before another `'` is dropped: it is how
`flowreg export template --format csv` keeps such a value from being evaluated when the file is opened.
"""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

from registry.errors import InvalidInput, Problem
from registry.files import read_input
from registry.inventory.layout import MAX_ROWS, SHEETS, Table, cell_problem, refuse, to_manifest, unknown_sheets
from registry.manifest import Manifest

MAX_FOLDER_BYTES = 256 * 1024 * 1024
_GUARDED = ("=", "+", "-", "@", "\t", "\r", "'")


def unguard(text: str) -> str:
    return text[1:] if len(text) > 1 and text[0] == "'" and text[1] in _GUARDED else text


def guard(text: str) -> str:
    """The CSV form of a text value: a `'` in front where a spreadsheet would take it for a formula."""
    return "'" + text if text[:1] in _GUARDED else text


def read(files: dict[str, bytes], file: str) -> list[Table]:
    """Tables from CSV files by name ("flows.csv"); names that are no sheet of the layout are refused."""
    problems: list[Problem] = []
    tables: list[Table] = []
    unknown = [name.rsplit("/", 1)[-1].removesuffix(".csv") for name in sorted(files)]
    unknown = [sheet for sheet in unknown if sheet not in SHEETS]
    if unknown:
        problems.append(unknown_sheets(file, unknown, "file"))
    for name, data in sorted(files.items()):
        sheet = name.rsplit("/", 1)[-1].removesuffix(".csv")
        if sheet not in SHEETS:
            continue
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            problems.append(cell_problem(file, f"not UTF-8 text (byte {error.start}); save it as 'CSV UTF-8'",
                                         sheet=sheet))
            continue
        rows = csv.reader(io.StringIO(text, newline=""))
        table = Table(sheet, [])
        try:
            for number, row in enumerate(rows, start=1):
                values: list[object] = [unguard(value) for value in row]
                if number == 1:
                    table.header = values
                elif any(values):
                    if len(table.rows) >= MAX_ROWS:
                        problems.append(cell_problem(file, f"more than {MAX_ROWS:,} rows; split the inventory",
                                                     sheet=sheet))
                        break
                    # The row number is the CSV record's, which is the line in a file without multi-line cells.
                    table.rows.append((number, values))
        except csv.Error as error:
            problems.append(cell_problem(file, f"not valid CSV: {error}", sheet=sheet, row=rows.line_num))
            continue
        if not any(table.header) and not table.rows:
            problems.append(cell_problem(file, "the file is empty: keep its first row of column names (from "
                                               "`flowreg export template --format csv`), or delete the file",
                                         sheet=sheet))
            continue
        tables.append(table)
    if not files:
        problems.append(cell_problem(file, f"no CSV files; expected one or more of "
                                           f"{', '.join(s + '.csv' for s in SHEETS)}"))
    if problems:
        raise InvalidInput(problems, summary=f"cannot read {file}")
    return tables


def load_folder(path: str | Path) -> Manifest:
    folder = Path(path)
    files: dict[str, bytes] = {}
    total = 0
    others = []
    for entry in sorted(folder.iterdir()):
        if entry.name.startswith("."):
            continue  # .DS_Store and the like
        if entry.suffix.lower() != ".csv" or not entry.is_file():
            others.append(entry.name)
            continue
        total += entry.stat().st_size
        if total > MAX_FOLDER_BYTES:
            raise refuse(str(folder), f"the CSV files hold more than {MAX_FOLDER_BYTES:,} bytes")
        files[entry.name] = read_input(entry, MAX_FOLDER_BYTES, what="CSV inventories")
    if others:
        raise refuse(str(folder), f"not part of a CSV inventory: {', '.join(map(repr, others))}; the folder "
                                  f"holds only {', '.join(s + '.csv' for s in SHEETS)}")
    return to_manifest(str(folder), read(files, str(folder)), kind="CSV inventory")


def load_zip(data: bytes, file: str) -> Manifest:
    """A zip of the CSV files (the dashboard's upload of a folder)."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise refuse(file, "not a zip file of CSV files") from None
    members = [info for info in archive.infolist() if not info.is_dir()
               and not info.filename.rsplit("/", 1)[-1].startswith(".") and "__MACOSX" not in info.filename]
    if sum(info.file_size for info in members) > MAX_FOLDER_BYTES:
        raise refuse(file, f"the zip unpacks to more than {MAX_FOLDER_BYTES:,} bytes")
    others = [info.filename for info in members if not info.filename.lower().endswith(".csv")]
    if others:
        raise refuse(file, f"not part of a CSV inventory: {', '.join(map(repr, others))}")
    files = {info.filename: archive.read(info) for info in members}
    return to_manifest(file, read(files, file), kind="CSV inventory")

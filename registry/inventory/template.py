"""Write the inventory template: a workbook (or CSV files) with one sheet per manifest section, the field names,
a row explaining each column, drop-downs on every closed set, and, from a registry, its records to edit."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

import pycountry
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation

from registry.errors import InvalidInput, Problem
from registry.inventory.csvfolder import guard
from registry.inventory.layout import (
    COLUMNS,
    FIRST_ROW,
    LISTS_SHEET,
    ORGANISATION_SHEET,
    SHEETS,
    Column,
    country_choice,
    escape_text,
    join_list,
    record_rows,
)
from registry.model import EEA_REGION, RegistryFragment

# Drop-downs reach this far down; rows below still import, they only lack the drop-down.
VALIDATED_ROWS = 5_000
_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
_HELP_FONT = Font(italic=True, color="595959")


def _countries() -> list[str]:
    return sorted((country_choice(c.alpha_2) for c in pycountry.countries), key=str.casefold)


def _cell_text(column: Column, value: Any) -> Any:
    """A value as the workbook holds it: lists joined with `;`, dates as dates, the rest as it is."""
    if value is None or value == []:
        return None
    if column.kind == "list":
        return join_list(value)
    if column.kind == "datetime" and isinstance(value, datetime):
        return value.isoformat()  # Excel has no time zones: the text keeps the offset
    if column.kind == "int":
        return int(value)
    if hasattr(value, "value") and not isinstance(value, (bool, int, date)):
        return str(value.value)  # an enum member
    return value


def _problem_if_unwritable(sheet: str, record_id: object, column: str, value: object) -> Problem | None:
    if isinstance(value, str) and ILLEGAL_CHARACTERS_RE.search(value):
        return Problem("holds a control character a workbook cannot store; export a YAML/JSON manifest instead",
                       section=sheet, record_id=str(record_id), field=column)
    return None


def workbook(registry: RegistryFragment | None = None) -> Workbook:
    """The template, filled with `registry`'s records when one is given."""
    book = Workbook()
    book.remove(book.active)
    rows = record_rows(registry) if registry is not None else {sheet: [] for sheet in SHEETS}
    lists = _lists_sheet(book, registry)
    problems: list[Problem] = []
    for sheet in SHEETS:
        worksheet = book.create_sheet(sheet)
        columns = COLUMNS[sheet]
        worksheet.append([c.name for c in columns])
        worksheet.append([c.help for c in columns])
        for position, column in enumerate(columns, start=1):
            letter = get_column_letter(position)
            worksheet.column_dimensions[letter].width = max(14, min(40, len(column.name) + 4))
            header, helper = worksheet.cell(1, position), worksheet.cell(2, position)
            header.font, header.fill = Font(bold=True), _HEADER_FILL
            helper.font, helper.alignment = _HELP_FONT, Alignment(wrap_text=True, vertical="top")
            if column.kind == "date":
                worksheet.column_dimensions[letter].number_format = "yyyy-mm-dd"
        worksheet.freeze_panes = f"B{FIRST_ROW}"
        for number, record in enumerate(rows[sheet], start=FIRST_ROW):
            key = record.get("finding", record.get("id"))
            for position, column in enumerate(columns, start=1):
                value = _cell_text(column, record.get(column.name))
                if value is None:
                    continue
                problem = _problem_if_unwritable(sheet, key, column.name, value)
                if problem:
                    problems.append(problem)
                    continue
                if isinstance(value, str):
                    value = escape_text(value)
                cell = worksheet.cell(number, position, value)
                if isinstance(value, str):
                    cell.data_type = "s"  # a value starting with '=' stays text: never a formula
                elif isinstance(value, date):
                    cell.number_format = "yyyy-mm-dd"
        _validations(worksheet, columns, lists)
    if problems:
        raise InvalidInput(problems, summary="cannot write the workbook")
    book.move_sheet(LISTS_SHEET, offset=len(SHEETS))  # made first for its ranges, shown (hidden) last
    book.active = 0
    return book


def _lists_sheet(book: Workbook, registry: RegistryFragment | None) -> dict[str, str]:
    """The hidden sheet of lists too long for a drop-down's inline text: countries, regions, entity ids.
    Returns each list's range, as a validation formula."""
    sheet = book.create_sheet(LISTS_SHEET)
    sheet.sheet_state = "hidden"
    countries = _countries()
    entity_ids: list[str] = []
    if registry is not None:
        entity_ids = sorted({e.id for name in ("group_companies", "processors", "recipients")
                             for e in registry.section(name)})  # type: ignore[attr-defined]
    columns = {"countries": countries, "regions": [EEA_REGION, *countries], "entities": entity_ids}
    ranges: dict[str, str] = {}
    for position, (name, values) in enumerate(columns.items(), start=1):
        sheet.cell(1, position, name)
        for row, value in enumerate(values, start=2):
            sheet.cell(row, position, value).data_type = "s"
        letter = get_column_letter(position)
        last = max(len(values) + 1, 2)
        ranges[name] = f"{quote_sheetname(LISTS_SHEET)}!${letter}$2:${letter}${last}"
    return ranges


def _validations(worksheet: Any, columns: Iterable[Column], lists: dict[str, str]) -> None:
    last = FIRST_ROW + VALIDATED_ROWS - 1
    for position, column in enumerate(columns, start=1):
        letter = get_column_letter(position)
        formula, strict = None, True
        if column.choices and column.kind != "list":
            formula = '"' + ",".join(column.choices) + '"'
        elif column.kind == "bool":
            formula = '"TRUE,FALSE"'
        elif column.country and column.kind != "list":
            formula, strict = lists["countries"], False  # a plain code typed in is fine too: warn, not stop
        elif column.refers_to and column.kind != "list":
            targets = column.refers_to
            if len(targets) == 1:
                target_letter = "A"
                formula = (f"{quote_sheetname(targets[0])}!${target_letter}${FIRST_ROW}:"
                           f"${target_letter}${FIRST_ROW + VALIDATED_ROWS}")
            else:
                formula = lists["entities"]
            strict = False  # an id on another sheet not yet typed, or one the store holds
        if formula is None:
            continue
        validation = DataValidation(type="list", formula1=formula, allow_blank=True,
                                    errorStyle="stop" if strict else "warning", showErrorMessage=True,
                                    promptTitle=column.name, prompt=column.help[:255], showInputMessage=True)
        validation.error = (f"Pick a value from the list for {column.name}" if strict else
                            f"Not in the list for {column.name}; keep it only if you mean it")
        validation.add(f"{letter}{FIRST_ROW}:{letter}{last}")
        worksheet.add_data_validation(validation)


def workbook_bytes(registry: RegistryFragment | None = None) -> bytes:
    buffer = io.BytesIO()
    workbook(registry).save(buffer)
    return buffer.getvalue()


def csv_files(registry: RegistryFragment | None = None) -> dict[str, bytes]:
    """The same layout as CSV files, `<sheet>.csv`, UTF-8 with the header and explanation rows."""
    rows = record_rows(registry) if registry is not None else {sheet: [] for sheet in SHEETS}
    files: dict[str, bytes] = {}
    for sheet in SHEETS:
        columns = COLUMNS[sheet]
        buffer = io.StringIO(newline="")
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow([c.name for c in columns])
        writer.writerow([c.help for c in columns])
        for record in rows[sheet]:
            writer.writerow([_csv_cell(column, record.get(column.name)) for column in columns])
        files[f"{sheet}.csv"] = buffer.getvalue().encode("utf-8")
    return files


def _csv_cell(column: Column, value: Any) -> str:
    value = _cell_text(column, value)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, date):
        return value.isoformat()
    return guard(str(value))


__all__ = ["ORGANISATION_SHEET", "csv_files", "workbook", "workbook_bytes"]

"""Cells as spreadsheet text, with formula injection neutralised (issue 7).

A spreadsheet runs a cell that starts with =, +, - or @ as a formula, and tab or carriage return lets a
payload hide behind them (OWASP, CSV Injection). Text from the registry is user input, so CSV and XLSX
cells that start with one of those get a leading single quote, which shows the text as typed. Only text
is touched: dates, booleans and numbers never reach a spreadsheet as text that starts that way, and JSON
keeps every value verbatim.
"""

from __future__ import annotations

from datetime import date

from registry.exports.table import Cell

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
LIST_SEPARATOR = "; "


def neutralise(text: str) -> str:
    return "'" + text if text.startswith(FORMULA_TRIGGERS) else text


def as_text(value: Cell) -> str:
    """The cell as it reads in a CSV file (and in an XLSX text cell), before neutralising."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list):
        return LIST_SEPARATOR.join(value)
    return str(value)


def spreadsheet_text(value: Cell) -> str:
    # Plain text first: most cells are, and this runs for every cell of the CSV and XLSX exports (at size M
    # about a third of the CSV export's time went to the general path's type tests).
    if type(value) is str:
        return "'" + value if value.startswith(FORMULA_TRIGGERS) else value
    text = as_text(value)
    return neutralise(text) if isinstance(value, str | list) else text

"""One CSV file per table: UTF-8, a header row, RFC 4180 quoting; the same registry and day give the same bytes."""

from __future__ import annotations

import csv
import io
from typing import IO

from registry.exports.cells import spreadsheet_text
from registry.exports.table import Table


def write_csv(table: Table, target: IO[bytes]) -> None:
    """Write the table to `target` row by row as the table makes them."""
    text = io.TextIOWrapper(target, encoding="utf-8", newline="", write_through=False)
    try:
        writer = csv.writer(text, lineterminator="\r\n")
        # Headers are ours, but go through the same path so no heading can ever start a formula either.
        writer.writerow([spreadsheet_text(column.header) for column in table.columns])
        for head, tail in table.records():
            shown = tail.rendered.get("csv")
            if shown is None:
                shown = tail.rendered["csv"] = [spreadsheet_text(cell) for cell in tail.cells]
            writer.writerow([*map(spreadsheet_text, head), *shown])  # type: ignore[misc]
        text.flush()
    finally:
        text.detach()  # the caller owns `target`


def render_csv(table: Table) -> bytes:
    buffer = io.BytesIO()
    write_csv(table, buffer)
    return buffer.getvalue()

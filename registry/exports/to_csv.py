"""One CSV file per table: UTF-8, a header row, RFC 4180 quoting; the same registry and day give the same bytes."""

from __future__ import annotations

import csv
import io

from registry.exports.cells import spreadsheet_text
from registry.exports.table import Table


def render_csv(table: Table) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    # Headers are ours, but go through the same path so no heading can ever start a formula either.
    writer.writerow([spreadsheet_text(column.header) for column in table.columns])
    for row in table.rows:
        writer.writerow([spreadsheet_text(row.get(column.key)) for column in table.columns])
    return buffer.getvalue().encode("utf-8")

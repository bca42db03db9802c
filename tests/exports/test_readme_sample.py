"""The transfer-register sample in README.md's "Exports" section is what the export says for the seed."""

from __future__ import annotations

import re

from registry.exports import ExportTables
from tests.exports.conftest import AS_OF, ROOT


def readme_sample() -> tuple[list[str], list[list[str]], str]:
    section = (ROOT / "README.md").read_text(encoding="utf-8").split("## Exports", 1)[1].split("\n## ")[0]
    day = re.search(r"transfer register as of (\d{4}-\d{2}-\d{2})", section)
    assert day is not None
    lines = [line for line in section.splitlines() if line.startswith("| ")]
    cells = [[cell.strip() for cell in line.strip().strip("|").split(" | ")] for line in lines]
    return cells[0], cells[1:], day.group(1)


def test_readme_sample_matches_the_seeds_transfer_register(tables: ExportTables) -> None:
    headers, rows, day = readme_sample()
    assert day == AS_OF.isoformat()
    table = tables.tables["transfers"]
    keys = {column.header: column.key for column in table.columns}
    assert rows and len(rows) <= len(table.rows)
    for sample, row in zip(rows, table.rows, strict=False):
        for header, value in zip(headers, sample, strict=True):
            actual = row[keys[header]]
            text = "; ".join(actual) if isinstance(actual, list) else "" if actual is None else str(actual)
            assert value == text, (row["flow"], header)

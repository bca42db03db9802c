"""CSV and JSON tell the same story row for row, and the same registry and day give the same bytes."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook

from graph.sqlite import SQLiteStore
from registry.exports import TABLES, ExportTables, build_tables, render, write
from registry.service import Service
from tests.exports.conftest import AS_OF, ROOT, read_csv, read_json

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_cell(value: object) -> str:
    """What a JSON value must read as in CSV: lists joined with '; ', booleans yes/no, null empty."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    text = "; ".join(value) if isinstance(value, list) else str(value)
    return "'" + text if text.startswith(TRIGGERS) else text


@pytest.mark.parametrize("which", TABLES)
def test_csv_and_json_agree_row_for_row(tables: ExportTables, which: str) -> None:
    [csv_file] = render(tables, "csv", which).values()
    [json_file] = render(tables, "json", which).values()
    document = read_json(json_file)
    columns = document["columns"][which]
    csv_rows = read_csv(csv_file)
    json_rows = document[which]
    assert len(csv_rows) == len(json_rows) == len(tables.tables[which].rows) > 0
    assert list(csv_rows[0]) == [c["header"] for c in columns]
    for csv_row, json_row in zip(csv_rows, json_rows, strict=True):
        assert list(json_row) == [c["key"] for c in columns]
        for column in columns:
            assert csv_row[column["header"]] == spreadsheet_cell(json_row[column["key"]]), column["key"]


def test_json_holds_every_table_and_the_as_of_date(tables: ExportTables) -> None:
    [content] = render(tables, "json", "all").values()
    document = read_json(content)
    assert document["as_of"] == AS_OF.isoformat()
    assert document["organisation"]["name"] == tables.organisation.name  # type: ignore[union-attr]
    for which in TABLES:
        assert len(document[which]) == len(tables.tables[which].rows)


def test_file_names_carry_table_and_date(tables: ExportTables) -> None:
    day = AS_OF.isoformat()
    assert sorted(render(tables, "csv", "all")) == sorted(f"flowreg-{t}-{day}.csv" for t in TABLES)
    assert list(render(tables, "json", "transfers")) == [f"flowreg-transfers-{day}.json"]
    assert list(render(tables, "xlsx", "all")) == [f"flowreg-all-{day}.xlsx"]


def test_same_registry_and_day_give_byte_identical_csv_and_json(tmp_path: Path, tables: ExportTables) -> None:
    # Built again from a real store (read back through the graph mapping), not from the manifest in memory.
    store = SQLiteStore(tmp_path / "registry.sqlite")
    try:
        service = Service(store, actor="tester")
        service.import_file(ROOT / "seed" / "registry.yaml")
        again = build_tables(service.registry(), service.check(AS_OF), AS_OF)
    finally:
        store.close()
    for fmt in ("csv", "json"):
        first, second = render(tables, fmt, "all"), render(again, fmt, "all")  # type: ignore[arg-type]
        assert first == second, fmt
        assert render(tables, fmt, "all") == first  # type: ignore[arg-type]


def test_xlsx_differs_only_by_generation_time_on_its_cover(tables: ExportTables) -> None:
    def values(moment: datetime) -> dict[str, list[tuple[object, ...]]]:
        [content] = render(tables, "xlsx", "all", moment).values()
        workbook = load_workbook(io.BytesIO(content))
        return {sheet.title: list(sheet.iter_rows(values_only=True)) for sheet in workbook.worksheets}

    first, second = values(datetime(2026, 5, 1, 9, 30, tzinfo=UTC)), values(datetime(2026, 5, 2, 10, 0, tzinfo=UTC))
    assert first.keys() == second.keys()
    for title in first:
        changed = [(a, b) for a, b in zip(first[title], second[title], strict=True) if a != b]
        if title == "Cover":
            assert [a[0] for a, _ in changed] == ["Generated (UTC)"]
        else:
            assert not changed, title


def test_write_puts_one_file_at_the_path_and_several_in_a_directory(tmp_path: Path, tables: ExportTables) -> None:
    [single] = write(tables, "json", "ropa", tmp_path / "nested" / "ropa.json")
    assert single == tmp_path / "nested" / "ropa.json"
    assert read_json(single.read_bytes())["ropa"]
    several = write(tables, "csv", "all", tmp_path / "csv")
    assert sorted(p.name for p in several) == sorted(render(tables, "csv", "all"))
    assert all(p.parent == tmp_path / "csv" and p.stat().st_size > 0 for p in several)


def test_unknown_format_or_table_is_refused(tables: ExportTables) -> None:
    with pytest.raises(ValueError, match="format"):
        render(tables, "pdf", "all")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="table"):
        render(tables, "csv", "everything")  # type: ignore[arg-type]


def test_an_empty_registry_exports_empty_tables_in_every_format() -> None:
    from registry.model import Registry

    empty = build_tables(Registry(), [], AS_OF)
    assert all(not table.rows for table in empty.tables.values())
    for fmt in ("csv", "json", "xlsx"):
        files = render(empty, fmt, "all")  # type: ignore[arg-type]
        assert files and all(files.values())
    [csv_file, *_] = render(empty, "csv", "transfers").values()
    assert csv_file.decode("utf-8").startswith("Flow,Regime,")

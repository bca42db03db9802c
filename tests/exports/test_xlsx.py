"""The workbook as a lawyer opens it: cover sheet, headings, a known row, real dates, highlighted rows."""

from __future__ import annotations

import io
import zipfile
from datetime import UTC, date, datetime
from xml.etree import ElementTree

import pytest
from openpyxl import load_workbook
from openpyxl.workbook import Workbook

from registry.checks.finding import Severity
from registry.exports import TABLES, Column, ExportTables, Kind, Row, Table, render
from registry.exports.to_xlsx import FILLS, SAMPLE_ROWS, SHEET_TITLES, render_workbook
from registry.model import Registry
from tests.exports.conftest import AS_OF

GENERATED = datetime(2026, 5, 2, 8, 15, 30, tzinfo=UTC)
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELATIONSHIPS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


@pytest.fixture(scope="module")
def workbook(tables: ExportTables) -> Workbook:
    [content] = render(tables, "xlsx", "all", GENERATED).values()
    return load_workbook(io.BytesIO(content))


def cover_facts(workbook: Workbook) -> dict[str, object]:
    sheet = workbook["Cover"]
    return {row[0]: row[1] for row in sheet.iter_rows(min_col=1, max_col=2, values_only=True) if row[0]}


def rows_by(workbook: Workbook, which: str, *keys: str) -> dict[tuple[object, ...], dict[str, object]]:
    sheet = workbook[SHEET_TITLES[which]]
    headers = [cell.value for cell in sheet[1]]
    found = {}
    for cells in sheet.iter_rows(min_row=2):
        row = dict(zip(headers, cells, strict=True))
        found[tuple(row[k].value for k in keys)] = row
    return found


def test_cover_sheet_names_the_organisation_date_time_and_counts(workbook: Workbook, tables: ExportTables,
                                                                  registry: Registry) -> None:
    assert workbook.sheetnames == ["Cover", *(SHEET_TITLES[t] for t in TABLES)]
    facts = cover_facts(workbook)
    assert registry.organisation is not None
    assert facts["Organisation"] == registry.organisation.name
    assert facts["As of"] == datetime.combine(AS_OF, datetime.min.time())
    assert facts["Generated (UTC)"] == GENERATED.replace(tzinfo=None)
    as_of_cell = next(c for c in workbook["Cover"]["B"] if c.value == facts["As of"])
    assert as_of_cell.number_format == "yyyy-mm-dd"
    for which in TABLES:
        table = tables.tables[which]
        assert facts[SHEET_TITLES[which]] == len(table.rows)
        counts = next(r for r in workbook["Cover"].iter_rows(values_only=True) if r[0] == SHEET_TITLES[which])
        assert counts[2] == table.flagged


@pytest.mark.parametrize("which", TABLES)
def test_each_sheet_has_its_headings_frozen_and_filtered(workbook: Workbook, tables: ExportTables,
                                                         which: str) -> None:
    table = tables.tables[which]
    sheet = workbook[SHEET_TITLES[which]]
    assert [cell.value for cell in sheet[1]] == [c.header for c in table.columns]
    assert all(cell.font.bold for cell in sheet[1])
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == f"A1:{sheet.cell(1, len(table.columns)).column_letter}{len(table.rows) + 1}"
    assert sheet.max_row == len(table.rows) + 1
    for index in range(1, len(table.columns) + 1):
        width = sheet.column_dimensions[sheet.cell(1, index).column_letter].width
        assert 10 <= width <= 80


def test_ropa_uses_the_ico_template_headings(workbook: Workbook) -> None:
    # Column headings of the ICO's controller documentation template (sheet "Template", row 9).
    ico = {"Purpose of processing", "Name and contact details of joint controller (if applicable)",
           "Categories of individuals", "Categories of personal data", "Categories of recipients",
           "Link to contract with processor",
           "Names of third countries or international organisations that personal data are transferred to "
           "(if applicable)",
           "Safeguards for exceptional transfers of personal data to third countries or international "
           "organisations (if applicable)",
           "Retention schedule (if possible)",
           "General description of technical and organisational security measures (if possible)",
           "Article 6 lawful basis for processing personal data", "Location of personal data"}
    assert ico <= {cell.value for cell in workbook[SHEET_TITLES["ropa"]][1]}


def test_a_known_transfer_row_of_the_seed(workbook: Workbook, registry: Registry) -> None:
    # The support desk in the Philippines still relies on the 2019 legacy SCCs (seed gap "expired tool").
    flow = registry.flows_by_id["f12-hq-support-inquiries"]
    legacy = registry.safeguards_by_id["scc-legacy-support-2019"]
    row = rows_by(workbook, "transfers", "Flow", "Regime")[(flow.id, "EU/EEA GDPR")]
    assert row["Receiver"].value == registry.entities[flow.receiver].name
    assert row["Third countries under this regime"].value == "Philippines (PH)"
    assert row["Safeguards"].value == legacy.id
    assert row["Reference documents"].value == legacy.reference
    assert row["TIA reference"].value == flow.tia
    assert row["Effective"].value == datetime.combine(legacy.effective, datetime.min.time())  # type: ignore[arg-type]
    assert row["Effective"].number_format == "yyyy-mm-dd"
    assert row["Effective"].data_type == "d"
    assert row["Status"].value == "safeguard-expired"  # one gap, one finding
    assert row["Flow"].fill.fgColor.rgb.endswith(FILLS[Severity.HIGH].fgColor.rgb[-6:])


def test_rows_without_open_findings_are_not_filled(workbook: Workbook) -> None:
    rows = rows_by(workbook, "transfers", "Flow", "Regime")
    clean = rows[("f01-hq-lu-campaign", "Japan APPI")]
    assert clean["Status"].value == "ok"
    assert clean["Flow"].fill.fill_type is None
    medium = rows[("f15-hq-fraud", "EU/EEA GDPR")]
    assert medium["Status"].value == "tia-missing"
    assert medium["Flow"].fill.fgColor.rgb.endswith(FILLS[Severity.MEDIUM].fgColor.rgb[-6:])


def test_dates_are_real_dates_everywhere(workbook: Workbook, tables: ExportTables) -> None:
    for table in tables.tables.values():
        sheet = workbook[SHEET_TITLES[table.name]]
        for index, column in enumerate(table.columns, start=1):
            if column.kind is not Kind.DATE:
                continue
            for row_number, row in enumerate(table.rows, start=2):
                cell = sheet.cell(row_number, index)
                if isinstance(row[column.key], date):
                    assert cell.is_date and cell.number_format == "yyyy-mm-dd"
                    assert cell.value.date() == row[column.key]
                else:
                    assert cell.value is None


def test_known_ropa_rows_of_the_seed(workbook: Workbook, registry: Registry) -> None:
    rows = rows_by(workbook, "ropa", "Activity")
    inquiries = rows[("rakuten-group-inc/inquiries",)]
    assert inquiries["Record"].value == "Art. 30(1) controller"
    assert inquiries["Purpose of processing"].value == registry.purposes_by_id["inquiries"].name
    assert inquiries["Article 6 lawful basis for processing personal data"].value == "Art. 6(1)(f) legitimate interests"
    assert "Philippines (PH)" in inquiries[
        "Names of third countries or international organisations that personal data are transferred to "
        "(if applicable)"].value
    # The Indian night shift serves Rakuten Group, Inc. through two processors: found by following the chain.
    night_shift = rows[("cloud-ops-in/rakuten-group-inc/campaign",)]
    assert night_shift["Record"].value == "Art. 30(2) processor"
    assert night_shift["Name and contact details of controller"].value.startswith("Rakuten Group, Inc., Japan")
    assert night_shift["Name and contact details of processor"].value.startswith(registry.entities["cloud-ops-in"].name)
    # A derogation is the ICO's "exceptional transfer".
    authority = rows[("rakuten-group-inc/law-enforcement",)]
    exceptional = authority["Safeguards for exceptional transfers of personal data to third countries or "
                            "international organisations (if applicable)"].value
    assert "Art. 49(1)(e)" in exceptional and "derogation-49e-authority" in exceptional


def test_the_cover_is_first_in_the_workbook_though_written_after_the_tables(tables: ExportTables) -> None:
    [content] = render(tables, "xlsx", "all", GENERATED).values()
    with zipfile.ZipFile(io.BytesIO(content)) as package:
        written = [name for name in package.namelist() if name.startswith("xl/worksheets/")]
        book = ElementTree.fromstring(package.read("xl/workbook.xml"))
        relations = ElementTree.fromstring(package.read("xl/_rels/workbook.xml.rels"))
    targets = {relation.get("Id"): relation.get("Target") for relation in relations}
    order = [(sheet.get("name"), targets[sheet.get(f"{{{RELATIONSHIPS}}}id")])
             for sheet in book.iter(f"{{{MAIN}}}sheet")]
    assert [name for name, _ in order] == ["Cover", *(SHEET_TITLES[t] for t in TABLES)]
    assert written == [f"xl/{target}" for _, target in [*order[1:], order[0]]]  # the cover's part comes last
    workbook = load_workbook(io.BytesIO(content))
    # Names that belong to a sheet (print titles) follow its place in the workbook, not the order it was written.
    assert workbook["Cover"].print_title_rows is None
    assert all(workbook[SHEET_TITLES[t]].print_title_rows == "$1:$1" for t in TABLES)


def sample_table(rows: list[Row]) -> Table:
    columns = (Column("name", "Name", width=40), Column("note", "Note", width=30))
    return Table("sample", "Sample", columns, rows, [None] * len(rows))


def test_column_widths_come_from_the_first_rows_and_later_longer_text_wraps() -> None:
    late = "x" * 120
    rows: list[Row] = [{"name": "short", "note": None} for _ in range(SAMPLE_ROWS)]
    workbook = load_workbook(io.BytesIO(render_workbook([sample_table([*rows, {"name": late, "note": "n"}])],
                                                        "Sample")))
    sheet = workbook["Sample"]
    assert sheet.column_dimensions["A"].width == 10  # "short" and the heading: the narrowest a column is
    assert sheet.column_dimensions["B"].width == 30  # no text in the first rows, text may follow: the cap
    last = SAMPLE_ROWS + 2
    assert sheet.cell(last, 1).value == late and sheet.cell(last, 2).value == "n"
    assert sheet.row_dimensions[last].height > sheet.row_dimensions[2].height  # the long name wraps


def test_a_table_within_the_sample_is_measured_row_by_row() -> None:
    rows: list[Row] = [{"name": "short", "note": None}, {"name": "n" * 22, "note": None}]
    sheet = load_workbook(io.BytesIO(render_workbook([sample_table(rows)], "Sample")))["Sample"]
    assert sheet.column_dimensions["A"].width == 24  # the longest name and 2
    assert sheet.column_dimensions["B"].width == 10  # empty in every row: the narrowest
    assert sheet.auto_filter.ref == "A1:B3"


def test_text_keeps_its_leading_and_trailing_spaces() -> None:
    rows: list[Row] = [{"name": "  padded ", "note": "plain"}]
    content = render_workbook([sample_table(rows)], "Sample")
    sheet = load_workbook(io.BytesIO(content))["Sample"]
    assert [sheet.cell(2, 1).value, sheet.cell(2, 2).value] == ["  padded ", "plain"]
    with zipfile.ZipFile(io.BytesIO(content)) as package:
        xml = package.read("xl/worksheets/sheet1.xml").decode()
    # A spreadsheet program drops them unless the text says to keep its spaces; text without them need not.
    assert '<t xml:space="preserve">  padded </t>' in xml and "<t>plain</t>" in xml

"""The inventory workbook and CSV folder as a user fills them in: template, import, problems by cell, bad files."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from graph.sqlite import SQLiteStore
from registry.cli import app
from registry.errors import InvalidInput
from registry.inventory import layout, template
from registry.inventory.layout import join_list, split_list
from registry.paths import default_store_path
from registry.service import Service

runner = CliRunner()


def flowreg(store: Path, *args: str):  # type: ignore[no-untyped-def]
    return runner.invoke(app, list(args), env={"FLOWREG_STORE": str(store), "FLOWREG_ACTOR": "inventory-tester"})


def stored_changes(store: Path) -> int:
    opened = SQLiteStore(store)
    try:
        return len(opened.changes())
    finally:
        opened.close()


@pytest.fixture
def seeded(tmp_path: Path) -> Path:
    store = tmp_path / "s.sqlite"
    assert flowreg(store, "seed").exit_code == 0
    return store


@pytest.fixture
def filled(tmp_path: Path, seeded: Path) -> Path:
    """The seed's registry exported as the template, ready to edit."""
    path = tmp_path / "inventory.xlsx"
    result = flowreg(seeded, "export", "template", "--out", str(path), "--from-store")
    assert result.exit_code == 0, result.output
    return path


def append(book: openpyxl.Workbook, sheet: str, record: dict[str, object]) -> int:
    worksheet = book[sheet]
    header = [cell.value for cell in worksheet[1]]
    worksheet.append([record.get(name) for name in header])
    return worksheet.max_row


def test_template_has_a_sheet_per_section_field_names_explanations_and_drop_downs(tmp_path: Path) -> None:
    path = tmp_path / "template.xlsx"
    result = runner.invoke(app, ["--store", str(tmp_path / "s.sqlite"), "export", "template", "--out", str(path)])
    assert result.exit_code == 0, result.output
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == [*layout.SHEETS, layout.LISTS_SHEET]
    assert book[layout.LISTS_SHEET].sheet_state == "hidden"
    flows = book["flows"]
    header = [c.value for c in flows[1]]
    assert header[:6] == ["id", "from", "to", "subjects", "categories", "purpose"]
    assert flows.cell(2, header.index("to") + 1).value.startswith("Id of the receiver")
    rules = {str(dv.sqref).split(":")[0][:-1]: dv for dv in flows.data_validations.dataValidation}
    letter = openpyxl.utils.get_column_letter
    assert rules[letter(header.index("frequency") + 1)].formula1 == '"systematic,occasional"'
    assert rules[letter(header.index("purpose") + 1)].formula1.startswith("'purposes'!$A$3")
    assert "lists" in rules[letter(header.index("to") + 1)].formula1
    safeguards = book["safeguards"]
    sg_header = [c.value for c in safeguards[1]]
    sg_rules = {str(dv.sqref).split(":")[0][:-1]: dv.formula1 for dv in safeguards.data_validations.dataValidation}
    assert "scc_2021" in sg_rules[letter(sg_header.index("kind") + 1)]
    assert sg_rules[letter(sg_header.index("module") + 1)] == '"1,2,3,4"'
    assert sg_rules[letter(sg_header.index("letter") + 1)] == '"a,b,c,d,e,f,g,compelling_interests"'
    processors = book["processors"]
    p_header = [c.value for c in processors[1]]
    p_rules = {str(dv.sqref).split(":")[0][:-1]: dv.formula1 for dv in processors.data_validations.dataValidation}
    assert p_rules[letter(p_header.index("country") + 1)].startswith("'lists'!$A$2")
    countries = [c.value for c in book[layout.LISTS_SHEET]["A"][1:]]
    assert "Japan (JP)" in countries and "India (IN)" in countries
    roles = [dv.formula1 for dv in book["group_companies"].data_validations.dataValidation]
    assert '"controller,joint_controller,processor"' in roles


def test_a_processor_and_two_flows_typed_into_the_template_import_and_open_findings(
        tmp_path: Path, seeded: Path, filled: Path) -> None:
    book = openpyxl.load_workbook(filled)
    append(book, "processors", {"id": "acme-in", "name": "Acme India", "country": "India (IN)",
                                "dpa_signed": datetime(2026, 1, 31)})
    append(book, "flows", {"id": "f-acme-1", "from": "rakuten-group-inc", "to": "acme-in",
                           "subjects": "entrants-europe", "categories": "user.contact.email",
                           "purpose": "campaign", "start": "2026-02-01"})
    append(book, "flows", {"id": "f-acme-2", "from": "rakuten-group-inc", "to": "acme-in",
                           "subjects": "entrants-europe", "categories": "user.contact.email; user.profile.name",
                           "purpose": "campaign", "frequency": "occasional"})
    book.save(filled)
    before = stored_changes(seeded)
    preview = flowreg(seeded, "import", str(filled), "--dry-run", "--as-of", "2026-06-01")
    assert preview.exit_code == 0, preview.output
    assert "3 would be created" in preview.output
    assert "create processors 'acme-in'" in preview.output
    assert "transfer-without-safeguard" in preview.output and "would open" in preview.output
    assert "dry run: nothing was written" in preview.output
    assert stored_changes(seeded) == before
    done = flowreg(seeded, "import", str(filled), "--as-of", "2026-06-01")
    assert done.exit_code == 0, done.output
    assert "3 created" in done.output and "opened" in done.output
    registry = Service(SQLiteStore(seeded)).registry()
    assert registry.processors_by_id["acme-in"].country == "IN"
    assert registry.processors_by_id["acme-in"].dpa_signed == date(2026, 1, 31)
    assert registry.flows_by_id["f-acme-1"].start == date(2026, 2, 1)
    assert registry.flows_by_id["f-acme-2"].categories == ["user.contact.email", "user.profile.name"]
    log = Service(SQLiteStore(seeded)).log(record="acme-in")
    assert log[-1].actor == "inventory-tester" and str(filled) in (log[-1].context or "")


def test_every_bad_cell_is_named_at_once_and_nothing_is_written(seeded: Path, filled: Path) -> None:
    book = openpyxl.load_workbook(filled)
    row = append(book, "processors", {"id": "acme-in", "name": "Acme India", "country": "Inida",
                                      "dpa_signed": "31/01/2026"})
    bad_flow = append(book, "flows", {"id": "f14", "from": "rakuten-group-inc", "to": "nobody",
                                      "subjects": "entrants-europe", "purpose": "campaig"})
    book.save(filled)
    before = stored_changes(seeded)
    result = flowreg(seeded, "import", str(filled))
    assert result.exit_code == 2
    out = result.output
    assert f"sheet 'processors', row {row}, column 'country' (id 'acme-in'): 'Inida' is not an ISO 3166-1" in out
    assert "did you mean 'IN' (India)" in out
    assert f"sheet 'processors', row {row}, column 'dpa_signed'" in out and "did you mean '2026-01-31'" in out
    # The flow misses its categories and still has its references checked in the same run.
    assert f"sheet 'flows', row {bad_flow}, column 'categories' (id 'f14'): required" in out
    assert f"sheet 'flows', row {bad_flow}, column 'to' (id 'f14'): 'nobody' is not a known" in out
    assert "did you mean 'campaign'" in out
    assert "Traceback" not in out
    assert stored_changes(seeded) == before


def test_dates_from_date_cells_and_text_and_lists_with_semicolons(tmp_path: Path) -> None:
    book = template.workbook()
    append(book, "safeguards", {"id": "s1", "kind": "scc_2021", "module": 2, "effective": datetime(2024, 3, 1),
                                "expires": "2030-03-01", "parties": "a; b"})
    path = tmp_path / "t.xlsx"
    book.save(path)
    from registry.inventory import workbook

    manifest = workbook.load(path)
    assert manifest.problems == []
    [safeguard] = manifest.fragment.safeguards
    assert (safeguard.effective, safeguard.expires) == (date(2024, 3, 1), date(2030, 3, 1))
    assert safeguard.parties == ["a", "b"]
    # Free text may hold the separator: written escaped, read back whole.
    measures = ["Encryption; key held in the EU", "a\\b"]
    assert split_list(join_list(measures)) == measures


def bad_file(tmp_path: Path, filled: Path, kind: str) -> Path:
    path = tmp_path / f"{kind}.xlsx"
    book = openpyxl.load_workbook(filled)
    if kind == "formula":
        append(book, "recipients", {"id": "r9", "name": "=HYPERLINK(\"http://x\")", "country": "JP", "kind": "other"})
        book["recipients"].cell(book["recipients"].max_row, 2).data_type = "f"
    elif kind == "merged":
        book["flows"].merge_cells("A3:A4")
    elif kind == "hidden":
        book.create_sheet("notes").sheet_state = "hidden"
    elif kind == "extra-sheet":
        book.create_sheet("vendors")
    elif kind == "extra-column":
        book["flows"].cell(1, 30, "owner")
        book["flows"].cell(3, 30, "ops")
    elif kind == "empty-sheet":
        del book["purposes"]
        book.create_sheet("purposes")
    book.save(path)
    return path


@pytest.mark.parametrize(("kind", "message"), [
    ("formula", "a formula (=HYPERLINK"),
    ("merged", "merged cells A3:A4"),
    ("hidden", "hidden sheet(s) 'notes'"),
    ("extra-sheet", "unknown sheet(s) 'vendors'"),
    ("extra-column", "unknown column 'owner'"),
    ("empty-sheet", "sheet 'purposes': the sheet is empty"),
])
def test_a_workbook_a_form_cannot_hold_is_refused_by_name(tmp_path: Path, seeded: Path, filled: Path, kind: str,
                                                          message: str) -> None:
    path = bad_file(tmp_path, filled, kind)
    before = stored_changes(seeded)
    result = flowreg(seeded, "import", str(path))
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert "Traceback" not in result.output and isinstance(result.exception, SystemExit)
    assert stored_changes(seeded) == before


def test_a_formula_is_never_evaluated_even_with_a_cached_value(tmp_path: Path, filled: Path) -> None:
    """A spreadsheet program saves a formula with its cached result; it is refused all the same."""
    book = openpyxl.load_workbook(filled)
    book["recipients"].cell(3, 2).value = "=1+1"
    book.save(filled)
    path = tmp_path / "cached.xlsx"
    with zipfile.ZipFile(filled) as source, zipfile.ZipFile(path, "w") as target:
        for item in source.infolist():
            data = source.read(item)
            if item.filename.startswith("xl/worksheets/"):
                data = re.sub(rb"(<f>1\+1</f>)(<v\s*/>|<v></v>)?", rb"\1<v>2</v>", data)
            target.writestr(item, data)
    assert openpyxl.load_workbook(path, data_only=True)["recipients"].cell(3, 2).value == 2  # the cache is there
    result = flowreg(tmp_path / "empty.sqlite", "import", str(path))
    assert result.exit_code == 2
    assert "sheet 'recipients', row 3, column 'name'" in result.output
    assert "a formula (=1+1) is not accepted" in result.output


def test_not_a_workbook_and_a_50_mb_workbook_are_refused_before_loading(tmp_path: Path) -> None:
    store = tmp_path / "s.sqlite"
    fake = tmp_path / "inventory.xlsx"
    fake.write_text("id,name\n", encoding="utf-8")
    result = flowreg(store, "import", str(fake))
    assert result.exit_code == 2 and "not an Excel workbook (.xlsx)" in result.output
    big = tmp_path / "big.xlsx"
    template.workbook().save(big)
    with zipfile.ZipFile(big, "a", compression=zipfile.ZIP_STORED) as archive:
        archive.writestr("xl/media/padding.bin", bytes(50 * 1024 * 1024))
    result = flowreg(store, "import", str(big))
    assert result.exit_code == 2, result.output
    assert "bytes; inventory workbooks are limited to" in result.output
    assert "Traceback" not in result.output


def test_a_zip_bomb_is_refused_by_its_unpacked_size(tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.xlsx"
    template.workbook().save(bomb)
    with zipfile.ZipFile(bomb, "a", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/media/zeros.bin", bytes(600 * 1024 * 1024))
    assert bomb.stat().st_size < 5 * 1024 * 1024
    result = flowreg(tmp_path / "s.sqlite", "import", str(bomb))
    assert result.exit_code == 2 and "unpacks to" in result.output


def test_csv_folder_imports_and_names_file_row_and_column(tmp_path: Path, seeded: Path) -> None:
    folder = tmp_path / "inventory"
    assert flowreg(seeded, "export", "template", "--from-store", "--format", "csv", "--out", str(folder)).exit_code == 0
    assert sorted(p.name for p in folder.iterdir()) == sorted(f"{s}.csv" for s in layout.SHEETS)
    unchanged = flowreg(seeded, "import", str(folder), "--dry-run")
    assert unchanged.exit_code == 0, unchanged.output
    assert "0 would be created, 0 would be updated" in unchanged.output
    with (folder / "flows.csv").open("a", encoding="utf-8") as flows:
        flows.write("f-new,rakuten-group-inc,nobody,entrants-europe,user.contact.email,campaign"
                    ",,,,,,,2026-13-01\r\n")
    (folder / "vendors.csv").write_text("id\r\n", encoding="utf-8")
    result = flowreg(seeded, "import", str(folder))
    assert result.exit_code == 2
    assert "unknown file(s) 'vendors'" in result.output
    (folder / "vendors.csv").unlink()
    result = flowreg(seeded, "import", str(folder))
    assert result.exit_code == 2
    rows = (folder / "flows.csv").read_text(encoding="utf-8").count("\n")
    assert f"sheet 'flows', row {rows}, column 'start': '2026-13-01' is not a day of the calendar" in result.output
    assert f"sheet 'flows', row {rows}, column 'to' (id 'f-new'): 'nobody' is not a known" in result.output


def test_store_and_actor_before_or_after_the_subcommand(tmp_path: Path, example_manifest: Path) -> None:
    store = tmp_path / "after.sqlite"
    result = runner.invoke(app, ["import", str(example_manifest), "--store", str(store), "--actor", "late"])
    assert result.exit_code == 0, result.output
    assert runner.invoke(app, ["show", f"--store={store}"]).output.count("processors") == 1
    assert runner.invoke(app, ["--store", str(store), "check", "--as-of", "2026-01-01"]).exit_code in (0, 1)
    assert runner.invoke(app, ["check", "--store", str(store), "--as-of", "2026-01-01"]).exit_code in (0, 1)
    assert Service(SQLiteStore(store)).log()[0].actor == "late"
    # Rich wraps the help text: compare without the spaces and box characters it adds.
    shown = "".join(ch for ch in runner.invoke(app, ["--help"]).output if ch not in " \n│")
    assert str(default_store_path()).replace(" ", "") in shown


def test_dry_run_names_the_fields_an_update_changes_and_the_deletions_of_replace(seeded: Path, filled: Path) -> None:
    book = openpyxl.load_workbook(filled)
    flows = book["flows"]
    header = [c.value for c in flows[1]]
    first_id = flows.cell(3, 1).value
    flows.cell(3, header.index("tia") + 1).value = "tia/new-assessment.pdf"
    last_id = flows.cell(flows.max_row, 1).value
    flows.delete_rows(flows.max_row)
    book.save(filled)
    before = stored_changes(seeded)
    upsert = flowreg(seeded, "import", str(filled), "--dry-run")
    assert upsert.exit_code == 0, upsert.output
    assert f"update flows {first_id!r}: tia" in upsert.output and "0 would be deleted" in upsert.output
    replace = flowreg(seeded, "import", str(filled), "--dry-run", "--replace")
    assert replace.exit_code == 0, replace.output
    assert f"delete flows {last_id!r}" in replace.output and "1 would be deleted" in replace.output
    flows = openpyxl.load_workbook(filled)
    flows["flows"].cell(3, 2).value = "nobody"
    flows.save(filled)
    refused = flowreg(seeded, "import", str(filled), "--dry-run")
    assert refused.exit_code == 2 and "'nobody' is not a known" in refused.output
    assert stored_changes(seeded) == before
    done = flowreg(seeded, "import", str(filled), "--replace")
    assert done.exit_code == 2  # the real import refuses the same file the same way
    assert stored_changes(seeded) == before


def test_a_zip_of_the_csv_files_reads_like_the_folder_and_other_members_are_refused(seeded: Path) -> None:
    from registry import inventory

    registry = Service(SQLiteStore(seeded)).registry()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in template.csv_files(registry).items():
            archive.writestr(f"inventory/{name}", data)
    manifest = inventory.parse(buffer.getvalue(), "inventory.zip")
    assert manifest.problems == []
    assert manifest.fragment.flows == registry.flows
    with zipfile.ZipFile(buffer, "a") as archive:
        archive.writestr("inventory/run.sh", b"echo hi")
    with pytest.raises(InvalidInput, match=r"not part of a CSV inventory: 'inventory/run\.sh'"):
        inventory.parse(buffer.getvalue(), "inventory.zip")
    with pytest.raises(InvalidInput, match="expected a workbook"):
        inventory.parse(b"x", "inventory.exe")

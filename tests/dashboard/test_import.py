"""The Import page on the real app: problems by sheet/row/column, the preview, writing only on confirm, roles."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import openpyxl
from streamlit.testing.v1 import AppTest

from registry.inventory import template
from registry.service import Service

OpenPage = Callable[..., AppTest]


def inventory_with_a_processor(seeded: Service, country: str = "IN") -> bytes:
    """The seed's registry as the workbook, plus a processor and a flow to it with no safeguard."""
    book = template.workbook(seeded.registry())
    for sheet, record in (("processors", {"id": "acme-in", "name": "Acme India", "country": country}),
                          ("flows", {"id": "f-acme", "from": "rakuten-group-inc", "to": "acme-in",
                                     "subjects": "entrants-europe", "categories": "user.contact.email",
                                     "purpose": "campaign"})):
        header = [c.value for c in book[sheet][1]]
        book[sheet].append([record.get(name) for name in header])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def confirm(app: AppTest) -> None:
    next(b for b in app.button if b.key == "i_confirm").click()
    app.run()
    assert not app.exception, [e.value for e in app.exception]


def test_bad_cells_are_listed_by_sheet_row_and_column_and_nothing_is_written(open_page: OpenPage,
                                                                             seeded: Service) -> None:
    revision = seeded.store.revision()
    app = open_page("Import", i_file=("inventory.xlsx", inventory_with_a_processor(seeded, country="Inida")))
    assert any("nothing will be written" in str(e.value) for e in app.error)
    table = next(d.value for d in app.dataframe)
    row = table[table["column"] == "country"].iloc[0]
    assert (row["sheet"], row["id"]) == ("processors", "acme-in")
    assert "did you mean 'IN'" in row["problem"]
    assert not [b for b in app.button if b.key == "i_confirm"]
    assert seeded.store.revision() == revision


def test_preview_then_confirm_writes_and_logs_the_file_and_actor(open_page: OpenPage, seeded: Service,
                                                                 store_path: Path) -> None:
    revision = seeded.store.revision()
    app = open_page("Import", i_file=("vendors.xlsx", inventory_with_a_processor(seeded)))
    text = " ".join(str(m.value) for m in app.markdown)
    assert "2 to create" in text and "would open" in text
    changes = next(d.value for d in app.dataframe)
    assert {"acme-in", "f-acme"} <= set(changes["id"])
    assert seeded.store.revision() == revision  # the preview wrote nothing
    confirm(app)
    assert any("Imported" in str(s.value) for s in app.success)
    assert "acme-in" in Service(seeded.store).registry().processors_by_id
    [entry] = seeded.log(record="acme-in")
    assert "vendors.xlsx" in (entry.context or "") and "dashboard" in (entry.context or "")
    assert entry.actor  # the signed-in user (the OS user without an access policy)


def test_a_viewer_sees_the_page_read_only(open_page: OpenPage, seeded: Service,
                                          as_role: Callable[[str], Path]) -> None:
    as_role("viewer")
    revision = seeded.store.revision()
    app = open_page("Import", i_file=("vendors.xlsx", inventory_with_a_processor(seeded)))
    assert any("needs the engineer, dpo or admin role" in str(i.value) for i in app.info)
    assert not [b for b in app.button if b.key == "i_confirm"]
    assert seeded.store.revision() == revision


def test_a_dpo_may_import(open_page: OpenPage, seeded: Service, as_role: Callable[[str], Path]) -> None:
    as_role("dpo")
    app = open_page("Import", i_file=("vendors.xlsx", inventory_with_a_processor(seeded)))
    confirm(app)
    assert "acme-in" in Service(seeded.store).registry().processors_by_id


def test_the_workbook_reads_back_as_a_workbook() -> None:
    assert openpyxl.load_workbook(io.BytesIO(template.workbook_bytes())).sheetnames[0] == "organisation"

"""Issue 12 item 8: control characters and bidi overrides are refused where a field is not free text, escaped
wherever registry text is printed, and never crash the XLSX export."""

from __future__ import annotations

import io
import json
from datetime import date
from pathlib import Path

import openpyxl
import pytest
from pydantic import TypeAdapter, ValidationError

from registry.checks import run_checks
from registry.exports import build_tables, render
from registry.manifest import load
from registry.model import FreeText, Registry, Text, unsafe_character
from tests.security.cli import flowreg, refused, seeded

ROOT = Path(__file__).resolve().parents[2]
PROCESSOR = {"id": "p1", "name": "P1", "country": "DE"}


@pytest.mark.parametrize(("field", "value"), [
    ("name", "Evil\u001b[2J\u001b[31m Corp"),  # clears the screen, turns the terminal red
    ("name", "Invoice\u202egpj.exe"),  # right-to-left override: reads as "Invoiceexe.jpg"
    ("name", "two\nlines"),  # a name is one line
    ("id", "p\u001b1"),
    ("contact", "dpo@example.com\r\nHIGH"),
])
def test_control_characters_in_short_fields_are_refused_naming_the_field(
        tmp_path: Path, field: str, value: str) -> None:
    manifest = tmp_path / "m.json"
    manifest.write_text(json.dumps({"version": 1, "processors": [{**PROCESSOR, field: value}]}), encoding="utf-8")
    output = refused(flowreg(tmp_path, "import", str(manifest)))
    assert f"field '{field}'" in output
    assert "\u001b" not in output and "\u202e" not in output  # the error itself prints the escape, not the byte


def test_free_text_keeps_tabs_and_newlines(tmp_path: Path) -> None:
    manifest = tmp_path / "m.json"
    manifest.write_text(json.dumps({"version": 1, "processors": [{**PROCESSOR, "note": "line 1\n\tline 2"}]}),
                        encoding="utf-8")
    assert flowreg(tmp_path, "import", str(manifest)).exit_code == 0


def test_a_newline_in_an_acknowledgement_reason_cannot_forge_a_finding_in_the_report(tmp_path: Path) -> None:
    seeded(tmp_path)
    findings = json.loads(flowreg(tmp_path, "check", "--as-of", "2026-11-24", "--format", "json").stdout)["findings"]
    target = findings[0]["id"]
    forged = "HIGH   transfer-without-safeguard [EU/EEA GDPR] transfer-without-safeguard:000000000000"
    result = flowreg(tmp_path, "ack", target, "--reason", f"memo 12\n\n{forged}\n  a forged reason",
                     "--as-of", "2026-11-24")
    assert result.exit_code == 0, result.output
    report = flowreg(tmp_path, "check", "--as-of", "2026-11-24").stdout
    assert not any(line.startswith(forged) for line in report.splitlines())
    assert f"memo 12\\n\\n{forged}\\n  a forged reason" in report
    assert "\u001b" not in refused(flowreg(tmp_path, "ack", target, "--reason", "ok\u001b[2J", "--as-of", "2026-11-24"))


def test_the_xlsx_export_writes_a_stored_control_character_as_an_escape(tmp_path: Path) -> None:
    # A store written before this check, or by another tool: the records skip validation on the way in.
    registry = Registry.model_validate(load(ROOT / "seed" / "registry.yaml").fragment.model_dump(by_alias=True))
    organisation = registry.organisation.model_copy(update={"name": "Acme\u001b[31m\u0000"})  # type: ignore[union-attr]
    company = registry.group_companies[0].model_copy(update={"name": "HQ\u0007"})
    registry = registry.model_copy(update={"organisation": organisation,
                                           "group_companies": [company, *registry.group_companies[1:]]})
    day = date(2026, 5, 1)
    [content] = render(build_tables(registry, run_checks(registry, day), day), "xlsx", "all").values()
    workbook = openpyxl.load_workbook(io.BytesIO(content))
    cover = workbook.worksheets[0]
    assert "Acme\\x1b[31m\\x00" in [cell.value for row in cover.iter_rows() for cell in row]
    record = workbook.worksheets[1]  # the company's name in its rows' controller cell
    assert any("HQ\\x07" in str(cell.value) for row in record.iter_rows(min_row=2) for cell in row)


def test_the_text_patterns_refuse_exactly_the_characters_the_error_names() -> None:
    short, free = TypeAdapter(Text), TypeAdapter(FreeText)

    def accepted(adapter: TypeAdapter[str], text: str) -> bool:
        try:
            adapter.validate_python(text)
        except ValidationError:
            return False
        return True

    for code in [*range(0x3000), 0xFEFF, 0x10FFFF]:
        for text in (chr(code), f"a{chr(code)}", f"{chr(code)}a"):
            assert accepted(short, text) == (unsafe_character(text) is None), hex(code)
            assert accepted(free, text) == (unsafe_character(text, free_text=True) is None), hex(code)

"""Issue 12 item 9: a key given twice in one mapping (a second `processors:` section, a repeated field) is refused
with the lines of both, in YAML and in JSON; before, the last one silently won."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.security.cli import flowreg, refused

YAML = """\
version: 1
processors:
- id: p1
  name: First
  country: DE
recipients: []
processors:
- id: p2
  name: Second
  name: Shadow
  country: DE
"""
JSON = """\
{"version": 1,
 "processors": [{"id": "p1", "name": "First", "country": "DE"}],
 "recipients": [],
 "processors": [{"id": "p2",
                 "name": "Second",
                 "name": "Shadow", "country": "DE"}]}
"""


@pytest.mark.parametrize(("name", "text", "section_lines", "field_lines"), [
    ("m.yaml", YAML, (2, 7), (9, 10)),
    ("m.json", JSON, (2, 4), (5, 6)),
])
def test_a_repeated_key_is_refused_naming_both_lines_and_nothing_is_written(
        tmp_path: Path, name: str, text: str, section_lines: tuple[int, int], field_lines: tuple[int, int]) -> None:
    manifest = tmp_path / name
    manifest.write_text(text, encoding="utf-8")
    assert flowreg(tmp_path, "init").exit_code == 0
    output = refused(flowreg(tmp_path, "import", str(manifest)))
    assert f"{name}:{section_lines[1]}: key 'processors' appears twice in one mapping " \
           f"(lines {section_lines[0]} and {section_lines[1]})" in output
    assert f"{name}:{field_lines[1]}: key 'name' appears twice in one mapping " \
           f"(lines {field_lines[0]} and {field_lines[1]})" in output
    assert "processors" not in flowreg(tmp_path, "export", "manifest").stdout

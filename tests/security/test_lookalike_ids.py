"""Issue 12 item 13: ids must be lowercase ASCII, so ids that look alike (Cyrillic letters, zero-width spaces,
fullwidth forms) can no longer be separate records; the error suggests the NFKC-normalised, lowercased form."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.security.cli import flowreg, refused


def manifest(tmp_path: Path, *ids: str) -> Path:
    path = tmp_path / "m.json"
    path.write_text(json.dumps({"version": 1, "processors": [{"id": i, "name": "P", "country": "DE"} for i in ids]}),
                    encoding="utf-8")
    return path


@pytest.mark.parametrize(("spoof", "hint"), [
    ("cl\u043eud-host", ""),  # Cyrillic o
    ("cloud\u200b-host", "; did you mean 'cloud-host'?"),  # zero-width space
    ("Cloud-Host", "; did you mean 'cloud-host'?"),
    ("cloud host", "; did you mean 'cloud-host'?"),
])
def test_an_id_outside_lowercase_ascii_is_refused_with_the_form_to_use(tmp_path: Path, spoof: str, hint: str) -> None:
    output = refused(flowreg(tmp_path, "import", str(manifest(tmp_path, "cloud-host", spoof))))
    assert "processors[1]" in output and "field 'id'" in output and "is not an id" in output
    assert output.splitlines()[1].endswith(f"starting with a letter or digit{hint}")


def test_fullwidth_forms_are_refused_with_their_nfkc_form_as_the_suggestion(tmp_path: Path) -> None:
    output = refused(flowreg(tmp_path, "import", str(manifest(tmp_path, "cloud-host", "\uff43loud-\uff28ost"))))
    assert "did you mean 'cloud-host'?" in output

"""examples/inventory.xlsx stays in step with the format: it holds exactly what examples/make_inventory.py makes."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from registry.inventory import workbook
from registry.model import Registry

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def test_the_committed_example_imports_cleanly_and_matches_its_script() -> None:
    spec = importlib.util.spec_from_file_location("make_inventory", EXAMPLES / "make_inventory.py")
    assert spec and spec.loader
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    manifest = workbook.load(EXAMPLES / "inventory.xlsx")
    assert manifest.problems == []
    assert Registry.model_validate(manifest.fragment.model_dump(by_alias=True)) == script.example_registry()

"""docs/design.md is the design a clone of the repository has: its example is a valid manifest, the sections the
code and documents cite exist, and nothing cites the brief outside the repository instead."""

from __future__ import annotations

import os
import re
from datetime import date
from pathlib import Path

from registry import manifest
from registry.checks import run_checks
from registry.model import Registry

ROOT = Path(__file__).resolve().parents[1]
DESIGN = ROOT / "docs" / "design.md"
TEXT_SUFFIXES = {".py", ".md", ".yaml", ".yml", ".toml", ".csv", ".txt"}


def repository_text_files() -> list[Path]:
    """The project's own text files: hidden folders (.git, .venv, .cache) and test artifacts left out, unvisited."""
    found: list[Path] = []
    for folder, subfolders, files in os.walk(ROOT):
        subfolders[:] = [name for name in subfolders if not name.startswith(".") and name != "artifacts"]
        found += [Path(folder, name) for name in files if Path(name).suffix in TEXT_SUFFIXES]
    return sorted(found)


def test_the_example_manifest_validates_and_gives_no_finding(tmp_path: Path) -> None:
    text = DESIGN.read_text(encoding="utf-8").split("## 3. Manifest format", 1)[1]
    example = tmp_path / "example.yaml"
    example.write_text(text.split("```yaml\n", 1)[1].split("```", 1)[0], encoding="utf-8")
    loaded = manifest.load(example)
    assert loaded.problems == []
    registry = Registry.model_validate(loaded.fragment.model_dump(by_alias=True))
    assert run_checks(registry, date(2026, 6, 1)) == []


def test_every_cited_section_of_the_design_exists() -> None:
    sections = set(re.findall(r"^## (\d+)\. ", DESIGN.read_text(encoding="utf-8"), flags=re.MULTILINE))
    cited: dict[str, set[str]] = {}
    for path in repository_text_files():
        for line in path.read_text(encoding="utf-8").splitlines():
            at = line.find("docs/design.md")
            numbers = re.findall(r"§(\d+)", line[at:] if at >= 0 else line if path == DESIGN else "")
            cited.setdefault(str(path.relative_to(ROOT)), set()).update(numbers)
    missing = {path: numbers - sections for path, numbers in cited.items() if numbers - sections}
    assert sections == {str(n) for n in range(1, 10)}
    assert not missing


def test_nothing_cites_files_outside_the_repository() -> None:
    outside = "../" + "shared"  # spelled apart so that this file does not cite it either
    citing = [str(path.relative_to(ROOT)) for path in repository_text_files()
              if outside in path.read_text(encoding="utf-8")]
    assert citing == []

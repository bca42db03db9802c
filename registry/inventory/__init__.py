"""The inventory as a spreadsheet: the template (template.py), and reading a workbook (workbook.py) or CSV files
(csvfolder.py) into the manifest's document so one validator serves manifests and spreadsheets alike."""

from __future__ import annotations

from pathlib import Path

from registry import manifest as manifests
from registry.errors import InvalidInput, Problem
from registry.files import read_input
from registry.manifest import Manifest

WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")
UPLOAD_TYPES = ("xlsx", "zip", "yaml", "yml", "json")


def load(path: str | Path) -> Manifest:
    """What `flowreg import` reads: a workbook, a folder of CSV files, or a YAML/JSON manifest."""
    from registry.inventory import csvfolder, workbook

    path = Path(path)
    if path.is_dir():
        return csvfolder.load_folder(path)
    suffix = path.suffix.lower()
    if suffix in WORKBOOK_SUFFIXES:
        return workbook.load(path)
    if suffix == ".zip":
        data = read_input(path, csvfolder.MAX_FOLDER_BYTES, what="zipped CSV inventories")
        return csvfolder.load_zip(data, str(path))
    return manifests.load(path)


def parse(data: bytes, file: str) -> Manifest:
    """An uploaded file by its name: .xlsx, a .zip of CSV files, or a .yaml/.yml/.json manifest."""
    from registry.inventory import csvfolder, workbook

    suffix = Path(file).suffix.lower()
    if suffix in WORKBOOK_SUFFIXES:
        return workbook.load(file, data)
    if suffix == ".zip":
        return csvfolder.load_zip(data, file)
    if suffix in (".yaml", ".yml", ".json"):
        return manifests.parse(data, file)
    raise InvalidInput([Problem("expected a workbook (.xlsx), a zip of CSV files, or a YAML/JSON manifest",
                                file=file)], summary=f"cannot read {file}")



"""`flowreg export ropa|transfers|findings|all` on a real store, as a user runs it."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from graph.sqlite import SQLiteStore
from registry.cli import app
from registry.exports import build_tables, render
from registry.service import Service
from tests.exports.conftest import AS_OF, read_csv

runner = CliRunner()
DAY = AS_OF.isoformat()


@pytest.fixture
def store(tmp_path: Path) -> Path:
    path = tmp_path / "registry.sqlite"
    assert runner.invoke(app, ["seed"], env={"FLOWREG_STORE": str(path)}).exit_code == 0
    return path


def flowreg(store: Path, *args: str):  # type: ignore[no-untyped-def]
    return runner.invoke(app, ["export", *args], env={"FLOWREG_STORE": str(store), "FLOWREG_ACTOR": "tester"})


def expected(store: Path, fmt: str, which: str) -> dict[str, bytes]:
    sqlite = SQLiteStore(store)
    try:
        service = Service(sqlite)
        return render(build_tables(service.registry(), service.check(AS_OF), AS_OF), fmt, which)  # type: ignore[arg-type]
    finally:
        sqlite.close()


@pytest.mark.parametrize(("which", "fmt"), [("ropa", "csv"), ("transfers", "csv"), ("findings", "json"),
                                            ("all", "json")])
def test_one_csv_or_json_file_goes_to_stdout(store: Path, which: str, fmt: str) -> None:
    result = flowreg(store, which, "--format", fmt, "--as-of", DAY)
    assert result.exit_code == 0, result.output
    [content] = expected(store, fmt, which).values()
    assert result.stdout_bytes == content
    assert flowreg(store, which, "--format", fmt, "--as-of", DAY).stdout_bytes == content


def test_all_xlsx_writes_the_workbook(store: Path, tmp_path: Path) -> None:
    out = tmp_path / "record.xlsx"
    result = flowreg(store, "all", "--format", "xlsx", "--as-of", DAY, "--out", str(out))
    assert result.exit_code == 0, result.output
    workbook = load_workbook(io.BytesIO(out.read_bytes()))
    assert workbook.sheetnames == ["Cover", "Record of processing", "Transfer register", "Findings"]


def test_all_csv_needs_a_directory(store: Path, tmp_path: Path) -> None:
    refused = flowreg(store, "all", "--format", "csv", "--as-of", DAY)
    assert refused.exit_code == 2
    assert "--out" in refused.output
    result = flowreg(store, "all", "--format", "csv", "--as-of", DAY, "--out", str(tmp_path / "csv"))
    assert result.exit_code == 0, result.output
    files = expected(store, "csv", "all")
    assert sorted(p.name for p in (tmp_path / "csv").iterdir()) == sorted(files)
    for name, content in files.items():
        assert (tmp_path / "csv" / name).read_bytes() == content
    assert read_csv(files[f"flowreg-transfers-{DAY}.csv"])


def test_bad_date_is_refused_with_the_option_named(store: Path) -> None:
    result = flowreg(store, "transfers", "--as-of", "01/05/2026")
    assert result.exit_code == 2
    assert "--as-of" in result.output

"""A store whose records no longer form a valid registry (written outside flowreg, or by two racing writers
before replaces were atomic): every read says which records are broken and exits 3, the dashboard shows a
page naming them; no traceback anywhere."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest
from typer.testing import CliRunner

from graph.sqlite import SQLiteStore
from graph.store import Node
from registry.cli import app
from registry.service import Service

APP = str(Path(__file__).resolve().parents[2] / "dashboard" / "app.py")


@pytest.fixture
def broken_store(tmp_path: Path, example_manifest: Path) -> Path:
    """The example registry, then its flow rewritten to point at a purpose nobody stored."""
    path = tmp_path / "broken.sqlite"
    store = SQLiteStore(path)
    Service(store, actor="seeder").import_file(example_manifest)
    flow = store.get("Flow", "f1")
    assert flow is not None
    store.write([Node("Flow", "f1", {**flow.properties, "purpose": "purpose-19"}, ())], actor="outside")
    store.close()
    return path


@pytest.mark.parametrize("command", [["show"], ["check"], ["export", "manifest"], ["export", "transfers"]])
def test_reading_a_broken_store_names_the_broken_record_and_exits_3(broken_store: Path, command: list[str]) -> None:
    result = CliRunner().invoke(app, command, env={"FLOWREG_STORE": str(broken_store)})
    assert result.exit_code == 3, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    assert f"the store {broken_store} holds 1 broken record(s)" in result.output
    assert "id 'f1'" in result.output and "'purpose-19'" in result.output


def test_the_dashboard_shows_a_page_naming_the_broken_records(
    broken_store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FLOWREG_STORE", str(broken_store))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.delenv("FLOWREG_ACCESS", raising=False)
    page = AppTest.from_file(APP, default_timeout=60)
    page.run()
    assert not page.exception, [e.value for e in page.exception]
    assert [t.value for t in page.title] == ["The registry cannot be shown"]
    assert "1 broken record(s)" in page.error[0].value
    table = page.dataframe[0].value
    assert list(table["record"]) == ["f1"]
    assert "purpose-19" in table["problem"][0]

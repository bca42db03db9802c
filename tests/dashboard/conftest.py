"""Dashboard fixtures: a seeded SQLite store in tmp_path and Streamlit AppTests of the real app on it."""

from __future__ import annotations

import getpass
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from graph.sqlite import SQLiteStore
from registry.service import Service

APP = str(Path(__file__).resolve().parents[2] / "dashboard" / "app.py")
AS_OF = date(2026, 5, 1)  # a fixed day, so the findings do not drift with the calendar
PAGES = {
    "Overview": "views/overview.py",
    "Findings": "views/findings.py",
    "Policies": "views/policies.py",
    "Transfers map": "views/transfers_map.py",
    "Graph explorer": "views/graph_explorer.py",
    "Entities": "views/entities.py",
    "What if": "views/what_if.py",
    "Register processor": "views/register_processor.py",
    "Import": "views/import_inventory.py",
    "Exports": "views/exports.py",
    "Change log": "views/change_log.py",
}


@pytest.fixture
def store_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A seeded store; no access policy unless a test writes one (the config directory is the test's own)."""
    path = tmp_path / "registry.sqlite"
    store = SQLiteStore(path)
    Service(store, actor="seeder").seed()
    store.close()
    monkeypatch.setenv("FLOWREG_STORE", str(path))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.delenv("FLOWREG_ACCESS", raising=False)
    return path


@pytest.fixture
def seeded(store_path: Path) -> Iterator[Service]:
    """A second connection to the same store, to check what the dashboard wrote."""
    store = SQLiteStore(store_path)
    yield Service(store, actor="checker")
    store.close()


@pytest.fixture
def open_page(store_path: Path) -> Callable[..., AppTest]:
    def open_(title: str, **state: object) -> AppTest:
        """The app on that page as of AS_OF; `state` goes into session state before the page first draws."""
        app = AppTest.from_file(APP, default_timeout=60)
        app.run()
        app.sidebar.date_input(key="as_of").set_value(AS_OF)
        for key, value in state.items():
            app.session_state[key] = value
        if PAGES[title] != PAGES["Overview"]:
            app.switch_page(PAGES[title])
        app.run()
        assert not app.exception, [e.value for e in app.exception]
        return app

    return open_


@pytest.fixture
def as_role(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[[str], Path]:
    """Write an access policy giving the local OS user one role."""
    def write(role: str) -> Path:
        path = tmp_path / "access.toml"
        path.write_text(f'default_role = "viewer"\n[users]\n"{getpass.getuser()}" = ["{role}"]\n', encoding="utf-8")
        monkeypatch.setenv("FLOWREG_ACCESS", str(path))
        return path

    return write

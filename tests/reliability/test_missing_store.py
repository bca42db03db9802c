"""Only init, seed and import create a store: any other command on a path that holds none (a typo in CI)
exits 3 naming the path, and creates nothing, instead of checking an empty registry and passing; the
dashboard shows the same refusal as a page. Every entry point opens its store through Service.open."""

from __future__ import annotations

import os
from pathlib import Path
from typing import NoReturn

import pytest
from streamlit.testing.v1 import AppTest
from typer.testing import CliRunner

from registry.cli import app
from registry.errors import FlowregError, StoreUnavailable
from registry.service import Service

APP = str(Path(__file__).resolve().parents[2] / "dashboard" / "app.py")

COMMANDS = [
    ["check"],
    ["show"],
    ["export", "manifest"],
    ["export", "findings"],
    ["log"],
    ["log", "--verify"],
    ["ack", "transfer-without-safeguard:1a2b3c4d5e6f", "--reason", "memo"],
    ["processor", "add", "--id", "p1", "--name", "P", "--country", "US"],
    ["neo4j", "sync", "--to", "bolt://127.0.0.1:1"],
    ["dashboard"],
]


@pytest.fixture(autouse=True)
def no_exec(monkeypatch: pytest.MonkeyPatch) -> None:
    """`flowreg dashboard` execs Streamlit: should it get that far, the test fails instead of becoming a server."""
    def refuse(*args: object) -> NoReturn:
        raise AssertionError("the command went on to start Streamlit")

    monkeypatch.setattr(os, "execve", refuse)


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c[:2]))
def test_a_command_that_only_reads_or_adds_refuses_a_missing_store(tmp_path: Path, command: list[str]) -> None:
    typo = tmp_path / "typo.sqlite"
    result = CliRunner().invoke(app, ["--store", str(typo), *command], env={"FLOWREG_ACTOR": "ci"})
    assert result.exit_code == 3, result.output
    assert f"no store at {typo}" in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert not typo.exists()


@pytest.mark.parametrize("command", [["init"], ["seed"]])
def test_init_and_seed_still_create_one(tmp_path: Path, command: list[str]) -> None:
    store = tmp_path / "new" / "registry.sqlite"
    result = CliRunner().invoke(app, ["--store", str(store), *command], env={"FLOWREG_ACTOR": "ci"})
    assert result.exit_code == 0, result.output
    assert store.is_file()
    assert CliRunner().invoke(app, ["--store", str(store), "show"]).exit_code == 0


def test_import_still_creates_one(tmp_path: Path, example_manifest: Path) -> None:
    store = tmp_path / "imported.sqlite"
    result = CliRunner().invoke(app, ["--store", str(store), "import", str(example_manifest)])
    assert result.exit_code == 0, result.output
    assert store.is_file()


def test_service_open_refuses_a_missing_sqlite_file_with_exit_3_and_creates_nothing(tmp_path: Path) -> None:
    typo = tmp_path / "missing" / "typo.sqlite"
    with pytest.raises(FlowregError) as refused:
        Service.open(typo, actor="ci")
    assert isinstance(refused.value, StoreUnavailable) and refused.value.exit_code == 3
    assert f"no store at {typo}" in refused.value.render()
    assert not typo.exists() and not typo.parent.exists()
    created = Service.open(typo, actor="ci", create=True)  # what init, seed and import ask for
    try:
        assert typo.is_file() and sum(created.store.counts().values()) == 0
    finally:
        created.close()


@pytest.mark.parametrize("password", ["", "secret"], ids=["no password", "unreachable"])
def test_service_open_turns_an_unusable_neo4j_into_store_unavailable(monkeypatch: pytest.MonkeyPatch,
                                                                     password: str) -> None:
    """Graph's own StoreUnavailable never reaches an entry point: every way of failing to open is exit 3."""
    monkeypatch.setenv("NEO4J_PASSWORD", password)
    with pytest.raises(StoreUnavailable) as refused:
        Service.open("bolt://127.0.0.1:1", actor="ci", create=True)
    assert refused.value.exit_code == 3
    assert ("set NEO4J_PASSWORD" if not password else "cannot reach Neo4j") in refused.value.render()


def test_the_dashboard_shows_a_missing_store_like_any_store_error_and_creates_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    typo = tmp_path / "typo.sqlite"
    monkeypatch.setenv("FLOWREG_STORE", str(typo))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.delenv("FLOWREG_ACCESS", raising=False)
    page = AppTest.from_file(APP, default_timeout=60)
    page.run()
    assert not page.exception, [e.value for e in page.exception]
    assert [t.value for t in page.title] == ["The registry cannot be shown"]
    assert [e.value for e in page.error] == [f"no store at {typo}: create it with `flowreg init`, `seed` or "
                                             "`import`, or point --store / FLOWREG_STORE at the right file"]
    assert not typo.exists()

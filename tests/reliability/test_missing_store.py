"""Only init, seed and import create a store: any other command on a path that holds none (a typo in CI)
exits 3 naming the path, and creates nothing, instead of checking an empty registry and passing."""

from __future__ import annotations

import os
from pathlib import Path
from typing import NoReturn

import pytest
from typer.testing import CliRunner

from registry.cli import app

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

"""Running `flowreg` as a user does, against a store of the test's own, with the user's directories in tmp."""

from __future__ import annotations

from pathlib import Path

from click.testing import Result
from typer.testing import CliRunner

from registry.cli import app

runner = CliRunner()


def flowreg(tmp_path: Path, *args: str) -> Result:
    env = {"FLOWREG_STORE": str(tmp_path / "store.sqlite"), "FLOWREG_ACTOR": "tester",
           "XDG_CONFIG_HOME": str(tmp_path / "config"), "FLOWREG_ACCESS": ""}
    return runner.invoke(app, list(args), env=env)


def seeded(tmp_path: Path) -> Path:
    result = flowreg(tmp_path, "seed")
    assert result.exit_code == 0, result.output
    return tmp_path / "store.sqlite"


def refused(result: Result) -> str:
    """The error output of a command that must have failed with bad input (exit 2) and no traceback."""
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    return result.output

"""Issue 12 item 7: a number that validates can never crash a read, and a crash never exits with a finding's code."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from registry.service import Service
from tests.security.cli import flowreg, refused, seeded


def fragment(tmp_path: Path, flow_changes: dict[str, object], name: str = "change.json") -> Path:
    """The seed's first flow with `flow_changes`, as a fragment to import over the seeded store."""
    exported = flowreg(tmp_path, "export", "manifest", "--format", "json")
    flow = json.loads(exported.stdout)["flows"][0]
    path = tmp_path / name
    path.write_text(json.dumps({"version": 1, "flows": [{**flow, **flow_changes}]}), encoding="utf-8")
    return path


@pytest.mark.parametrize("change", [
    {"retention": "P" + "9" * 5000 + "Y"},  # past Python's 4,300-digit int limit: every check crashed
    {"retention": "P99999999999999999999D"},
    {"start": "0001-01-01"},
    {"end": "9999-12-31"},
])
def test_numbers_and_dates_out_of_range_are_refused_at_import_and_the_store_stays_readable(
        tmp_path: Path, change: dict[str, object]) -> None:
    seeded(tmp_path)
    output = refused(flowreg(tmp_path, "import", str(fragment(tmp_path, change))))
    assert f"field '{next(iter(change))}'" in output and "nothing was written" in output
    for command in (["check", "--as-of", "2026-05-01", "--fail-on", "low"], ["export", "all", "--format", "json"],
                    ["show"]):
        result = flowreg(tmp_path, *command)
        assert result.exception is None or isinstance(result.exception, SystemExit), command
        assert result.exit_code in (0, 1) and "Traceback" not in result.output, command


def test_an_out_of_range_as_of_day_is_bad_input(tmp_path: Path) -> None:
    seeded(tmp_path)
    assert "--as-of" in refused(flowreg(tmp_path, "check", "--as-of", "9999-12-31"))


def test_an_unexpected_error_exits_5_with_one_line_and_leaves_the_traceback_in_the_log(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    seeded(tmp_path)

    def broken_check(self: Service, *args: object, **kwargs: object) -> None:
        raise ZeroDivisionError("a bug the tests do not know about")

    monkeypatch.setattr(Service, "check", broken_check)
    result = flowreg(tmp_path, "check")
    assert result.exit_code == 5  # never 1, which a CI gate reads as "a high finding"
    [line] = result.output.splitlines()
    log = tmp_path / "config" / "flowreg" / "errors.log"
    assert line.startswith("internal error: ZeroDivisionError: a bug the tests do not know about")
    assert line.endswith(f"details in {log}")
    text = log.read_text(encoding="utf-8")
    assert "Traceback (most recent call last)" in text and "broken_check" in text and "flowreg" in text

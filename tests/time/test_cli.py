"""`flowreg forecast`, `diff`, `what-if` and `trend` as a user runs them on the seed: output, JSON shape, bad
input (exit 2), and nothing written."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import Result

from graph.sqlite import SQLiteStore
from tests.security.cli import flowreg, refused, seeded


@pytest.fixture
def store(tmp_path: Path) -> Path:
    return seeded(tmp_path)


def revision(store: Path) -> int:
    opened = SQLiteStore(store, create=False)
    try:
        return opened.revision()
    finally:
        opened.close()


def ok(result: Result) -> str:
    assert result.exit_code == 0, result.output
    return result.stdout


def test_forecast_names_the_day_each_problem_opens_and_the_record_to_renew(tmp_path: Path, store: Path) -> None:
    before = revision(store)
    text = ok(flowreg(tmp_path, "forecast", "--as-of", "2026-12-03"))
    assert text.startswith("forecast 2026-12-03 to 2027-03-03 (90 days), if nothing changes: 2 problems open")
    assert "2027-03-01  HIGH   f10-hq-mail-campaign" in text
    assert "renew: scc-mail-m2, uk-addendum-mail" in text
    document = json.loads(ok(flowreg(tmp_path, "forecast", "--as-of", "2026-12-03", "--days", "2000",
                                     "--format", "json")))
    assert list(document) == ["as_of", "until", "days", "open_now", "opens", "closes", "calendar", "reference_data"]
    assert document["until"] == "2032-05-25"
    assert {o["day"] for o in document["opens"]} == {"2027-03-01", "2028-01-15"}
    assert all(set(o) == {"day", "problem", "renew", "finding", "causes"} for o in document["opens"])
    assert revision(store) == before  # nothing was written


def test_forecast_refuses_a_horizon_past_the_last_day_and_a_bad_day(tmp_path: Path, store: Path) -> None:
    assert "the horizon 3000-03-01 is after 2999-12-31" in refused(
        flowreg(tmp_path, "forecast", "--as-of", "2999-12-01"))
    assert "'--as-of'" in refused(flowreg(tmp_path, "forecast", "--as-of", "2027-02-30"))
    assert refused(flowreg(tmp_path, "forecast", "--days", "-1"))


def test_diff_of_two_days_names_the_contracts_that_expire_in_between(tmp_path: Path, store: Path) -> None:
    text = ok(flowreg(tmp_path, "diff", "--from", "2026-12-03", "--to", "2027-03-03"))
    assert text.startswith(f"diff 2026-12-03 -> 2027-03-03 (registry at revision {revision(store)}): 1 problem "
                           "opened, 0 problems closed, 1 problem changed")
    assert "because: 2027-03-01: safeguard scc-mail-m2 expires (last day 2027-02-28)" in text
    document = json.loads(ok(flowreg(tmp_path, "diff", "--from", "2026-12-03", "--to", "2027-03-03",
                                     "--format", "json")))
    assert list(document) == ["from", "to", "summary", "problems", "reference_data"]
    assert document["summary"] == {"opened": 1, "closed": 0, "changed": 1}
    problem = document["problems"][0]
    assert list(problem) == ["problem", "label", "status", "severity", "findings"]
    assert list(problem["findings"][0]) == ["status", "finding", "reason_before", "causes"]
    assert problem["findings"][0]["causes"][0]["kind"] == "safeguard_expires"


def test_diff_since_a_revision_names_the_writes_that_closed_each_problem(tmp_path: Path, store: Path) -> None:
    seeded_revision = revision(store)
    assert ok(flowreg(tmp_path, "processor", "add", "--id", "adtech-us", "--name", "Ad Co", "--country", "US",
                      "--dpa-signed", "2026-01-01"))
    written = revision(store)
    document = json.loads(ok(flowreg(tmp_path, "diff", "--since", str(seeded_revision), "--as-of", "2026-12-03",
                                     "--format", "json")))
    assert (document["from"]["revision"], document["to"]["revision"]) == (seeded_revision, written)
    closed = next(p for p in document["problems"] if p["problem"] == "adtech-us")
    assert closed["status"] == "closed"
    cause = closed["findings"][0]["causes"][0]
    assert (cause["kind"], cause["operation"], cause["record"], cause["seq"]) == (
        "record_change", "update", "adtech-us", written)
    assert revision(store) == written
    text = ok(flowreg(tmp_path, "diff", "--since", "2000-01-01"))  # before the first entry: the empty registry
    assert text.startswith(f"diff revision 0 -> {written} ")


def test_diff_refuses_mixed_or_missing_sides(tmp_path: Path, store: Path) -> None:
    assert "give one or the other" in refused(flowreg(tmp_path, "diff", "--since", "3", "--from", "2026-01-01"))
    assert "give --from DAY" in refused(flowreg(tmp_path, "diff"))
    assert "not in the change log" in refused(flowreg(tmp_path, "diff", "--since", "999"))
    assert "neither a revision number" in refused(flowreg(tmp_path, "diff", "--since", "yesterday"))


EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "what-if"


def test_what_if_prints_the_problems_opened_and_the_flows_without_a_fallback(tmp_path: Path, store: Path) -> None:
    before = revision(store)
    text = ok(flowreg(tmp_path, "what-if", str(EXAMPLES / "dpf-falls.yaml")))
    assert "what if: The EU-US Data Privacy Framework falls" in text and ", as of 2027-03-01" in text
    assert "CHANGED  HIGH   f13-hq-adtech-advertising" in text  # its house-rule problem (no DPA) is open already
    assert "transfers that lose part of their basis: 1, 1 without a fallback" in text
    document = json.loads(ok(flowreg(tmp_path, "what-if", str(EXAMPLES / "processor-dropped.yaml"), "--as-of",
                                     "2026-12-03", "--format", "json")))
    assert list(document) == ["scenario", "as_of", "summary", "problems", "losing_basis", "reference_data"]
    assert document["summary"] == {"opened": 0, "closed": 2, "changed": 0, "losing_basis": 0,
                                   "without_fallback": 0}
    assert document["problems"][0]["findings"][0]["causes"] == [
        {"kind": "scenario", "description": "processor adtech-us is dropped, with its flows"}]
    assert revision(store) == before


def test_what_if_refuses_a_bad_scenario_naming_file_line_and_field(tmp_path: Path, store: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("version: 1\ntitle: Bad\nadequacy:\n"
                   "  - {regime: gdpr, country: ZZ, adequate: false, from: 2027-01-01}\n"
                   "drop_processors:\n  - {id: no-such}\n", encoding="utf-8")
    output = refused(flowreg(tmp_path, "what-if", str(bad)))
    assert f"{bad}:4: adequacy[0], field 'country'" in output
    assert f"{bad}:6: drop_processors[0], id 'no-such', field 'id': no processor 'no-such'" in output
    assert "cannot read" in refused(flowreg(tmp_path, "what-if", str(tmp_path / "missing.yaml")))


def test_trend_writes_csv_and_json_from_the_first_entry_to_the_last_day(tmp_path: Path, store: Path) -> None:
    before = revision(store)
    lines = ok(flowreg(tmp_path, "trend", "--from", "2026-10-01", "--to", "2027-03-31")).splitlines()
    assert lines[0] == "day,revision,high,medium,low,problems,findings,acknowledged"
    assert [line.split(",")[0] for line in lines[1:]] == ["2026-10-31", "2026-11-30", "2026-12-31", "2027-01-31",
                                                          "2027-02-28", "2027-03-31"]
    assert lines[1] == "2026-10-31,0,0,0,0,0,0,0"  # before the seed was imported: an empty registry
    document = json.loads(ok(flowreg(tmp_path, "trend", "--every", "week", "--format", "json")))
    assert list(document) == ["every", "points", "reference_data"]
    assert document["every"] == "week"
    assert list(document["points"][-1]) == ["day", "revision", "high", "medium", "low", "problems", "findings",
                                            "acknowledged"]
    assert document["points"][-1]["revision"] == before
    assert revision(store) == before
    assert refused(flowreg(tmp_path, "trend", "--every", "year"))

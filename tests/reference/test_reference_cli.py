"""`flowreg reference`, and the review-date warning in `check`, the exports and their cover."""

from __future__ import annotations

import io
import json
from datetime import date, timedelta
from pathlib import Path

import jsonschema
from openpyxl import load_workbook
from typer.testing import CliRunner

from registry import exports
from registry.cli import app
from registry.reference import REVIEW_HORIZON_DAYS, load_reference
from registry.service import Service

runner = CliRunner()
REVIEWED = load_reference().reviewed
assert REVIEWED is not None
FRESH = REVIEWED.isoformat()
STALE = (REVIEWED + timedelta(days=REVIEW_HORIZON_DAYS + 1)).isoformat()
WARNING = f"reference data reviewed on {REVIEWED}; decisions since then are not known"


def flowreg(*args: str, store: Path | None = None):  # type: ignore[no-untyped-def]
    env = {"FLOWREG_ACTOR": "dpo-anna", **({"FLOWREG_STORE": str(store)} if store else {})}
    return runner.invoke(app, list(args), env=env)


def test_reference_for_one_regime_and_country_lists_its_decision_tools_and_derogations() -> None:
    result = flowreg("reference", "--regime", "gdpr", "--country", "br", "--as-of", "2026-06-01")
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert out.startswith("reference data in force on 2026-06-01 for BR")
    assert "EU/EEA GDPR (gdpr)" in out and "UK GDPR" not in out and "Japan APPI" not in out
    assert "BR: Commission Implementing Decision (EU) 2026/179" in out
    assert "http://data.europa.eu/eli/dec_impl/2026/179/oj" in out
    assert "scc_2021: Standard contractual clauses (EU) 2021/914" in out
    assert "scc_legacy" not in out  # ended on 2022-12-27
    assert "(compelling_interests)" in out and "DE:" not in out  # other countries' decisions are left out
    before = flowreg("reference", "--regime", "gdpr", "--country", "BR", "--as-of", "2025-06-01").stdout
    assert "none in force for BR" in before and "2026/179" not in before


def test_reference_as_json_for_the_european_patent_organisation() -> None:
    result = flowreg("reference", "--country", "epo", "--as-of", "2026-06-01", "--format", "json")
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document["as_of"] == "2026-06-01" and document["destination"] == "epo"
    assert document["reference_data"] == {"reviewed": FRESH, "warning": None}
    by_regime = {r["regime"]: r for r in document["regimes"]}
    assert set(by_regime) == {"gdpr", "uk_gdpr", "ch_fadp", "jp_appi"}
    [decision] = by_regime["gdpr"]["adequacy"]
    assert decision["international_organisation"] and "2025/1382" in decision["instrument"]
    assert all(not by_regime[r]["adequacy"] for r in ("uk_gdpr", "ch_fadp", "jp_appi"))
    uk_tools = {t["kind"]: t for t in by_regime["uk_gdpr"]["tools"]}
    assert "scc_legacy" not in uk_tools and uk_tools["uk_addendum"]["requires"] == "scc_2021"


def test_reference_lists_what_was_in_force_on_an_earlier_day() -> None:
    document = json.loads(flowreg("reference", "--regime", "uk_gdpr", "--as-of", "2024-03-20", "--format",
                                  "json").stdout)
    [uk] = document["regimes"]
    legacy = {t["kind"]: t for t in uk["tools"]}["scc_legacy"]
    assert legacy["new_contracts_until"] == "2022-09-22" and legacy["valid_until"] == "2024-03-21"
    later = json.loads(flowreg("reference", "--regime", "uk_gdpr", "--as-of", "2024-03-21", "--format",
                               "json").stdout)
    assert "scc_legacy" not in {t["kind"] for t in later["regimes"][0]["tools"]}
    assert {a["destination"] for a in uk["adequacy"]} >= {"KR", "US", "FR"}


def test_reference_refuses_a_bad_country_regime_or_date() -> None:
    for args, option in ((("--country", "UK"), "--country"), (("--country", "XX"), "--country"),
                         (("--country", "E P O"), "--country"), (("--as-of", "1/6/2026"), "--as-of")):
        result = flowreg("reference", *args)
        assert result.exit_code == 2 and option in result.output, result.output
    assert "did you mean 'GB'" in flowreg("reference", "--country", "UK").output
    assert flowreg("reference", "--regime", "ccpa").exit_code == 2


def test_reference_warns_when_the_day_is_long_after_the_review() -> None:
    assert WARNING not in flowreg("reference", "--as-of", FRESH).stdout
    result = flowreg("reference", "--regime", "jp_appi", "--as-of", STALE)
    assert f"warning: {WARNING}" in result.stdout.splitlines()[1]
    document = json.loads(flowreg("reference", "--as-of", STALE, "--format", "json").stdout)
    assert document["reference_data"]["warning"] == WARNING


def seeded(tmp_path: Path) -> Path:
    store = tmp_path / "s.sqlite"
    assert flowreg("seed", store=store).exit_code == 0
    return store


def test_check_says_when_the_reference_data_is_old_for_the_day(tmp_path: Path) -> None:
    store = seeded(tmp_path)
    fresh = flowreg("check", "--as-of", FRESH, store=store)
    assert WARNING not in fresh.output
    stale = flowreg("check", "--as-of", STALE, store=store)
    assert f"warning: {WARNING}" in stale.stderr and WARNING not in stale.stdout
    assert json.loads(flowreg("check", "--as-of", FRESH, "--format", "json", store=store).stdout)[
        "reference_data"] == {"reviewed": FRESH, "warning": None}
    document = json.loads(flowreg("check", "--as-of", STALE, "--format", "json", store=store).stdout)
    assert document["reference_data"] == {"reviewed": FRESH, "warning": WARNING}
    assert document["as_of"] == STALE and isinstance(document["findings"], list)  # the shape scripts read stays
    sarif = json.loads(flowreg("check", "--as-of", STALE, "--format", "sarif", store=store).stdout)
    schema = json.loads((Path(__file__).parents[1] / "checks" / "data" / "sarif-schema-2.1.0.json").read_text(
        encoding="utf-8"))
    jsonschema.Draft4Validator(schema, format_checker=jsonschema.FormatChecker()).validate(sarif)
    [invocation] = sarif["runs"][0]["invocations"]
    assert invocation["toolExecutionNotifications"][0]["message"]["text"] == WARNING
    assert invocation["properties"]["referenceDataReviewed"] == FRESH


def test_the_exports_carry_the_review_date_and_the_warning(service: Service) -> None:
    service.seed()
    stale_day = date.fromisoformat(STALE)
    tables = exports.build_tables(service.registry(), service.check(stale_day), stale_day)
    assert tables.reference_reviewed == REVIEWED and tables.reference_warning == WARNING
    document = json.loads(next(iter(exports.render(tables, "json", "all").values())))
    assert document["reference_data"] == {"reviewed": FRESH, "warning": WARNING}
    workbook = load_workbook(io.BytesIO(next(iter(exports.render(tables, "xlsx", "all").values()))))
    cover = {row[0]: row[1] for row in workbook.worksheets[0].iter_rows(values_only=True) if row[0]}
    assert cover["Warning"] == WARNING
    assert cover["Reference data reviewed"].date() == REVIEWED
    fresh_day = REVIEWED
    fresh = exports.build_tables(service.registry(), service.check(fresh_day), fresh_day)
    assert fresh.reference_warning is None
    fresh_cover = load_workbook(io.BytesIO(next(iter(exports.render(fresh, "xlsx", "all").values())))).worksheets[0]
    assert "Warning" not in {row[0] for row in fresh_cover.iter_rows(values_only=True)}


def test_export_prints_the_warning_on_stderr(tmp_path: Path) -> None:
    store = seeded(tmp_path)
    stale = flowreg("export", "findings", "--format", "json", "--as-of", STALE, store=store)
    assert stale.exit_code == 0 and f"warning: {WARNING}" in stale.stderr
    assert json.loads(stale.stdout)["reference_data"]["warning"] == WARNING
    assert "warning" not in flowreg("export", "findings", "--format", "json", "--as-of", FRESH, store=store).stderr

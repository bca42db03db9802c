"""benchmarks/: the runner prints its JSON last line, and the Neo4j comparison writes what the store writes."""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from benchmarks.generate import generate_registry
from benchmarks.neo4j_bench import measure_sync, naive_write
from benchmarks.run import dashboard_pages
from benchmarks.table import TARGETS, table
from graph.neo4j import Neo4jStore
from graph.sqlite import SQLiteStore
from registry.mapping import LABELS
from registry.service import Service
from tests.neo4j_fixture import Neo4jConnection

REPO = Path(__file__).resolve().parent.parent


def test_run_prints_one_json_object_last_with_the_agreed_keys(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, str(REPO / "benchmarks" / "run.py"), "--size", "XS", "--skip", "neo4j",
                           "--skip", "xlsx", "--workdir", str(tmp_path)], capture_output=True, text=True,
                          timeout=300, check=True)
    results = json.loads(done.stdout.strip().splitlines()[-1])
    for key in ("size", "flows", "import_s", "load_s", "check_s", "incremental_ms", "overview_s", "peak_rss_mb"):
        assert key in results, key
    assert results["size"] == "XS" and results["flows"] == len(generate_registry("XS").flows)
    assert results["findings"] > 0 and results["incremental_new_findings"] > 0  # the new processor is flagged
    assert results["export_csv_s"] >= 0 and "export_xlsx_s" not in results
    assert results["import_xlsx_s"] > 0 and results["import_xlsx_ratio"] > 0  # the inventory workbook, same registry
    for key in ("forecast_s", "what_if_s", "trend_s", "forecast_ratio", "what_if_ratio", "trend_ratio"):
        assert results[key] > 0, key
    assert results["trend_points"] == 12 and results["what_if_losing_basis"] >= 0 and results["forecast_opens"] >= 0
    # The full check again with 20 house rules: they find something, and the ratio is reported.
    assert results["house_rule_findings"] > 0 and results["house_rules_overhead"] > 0
    # Fresh processes with the check persisted: `flowreg check` and the dashboard's first view of the Overview.
    assert results["persisted_check_kb"] > 0 and results["fresh_check_s"] > 0 and results["fresh_check_ratio"] > 0
    assert results["dashboard_first_view_s"] > 0 and results["dashboard_first_view_parts"]["snapshot_s"] >= 0
    # The check kept its summary: the headline is drawn from it, Coming up and the trend after it.
    assert results["dashboard_first_view_from_summary"] and results["dashboard_first_view_apptest_from_summary"]
    assert results["dashboard_overview_complete_s"] >= results["dashboard_first_view_s"]
    assert results["dashboard_overview_complete_apptest_s"] >= results["dashboard_first_view_apptest_s"]
    # Every page of the app through AppTest in a fresh process, the Overview first; none fails.
    assert set(results["page_s"]) == set(dashboard_pages()) and "page_errors" not in results
    assert next(iter(results["page_s"])) == "Overview" and "Findings" in results["page_s"]
    assert results["page_max_s"] == max(s for title, s in results["page_s"].items() if title != "Overview")
    assert results["dashboard_first_view_apptest_s"] >= results["page_s"]["Overview"]
    assert results["dashboard_pages_prepared_s"] >= 0  # the pages were timed after the day's page data was made
    assert results["dashboard_peak_rss_mb"] > 0 and results["fresh_check_peak_rss_mb"] > 0
    # Exports per format (tables and writing), memory before and after them.
    assert set(results["exports_s"]) == {"csv", "json"}
    assert results["peak_rss_before_exports_mb"] <= results["peak_rss_after_exports_mb"] == results["peak_rss_mb"]



def numbers(results: dict[str, Any], prefix: str = "") -> dict[str, float]:
    """Every numeric value of a run, nested objects' as "outer.inner"."""
    found: dict[str, float] = {}
    for key, value in results.items():
        if isinstance(value, dict):
            found.update(numbers(value, f"{prefix}{key}."))
        elif isinstance(value, int | float) and not isinstance(value, bool):
            found[prefix + key] = value
    return found


def test_runs_are_fresh_processes_and_the_last_line_holds_their_medians(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, str(REPO / "benchmarks" / "run.py"), "--size", "XS", "--runs", "2",
                           "--workdir", str(tmp_path), *(f"--skip={s}" for s in (
                               "neo4j", "inventory", "house_rules", "fresh", "pages", "xlsx", "json"))],
                          capture_output=True, text=True, timeout=600, check=True)
    *runs, summary = [json.loads(line) for line in done.stdout.strip().splitlines()]
    assert len(runs) == 2 and summary["runs"] == 2 and summary["size"] == "XS"
    # Each run had a workdir of its own (and so a store of its own).
    assert all((tmp_path / f"run-{n}" / "registry-XS.sqlite").is_file() for n in (1, 2))
    first, second = numbers(runs[0]), numbers(runs[1])
    medians = numbers({key: value for key, value in summary.items() if key not in ("runs", "per_run")})
    assert set(medians) == set(first) == set(second)
    for key, value in medians.items():
        assert value == pytest.approx(statistics.median([first[key], second[key]]), abs=1e-3), key
    assert summary["flows"] == runs[0]["flows"] and isinstance(summary["flows"], int)
    assert summary["per_run"]["check_s"] == [runs[0]["check_s"], runs[1]["check_s"]]


def row(markdown: str, target_id: str) -> list[str]:
    """The cells of one target's row."""
    (target,) = [t for t in TARGETS if t.id == target_id]
    (line,) = [line for line in markdown.splitlines() if line.startswith(f"| {target.text} |")]
    return [cell.strip() for cell in line.strip("|").split(" | ")]


def test_the_table_marks_each_target_met_or_missed_and_absent_keys_not_measured() -> None:
    medians = {"runs": 3, "size": "L", "load_s": 4.0, "check_s": 6.0, "check_ratio": 1.5,
               "fresh_check_s": 12.0, "fresh_check_ratio": 3.0, "incremental_ms": 50.0, "overview_s": 3.2,
               "dashboard_first_view_apptest_s": 2.5, "dashboard_overview_complete_apptest_s": 9.4,
               "dashboard_first_view_apptest_from_summary": True,
               "page_s": {"Overview": 2.5, "Findings": 2.4, "Entities": 1.0},
               "page_max_s": 2.4, "page_slowest": "Findings", "exports_s": {"csv": 20.0, "json": 30.0, "xlsx": 61.0},
               "export_xlsx_vs_csv": 1.9, "neo4j_sync_flows_per_s": 25_000, "neo4j_batched_vs_naive": 19.9,
               "peak_rss_phases_mb": {"check": 900.0}, "dashboard_peak_rss_mb": 1300.0, "peak_rss_mb": 2000.0}
    markdown = table(medians, {"fresh_check": "reading the findings back"})
    assert markdown.splitlines()[0].startswith("| target (size L) | measured (median of 3 runs) |")
    verdicts = {t.id: row(markdown, t.id)[2] for t in TARGETS}
    assert verdicts == {
        "check": "met", "fresh_check": "missed", "incremental": "met", "overview": "missed",
        "first_view": "", "first_view_apptest": "met", "pages": "missed", "exports": "missed",
        "xlsx_vs_csv": "met", "forecast": "", "what_if": "", "trend": "", "house_rules": "",
        "neo4j_sync": "met", "neo4j_vs_naive": "missed", "peak_rss": "missed"}
    for absent in ("first_view", "forecast", "what_if", "trend", "house_rules"):
        assert row(markdown, absent)[1] == "not measured", absent
    assert row(markdown, "check")[1] == "6 s = 1.5x the 4 s load"
    assert row(markdown, "fresh_check")[3] == "reading the findings back" and row(markdown, "check")[3] == ""
    assert row(markdown, "pages")[1].startswith("2.4 s (Findings)")
    # The first view's figure is the headline; when the slow sections were filled in is written beside it.
    assert row(markdown, "first_view_apptest")[1] == (
        "2.5 s (headline from the kept summary); Coming up and the trend filled in at 9.4 s")
    assert row(markdown, "peak_rss")[1].startswith("import and check 900 MB, dashboard 1,300 MB")


def test_the_table_reads_the_runners_last_line_from_stdin(tmp_path: Path) -> None:
    why = tmp_path / "why.yaml"
    why.write_text("trend: replaying the log\n", encoding="utf-8")
    output = "\n".join([json.dumps({"size": "M", "trend_s": 9.0, "check_s": 1.0}),
                        json.dumps({"runs": 2, "size": "M", "trend_s": 5.0, "check_s": 1.0, "trend_ratio": 5.0})])
    done = subprocess.run([sys.executable, str(REPO / "benchmarks" / "table.py"), "--why", str(why)], input=output,
                          capture_output=True, text=True, timeout=60, check=True)
    assert row(done.stdout, "trend") == ["12-point trend at most 4x the full check", "5 s = 5x the 1 s check",
                                         "missed", "replaying the log"]
    refused = subprocess.run([sys.executable, str(REPO / "benchmarks" / "table.py"), "--why", str(why)],
                             input="not json\n", capture_output=True, text=True, timeout=60)
    assert refused.returncode != 0


@pytest.mark.neo4j
def test_naive_and_batched_syncs_write_the_same_graph(neo4j_server: Neo4jConnection, tmp_path: Path) -> None:
    source = SQLiteStore(tmp_path / "xs.sqlite")
    Service(source, actor="bench").register(generate_registry("XS"), source="generated")
    target = Neo4jStore(neo4j_server.uri, neo4j_server.user, neo4j_server.password, labels=LABELS)
    try:
        results = measure_sync(source, target, subset=40)
        assert results["neo4j_subset_flows"] == 40 and results["neo4j_batched_vs_naive"] > 0
        assert results["neo4j_bare_ceiling_flows_per_s"] > 0
        assert target.counts() == source.counts()  # the last step synced the whole registry
        assert target._query("MATCH (n:CeilingProbe|CeilingTarget) RETURN count(n) AS n")[0]["n"] == 0
        relationships = "MATCH ()-[r]->() WHERE r._owner IS NOT NULL RETURN count(r) AS n"
        batched = target._query(relationships)[0]["n"]
        flows = list(source.read("Flow"))
        target.drop_everything()
        target.write([n for n in source.read() if n.label not in ("Flow", "Acknowledgement")], actor="t")
        naive_write(target, flows, actor="t", first_seq=10**9)
        assert [target.get("Flow", f.key) for f in flows[::17]] == flows[::17]
        assert target._query(relationships)[0]["n"] == batched
    finally:
        target.drop_everything()
        target.close()

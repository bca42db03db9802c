"""benchmarks/: the runner prints its JSON last line, and the Neo4j comparison writes what the store writes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks.generate import generate_registry
from benchmarks.neo4j_bench import measure_sync, naive_write
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

"""The transfer register lists exactly the cross-border flows, one row per regime that treats each as a transfer,
and its status follows the as-of date and the DPO's acknowledgements."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from graph.sqlite import SQLiteStore
from registry.checks import run_checks
from registry.exports import ExportTables, build_tables
from registry.model import Registry
from registry.reference import REGIME_NAMES, DisclosureRecipient, load_reference
from registry.service import Service
from tests.exports.conftest import AS_OF, ROOT


def cross_border(registry: Registry) -> set[str]:
    """Flows whose receiver processes data in a country the sender does not process in (docs/design.md §2)."""
    flows = set()
    for flow in registry.flows:
        sender, receiver = registry.entities[flow.sender], registry.entities[flow.receiver]
        if set(receiver.where_processed) - set(sender.where_processed):
            flows.add(flow.id)
    return flows


def status_of(tables: ExportTables, flow: str, regime: str) -> str:
    [row] = [r for r in tables.tables["transfers"].rows if r["flow"] == flow and r["regime"] == regime]
    return str(row["status"])


def test_register_lists_exactly_the_seeds_cross_border_flows(tables: ExportTables, registry: Registry) -> None:
    listed = {row["flow"] for row in tables.tables["transfers"].rows}
    assert listed == cross_border(registry)
    assert registry.flows_by_id.keys() - listed  # the seed has domestic flows, and they stay out


def test_one_row_per_regime_that_treats_the_flow_as_a_transfer(tables: ExportTables, registry: Registry) -> None:
    reference = load_reference()
    rows = tables.tables["transfers"].rows
    for flow_id in cross_border(registry):
        flow = registry.flows_by_id[flow_id]
        receiver = registry.entities[flow.receiver]
        regimes = [r["regime"] for r in rows if r["flow"] == flow_id]
        assert len(regimes) == len(set(regimes))
        for regime_name in regimes:
            regime = next(r for r, name in REGIME_NAMES.items() if name == regime_name)
            # Each listed regime sees the receiver process outside its own territory.
            assert set(receiver.where_processed) - reference.territory(regime)
    # Japan to Luxembourg: a transfer under the APPI and the Swiss FADP, not under the GDPR (LU is in the EEA).
    assert {r["regime"] for r in rows if r["flow"] == "f01-hq-lu-campaign"} == {"Japan APPI", "Swiss FADP"}


def test_as_of_before_a_safeguards_effective_date_changes_the_status(registry: Registry) -> None:
    scc = registry.safeguards_by_id["scc-fraud-m1"]
    assert scc.effective is not None
    before, on = scc.effective - timedelta(days=1), scc.effective
    tables_before = build_tables(registry, run_checks(registry, before), before)
    tables_on = build_tables(registry, run_checks(registry, on), on)
    status_before = status_of(tables_before, "f15-hq-fraud", "EU/EEA GDPR").split("; ")
    status_on = status_of(tables_on, "f15-hq-fraud", "EU/EEA GDPR").split("; ")
    # Before its SCCs take effect the flow rests on a tool not yet in force (one finding says so); from the
    # effective date only the missing TIA remains.
    assert status_before != status_on
    assert status_before == ["safeguard-expired"]
    assert status_on == ["tia-missing"]
    [row] = [r for r in tables_before.tables["transfers"].rows
             if r["flow"] == "f15-hq-fraud" and r["regime"] == "EU/EEA GDPR"]
    assert row["effective"] == scc.effective
    assert any(f"takes effect on {scc.effective}" in v for v in row["safeguard_validity"])  # type: ignore[union-attr]


def test_status_names_the_rules_found_for_the_flow_and_regime(tables: ExportTables, registry: Registry) -> None:
    findings = {(f["rule"], f["regime"], flow) for f in tables.tables["findings"].rows for flow in f["flows"]}  # type: ignore[union-attr]
    for row in tables.tables["transfers"].rows:
        expected = sorted({rule for rule, regime, flow in findings
                           if flow == row["flow"] and regime in (row["regime"], "")})
        # A contingent flow before its day says so first (the seed's sale of the business has no day yet).
        pending = ["contingent: no effective day recorded"] if registry.flows_by_id[str(row["flow"])].contingent else []
        assert row["status"] == ("; ".join([*pending, *expected]) or "ok")


def test_a_buyer_abroad_is_listed_per_regime_with_what_must_be_in_place_before_the_sale(
        tables: ExportTables, registry: Registry) -> None:
    rows = {r["regime"]: r for r in tables.tables["transfers"].rows if r["flow"] == "f16-hq-acquirer"}
    assert set(rows) == set(REGIME_NAMES.values())
    reference = load_reference()
    for regime, name in REGIME_NAMES.items():
        rule = reference.disclosure(regime, DisclosureRecipient.ACQUIRER)
        assert rule is not None and rows[name]["to_put_in_place"] == [rule.text]
    appi = rows["Japan APPI"]["to_put_in_place"][0]  # type: ignore[index]
    assert "Art. 27(5)(ii)" in appi and "Art. 28(2) information" in appi and "Rules Art. 16" in appi
    assert "the EEA or the UK" in appi


def test_a_contingent_flow_to_a_buyer_on_its_day_is_judged_and_still_says_what_is_missing(
        registry: Registry) -> None:
    day = date(2027, 3, 1)
    buyer = registry.flows_by_id["f16-hq-acquirer"]
    sold = registry.model_copy(update={"flows": [f.model_copy(update={"effective": day}) if f is buyer else f
                                                 for f in registry.flows]})
    for on, status in ((day - timedelta(days=1), "contingent: not live until 2027-03-01"),
                       (day, "transfer-without-safeguard")):
        table = build_tables(sold, run_checks(sold, on), on).tables["transfers"]
        [row] = [r for r in table.rows if r["flow"] == buyer.id and r["regime"] == "Japan APPI"]
        assert row["status"] == status and "Art. 27(5)(ii)" in row["to_put_in_place"][0]  # type: ignore[index]


def test_the_fdpic_duty_of_a_swiss_exception_is_in_place_to_keep(tables: ExportTables) -> None:
    rows = {r["regime"]: r for r in tables.tables["transfers"].rows if r["flow"] == "f14-hq-authority"}
    assert rows["Swiss FADP"]["to_put_in_place"] == ["inform the FDPIC of the disclosure if it asks (FADP Art. 17(2))"]
    assert rows["EU/EEA GDPR"]["to_put_in_place"] == [] and rows["Japan APPI"]["to_put_in_place"] == []
    assert all(r["status"] == "ok" for r in rows.values())


def test_acknowledged_findings_are_marked_and_no_longer_highlighted(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "registry.sqlite")
    try:
        service = Service(store, actor="dpo")
        service.import_file(ROOT / "seed" / "registry.yaml")
        [tia] = [f for f in service.check(AS_OF) if f.rule == "tia-missing" and f.regime == "gdpr"]
        service.acknowledge(tia.id, "TIA in preparation, memo 7", until=AS_OF + timedelta(days=30), as_of=AS_OF)
        tables = build_tables(service.registry(), service.check(AS_OF), AS_OF)
    finally:
        store.close()
    transfers = tables.tables["transfers"]
    [index] = [i for i, r in enumerate(transfers.rows) if r["flow"] == "f15-hq-fraud" and r["regime"] == "EU/EEA GDPR"]
    assert transfers.rows[index]["status"] == "tia-missing"
    assert transfers.rows[index]["acknowledged"] == ["tia-missing"]
    assert transfers.flags[index] is None
    [finding] = [r for r in tables.tables["findings"].rows if r["id"] == tia.id]
    assert finding["acknowledged"] is True
    assert finding["acknowledgement"] == "TIA in preparation, memo 7"
    assert finding["acknowledged_until"] == AS_OF + timedelta(days=30)

"""The pages' view models on a synthetic registry: bounded neighbourhoods, pairs, filters, the form."""

from __future__ import annotations

import time
from datetime import date, timedelta

import pytest

from benchmarks.generate import generate_registry
from dashboard.models.entities import EntitiesModel, search_rows
from dashboard.models.findings import NO_REGIME, FindingFilter, FindingsModel, query_of
from dashboard.models.graph_explorer import GraphExplorerModel
from dashboard.models.overview import OverviewModel
from dashboard.models.rows import EXPIRED, EXPIRING
from dashboard.models.transfers_map import TransfersMapModel
from dashboard.registration import FormValues, build_fragment, introduced_findings, problems_by_widget
from registry.checks import run_checks
from registry.errors import InvalidInput
from registry.first_seen import FirstSeen
from registry.labels import regime_label
from registry.snapshot import Snapshot
from tests.checks.builders import AS_OF as DAY
from tests.checks.builders import registry, scc

AS_OF = date(2026, 5, 1)


@pytest.fixture(scope="module")
def snapshot() -> Snapshot:
    registry = generate_registry("S")  # 2,000 flows
    return Snapshot(registry, run_checks(registry, AS_OF), AS_OF)


def test_neighbourhoods_are_capped_and_say_so(snapshot: Snapshot) -> None:
    explorer = GraphExplorerModel(snapshot)
    category = "DataCategory:" + max(snapshot.registry.categories_by_id,
                                      key=lambda c: sum(c in f.categories for f in snapshot.registry.flows))
    assert category in dict(explorer.centres["Data category"])
    started = time.perf_counter()
    wide = explorer.neighbourhood(category, 3, limit=300)
    assert time.perf_counter() - started < 2
    assert wide.truncated and wide.graph.number_of_nodes() == 300 and category in wide.graph
    small = explorer.neighbourhood(category, 1, limit=10_000)
    assert not small.truncated
    carrying = {f.id for f in snapshot.registry.flows if category.split(":", 1)[1] in f.categories}
    assert {n.split(":", 1)[1] for n in small.graph if n.startswith("Flow:")} == carrying


def test_flagged_flows_carry_their_worst_open_finding(snapshot: Snapshot) -> None:
    onward = [f for f in snapshot.findings if f.evidence.path and not f.acknowledged]
    assert onward and all(f.problem in snapshot.flagged_flows for f in onward)
    for finding in snapshot.findings[:200]:
        # An onward gap flags the hop at fault, not the flows of its path.
        for flow_id in [finding.problem] if finding.evidence.path else finding.evidence.flows:
            if not finding.acknowledged:
                assert snapshot.flagged_flows[flow_id].rank >= finding.severity.rank
                assert snapshot.graph.nodes[f"Flow:{flow_id}"]["flagged"] == snapshot.flagged_flows[flow_id].value


def test_country_pairs_cover_every_cross_border_flow(snapshot: Snapshot) -> None:
    registry = snapshot.registry
    crossing = {f.id for f in registry.flows if set(registry.entities[f.receiver].where_processed)
                - set(registry.entities[f.sender].where_processed)}
    pairs = TransfersMapModel(snapshot).country_pairs
    paired = {flow for pair in pairs for flow in pair.flows}
    assert paired == crossing and OverviewModel(snapshot).overview.counts["Cross-border transfers"] == len(crossing)
    for pair in pairs[:50]:
        for flow_id in pair.flows:
            flow = registry.flows_by_id[flow_id]
            assert pair.sender in registry.entities[flow.sender].where_processed
            assert pair.receiver in registry.entities[flow.receiver].where_processed


def test_filters_combine(snapshot: Snapshot) -> None:
    model = FindingsModel(snapshot)
    high = model.filter_findings(FindingFilter(severities=frozenset({"high"})))
    rule = high[0].rule
    both = model.filter_findings(FindingFilter(severities=frozenset({"high"}), rules=frozenset({rule})))
    assert both and all(f.severity.value == "high" and f.rule == rule for f in both)
    assert len(both) == sum(f.severity.value == "high" and f.rule == rule for f in snapshot.findings)
    open_ones = model.filter_findings(FindingFilter(acknowledged=False))
    assert open_ones == [f for f in snapshot.findings if not f.acknowledged]


def test_search_rows_and_introduced_findings(snapshot: Snapshot) -> None:
    rows = EntitiesModel(snapshot).processors
    needle = rows[3]["name"]
    assert rows[3] in search_rows(rows, str(needle).upper())
    assert introduced_findings(snapshot.findings[:5], snapshot.findings[:8]) == snapshot.findings[5:8]


def test_form_problems_land_on_their_widgets() -> None:
    values = FormValues(
        processor={"id": "p1", "name": "", "country": "uk", "processing_countries": []},
        safeguards=[{"id": "s1", "kind": "scc_2021", "module": None}],
        flows=[{"direction": "out", "counterpart": "x", "subjects": [], "categories": ["user.contact.email"],
                "purpose": "campaign"}])
    with pytest.raises(InvalidInput) as error:
        build_fragment(values)
    placed = problems_by_widget(error.value.problems, values)
    assert set(placed) >= {("processor", None, "name"), ("processor", None, "country"),
                           ("safeguards", 0, "module"), ("flows", 0, "subjects")}
    assert any("did you mean 'GB'" in m for m in placed[("processor", None, "country")])


def test_overview_counts_problems_as_the_records_at_fault(snapshot: Snapshot) -> None:
    overview = OverviewModel(snapshot).overview
    open_findings = [f for f in snapshot.findings if not f.acknowledged]
    records = {f.problem for f in open_findings}
    assert overview.open_problems == len(records) == sum(overview.problems_by_severity.values())
    assert overview.open_problems < len(open_findings)  # a gap judged by several regimes counts once
    problems = FindingsModel(snapshot).problems()
    assert [p.severity.rank for p in problems] == sorted((p.severity.rank for p in problems), reverse=True)
    assert all(" -> " in p.label for p in problems if p.id in snapshot.registry.flows_by_id)


def test_safeguard_status_reads_its_own_dates_then_each_regimes_window() -> None:
    small = registry(flows=[], safeguards=[
        scc("s-future", effective="2027-01-01"), scc("s-past", expires="2025-01-01"),
        {"id": "s-legacy", "kind": "scc_legacy", "effective": "2019-01-01"},
        scc("s-soon", expires=str(DAY + timedelta(days=52))), scc("s-fine")])
    rows = {row["safeguard"]: row["status"] for row in EntitiesModel(Snapshot(small, [], DAY)).safeguards}
    assert rows["s-future"] == "not yet effective"
    assert rows["s-past"] == EXPIRED
    assert str(rows["s-legacy"]).startswith(f"{EXPIRED} under EU/EEA GDPR: ")
    assert "UK GDPR: " in str(rows["s-legacy"]) and "Swiss FADP: " in str(rows["s-legacy"])
    assert rows["s-soon"] == EXPIRING
    assert rows["s-fine"] == "in force"


def test_problem_rows_name_the_parties_and_a_link_gives_back_its_filter(snapshot: Snapshot) -> None:
    model = FindingsModel(snapshot)
    problems = model.problems()
    rows = model.rows(problems)
    assert [r.id for r in rows] == [p.id for p in problems]
    for row in rows[:300]:
        assert "None" not in f"{row.parties} {row.title} {row.state}" and row.age == ""  # ages not asked for
        if row.id in snapshot.registry.flows_by_id:
            assert " → " in row.parties and row.id not in row.parties
    first = problems[0].findings[0].id
    aged = model.rows(problems[:2], FirstSeen({first: AS_OF - timedelta(days=12)}, AS_OF - timedelta(days=30)))
    assert [r.age for r in aged] == [f"open 12 days (since {AS_OF - timedelta(days=12)})", "age not recorded"]
    assert model.rows(problems[:1], FirstSeen({first: AS_OF}, AS_OF))[0].age == "open since the change log began today"
    chosen = FindingFilter(severities=frozenset({"high"}), regimes=frozenset({"gdpr", NO_REGIME}),
                           acknowledged=False, records=frozenset({rows[0].id}))
    link = model.link_filter(query_of(chosen, rows[0].id))
    assert (link.chosen, link.problem, link.unknown) == (chosen, rows[0].id, {})
    assert model.link_filter({"severity": ["high", "odd"], "flow": "no-such-flow"}).unknown == {
        "severity": ["odd"], "record": ["no-such-flow"]}


def test_an_onward_gaps_chain_marks_its_last_hop(snapshot: Snapshot) -> None:
    model = FindingsModel(snapshot)
    onward = next(p for p in model.problems() if any(f.evidence.path for f in p.findings))
    chain = model.chain(onward)
    path = next(f.evidence.path for f in onward.findings if f.evidence.path)
    assert [h.sender for h in chain.hops] + [chain.hops[-1].receiver] == path
    assert [h.at_fault for h in chain.hops] == [False] * (len(chain.hops) - 1) + [True]
    assert chain.text().count("⚠") == 1 and chain.dot().count("at fault") == 1


def test_overview_bars_count_problems_and_link_to_them(snapshot: Snapshot) -> None:
    overview = OverviewModel(snapshot).overview
    findings = FindingsModel(snapshot)
    for link in overview.rule_links[:5] + overview.severity_links:
        shown = findings.filter_findings(findings.link_filter(link.query).chosen)
        problems = findings.problems(shown)
        assert len(problems) >= link.count  # a severity bar counts each problem by its worst open finding only
        if link in overview.rule_links:
            assert len(problems) == link.count


def test_reasons_cover_each_finding_once_and_name_every_regime(snapshot: Snapshot) -> None:
    model = FindingsModel(snapshot)
    for problem in model.problems()[:500]:
        reasons = model.reasons(problem)
        assert sorted(f.id for r in reasons for f in r.findings) == sorted(f.id for f in problem.findings)
        for reason in reasons:
            regimes = [f.regime for f in reason.findings if f.regime]
            assert len(regimes) == len(set(regimes)) and "\x00" not in reason.text
            if len(reason.findings) > 1:
                assert all(regime_label(r) in reason.heading for r in regimes)

"""The pages' view models on a synthetic registry: bounded neighbourhoods, pairs, filters, the form."""

from __future__ import annotations

import itertools
import time
from datetime import date, timedelta

import pytest

from benchmarks.generate import generate_registry
from dashboard import figures
from dashboard.models.entities import EntitiesModel, search_rows
from dashboard.models.findings import NO_REGIME, FindingFilter, FindingsModel, query_of
from dashboard.models.graph_explorer import MARKER_PX, SHOWN_PARTIES, GraphExplorerModel, PartyGraph, shorten, wrap
from dashboard.models.overview import OverviewModel
from dashboard.models.rows import EXPIRED, EXPIRING
from dashboard.models.transfers_map import (
    DEFAULT_ARCS,
    MAX_ARCS,
    MAX_FLOW_ROWS,
    NOT_LIVE,
    TransfersMapModel,
)
from dashboard.registration import FormValues, build_fragment, introduced_findings, problems_by_widget
from registry import manifest as manifests
from registry.checks import run_checks
from registry.checks.finding import Severity
from registry.errors import InvalidInput
from registry.first_seen import FirstSeen
from registry.labels import regime_label
from registry.model import Registry
from registry.service import seed_manifest_path
from registry.snapshot import Snapshot
from tests.checks.builders import AS_OF as DAY
from tests.checks.builders import processor, registry, scc

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
    paired = {flow for pair in pairs for flow in pair.flows + pair.not_live}
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


@pytest.fixture(scope="module")
def seed() -> Snapshot:
    registry = Registry.model_validate(manifests.load(seed_manifest_path()).fragment.model_dump())
    return Snapshot(registry, run_checks(registry, AS_OF), AS_OF)


def _inside(graph: PartyGraph) -> bool:
    """Every marker and label box of the view lies within the plotted range."""
    (left, right), (bottom, top) = graph.x_range, graph.y_range
    boxes = [party.label_box() for party in graph.parties]
    return all(left < p.x < right and bottom < p.y < top for p in graph.parties) and all(
        left <= x0 and x1 <= right and bottom <= y0 and y1 <= top for x0, y0, x1, y1 in boxes)


def _overlapping_labels(graph: PartyGraph) -> list[tuple[str, str]]:
    """Pairs of parties whose label boxes (or a label and another's marker) overlap, on the estimated text size."""
    def overlap(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> bool:
        return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]

    half = MARKER_PX / 2
    markers = {p.node: (p.x - half, p.y - half, p.x + half, p.y + half) for p in graph.parties}
    return [(a.node, b.node) for a, b in itertools.permutations(graph.parties, 2)
            if overlap(a.label_box(), b.label_box()) or overlap(a.label_box(), markers[b.node])]


def test_the_seeds_controller_reads_left_to_right(seed: Snapshot) -> None:
    explorer = GraphExplorerModel(seed)
    controller = explorer.busiest_entity
    assert controller == "GroupCompany:rakuten-group-inc"
    graph = explorer.party_graph(controller, 3)
    column = {p.node: p.column for p in graph.parties}
    receivers = {f.receiver for f in seed.registry.flows if f.sender == "rakuten-group-inc"}
    # Parties only: the 19 data categories and 14 flows that piled up as nodes now ride on the links.
    assert set(column) == {f"{type(e).__name__}:{e.id}" for e in seed.registry.entities.values()}
    assert column[controller] == 0 and [p.node for p in graph.parties if p.centre] == [controller]
    assert {column[f"{type(seed.registry.entities[r]).__name__}:{r}"] for r in receivers} == {1}
    assert column["Processor:cloud-ops-us"] == 2 and column["Processor:cloud-ops-in"] == 3
    assert all(p.x < q.x for p in graph.parties for q in graph.parties if p.column < q.column)
    to_us = next(k for k in graph.links if k.target == "GroupCompany:gc-us")
    flows = [seed.registry.flows_by_id[i] for i in to_us.flows]
    names = {c.id: c.name for c in seed.registry.data_categories}
    assert set(to_us.flows) == {"f03-hq-us-campaign", "f04-hq-us-advertising"}
    assert set(to_us.categories) == {names[c] for f in flows for c in f.categories}
    onward = next(k for k in graph.links if k.target == "Processor:cloud-ops-in")
    assert onward.subprocessor and onward.worst is not None
    assert graph.parties[0].role == "Controller" and graph.parties[0].countries == "Japan"


def test_labels_do_not_overlap_and_stay_in_the_plot(seed: Snapshot) -> None:
    explorer = GraphExplorerModel(seed)
    for hops in (1, 2, 3):
        graph = explorer.party_graph(explorer.busiest_entity or "", hops)
        assert _overlapping_labels(graph) == [] and _inside(graph), hops
        # The pile of the spring layout: one column of twelve names, each readable in full.
        assert all(p.label == p.name or p.label.endswith("…") for p in graph.parties)
    for country, _ in explorer.centres["Country"]:
        graph = explorer.party_graph(country, 2)
        assert graph.parties and _overlapping_labels(graph) == [] and _inside(graph), country


def test_a_long_name_wraps_then_is_shortened() -> None:
    name = "Customer-support outsourcing provider, Philippines (example)"
    assert wrap(name, 40) == ("Customer-support outsourcing provider,", "Philippines (example)")
    short = wrap(name, 16)
    assert len(short) == 2 and all(len(line) <= 16 for line in short) and short[-1].endswith("…")
    assert wrap("Rakuten Group, Inc.", 30) == ("Rakuten Group, Inc.",)
    assert shorten("Supercalifragilistic", 8) == "Superca…"


def test_the_cap_bounds_what_a_big_registry_draws(snapshot: Snapshot) -> None:
    explorer = GraphExplorerModel(snapshot)
    centres = [explorer.busiest_entity or "", explorer.centres["Country"][0][0],
               explorer.centres["Data category"][0][0]]
    for centre in centres:
        started = time.perf_counter()
        graph = explorer.party_graph(centre, 3)
        assert time.perf_counter() - started < 2
        assert graph.truncated and len(graph.parties) == SHOWN_PARTIES < graph.reached, centre
        assert _overlapping_labels(graph) == [] and _inside(graph), centre
        shown = {p.node for p in graph.parties}
        assert all(k.source in shown and k.target in shown for k in graph.links)
    busiest = explorer.party_graph(centres[0], 3)
    more = explorer.party_graph(centres[0], 3, cap=2 * SHOWN_PARTIES)
    assert len(more.parties) == 2 * SHOWN_PARTIES and _inside(more) and _overlapping_labels(more) == []
    assert {p.node for p in busiest.parties} < {p.node for p in more.parties}
    # The nearest first: with more partners than fit, only parties one link away are drawn.
    one_hop = explorer.party_graph(centres[0], 1, cap=10_000)
    assert one_hop.reached > SHOWN_PARTIES and {p.node for p in busiest.parties} <= {p.node for p in one_hop.parties}


def test_the_drawing_keeps_every_line_and_note_inside_the_plot(snapshot: Snapshot) -> None:
    explorer = GraphExplorerModel(snapshot)
    for centre in (explorer.busiest_entity or "", explorer.centres["Country"][0][0]):
        graph = explorer.party_graph(centre, 2)
        figure = figures.party_graph(graph, show_categories=True)
        (left, right), (bottom, top) = figure.layout.xaxis.range, figure.layout.yaxis.range
        points = [(x, y) for trace in figure.data for x, y in zip(trace.x, trace.y, strict=True) if x is not None]
        assert points and all(left < x < right and bottom < y < top for x, y in points), centre
        # Links within a column curve out beside it (there are some at this size): their points are inside too.
        where = {p.node: p for p in graph.parties}
        assert any(len(figures.link_path(where[k.source], where[k.target], graph.column_pitch)) > 2
                   for k in graph.links)
        notes = [a for a in figure.layout.annotations if a.name == "categories"]
        assert notes and all(left < a.x < right for a in notes)


def test_an_arc_shows_the_problems_of_its_own_hop_and_an_onward_problem_its_path() -> None:
    # hq (DE) -> p1 (US, DPF) is sound; p1 -> p2 (IN) has no tool: an onward gap for the GDPR, on the later hop.
    # p3 processes in Switzerland (adequate) and India: only the Indian leg lacks a basis. The contingent flow to
    # p4 moves no data yet.
    small = registry(
        processors=[processor("p1", "US", dpf_certified=True), processor("p2", "IN", parent="p1"),
                    processor("p3", "CH", processing_countries=["CH", "IN"]), processor("p4", "BR")],
        subjects=[{"id": "eea", "name": "EEA", "regions": ["EEA"]}, {"id": "jp", "name": "JP", "regions": ["JP"]}],
        flows=[{"id": "f1", "from": "hq", "to": "p1"}, {"id": "f2", "from": "p1", "to": "p2", "subjects": ["jp"]},
               {"id": "f3", "from": "hq", "to": "p3", "tia": "t"},
               {"id": "f4", "from": "hq", "to": "p4", "contingent": True}])
    model = TransfersMapModel(Snapshot(small, run_checks(small, DAY), DAY))
    pairs = {p.leg: p for p in model.country_pairs}
    assert pairs[("DE", "US")].worst is None and not model.problems(pairs[("DE", "US")])
    assert pairs[("US", "IN")].worst is Severity.HIGH
    [onward] = model.problems(pairs[("US", "IN")])
    assert onward.flow == "f2" and onward.path == (("DE", "US"), ("US", "IN"))
    # APPI judges the hop itself (its users' data); the GDPR through the chain.
    assert {(f.rule, f.regime) for f in onward.problem.findings} == {("onward-transfer-gap", "gdpr"),
                                                                     ("transfer-without-safeguard", "jp_appi")}
    assert model.path_label(onward) == "Germany → United States → India"
    assert pairs[("DE", "IN")].worst is Severity.HIGH and pairs[("DE", "CH")].worst is None
    assert [h.path for h in model.problems(pairs[("DE", "IN")])] == [()]
    waiting = pairs[("DE", "BR")]
    assert waiting.flows == () and waiting.not_live == ("f4",) and waiting.worst is None
    assert waiting not in model.drawn() and {p.leg for p in model.drawn()} == {("DE", "US"), ("US", "IN"),
                                                                              ("DE", "CH"), ("DE", "IN")}
    assert [row["status"] for row in model.pair_flows(waiting)] == [NOT_LIVE]


@pytest.mark.slow
def test_the_map_at_size_m_draws_a_bounded_number_of_arcs() -> None:
    large = generate_registry("M")  # 20,000 flows; the map's bounds do not depend on the findings
    model = TransfersMapModel(Snapshot(large, [], AS_OF))
    live = [p for p in model.country_pairs if p.flows]
    assert len(live) > MAX_ARCS and len(model.drawn(10_000)) == MAX_ARCS and len(model.drawn()) == DEFAULT_ARCS
    busiest = sorted(live, key=lambda p: -len(p.flows))[0]
    assert busiest in model.drawn(MAX_ARCS) and len(model.pair_flows(busiest)) <= MAX_FLOW_ROWS
    figure, _ = figures.transfers_map(model.drawn(10_000))
    assert len(figure.data) <= 4 * 4 + 1  # a trace per (severity, width), and the countries
    assert sum(len(trace.lon) for trace in figure.data) <= MAX_ARCS * (figures.ARC_STEPS + 2) + 60


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

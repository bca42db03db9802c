"""onward-transfer-gap: data protected by a regime reaches a country through a chain whose later hop has no
valid tool; the whole path is the evidence.

A chain starts with a flow the regime judges (its sender processes in the regime's territory, or it carries
people living there) and follows, category by category, the flows by which its receiver passes the same data
on (a parent key such as user.contact matches its children). The search is breadth first over (entity,
category) states, so it is linear in flows times categories and ends on cycles. One finding per regime and
unprotected later hop that the regime does not judge directly (when it does, the hop's own transfer finding
reports the gap), with the shortest chain that brings the data there (among chains as short, the one
whose flow into each entity has the smallest id): every other chain into the same hop is the same gap,
closed by the same contract. After a change, only the search downstream of the changed flows is redone.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable, Iterator
from dataclasses import replace

from graph.network import Arrival, Arrivals, EdgeIndex, KeyedEdge, chain, respread, spread
from registry.checks.finding import Finding, Severity
from registry.checks.rule import CheckContext, KeptState, Rule, Scope, Subject
from registry.labels import regime_label
from registry.model import Flow, Registry
from registry.reference import Regime
from registry.transfers import RegimeVerdict, TransferAnalyser

# Flows shown before the unprotected hop: as far back as controller -> processor -> sub-processor.
MAX_CHAIN = 4


@functools.cache
def _ancestors(category: str) -> tuple[str, ...]:
    parts = category.split(".")
    return tuple(".".join(parts[:i]) for i in range(1, len(parts)))


def _edge(flow: Flow) -> KeyedEdge:
    carried = frozenset(flow.categories)
    return KeyedEdge(flow.sender, flow.receiver, flow.id, {"categories": carried, "keys": _keys(carried)})


def passes(category: Hashable, edge: KeyedEdge) -> bool:
    """Does the flow carry `category`, a category below it, or one above it?"""
    return not set(label_keys(category)).isdisjoint(edge_keys(edge))


def edge_keys(edge: KeyedEdge) -> frozenset[tuple[str, str]]:
    return edge.attributes["keys"]  # type: ignore[no-any-return]


@functools.cache
def label_keys(category: Hashable) -> tuple[tuple[str, str], ...]:
    """Keys that meet `edge_keys` exactly when a flow carries the category, one below it, or one above it."""
    return (("at or below", str(category)), *(("above", parent) for parent in _ancestors(str(category))))


@functools.cache
def _keys(carried: frozenset[str]) -> frozenset[tuple[str, str]]:
    below = {("at or below", c) for c in carried} | {("at or below", p) for c in carried for p in _ancestors(c)}
    return frozenset(below | {("above", c) for c in carried})


class OnwardSearch:
    """The flows as edges, and for each regime where the data it protects gets to; kept up to date flow by flow."""

    def __init__(self, index: EdgeIndex, arrivals: dict[Regime, Arrivals]) -> None:
        self.index, self.arrivals = index, arrivals

    @classmethod
    def build(cls, registry: Registry, analyser: TransferAnalyser) -> OnwardSearch:
        # A contingent flow before its day carries nothing anywhere: no chain passes through it.
        index = EdgeIndex(edge_keys, (_edge(flow) for flow in registry.flows if analyser.live(flow)))
        return cls(index, {regime: spread(index, _seed_labels(registry, analyser, regime), label_keys)
                           for regime in Regime})

    @classmethod
    def of(cls, context: CheckContext) -> OnwardSearch:
        return cls.build(context.registry, context.analyser)

    def copy(self) -> OnwardSearch:
        """The same search, which later refreshes change apart from this one."""
        return OnwardSearch(self.index.copy(), {regime: arrivals.copy() for regime, arrivals in self.arrivals.items()})

    def refresh(self, context: CheckContext) -> Scope:
        """Follow the changes in the context's scope; every flow out of an entity whose arrivals were redone is
        judged again as a later hop, and so is every flow the scope judges (a new day may change its verdict
        though nothing changed where the data goes)."""
        scope = context.scope
        assert scope is not None  # a full check builds the search instead
        region = self.update(context.registry, context.analyser, scope.changed)
        hop_ids = scope.changed | {f.id for f in scope.flows} \
            | {str(edge.key) for entity in region for edge in self.index.out_edges(entity)}
        flows = context.registry.flows_by_id
        return replace(scope, hops=tuple(flows[f] for f in sorted(hop_ids) if f in flows),
                       subjects=scope.subjects | {Subject.HOP.of(f) for f in hop_ids})

    def update(self, registry: Registry, analyser: TransferAnalyser, flow_ids: Iterable[str]) -> set[Hashable]:
        """Refile the flows `flow_ids` (changed, added, removed, or judged anew because a party changed) and
        redo the search downstream of them; returns the entities whose arrivals were redone."""
        targets: set[Hashable] = set()
        for flow_id in flow_ids:
            old = self.index.remove(flow_id)
            if old is not None:
                targets.add(old.target)
            flow = registry.flows_by_id.get(flow_id)
            if flow is not None and analyser.live(flow):
                self.index.add(_edge(flow))
                targets.add(flow.receiver)
        region = self.index.downstream(targets)
        for regime, arrivals in self.arrivals.items():
            respread(self.index, arrivals, region, _seed_labels(registry, analyser, regime), label_keys)
        return region


def _seed_labels(registry: Registry, analyser: TransferAnalyser,
                 regime: Regime) -> Callable[[KeyedEdge], Iterable[Hashable]]:
    """A chain starts with a flow the regime judges, carrying each of its categories."""
    def seeds(edge: KeyedEdge) -> Iterable[Hashable]:
        flow = registry.flows_by_id[str(edge.key)]
        return flow.categories if regime in analyser.judging_regimes(flow) else ()
    return seeds


def evaluate(rule: Rule, context: CheckContext) -> Iterator[Finding]:
    registry, analyser = context.registry, context.analyser
    search = context.state(SEARCH)
    hops = context.scope.hops if context.scope is not None else registry.flows
    parent_keys = {p for category in registry.categories_by_id for p in _ancestors(category)}
    # No data moves on a contingent flow before its day; who judges a hop is the same under every regime.
    live = [(flow, analyser.judging_regimes(flow)) for flow in hops if analyser.live(flow)]
    for regime in Regime:
        arrivals = search.arrivals[regime]
        held_by = arrivals.labels.get
        for flow, judging in live:
            held = held_by(flow.sender)
            if not held:
                continue  # no data this regime protects gets to the sender
            if regime in judging:
                continue  # the regime judges the hop itself: its transfer finding reports this same gap
            if not analyser.exposed(flow, regime):
                continue  # every destination is adequate for the receiver: no verdict can find a gap
            verdict = analyser.verdict(flow, regime)
            if verdict.ok:
                continue
            finding = _finding(rule, context, regime, arrivals.reached, held, _edge(flow), verdict, parent_keys)
            if finding:
                yield finding


def _arriving(held: set[str], carried: Iterable[str], parent_keys: set[str]) -> dict[str, set[str]]:
    """For each label the sender holds that the hop passes on, the hop's own categories it travels as."""
    found: dict[str, set[str]] = defaultdict(set)
    for category in carried:
        for label in (category, *_ancestors(category)):
            if label in held:
                found[label].add(category)
        if category in parent_keys:  # the hop carries a parent key: labels below it travel too
            for label in held:
                if label.startswith(category + "."):
                    found[label].add(label)
    return found


def _finding(rule: Rule, context: CheckContext, regime: Regime, reached: dict[tuple[Hashable, Hashable], Arrival],
             held: set[str], last: KeyedEdge, verdict: RegimeVerdict, parent_keys: set[str]) -> Finding | None:
    hop = context.registry.flows_by_id[str(last.key)]
    categories: set[str] = set()
    best: list[KeyedEdge] | None = None
    # Shortest chains first; among equals, the smallest label, so the choice is the same on every run.
    for label, travel in sorted(_arriving(held, hop.categories, parent_keys).items(),
                                key=lambda item: (reached[(hop.sender, item[0])].edges, item[0])):
        categories |= travel
        if best is None:
            path = chain(reached, (hop.sender, label), extend_to=MAX_CHAIN - 1)
            if hop.receiver not in {path[0].source, *(e.target for e in path)}:
                best = path  # else back to someone who already holds the data: no new destination
    if best is None:
        return None
    path = [*best, last]
    entities = [str(path[0].source), *(str(e.target) for e in path)]
    countries = sorted(d.country for d in verdict.unprotected)
    origin = context.party(entities[0])
    return rule.finding(
        context, f"Personal data that {regime_label(regime)} protects travels from {origin} along a chain of "
        f"{len(path)} flows to {context.party(hop.sender)}, which passes it on to {context.party(hop.receiver)} "
        "with no valid transfer tool.", regime=regime, problem=hop.id,
        fix=context.tool_fix(hop, regime),
        flows=[str(e.key) for e in path], path=entities, countries=countries, categories=categories,
        safeguards=hop.safeguards)


def about(finding: Finding) -> str:
    """The later hop: a change anywhere upstream of it reaches the finding through the search's region."""
    return Subject.HOP.of(finding.evidence.flows[-1])


SEARCH: KeptState[OnwardSearch] = KeptState(build=OnwardSearch.of, refresh=OnwardSearch.refresh,
                                           copy=OnwardSearch.copy)

RULE = Rule(
    id="onward-transfer-gap", severity=Severity.HIGH,
    title="data reaches a country through a chain whose later hop has no valid tool; the path is the evidence",
    fix="Flow the safeguard down the chain: the sub-processor contract needs its own valid tool (SCC module 3, "
        "or an equivalent-system contract) for the later hop.",
    judge=evaluate, about=about, keeps=SEARCH)

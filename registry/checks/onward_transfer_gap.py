"""onward-transfer-gap: data protected by a regime reaches a country through a chain whose later hop has no
valid tool; the whole path is the evidence."""

from __future__ import annotations

from collections.abc import Iterator

from graph.network import KeyedEdge, project, upstream_paths
from registry.checks.finding import Finding, Severity
from registry.checks.rule import CheckContext, Rule
from registry.model import Flow
from registry.reference import REGIME_NAMES, Regime

# Flows in one chain, first included: controller -> processor -> sub-processor -> sub-sub-processor.
MAX_CHAIN = 4


def shared(first: frozenset[str], second: frozenset[str]) -> frozenset[str]:
    """Categories both carry; a parent key (user.contact) shares its children (user.contact.email)."""
    common = first & second
    for a in first - common:
        for b in second - common:
            if b.startswith(a + ".") or a.startswith(b + "."):
                common |= {a if len(a) > len(b) else b}
    return common


def _edge(flow: Flow) -> KeyedEdge:
    return KeyedEdge(flow.sender, flow.receiver, flow.id, {"categories": frozenset(flow.categories)})


def evaluate(rule: Rule, context: CheckContext) -> Iterator[Finding]:
    registry, analyser = context.registry, context.analyser
    graph = project(_edge(flow) for flow in registry.flows)
    receivers = {flow.receiver for flow in registry.flows}
    last_hops = context.flows if context.flows is not None else registry.flows
    seen: set[str] = set()
    for flow in last_hops:
        if flow.sender not in receivers:
            continue  # nothing flows into its sender, so it cannot be a later hop
        for regime in Regime:
            verdict = analyser.verdict(flow, regime)
            if verdict.ok:
                continue
            for path in upstream_paths(graph, _edge(flow), max_edges=MAX_CHAIN,
                                       continues=lambda a, b: bool(shared(a.attributes["categories"],
                                                                          b.attributes["categories"]))):
                finding = _finding(rule, context, regime, path, verdict.unprotected)
                if finding and finding.id not in seen:
                    seen.add(finding.id)
                    yield finding


def _finding(rule: Rule, context: CheckContext, regime: Regime, path: list[KeyedEdge],
             unprotected: tuple) -> Finding | None:  # type: ignore[type-arg]
    flows = [context.registry.flows_by_id[str(e.key)] for e in path]
    # The chain starts at the first flow the regime judges: data that regime protects.
    start = next((i for i, f in enumerate(flows[:-1]) if regime in context.analyser.judging_regimes(f)), None)
    if start is None:
        return None
    flows, path = flows[start:], path[start:]
    categories = frozenset(flows[0].categories)
    for flow in flows[1:]:
        categories = shared(categories, frozenset(flow.categories))
    if not categories:
        return None
    entities = [str(path[0].source), *(str(e.target) for e in path)]
    last = flows[-1]
    countries = sorted(d.country for d in unprotected)
    return rule.finding(
        context, f"data protected by {REGIME_NAMES[regime]} reaches {', '.join(countries)} through "
        f"{' -> '.join(entities)} (flows {', '.join(f.id for f in flows)}), and the last hop {last.id} has no valid "
        "tool", regime=regime,
        flows=[f.id for f in flows], path=entities, countries=countries, categories=sorted(categories),
        safeguards=sorted(last.safeguards))


RULE = Rule(
    id="onward-transfer-gap", severity=Severity.HIGH,
    title="data reaches a country through a chain whose later hop has no valid tool; the path is the evidence",
    reference="GDPR Art. 44 (onward transfers); SCC 2021 Clause 8.7/8.8; EU-JP Supplementary Rule 4",
    fix="Flow the safeguard down the chain: the sub-processor contract needs its own valid tool (SCC module 3, "
        "or an equivalent-system contract) for the later hop.",
    evaluate=evaluate)

"""What the dashboard's pages show, as plain functions of a registry and its findings (no Streamlit here).

A Snapshot is one (store revision, as-of day): the registry, its findings, and whatever the pages derive
from them, each computed once on first use. The Streamlit layer caches Snapshots per revision and day, so
no widget change recomputes the check.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cached_property

import networkx as nx
import pycountry

from graph.network import neighbourhood, project
from registry.checks.finding import Finding, Severity, worst, worst_open
from registry.checks.problems import Problem, group_problems
from registry.collector import collector_paused
from registry.labels import regime_label
from registry.model import AnyEntity, Flow, GroupCompany, Processor, Registry, Safeguard, country_label
from registry.reference import load_reference
from registry.transfers import Defect, cross_border_destinations, date_defect, lapsed_tools

EXPIRY_WINDOW = timedelta(days=90)
EXPIRED = "expired"
EXPIRING = "expires within 90 days"
GRAPH_NODE_LIMIT = 300
KIND_LABELS = {
    "group_company": "Group company", "processor": "Processor", "recipient": "Recipient", "flow": "Flow",
    "data_category": "Data category", "country": "Country",
}


def regime_name(regime: str | None) -> str:
    """The regime's name, "-" for a finding no regime judges."""
    return regime_label(regime) or "-"


def alpha3(code: str) -> str | None:
    country = pycountry.countries.get(alpha_2=code)
    return country.alpha_3 if country else None


def entity_kind(entity: AnyEntity) -> str:
    if isinstance(entity, GroupCompany):
        return "group_company"
    if isinstance(entity, Processor):
        return "processor"
    return "recipient"


@dataclass(frozen=True)
class Facets:
    """What a finding is about, for filtering: its evidence widened by the flows it names."""

    countries: frozenset[str]
    entities: frozenset[str]
    categories: frozenset[str]


@dataclass(frozen=True)
class FindingFilter:
    """Empty sets mean 'any'; `acknowledged` None means both."""

    severities: frozenset[str] = frozenset()
    rules: frozenset[str] = frozenset()
    regimes: frozenset[str] = frozenset()
    countries: frozenset[str] = frozenset()
    entities: frozenset[str] = frozenset()
    categories: frozenset[str] = frozenset()
    acknowledged: bool | None = None

    def matches(self, finding: Finding, facets: Facets) -> bool:
        return ((not self.severities or finding.severity.value in self.severities)
                and (not self.rules or finding.rule in self.rules)
                and (not self.regimes or (finding.regime or "") in self.regimes)
                and (not self.countries or bool(self.countries & facets.countries))
                and (not self.entities or bool(self.entities & facets.entities))
                and (not self.categories or bool(self.categories & facets.categories))
                and (self.acknowledged is None or finding.acknowledged == self.acknowledged))


@dataclass(frozen=True)
class CountryPair:
    sender: str
    receiver: str
    flows: tuple[str, ...]
    worst: Severity | None  # of the open findings on these flows

    @property
    def label(self) -> str:
        return f"{country_label(self.sender)} → {country_label(self.receiver)}"


@dataclass(frozen=True)
class Overview:
    counts: dict[str, int]
    by_severity: dict[str, int]  # open findings
    by_rule: dict[str, int]
    acknowledged: int
    open_problems: int  # records at fault with at least one open finding (registry.checks.problems)
    problems_by_severity: dict[str, int]  # open problems by their worst open finding
    countries_reached: list[tuple[str, int]]  # country, flows whose receiver processes data there


@dataclass(frozen=True)
class Neighbourhood:
    graph: nx.MultiDiGraph  # the shown nodes and the edges between them
    truncated: bool
    limit: int


@dataclass
class Snapshot:
    registry: Registry
    findings: list[Finding]
    as_of: date

    @cached_property
    @collector_paused()
    def destinations(self) -> dict[str, tuple[tuple[str, ...], tuple[str, ...]]]:
        """Cross-border flows: id -> (sender's processing countries, receiver countries outside them)."""
        entities = self.registry.entities
        found = {}
        for flow in self.registry.flows:
            sender = entities[flow.sender]
            outside = cross_border_destinations(sender, entities[flow.receiver])
            if outside:
                found[flow.id] = (tuple(sender.where_processed), outside)
        return found

    @cached_property
    @collector_paused()
    def findings_by_id(self) -> dict[str, Finding]:
        return {f.id: f for f in self.findings}

    @cached_property
    @collector_paused()
    def findings_by_flow(self) -> dict[str, list[Finding]]:
        found: dict[str, list[Finding]] = defaultdict(list)
        for finding in self.findings:
            # An onward gap flags its later hop, the record at fault; the flows before it are its path.
            at_fault = [finding.problem] if finding.evidence.path and finding.problem else finding.evidence.flows
            for flow_id in at_fault:
                found[flow_id].append(finding)
        return dict(found)

    @cached_property
    @collector_paused()
    def flagged_flows(self) -> dict[str, Severity]:
        """Flow id -> the worst open (unacknowledged) finding that names it."""
        flagged: dict[str, Severity] = {}
        for flow_id, findings in self.findings_by_flow.items():
            severity = worst_open(findings)
            if severity is not None:
                flagged[flow_id] = severity
        return flagged

    # Overview -----------------------------------------------------------------------------------------
    @collector_paused()
    def overview(self) -> Overview:
        registry = self.registry
        reached: Counter[str] = Counter()
        for flow in registry.flows:
            for code in registry.entities[flow.receiver].where_processed:
                reached[code] += 1
        for flow in registry.flows:
            for code in registry.entities[flow.sender].where_processed:
                reached.setdefault(code, 0)
        open_findings = [f for f in self.findings if not f.acknowledged]
        severity_counts = Counter(f.severity.value for f in open_findings)
        open_problems = group_problems(open_findings)
        problem_counts = Counter(p.severity.value for p in open_problems)
        return Overview(
            counts={
                "Entities": len(registry.entities),
                "Processors": len(registry.processors),
                "Countries": len(reached),
                "Flows": len(registry.flows),
                "Cross-border transfers": len(self.destinations),
            },
            by_severity={s.value: severity_counts.get(s.value, 0) for s in Severity},
            by_rule=dict(sorted(Counter(f.rule for f in open_findings).items(), key=lambda kv: (-kv[1], kv[0]))),
            acknowledged=len(self.findings) - len(open_findings),
            open_problems=len(open_problems),
            problems_by_severity={s.value: problem_counts.get(s.value, 0) for s in Severity},
            countries_reached=sorted(reached.items(), key=lambda kv: (-kv[1], kv[0])),
        )

    # Findings -----------------------------------------------------------------------------------------
    @cached_property
    @collector_paused()
    def facets(self) -> dict[str, Facets]:
        registry = self.registry
        result: dict[str, Facets] = {}
        for finding in self.findings:
            evidence = finding.evidence
            countries, entities = set(evidence.countries), set(evidence.entities) | set(evidence.path)
            categories = set(evidence.categories)
            for flow_id in evidence.flows:
                flow = registry.flows_by_id.get(flow_id)
                if flow is None:
                    continue
                entities |= {flow.sender, flow.receiver}
                countries |= set(registry.entities[flow.receiver].where_processed)
                categories |= set(flow.categories)
            result[finding.id] = Facets(frozenset(countries), frozenset(entities), frozenset(categories))
        return result

    @collector_paused()
    def filter_options(self) -> dict[str, list[str]]:
        facets = self.facets.values()
        return {
            "severities": [s.value for s in Severity if any(f.severity is s for f in self.findings)],
            "rules": sorted({f.rule for f in self.findings}),
            "regimes": sorted({f.regime or "" for f in self.findings}),
            "countries": sorted(set().union(*(f.countries for f in facets))),
            "entities": sorted(set().union(*(f.entities for f in facets))),
            "categories": sorted(set().union(*(f.categories for f in facets))),
        }

    @collector_paused()
    def filter_findings(self, chosen: FindingFilter) -> list[Finding]:
        return [f for f in self.findings if chosen.matches(f, self.facets[f.id])]

    @collector_paused()
    def problems(self, findings: Iterable[Finding] | None = None) -> list[Problem]:
        """`findings` (default: all) grouped by the record at fault, worst first: what the Findings page lists."""
        return group_problems(self.findings if findings is None else findings, self.registry)

    def evidence_flows(self, finding: Finding) -> list[dict[str, object]]:
        """The finding's flows (in path order for onward transfers) with their parties and where data lands."""
        rows = []
        for flow_id in finding.evidence.flows:
            flow = self.registry.flows_by_id.get(flow_id)
            if flow is not None:
                rows.append(self.flow_row(flow))
        return rows

    def evidence_safeguards(self, finding: Finding) -> list[dict[str, object]]:
        """The safeguards the finding names, and those of its flows, with their dates."""
        ids = list(dict.fromkeys([*finding.evidence.safeguards, *(
            s for flow_id in finding.evidence.flows
            for s in getattr(self.registry.flows_by_id.get(flow_id), "safeguards", []))]))
        return [self.safeguard_row(self.registry.safeguards_by_id[s]) for s in ids
                if s in self.registry.safeguards_by_id]

    def path_text(self, finding: Finding) -> str:
        names = [f"{self.registry.entities[e].name} [{e}]" if e in self.registry.entities else e
                 for e in finding.evidence.path]
        return " → ".join(names)

    def flow_row(self, flow: Flow) -> dict[str, object]:
        entities = self.registry.entities
        flagged = self.flagged_flows.get(flow.id)
        return {
            "flow": flow.id, "from": flow.sender, "to": flow.receiver,
            "sender countries": ", ".join(entities[flow.sender].where_processed),
            "receiver countries": ", ".join(entities[flow.receiver].where_processed),
            "categories": ", ".join(flow.categories), "purpose": flow.purpose,
            "safeguards": ", ".join(flow.safeguards), "frequency": flow.frequency.value,
            "encrypted in transit": "-" if flow.encrypted_in_transit is None else str(flow.encrypted_in_transit),
            "tia": flow.tia or "", "worst open finding": flagged.value if flagged else "",
        }

    def safeguard_row(self, safeguard: Safeguard) -> dict[str, object]:
        detail = (f" module {safeguard.module}" if safeguard.module else
                  f" letter {safeguard.letter}" if safeguard.letter else
                  f" item {safeguard.item}" if safeguard.item else "")
        if safeguard.law_of:
            detail += f" on {safeguard.law_of} law"
        return {
            "safeguard": safeguard.id, "kind": safeguard.kind.value + detail,
            "effective": safeguard.effective, "expires": safeguard.expires,
            "status": self.safeguard_status(safeguard), "reference": safeguard.reference or "",
            "parties": ", ".join(safeguard.parties),
        }

    def safeguard_status(self, safeguard: Safeguard) -> str:
        """The safeguard's own dates, then its tool's validity window under each regime (the rules' calendar:
        a 2019 SCC without an end date is no longer valid anywhere after the legacy clauses ended)."""
        own = date_defect(safeguard, None, self.as_of)
        if own is not None:
            return "not yet effective" if own[0] is Defect.NOT_YET else EXPIRED
        lapsed = lapsed_tools(safeguard, load_reference(), self.as_of)
        if lapsed:
            return f"{EXPIRED} under " + "; ".join(f"{regime_name(r)}: {why}" for r, why in lapsed.items())
        if safeguard.expires and safeguard.expires <= self.as_of + EXPIRY_WINDOW:
            return EXPIRING
        return "in force"

    # Transfers map ------------------------------------------------------------------------------------
    @cached_property
    @collector_paused()
    def country_pairs(self) -> list[CountryPair]:
        """One pair per sender country -> receiver country a cross-border flow joins, most flows first."""
        flows: dict[tuple[str, str], list[str]] = defaultdict(list)
        for flow_id, (senders, receivers) in self.destinations.items():
            for sender in senders:
                for receiver in receivers:
                    flows[(sender, receiver)].append(flow_id)
        pairs = [CountryPair(s, r, tuple(ids), worst(self.flagged_flows[i] for i in ids if i in self.flagged_flows))
                 for (s, r), ids in flows.items()]
        return sorted(pairs, key=lambda p: (-len(p.flows), p.sender, p.receiver))

    def pair_flows(self, pair: CountryPair) -> list[dict[str, object]]:
        return [self.flow_row(self.registry.flows_by_id[i]) for i in pair.flows]

    # Graph explorer -----------------------------------------------------------------------------------
    @cached_property
    @collector_paused()
    def graph(self) -> nx.MultiDiGraph:
        """Entities, flows, data categories and countries as one graph; node ids are 'kind:id'."""
        registry = self.registry
        nodes: dict[str, dict[str, object]] = {}
        edges: list[tuple[str, str, str, dict[str, object]]] = []
        for entity in registry.entities.values():
            kind = entity_kind(entity)
            nodes[f"{kind}:{entity.id}"] = {"kind": kind, "label": entity.name, "id": entity.id}
            for code in entity.where_processed:
                nodes.setdefault(f"country:{code}", {"kind": "country", "label": country_label(code), "id": code})
                edges.append((f"{kind}:{entity.id}", f"country:{code}", "PROCESSES_IN", {}))
            if isinstance(entity, Processor) and entity.parent:
                edges.append((f"processor:{entity.id}", f"processor:{entity.parent}", "SUBPROCESSOR_OF", {}))
        for category in registry.data_categories:
            nodes[f"data_category:{category.id}"] = {"kind": "data_category", "label": category.name,
                                                     "id": category.id}
        for flow in registry.flows:
            node = f"flow:{flow.id}"
            flagged = self.flagged_flows.get(flow.id)
            nodes[node] = {"kind": "flow", "label": flow.id, "id": flow.id,
                           "flagged": flagged.value if flagged else ""}
            sender, receiver = registry.entities[flow.sender], registry.entities[flow.receiver]
            edges.append((f"{entity_kind(sender)}:{sender.id}", node, "SENDS", {}))
            edges.append((node, f"{entity_kind(receiver)}:{receiver.id}", "TO", {}))
            edges += [(node, f"data_category:{c}", "CARRIES", {}) for c in flow.categories]
        return project(edges, nodes)  # type: ignore[return-value]

    def centres(self) -> dict[str, list[tuple[str, str]]]:
        """Nodes one can centre the explorer on, by kind: (node id, label)."""
        registry = self.registry
        return {
            "Entity": [(f"{entity_kind(e)}:{e.id}", f"{e.name} [{e.id}]") for e in
                       sorted(registry.entities.values(), key=lambda e: e.id)],
            "Data category": [(f"data_category:{c.id}", f"{c.name} [{c.id}]") for c in
                              sorted(registry.data_categories, key=lambda c: c.id)],
            "Country": [(n, data["label"]) for n, data in sorted(self.graph.nodes(data=True))
                        if data.get("kind") == "country"],
        }

    def busiest_entity(self) -> str | None:
        """The node of the entity in the most flows: where the explorer starts."""
        counts = Counter(e for f in self.registry.flows for e in (f.sender, f.receiver))
        if not counts:
            return None
        entity = self.registry.entities[min(counts, key=lambda e: (-counts[e], e))]
        return f"{entity_kind(entity)}:{entity.id}"

    def neighbourhood(self, centre: str, hops: int, limit: int = GRAPH_NODE_LIMIT) -> Neighbourhood:
        nodes, truncated = neighbourhood(self.graph, centre, hops, limit)
        return Neighbourhood(self.graph.subgraph(nodes).copy(), truncated, limit)

    # Entities -----------------------------------------------------------------------------------------
    def group_companies(self) -> list[dict[str, object]]:
        return [{"region": c.region, "id": c.id, "name": c.name, "country": c.country,
                 "processing countries": ", ".join(c.where_processed), "role": c.role.value,
                 "bcr bound": c.bcr_bound, "source": c.source or ""}
                for c in sorted(self.registry.group_companies, key=lambda c: (c.region, c.id))]

    def processor_chain(self, processor: Processor) -> str:
        """The processor and those above it: 'sub -> parent -> ... -> top'."""
        chain, seen = [processor.id], {processor.id}
        current = processor
        while current.parent and current.parent not in seen:
            seen.add(current.parent)
            chain.append(current.parent)
            parent = self.registry.processors_by_id.get(current.parent)
            if parent is None:
                break
            current = parent
        return " → ".join(chain)

    def processors(self) -> list[dict[str, object]]:
        subs: dict[str, list[str]] = defaultdict(list)
        for p in self.registry.processors:
            if p.parent:
                subs[p.parent].append(p.id)
        return [{"id": p.id, "name": p.name, "country": p.country,
                 "processing countries": ", ".join(p.where_processed), "dpa signed": p.dpa_signed,
                 "dpf certified": p.dpf_certified, "sub-processor chain": self.processor_chain(p),
                 "sub-processors": ", ".join(sorted(subs.get(p.id, []))), "source": p.source or ""}
                for p in sorted(self.registry.processors, key=lambda p: p.id)]

    def recipients(self) -> list[dict[str, object]]:
        return [{"id": r.id, "name": r.name, "kind": r.kind.value, "country": r.country,
                 "processing countries": ", ".join(r.where_processed), "source": r.source or ""}
                for r in sorted(self.registry.recipients, key=lambda r: r.id)]

    def safeguards(self) -> list[dict[str, object]]:
        return [self.safeguard_row(s) for s in sorted(self.registry.safeguards, key=lambda s: s.id)]


def search_rows(rows: Sequence[dict[str, object]], text: str) -> list[dict[str, object]]:
    """Rows with `text` (case-insensitive) in any cell."""
    needle = text.strip().lower()
    if not needle:
        return list(rows)
    return [row for row in rows if any(needle in str(value).lower() for value in row.values())]


def introduced_findings(before: Iterable[Finding], after: Iterable[Finding]) -> list[Finding]:
    """Findings present after a change and not before it (ids are stable across runs)."""
    known = {f.id for f in before}
    return [f for f in after if f.id not in known]

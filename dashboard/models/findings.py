"""The Findings page's model: filters (also from a link's query parameters), one row per problem, and a
problem's detail: its chain, its transfer tools with their dates, its reasons and its fix."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property

from dashboard.models.base import PageModel
from dashboard.models.rows import safeguard_status
from registry.checks.finding import Finding, Severity
from registry.checks.problems import Problem
from registry.collector import collector_paused
from registry.first_seen import FirstSeen
from registry.labels import (
    REGIME_LABELS,
    capitalised,
    entity_label,
    label,
    regime_label,
    regimes_label,
    rule_summary,
    safeguard_kind_label,
)
from registry.model import Flow, country_name
from registry.snapshot import Snapshot

NOT_RECORDED = "not recorded"
# A finding no regime judges (a rule of every regime, a house rule) is filtered under this key.
NO_REGIME = "none"
ACK_STATES = {"Any": None, "Open": False, "Acknowledged": True}
ACK_PARAMS = {"any": "Any", "open": "Open", "acknowledged": "Acknowledged"}
# How many filters' findings and problems a model keeps (FindingsModel.filtered_problems).
FILTERS_KEPT = 8
# A chain goes back at most this many hops before the one at fault: controller -> processor -> sub-processor.
UPSTREAM_HOPS = 3


def regime_order(regime: str) -> tuple[int, str]:
    """The catalogue's order (EU, UK, Swiss, Japan), then unknown keys, then findings of no one regime."""
    order = list(REGIME_LABELS)
    return (order.index(regime) if regime in order else len(order) + (regime == NO_REGIME), regime)


def severity_label(severity: Severity | str) -> str:
    """"High", "Medium", "Low": the one vocabulary's words for a severity (registry.labels)."""
    return label(Severity(severity))


def rule_label(rule: str) -> str:
    """What a rule says is wrong, as a label: "No valid transfer tool", "Breaks house rule …"."""
    return capitalised(rule_summary(rule))


def regime_option_label(regime: str) -> str:
    return "Not one regime's (general and house rules)" if regime == NO_REGIME else regime_label(regime)


@dataclass(frozen=True)
class Facets:
    """What a finding is about, for filtering: its evidence widened by the flows it names."""

    countries: frozenset[str]
    entities: frozenset[str]
    categories: frozenset[str]
    records: frozenset[str]  # the record at fault and the flows it holds at fault (Snapshot.findings_by_flow)


@dataclass(frozen=True)
class FindingFilter:
    """Empty sets mean 'any'; `acknowledged` None means both."""

    severities: frozenset[str] = frozenset()
    rules: frozenset[str] = frozenset()
    regimes: frozenset[str] = frozenset()  # regime keys, NO_REGIME for findings no regime judges
    countries: frozenset[str] = frozenset()
    entities: frozenset[str] = frozenset()
    categories: frozenset[str] = frozenset()
    acknowledged: bool | None = None
    records: frozenset[str] = frozenset()  # a hop (flow id) or any record at fault, from a link

    def matches(self, finding: Finding, facets: Facets) -> bool:
        return ((not self.severities or finding.severity.value in self.severities)
                and (not self.rules or finding.rule in self.rules)
                and (not self.regimes or (finding.regime or NO_REGIME) in self.regimes)
                and (not self.countries or bool(self.countries & facets.countries))
                and (not self.entities or bool(self.entities & facets.entities))
                and (not self.categories or bool(self.categories & facets.categories))
                and (self.acknowledged is None or finding.acknowledged == self.acknowledged)
                and (not self.records or bool(self.records & facets.records)))


# Query parameters the page reads (docs/design.md, dashboard): parameter -> the filter's field. Values are
# machine keys, repeated or comma-separated: ?severity=high&regime=gdpr,uk_gdpr&flow=f09-ops-us-ops-in-campaign
SET_PARAMS = {"severity": "severities", "rule": "rules", "regime": "regimes", "country": "countries",
              "entity": "entities", "category": "categories"}
RECORD_PARAMS = ("flow", "record")  # both name records at fault; `flow` is what the Transfers map sends


def param_values(params: Mapping[str, str | Sequence[str]], name: str) -> list[str]:
    """A parameter's values, repeated or comma-separated, stripped and without blanks."""
    given = params.get(name, [])
    values = [given] if isinstance(given, str) else list(given)
    return [part.strip() for value in values for part in value.split(",") if part.strip()]


@dataclass(frozen=True)
class FilterLink:
    """A filter read from a link: what it asks for, and the values no record of the day matches."""

    chosen: FindingFilter
    problem: str | None  # the problem whose detail to open
    unknown: dict[str, list[str]] = field(default_factory=dict)


def query_of(chosen: FindingFilter, problem: str | None = None) -> dict[str, str]:
    """The query parameters that link to the Findings page showing `chosen` (and `problem`'s detail)."""
    query = {name: ",".join(sorted(getattr(chosen, attribute))) for name, attribute in SET_PARAMS.items()
             if getattr(chosen, attribute)}
    if chosen.records:
        query["record"] = ",".join(sorted(chosen.records))
    if chosen.acknowledged is not None:
        query["ack"] = "acknowledged" if chosen.acknowledged else "open"
    if problem:
        query["problem"] = problem
    return query


@dataclass(frozen=True)
class ProblemRow:
    """One problem as the page lists it."""

    problem: Problem
    parties: str  # "Sender, Japan -> Receiver, United States", or the record's name
    regimes: tuple[str, ...]  # regime labels, in the catalogue's order
    house_rules: bool
    first_seen: date | None
    first_seen_at_log_start: bool  # the change log starts that day: the problem may be older
    as_of: date
    aged: bool = True  # False: ages were not worked out (then the row says nothing of its age)

    @property
    def id(self) -> str:
        return self.problem.id

    @property
    def severity(self) -> str:
        return severity_label(self.problem.severity)

    @property
    def state(self) -> str:
        findings = self.problem.findings
        acknowledged = sum(f.acknowledged for f in findings)
        if acknowledged == len(findings):
            return "Acknowledged"
        return "Open" if not acknowledged else f"Open ({acknowledged} of {len(findings)} acknowledged)"

    @property
    def days_open(self) -> int | None:
        return None if self.first_seen is None else (self.as_of - self.first_seen).days

    @property
    def age(self) -> str:
        """"open 12 days (since 2026-11-21)"; "age not recorded" when the change log does not reach back."""
        days = self.days_open
        if not self.aged:
            return ""
        if self.first_seen is None or days is None:
            return f"age {NOT_RECORDED}"
        since = f"{self.first_seen:%Y-%m-%d}"
        if self.first_seen_at_log_start:
            return ("open since the change log began today" if days == 0 else
                    f"open at least {days:,} day{'s' if days != 1 else ''} (since the change log began, {since})")
        return "opened today" if days == 0 else f"open {days:,} day{'s' if days != 1 else ''} (since {since})"

    @property
    def title(self) -> str:
        """A one-line name for choosing it: severity, parties, what is wrong."""
        return f"{self.severity}: {self.parties} — {self.problem.summary}"


@dataclass(frozen=True)
class Hop:
    flow: str
    sender: str
    receiver: str
    at_fault: bool


@dataclass(frozen=True)
class Chain:
    """The hops a problem's data takes, for a small diagram: the hop (or the party) at fault marked."""

    hops: tuple[Hop, ...]
    marked: frozenset[str]  # entity ids at fault themselves (a processor without a DPA)
    names: dict[str, str]  # entity id -> "Name (Country)"

    def text(self) -> str:
        """The chain as a sentence: "A (Japan) → B (United States) → ⚠ C (India)"; branches separated by ';'."""
        lines: list[list[str]] = []
        for hop in self.hops:
            receiver = ("⚠ " if hop.at_fault or hop.receiver in self.marked else "") + self.names[hop.receiver]
            if lines and lines[-1][-1].removeprefix("⚠ ") == self.names[hop.sender]:
                lines[-1].append(receiver)
            else:
                lines.append([self.names[hop.sender], receiver])
        return "; ".join(" → ".join(line) for line in lines)

    def dot(self) -> str:
        """Graphviz DOT, left to right: the hop at fault drawn dashed, thick and labelled (not by colour alone)."""
        def quoted(text: str) -> str:
            return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'

        lines = ["digraph chain {", "  rankdir=LR; bgcolor=transparent;",
                 '  node [shape=box, style="rounded,filled", fillcolor="#f5f5f5", fontname="sans-serif", '
                 "fontsize=11];", '  edge [fontname="sans-serif", fontsize=10];']
        nodes = dict.fromkeys(entity for hop in self.hops for entity in (hop.sender, hop.receiver))
        for entity in nodes:
            name, _, where = self.names[entity].rpartition(" (")
            label = quoted(f"{name}\n({where}" if name else where)  # the country on a line of its own
            extra = ', penwidth=2.5, color="#b2182b", fillcolor="#fddbc7"' if entity in self.marked else ""
            lines.append(f"  {quoted(entity)} [label={label}{extra}];")
        for hop in self.hops:
            style = ' [style=dashed, penwidth=3, color="#b2182b", label="at fault"]' if hop.at_fault else ""
            lines.append(f"  {quoted(hop.sender)} -> {quoted(hop.receiver)}{style};")
        lines.append("}")
        return "\n".join(lines)


@dataclass(frozen=True)
class ToolLine:
    """A transfer tool the problem's flows rely on, with its dates."""

    safeguard: str
    kind: str
    document: str
    effective: str
    expires: str  # "" when no end date is recorded
    status: str
    parties: str

    def text(self) -> str:
        document = f" ({self.document})" if self.document else ""
        until = f"until {self.expires}" if self.expires else "no end date recorded"
        return (f"**{self.kind}**{document}: in force from {self.effective}, {until}; {self.status}. "
                f"Parties: {self.parties or NOT_RECORDED}.")


@dataclass(frozen=True)
class Reason:
    """One reason of a problem, with the findings that give it (one per regime that judges it so)."""

    heading: str  # "No valid transfer tool — EU/EEA GDPR, UK GDPR"
    text: str
    findings: tuple[Finding, ...]

    def references(self) -> str:
        """Each finding's legal reference, by regime when there are several."""
        if len(self.findings) == 1:
            return self.findings[0].reference
        return "; ".join(f"{regime_label(f.regime) or rule_label(f.rule)}: {f.reference}" for f in self.findings)


class FindingsModel(PageModel):
    _first_seen: FirstSeen | None = None
    _first_seen_lock = threading.Lock()

    def __init__(self, snapshot: Snapshot) -> None:
        super().__init__(snapshot)
        self._filtered_answers: dict[FindingFilter, tuple[list[Finding], list[Problem]]] = {}
        self._filtered_lock = threading.Lock()  # sessions share the day's model from threads of their own

    @property
    def headline(self) -> str:
        return self.snapshot.headline

    def prepare(self) -> None:
        # The page first shows every finding: no filter chosen, acknowledged or not.
        self.filtered_problems(FindingFilter())
        _ = self.filter_options, self.headline

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
            # An onward gap holds its later hop at fault, not the flows before it (as Snapshot.findings_by_flow).
            at_fault = [finding.problem] if evidence.path and finding.problem else evidence.flows
            records = {*at_fault, finding.problem} - {""}
            result[finding.id] = Facets(frozenset(countries), frozenset(entities), frozenset(categories),
                                        frozenset(records))
        return result

    @cached_property
    @collector_paused()
    def filter_options(self) -> dict[str, list[str]]:
        facets = self.facets.values()
        return {
            "severities": [s.value for s in Severity if any(f.severity is s for f in self.findings)],
            "rules": sorted({f.rule for f in self.findings}, key=lambda r: (r.startswith("policy:"), rule_label(r))),
            "regimes": sorted({f.regime or NO_REGIME for f in self.findings}, key=regime_order),
            "countries": sorted(set().union(*(f.countries for f in facets))),
            "entities": sorted(set().union(*(f.entities for f in facets)), key=self.entity_name),
            "categories": sorted(set().union(*(f.categories for f in facets))),
        }

    def entity_name(self, entity_id: str) -> str:
        entity = self.registry.entities.get(entity_id)
        return entity.name if entity is not None else entity_id

    def category_name(self, category_id: str) -> str:
        category = self.registry.categories_by_id.get(category_id)
        return category.name if category is not None else category_id

    def link_filter(self, params: Mapping[str, str | Sequence[str]]) -> FilterLink:
        """The filter a link's query parameters ask for (query_of's inverse); values the day's findings do not
        have are set aside (and said), since a filter on them would hide everything without a reason."""
        options = {name: set(values) for name, values in self.filter_options.items()}
        chosen: dict[str, frozenset[str]] = {}
        unknown: dict[str, list[str]] = {}
        for name, attribute in SET_PARAMS.items():
            values = param_values(params, name)
            chosen[attribute] = frozenset(v for v in values if v in options[attribute])
            if bad := [v for v in values if v not in options[attribute]]:
                unknown[name] = bad
        records = [v for name in RECORD_PARAMS for v in param_values(params, name)]
        known = {r for f in self.facets.values() for r in f.records}
        if bad := [r for r in records if r not in known]:
            unknown["record"] = bad
        ack = (param_values(params, "ack") or ["any"])[0].lower()
        if ack not in ACK_PARAMS:
            unknown["ack"] = [ack]
        problem = (param_values(params, "problem") or [None])[0]
        return FilterLink(FindingFilter(**chosen, records=frozenset(r for r in records if r in known),
                                        acknowledged=ACK_STATES[ACK_PARAMS.get(ack, "Any")]),
                          problem, unknown)

    @collector_paused()
    def filter_findings(self, chosen: FindingFilter) -> list[Finding]:
        """The findings `chosen` lets through, in the check's order (kept: callers leave the list as it is)."""
        return self._filtered(chosen)[0]

    @collector_paused()
    def filtered_problems(self, chosen: FindingFilter) -> list[Problem]:
        """The problems of the findings `chosen` lets through (filter_findings, then problems; kept as it)."""
        return self._filtered(chosen)[1]

    def _filtered(self, chosen: FindingFilter) -> tuple[list[Finding], list[Problem]]:
        # Every rerun of the page (a click on Details, the next page) asks again for the same filter: grouping
        # 13,000 findings of a group-sized registry into problems took half a second each time. The last few
        # filters' answers are kept; the model itself is the day's and is dropped with it.
        with self._filtered_lock:
            found = self._filtered_answers.pop(chosen, None)
        if found is None:
            shown = [f for f in self.findings if chosen.matches(f, self.facets[f.id])]
            found = (shown, self.snapshot.problems(shown))
        with self._filtered_lock:
            self._filtered_answers[chosen] = found  # the newest last: the oldest goes first
            while len(self._filtered_answers) > FILTERS_KEPT:
                del self._filtered_answers[next(iter(self._filtered_answers))]
        return found

    @collector_paused()
    def problems(self, findings: Iterable[Finding] | None = None) -> list[Problem]:
        """`findings` (default: all) grouped by the record at fault, worst first: what the page lists."""
        return self.snapshot.problems(findings)

    def first_seen(self, compute: Callable[[], FirstSeen]) -> FirstSeen:
        """When each finding was first seen (Service.first_seen), computed once for this model's day."""
        with self._first_seen_lock:
            if self._first_seen is None:
                self._first_seen = compute()
            return self._first_seen

    def rows(self, problems: Iterable[Problem], first_seen: FirstSeen | None = None) -> list[ProblemRow]:
        rows = []
        for problem in problems:
            regimes = {f.regime for f in problem.findings if f.regime}
            days = [first_seen.days[f.id] for f in problem.findings if first_seen and f.id in first_seen.days]
            earliest = min(days, default=None)
            at_start = first_seen is not None and earliest is not None and earliest == first_seen.log_start
            rows.append(ProblemRow(
                problem, self.parties(problem.id),
                tuple(regime_label(r) for r in sorted(regimes, key=regime_order)),
                any(f.rule.startswith("policy:") for f in problem.findings), earliest, at_start, self.as_of,
                first_seen is not None))
        return rows

    def place_name(self, entity_id: str) -> str:
        """"Name (Country)" for a chain's node; the id of an entity the registry does not hold."""
        entity = self.registry.entities.get(entity_id)
        if entity is None:
            return entity_id
        return f"{entity.name} ({', '.join(country_name(c) for c in entity.where_processed)})"

    def parties(self, record_id: str) -> str:
        """The record at fault for people, without its id: "Sender, Japan -> Receiver, United States"."""
        registry = self.registry
        flow = registry.flows_by_id.get(record_id)
        if flow is not None:
            return f"{entity_label(registry.entities[flow.sender])} → {entity_label(registry.entities[flow.receiver])}"
        entity = registry.entities.get(record_id)
        if entity is not None:
            return entity_label(entity)
        purpose = registry.purposes_by_id.get(record_id)
        return f"Purpose: {purpose.name}" if purpose is not None else record_id

    @collector_paused()
    def chain(self, problem: Problem) -> Chain:
        """The hops to draw: an onward gap's path; for a flow at fault, the flows that brought its data to the
        sender (same purpose first, then shared categories) and the flow itself; for a party at fault, the flows
        that reach it."""
        registry = self.registry
        onward = next((f for f in problem.findings if f.evidence.path), None)
        hops: list[Hop] = []
        marked: set[str] = set()
        if onward is not None:
            hops = [self._hop(registry.flows_by_id[flow_id], flow_id == problem.id)
                    for flow_id in onward.evidence.flows if flow_id in registry.flows_by_id]
        elif problem.id in registry.flows_by_id:
            flow = registry.flows_by_id[problem.id]
            hops = [*self._upstream(flow), self._hop(flow, True)]
        else:
            if problem.id in registry.entities:
                marked.add(problem.id)
            flow_ids = dict.fromkeys(i for f in problem.findings for i in f.evidence.flows)
            hops = [self._hop(registry.flows_by_id[i], False) for i in flow_ids if i in registry.flows_by_id]
        names = {e: self.place_name(e) for hop in hops for e in (hop.sender, hop.receiver)}
        return Chain(tuple(hops), frozenset(marked), names)

    @staticmethod
    def _hop(flow: Flow, at_fault: bool) -> Hop:
        return Hop(flow.id, flow.sender, flow.receiver, at_fault)

    @cached_property
    def flows_into(self) -> dict[str, list[Flow]]:
        """Entity id -> the flows it receives."""
        found: dict[str, list[Flow]] = {}
        for flow in self.registry.flows:
            found.setdefault(flow.receiver, []).append(flow)
        return found

    def _upstream(self, flow: Flow) -> list[Hop]:
        """The flows that brought `flow`'s data to its sender, nearest last: one per step back, the one of the
        same purpose (then sharing the most categories, then the smallest id), never revisiting a party."""
        found: list[Hop] = []
        seen, current = {flow.sender, flow.receiver}, flow
        for _ in range(UPSTREAM_HOPS):
            carried = set(current.categories)
            feeding = [f for f in self.flows_into.get(current.sender, []) if f.sender not in seen
                       and carried & set(f.categories)]
            if not feeding:
                break
            current = min(feeding, key=lambda f: (f.purpose != flow.purpose, -len(carried & set(f.categories)),
                                                  f.id))
            seen.add(current.sender)
            found.append(self._hop(current, False))
        return found[::-1]

    def tools(self, problem: Problem) -> list[ToolLine]:
        """The safeguards the problem's findings name, and those of its flows, with their dates and status."""
        registry = self.registry
        ids = dict.fromkeys(s for finding in problem.findings for s in [*finding.evidence.safeguards, *(
            s for flow_id in finding.evidence.flows for s in getattr(registry.flows_by_id.get(flow_id), "safeguards",
                                                                     []))])
        lines = []
        for safeguard_id in ids:
            safeguard = registry.safeguards_by_id.get(safeguard_id)
            if safeguard is None:
                continue
            detail = (f", module {safeguard.module}" if safeguard.module else
                      f", letter {safeguard.letter}" if safeguard.letter else
                      f", item {safeguard.item}" if safeguard.item else "")
            lines.append(ToolLine(
                safeguard.id, safeguard_kind_label(safeguard.kind) + detail, safeguard.reference or "",
                f"{safeguard.effective:%Y-%m-%d}" if safeguard.effective else NOT_RECORDED,
                f"{safeguard.expires:%Y-%m-%d}" if safeguard.expires else "",
                safeguard_status(self.snapshot, safeguard),
                ", ".join(self.entity_name(p) for p in safeguard.parties)))
        return lines

    @staticmethod
    def fixes(problem: Problem) -> list[tuple[str, str]]:
        """(the regimes it is for, the fix) with one entry per distinct fix text; "" when one fix serves every
        finding of the problem."""
        by_fix: dict[str, set[str]] = {}
        for finding in problem.findings:
            by_fix.setdefault(finding.fix, set())
            if finding.regime:
                by_fix[finding.fix].add(finding.regime)
        if len(by_fix) == 1:
            return [("", next(iter(by_fix)))]
        return [(regimes_label(regimes), fix) for fix, regimes in by_fix.items()]

    @staticmethod
    def reasons(problem: Problem) -> list[Reason]:
        """The problem's reasons, one per rule and sentence: findings whose reasons differ only in the regime they
        name are said once, naming every such regime (the same gap under four laws reads as one sentence)."""
        grouped: dict[tuple[str, str], list[Finding]] = {}
        for finding in problem.findings:
            label = regime_label(finding.regime)
            shape = finding.reason.replace(label, "\x00") if label else finding.reason
            grouped.setdefault((finding.rule, shape), []).append(finding)
        found = []
        for (rule, shape), findings in grouped.items():
            regimes = [f.regime for f in findings if f.regime]
            said = regimes_label(regimes) if regimes else ""
            under = f" — {said}" if said else ""
            found.append(Reason(f"{rule_label(rule)}{under}", shape.replace("\x00", said), tuple(findings)))
        return found

    @staticmethod
    def finding_heading(finding: Finding) -> str:
        """A finding within its problem: "No valid transfer tool — EU/EEA GDPR" (the regime only when it has one)."""
        under = f" — {regime_label(finding.regime)}" if finding.regime else ""
        return f"{rule_label(finding.rule)}{under}"

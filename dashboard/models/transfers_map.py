"""The Transfers map page's model: the country pairs cross-border flows join, each with the worst open problem on
that hop itself, and the problems of a pair with the path an onward problem travels."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from functools import cached_property

from dashboard.models.base import PageModel
from dashboard.models.rows import flow_row
from registry.checks.finding import Finding, Severity, worst, worst_open
from registry.checks.problems import Problem, group_problems
from registry.collector import collector_paused
from registry.model import country_label, country_name

# The map draws the worst and busiest pairs first, 40 unless asked for more and never more than 150; the table
# lists every pair. At size M the flows join some 2,300 country pairs, which no one reads as arcs.
DEFAULT_ARCS = 40
MAX_ARCS = 150
# A pair's problems offered to choose from, and its flows listed, at most.
MAX_PROBLEMS = 200
MAX_FLOW_ROWS = 500

Leg = tuple[str, str]  # sender country -> receiver country
LIVE = "live"
NOT_LIVE = "contingent, not yet live"


@dataclass(frozen=True)
class CountryPair:
    sender: str
    receiver: str
    flows: tuple[str, ...]  # flows that move data on the day
    worst: Severity | None  # of the open findings on these flows that concern this receiver country
    # Contingent flows before their effective day (registry.model.Flow.live_on): they move no data yet, so they
    # are listed but neither drawn nor counted as transfers.
    not_live: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        return f"{country_label(self.sender)} → {country_label(self.receiver)}"

    @property
    def leg(self) -> Leg:
        return (self.sender, self.receiver)


@dataclass(frozen=True)
class HopProblem:
    """One open problem on a pair's hop: the flow at fault, its findings grouped, and the country legs of the
    chain that brings the data there (empty unless it is an onward problem)."""

    flow: str
    problem: Problem
    path: tuple[Leg, ...]


def concerns(finding: Finding, receiver: str) -> bool:
    """Does the finding hold the hop into `receiver` at fault? A transfer finding names the destinations left
    unprotected; one without countries (a missing DPA, say) concerns every destination of its flow."""
    countries = finding.evidence.countries
    return not countries or receiver in countries


class TransfersMapModel(PageModel):
    def prepare(self) -> None:
        _ = self.country_pairs, self.live_pairs

    @cached_property
    @collector_paused()
    def country_pairs(self) -> list[CountryPair]:
        """One pair per sender country -> receiver country a cross-border flow joins, most live flows first."""
        live: dict[Leg, list[str]] = defaultdict(list)
        waiting: dict[Leg, list[str]] = defaultdict(list)
        flows_by_id = self.registry.flows_by_id
        for flow_id, (senders, receivers) in self.snapshot.cross_border.items():
            into = live if flows_by_id[flow_id].live_on(self.as_of) else waiting
            for sender in senders:
                for receiver in receivers:
                    into[(sender, receiver)].append(flow_id)
        findings = self.snapshot.findings_by_flow
        pairs = [CountryPair(s, r, tuple(live.get((s, r), ())),
                             worst(severity for i in live.get((s, r), ())
                                   if (severity := worst_open(f for f in findings.get(i, ()) if concerns(f, r)))),
                             tuple(waiting.get((s, r), ())))
                 for s, r in live.keys() | waiting.keys()]
        return sorted(pairs, key=lambda p: (-len(p.flows), -len(p.not_live), p.sender, p.receiver))

    @cached_property
    def live_pairs(self) -> list[CountryPair]:
        """The pairs with live flows, in the order the map takes them: the worst, then the busiest, first."""
        live = [p for p in self.country_pairs if p.flows]
        return sorted(live, key=lambda p: (-(p.worst.rank if p.worst else 0), -len(p.flows), p.sender, p.receiver))

    def drawn(self, limit: int = DEFAULT_ARCS) -> list[CountryPair]:
        """The pairs the map draws: the first `limit` live ones, never more than MAX_ARCS."""
        return self.live_pairs[:min(limit, MAX_ARCS)]

    def problems(self, pair: CountryPair) -> list[HopProblem]:
        """The open problems that hold one of the pair's live flows at fault for its receiver country, worst
        first, at most MAX_PROBLEMS."""
        findings = self.snapshot.findings_by_flow
        found: list[HopProblem] = []
        for flow_id in pair.flows:
            open_here = [f for f in findings.get(flow_id, ()) if not f.acknowledged and concerns(f, pair.receiver)]
            found += [HopProblem(flow_id, problem, self.path(problem))
                      for problem in group_problems(open_here, self.registry)]
        found.sort(key=lambda h: (-h.problem.severity.rank, h.flow, h.problem.id))
        return found[:MAX_PROBLEMS]

    def path(self, problem: Problem) -> tuple[Leg, ...]:
        """The cross-border legs of an onward problem's chains, first flow first; a hop in one country adds none."""
        legs: dict[Leg, None] = {}
        cross_border = self.snapshot.cross_border
        for finding in problem.findings:
            if not finding.evidence.path:
                continue
            for flow_id in finding.evidence.flows:
                crossing = cross_border.get(flow_id)
                if crossing is not None:
                    legs |= {(s, r): None for s in crossing.sender_countries for r in crossing.destinations}
        return tuple(legs)

    def problem_label(self, hop: HopProblem) -> str:
        """What the problem chooser shows: "high: no valid transfer tool under UK GDPR (Sender → Receiver)"."""
        flow = self.registry.flows_by_id[hop.flow]
        entities = self.registry.entities
        return (f"{hop.problem.severity.value}: {hop.problem.summary} "
                f"({entities[flow.sender].name} → {entities[flow.receiver].name})")

    def path_label(self, hop: HopProblem) -> str:
        """The countries an onward problem's data passes through: "Germany → United States → India"."""
        countries = [hop.path[0][0], *(receiver for _, receiver in hop.path)] if hop.path else []
        return " → ".join(country_name(c) for c in countries)

    def pair_flows(self, pair: CountryPair) -> list[dict[str, object]]:
        """The pair's flows as rows (live ones first), at most MAX_FLOW_ROWS."""
        flows = self.registry.flows_by_id
        rows = [flow_row(self.snapshot, flows[i]) | {"status": LIVE} for i in pair.flows[:MAX_FLOW_ROWS]]
        left = MAX_FLOW_ROWS - len(rows)
        return rows + [flow_row(self.snapshot, flows[i]) | {"status": NOT_LIVE} for i in pair.not_live[:max(left, 0)]]

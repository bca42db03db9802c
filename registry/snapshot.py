"""One store revision judged as of one day: the registry, its findings, and what the domain says about them
that a reader such as the dashboard shows beside them.

Service.snapshot takes it from the day's check, so every answer describes the same registry; each is computed
on first use and kept, as long as the snapshot is.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date
from functools import cached_property
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:  # graph.network builds the graph, importing networkx only then
    import networkx as nx

from registry.checks.finding import Finding, Severity, worst_open
from registry.checks.problems import Problem, group_problems
from registry.checks.report import headline
from registry.collector import collector_paused
from registry.model import Registry, Safeguard
from registry.projection import Neighbourhood, explorer_graph, neighbourhood
from registry.reference import Reference, load_reference
from registry.transfers import SafeguardValidity, cross_border_destinations, safeguard_validity


class CrossBorder(NamedTuple):
    """Where a cross-border flow's data comes from and goes to."""

    sender_countries: tuple[str, ...]
    destinations: tuple[str, ...]  # the receiver's processing countries outside the sender's


class Snapshot:
    def __init__(self, registry: Registry, findings: list[Finding], as_of: date,
                 reference: Reference | None = None) -> None:
        self.registry, self.findings, self.as_of = registry, findings, as_of
        self._reference = reference or load_reference()

    @cached_property
    def headline(self) -> str:
        """What `flowreg check` says first: "6 problems (12 findings: 8 high, 4 medium)"."""
        return headline(self.findings)

    def problems(self, findings: Iterable[Finding] | None = None) -> list[Problem]:
        """`findings` (default: all) grouped by the record at fault, worst first."""
        return group_problems(self.findings if findings is None else findings, self.registry)

    @cached_property
    @collector_paused()
    def cross_border(self) -> dict[str, CrossBorder]:
        """The flows whose data leaves the countries its sender processes in, by id."""
        entities = self.registry.entities
        found = {}
        for flow in self.registry.flows:
            sender = entities[flow.sender]
            outside = cross_border_destinations(sender, entities[flow.receiver])
            if outside:
                found[flow.id] = CrossBorder(tuple(sender.where_processed), outside)
        return found

    @cached_property
    @collector_paused()
    def findings_by_flow(self) -> dict[str, list[Finding]]:
        """The findings that hold each flow at fault."""
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
        """Flow id -> the worst open (unacknowledged) finding that holds it at fault."""
        flagged: dict[str, Severity] = {}
        for flow_id, findings in self.findings_by_flow.items():
            severity = worst_open(findings)
            if severity is not None:
                flagged[flow_id] = severity
        return flagged

    def safeguard_validity(self, safeguard: Safeguard) -> SafeguardValidity:
        """The safeguard on the snapshot's day by its own dates and by each regime's window for its kind."""
        return safeguard_validity(safeguard, self._reference, self.as_of)

    @cached_property
    @collector_paused()
    def graph(self) -> nx.MultiDiGraph:
        """The registry to explore (registry.projection), each flow flagged with its worst open finding."""
        return explorer_graph(self.registry, self.flagged_flows)

    def neighbourhood(self, centre: str, hops: int, limit: int) -> Neighbourhood:
        return neighbourhood(self.graph, centre, hops, limit)

"""The Findings page's model: filters over what each finding is about, problems, and each finding's evidence."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property

from dashboard.models.base import PageModel
from dashboard.models.rows import flow_row, safeguard_row
from registry.checks.finding import Finding, Severity
from registry.checks.problems import Problem
from registry.collector import collector_paused


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


class FindingsModel(PageModel):
    @property
    def headline(self) -> str:
        return self.snapshot.headline

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

    @cached_property
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
        """`findings` (default: all) grouped by the record at fault, worst first: what the page lists."""
        return self.snapshot.problems(findings)

    def evidence_flows(self, finding: Finding) -> list[dict[str, object]]:
        """The finding's flows (in path order for onward transfers) with their parties and where data lands."""
        rows = []
        for flow_id in finding.evidence.flows:
            flow = self.registry.flows_by_id.get(flow_id)
            if flow is not None:
                rows.append(flow_row(self.snapshot, flow))
        return rows

    def evidence_safeguards(self, finding: Finding) -> list[dict[str, object]]:
        """The safeguards the finding names, and those of its flows, with their dates."""
        registry = self.registry
        ids = list(dict.fromkeys([*finding.evidence.safeguards, *(
            s for flow_id in finding.evidence.flows
            for s in getattr(registry.flows_by_id.get(flow_id), "safeguards", []))]))
        return [safeguard_row(self.snapshot, registry.safeguards_by_id[s]) for s in ids
                if s in registry.safeguards_by_id]

    def path_text(self, finding: Finding) -> str:
        names = [f"{self.registry.entities[e].name} [{e}]" if e in self.registry.entities else e
                 for e in finding.evidence.path]
        return " → ".join(names)

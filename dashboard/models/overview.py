"""The Overview page's model: counts, open problems by severity and by what is wrong, each bar with the link to the
Findings page filtered to it, and the countries data reaches."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from functools import cached_property

from dashboard.models.base import PageModel
from dashboard.models.findings import FindingFilter, query_of, rule_label, severity_label
from registry.checks.finding import Severity
from registry.checks.problems import group_problems
from registry.collector import collector_paused


@dataclass(frozen=True)
class BarLink:
    """A bar of a chart and the Findings page's query parameters (dashboard.models.findings) for what it counts."""

    key: str  # the machine key the bar counts: a severity, a rule
    label: str
    count: int
    query: dict[str, str]


@dataclass(frozen=True)
class Overview:
    counts: dict[str, int]
    by_severity: dict[str, int]  # open findings
    problems_by_rule: dict[str, int]  # open problems with an open finding of the rule (a problem may have several)
    acknowledged: int
    open_problems: int  # records at fault with at least one open finding (registry.checks.problems)
    problems_by_severity: dict[str, int]  # open problems by their worst open finding
    countries_reached: list[tuple[str, int]]  # country, flows whose receiver processes data there

    @property
    def severity_links(self) -> list[BarLink]:
        """Open problems by their worst open finding, each bar linking to those open problems."""
        return [BarLink(severity, severity_label(severity), count,
                        query_of(FindingFilter(severities=frozenset({severity}), acknowledged=False)))
                for severity, count in self.problems_by_severity.items()]

    @property
    def rule_links(self) -> list[BarLink]:
        """Open problems by what is wrong, most first, each bar linking to the open findings of that rule."""
        return [BarLink(rule, rule_label(rule), count,
                        query_of(FindingFilter(rules=frozenset({rule}), acknowledged=False)))
                for rule, count in self.problems_by_rule.items()]


class OverviewModel(PageModel):
    def prepare(self) -> None:
        _ = self.overview

    @cached_property
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
        open_problems = group_problems(open_findings)  # counted, not shown: no labels to build
        problem_counts = Counter(p.severity.value for p in open_problems)
        rule_counts = Counter(rule for p in open_problems for rule in {f.rule for f in p.findings})
        return Overview(
            counts={
                "Entities": len(registry.entities),
                "Processors": len(registry.processors),
                "Countries": len(reached),
                "Flows": len(registry.flows),
                "Cross-border transfers": len(self.snapshot.cross_border),
            },
            by_severity={s.value: severity_counts.get(s.value, 0) for s in Severity},
            acknowledged=len(self.findings) - len(open_findings),
            open_problems=len(open_problems),
            problems_by_severity={s.value: problem_counts.get(s.value, 0) for s in Severity},
            problems_by_rule=dict(sorted(rule_counts.items(), key=lambda kv: (-kv[1], kv[0].startswith("policy:"),
                                                                                     rule_label(kv[0])))),
            countries_reached=sorted(reached.items(), key=lambda kv: (-kv[1], kv[0])),
        )

"""The Overview page's model: counts, open findings and problems by severity and rule, countries data reaches."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from functools import cached_property

from dashboard.models.base import PageModel
from registry.checks.finding import Severity
from registry.checks.problems import group_problems
from registry.collector import collector_paused


@dataclass(frozen=True)
class Overview:
    counts: dict[str, int]
    by_severity: dict[str, int]  # open findings
    by_rule: dict[str, int]
    acknowledged: int
    open_problems: int  # records at fault with at least one open finding (registry.checks.problems)
    problems_by_severity: dict[str, int]  # open problems by their worst open finding
    countries_reached: list[tuple[str, int]]  # country, flows whose receiver processes data there


class OverviewModel(PageModel):
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
        return Overview(
            counts={
                "Entities": len(registry.entities),
                "Processors": len(registry.processors),
                "Countries": len(reached),
                "Flows": len(registry.flows),
                "Cross-border transfers": len(self.snapshot.cross_border),
            },
            by_severity={s.value: severity_counts.get(s.value, 0) for s in Severity},
            by_rule=dict(sorted(Counter(f.rule for f in open_findings).items(), key=lambda kv: (-kv[1], kv[0]))),
            acknowledged=len(self.findings) - len(open_findings),
            open_problems=len(open_problems),
            problems_by_severity={s.value: problem_counts.get(s.value, 0) for s in Severity},
            countries_reached=sorted(reached.items(), key=lambda kv: (-kv[1], kv[0])),
        )

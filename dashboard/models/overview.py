"""The Overview page's model: counts, open problems by severity and by what is wrong, each bar with the link to the
Findings page filtered to it, and the countries data reaches."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from dashboard.models.base import PageModel
from dashboard.models.findings import FindingFilter, query_of, rule_label, severity_label
from registry.check_summary import CheckSummary, summarise


@dataclass(frozen=True)
class BarLink:
    """A bar of a chart and the Findings page's query parameters (dashboard.models.findings) for what it counts."""

    key: str  # the machine key the bar counts: a severity, a rule
    label: str
    count: int
    query: dict[str, str]


@dataclass(frozen=True)
class Overview(CheckSummary):
    """The day's check as the Overview draws it: the summary (registry.check_summary) with its bars in the order
    they are drawn."""

    @classmethod
    def of(cls, summary: CheckSummary) -> Overview:
        """`summary` as drawn: what is wrong, most first, then the law's before house rules, by label."""
        by_rule = sorted(summary.problems_by_rule.items(),
                         key=lambda kv: (-kv[1], kv[0].startswith("policy:"), rule_label(kv[0])))
        return cls(**{**vars(summary), "problems_by_rule": dict(by_rule)})

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
    def overview(self) -> Overview:
        return Overview.of(summarise(self.snapshot))

"""derogation-misused: an Art. 49 derogation (or its counterpart) relied on for a systematic flow."""

from __future__ import annotations

from collections.abc import Iterator

from registry.checks.finding import Finding, Severity
from registry.checks.rule import CheckContext, Rule
from registry.labels import regime_label
from registry.transfers import Gap


def evaluate(rule: Rule, context: CheckContext) -> Iterator[Finding]:
    for analysis, verdict, gap in context.gaps(Gap.DEROGATION_MISUSED):
        flow = analysis.flow
        misused = sorted(s.safeguard.id for s in gap.failing)
        yield rule.finding(
            context, f"{context.party(flow.sender)} sends personal data to {context.party(flow.receiver)} "
            f"systematically on a derogation, which under {regime_label(verdict.regime)} covers occasional "
            "transfers only.",
            regime=verdict.regime, flows=[flow.id], safeguards=misused,
            countries=sorted(d.country for d in verdict.destinations))


RULE = Rule(
    id="derogation-misused", severity=Severity.HIGH,  # it alone reports a transfer without a valid basis
    title="Art. 49 derogation used for a systematic flow",
    fix="Put an Art. 46 tool (SCCs, BCRs) in place for the regular transfer, or make the flow occasional.",
    judge=evaluate)

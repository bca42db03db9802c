"""bcr-outside-group: BCRs relied on (no other valid tool) for a party they do not bind."""

from __future__ import annotations

from collections.abc import Iterator

from registry.checks.finding import Finding, Severity
from registry.checks.rule import CheckContext, Rule
from registry.labels import regime_label
from registry.transfers import Gap, bound_by_bcr


def evaluate(rule: Rule, context: CheckContext) -> Iterator[Finding]:
    for analysis, verdict, gap in context.gaps(Gap.BCR_OUTSIDE_GROUP):
        flow = analysis.flow
        outsider = analysis.receiver if not bound_by_bcr(analysis.receiver) else analysis.sender
        yield rule.finding(
            context, f"{context.party(flow.sender)} relies on the group's binding corporate rules under "
            f"{regime_label(verdict.regime)} to send personal data to {context.party(flow.receiver)}, but "
            f"{outsider.name} is not a group company bound by them.", regime=verdict.regime,
            flows=[flow.id], safeguards=[s.safeguard.id for s in gap.failing], entities=[flow.sender, flow.receiver],
            countries=sorted(d.country for d in verdict.destinations))


RULE = Rule(
    id="bcr-outside-group", severity=Severity.HIGH,
    title="BCRs relied on for a recipient not bound by them (any third party)",
    fix="Use SCCs (or another Art. 46 tool) for third parties; BCRs cover only bound group members.",
    judge=evaluate)

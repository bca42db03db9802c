"""retention-exceeded: a flow keeps data longer than its purpose's declared retention."""

from __future__ import annotations

from collections.abc import Iterator

from registry.checks.finding import Finding, Severity
from registry.checks.rule import CheckContext, Rule
from registry.model import retention_days


def evaluate(rule: Rule, context: CheckContext) -> Iterator[Finding]:
    purposes = context.registry.purposes_by_id
    for analysis in context.analyses:
        flow = analysis.flow
        purpose = purposes[flow.purpose]
        kept, declared = retention_days(flow.retention), retention_days(purpose.retention)
        # Text rules ("per the Cookie Policy") cannot be compared, so they never produce a finding.
        if kept is not None and declared is not None and kept > declared:
            yield rule.finding(
                context, f"{context.party(flow.receiver)} keeps the data it receives from "
                f"{context.party(flow.sender)} for {flow.retention}, longer than the {purpose.retention} "
                f"declared for the purpose {purpose.name}.", judged_by=analysis.judging, flows=[flow.id],
                purposes=[purpose.id],
                entities=[flow.receiver], categories=sorted(flow.categories))


RULE = Rule(
    id="retention-exceeded", severity=Severity.MEDIUM,
    title="retention longer than the declared period",
    fix="Shorten the recipient's retention to the declared period, or declare the longer period and its reason.",
    judge=evaluate, regime_less=True)

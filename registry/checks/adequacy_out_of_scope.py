"""adequacy-out-of-scope: a transfer leans on an adequacy decision whose scope leaves the receiver out."""

from __future__ import annotations

from collections.abc import Iterator

from registry.checks.finding import Finding, Severity
from registry.checks.rule import CheckContext, Rule
from registry.reference import REGIME_NAMES


def evaluate(rule: Rule, context: CheckContext) -> Iterator[Finding]:
    for analysis in context.analyses:
        flow = analysis.flow
        for verdict in analysis.transfer_verdicts:
            for destination in verdict.unprotected:
                decision = destination.adequacy
                if decision is None:
                    continue
                yield rule.finding(
                    context,
                    f"{flow.receiver} in {destination.country} is outside the scope of {decision.instrument} "
                    f"({decision.scope.value.replace('_', ' ')}) under {REGIME_NAMES[verdict.regime]}, and {flow.id} "
                    "has no other valid tool", regime=verdict.regime, flows=[flow.id],
                    countries=[destination.country], entities=[flow.receiver], safeguards=sorted(flow.safeguards))


RULE = Rule(
    id="adequacy-out-of-scope", severity=Severity.HIGH,
    title="adequacy relied on where the recipient is outside its scope (US recipient not DPF-certified; "
          "Canada outside PIPEDA's commercial scope)",
    reference="GDPR Art. 45 and the decision relied on (e.g. (EU) 2023/1795 EU-US DPF)",
    fix="Check the recipient's certification (DPF List) and record it, or sign SCCs (with a TIA) instead.",
    evaluate=evaluate)

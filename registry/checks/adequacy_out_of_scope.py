"""adequacy-out-of-scope: a transfer leans on an adequacy decision whose scope leaves the receiver out."""

from __future__ import annotations

from collections.abc import Iterator

from registry.checks.finding import Finding, Severity
from registry.checks.rule import CheckContext, Rule
from registry.reference import REGIME_NAMES


def evaluate(rule: Rule, context: CheckContext) -> Iterator[Finding]:
    for analysis in context.analyses:
        flow = analysis.flow
        # A flow relies on adequacy when it lists it, or when nothing else could carry it.
        for verdict in analysis.transfer_verdicts:
            if verdict.valid_tools and not analysis.adequacy_claims:
                continue
            for destination in verdict.destinations:
                decision = destination.adequacy
                if decision is None or destination.adequacy_in_scope:
                    continue
                other = "another tool covers the transfer, but the flow lists adequacy as its basis" \
                    if verdict.valid_tools else f"{flow.id} has no other valid tool"
                yield rule.finding(
                    context,
                    f"{flow.receiver} in {destination.country} is outside the scope of {decision.instrument} "
                    f"({decision.scope.value.replace('_', ' ')}) under {REGIME_NAMES[verdict.regime]}; {other}",
                    regime=verdict.regime, flows=[flow.id], countries=[destination.country],
                    entities=[flow.receiver], safeguards=flow.safeguards)


RULE = Rule(
    id="adequacy-out-of-scope", severity=Severity.HIGH,
    title="adequacy relied on where the recipient is outside its scope (US recipient not DPF-certified; "
          "Canada outside PIPEDA's commercial scope)",
    reference="GDPR Art. 45 and the decision relied on (e.g. (EU) 2023/1795 EU-US DPF)",
    fix="Check the recipient's certification (DPF List) and record it, or sign SCCs (with a TIA) instead.",
    judge=evaluate,
    help_uri="https://eur-lex.europa.eu/eli/dec_impl/2023/1795/oj")

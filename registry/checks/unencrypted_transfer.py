"""unencrypted-transfer: a cross-border flow not encrypted in transit where the policy promises it."""

from __future__ import annotations

from collections.abc import Iterator

from registry.checks.finding import Finding, Severity
from registry.checks.rule import CheckContext, Rule


def evaluate(rule: Rule, context: CheckContext) -> Iterator[Finding]:
    organisation = context.registry.organisation
    if organisation is None or not organisation.promises_encryption_in_transit:
        return
    for analysis in context.analyses:
        flow = analysis.flow
        if analysis.is_cross_border and flow.encrypted_in_transit is not True:
            state = "is not encrypted" if flow.encrypted_in_transit is False else "does not record encryption"
            yield rule.finding(
                context, f"{flow.id} crosses from {', '.join(analysis.sender_countries)} to "
                f"{', '.join(analysis.destination_countries)} and {state} in transit, which the policy promises",
                flows=[flow.id], countries=list(analysis.destination_countries),
                entities=[flow.sender, flow.receiver])


RULE = Rule(
    id="unencrypted-transfer", severity=Severity.MEDIUM,
    title="a cross-border flow not encrypted in transit where the policy promises it",
    reference="GDPR Art. 32(1)(a); APPI Art. 23; policy 7",
    fix="Encrypt the channel (TLS 1.2+ or equivalent) and set encrypted_in_transit: true on the flow.",
    judge=evaluate)

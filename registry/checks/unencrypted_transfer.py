"""unencrypted-transfer: a cross-border flow not encrypted in transit where the policy promises it."""

from __future__ import annotations

from collections.abc import Iterator

from registry.checks.finding import Finding, Severity
from registry.checks.rule import CheckContext, Rule
from registry.checks.sentences import party
from registry.labels import countries_label


def evaluate(rule: Rule, context: CheckContext) -> Iterator[Finding]:
    organisation = context.registry.organisation
    if organisation is None or not organisation.promises_encryption_in_transit:
        return
    for analysis in context.analyses:
        flow = analysis.flow
        if analysis.live and analysis.is_cross_border and flow.encrypted_in_transit is not True:
            state = "is not encrypted" if flow.encrypted_in_transit is False else "does not record encryption"
            yield rule.finding(
                context, f"The flow from {party(context.registry, flow.sender)} to "
                f"{party(context.registry, flow.receiver)} crosses into "
                f"{countries_label(analysis.destination_countries)} and {state} in transit, although the privacy "
                "policy promises encryption.", judged_by=analysis.judging, flows=[flow.id],
                countries=list(analysis.destination_countries),
                entities=[flow.sender, flow.receiver])


RULE = Rule(
    id="unencrypted-transfer", severity=Severity.MEDIUM,
    title="a cross-border flow not encrypted in transit where the policy promises it",
    fix="Encrypt the channel (TLS 1.2+ or equivalent) and set encrypted_in_transit: true on the flow.",
    judge=evaluate, regime_less=True)

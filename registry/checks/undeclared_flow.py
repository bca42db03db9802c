"""undeclared-flow: a flow, recipient or purpose that the privacy policy does not disclose."""

from __future__ import annotations

import re
from collections.abc import Iterator

from registry.checks.finding import Finding, Severity
from registry.checks.rule import CheckContext, Rule

# A record is declared when its source cites a section of the policy ("policy 4-2").
_CITES_POLICY = re.compile(r"\bpolicy\s+\d", re.IGNORECASE)


def declared(source: str | None) -> bool:
    return bool(source and _CITES_POLICY.search(source))


def evaluate(rule: Rule, context: CheckContext) -> Iterator[Finding]:
    registry = context.registry
    for analysis in context.analyses:
        flow = analysis.flow
        if not declared(flow.source):
            yield rule.finding(context, f"flow {flow.id} ({flow.sender} to {flow.receiver}) cites no section of the "
                               "privacy policy that discloses it", flows=[flow.id],
                               entities=[flow.sender, flow.receiver], purposes=[flow.purpose])
    records = None if context.scope is None else context.scope.records
    for recipient in registry.recipients:
        if (records is None or recipient.id in records) and not declared(recipient.source):
            yield rule.finding(context, f"recipient {recipient.id} cites no section of the privacy policy that "
                               "discloses it", entities=[recipient.id], countries=[recipient.location])
    for purpose in registry.purposes:
        if (records is None or purpose.id in records) and not declared(purpose.source):
            yield rule.finding(context, f"purpose {purpose.id} cites no section of the privacy policy that "
                               "discloses it", purposes=[purpose.id])


RULE = Rule(
    id="undeclared-flow", severity=Severity.LOW,
    title="a flow, recipient or purpose the privacy policy does not disclose",
    reference="GDPR Art. 13(1)(c)-(f) and 14; APPI Art. 21",
    fix="Disclose it in the privacy policy and cite the section in the record's source, or stop the processing.",
    judge=evaluate)

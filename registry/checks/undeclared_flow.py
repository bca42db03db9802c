"""undeclared-flow: a flow, recipient or purpose that the privacy policy does not disclose."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator

from registry.checks.finding import Finding, Severity
from registry.checks.rule import CheckContext, Rule
from registry.labels import entity_label
from registry.reference import Regime

# A record is declared when its source cites a section of the policy ("policy 4-2").
_CITES_POLICY = re.compile(r"\bpolicy\s+\d", re.IGNORECASE)


def declared(source: str | None) -> bool:
    return bool(source and _CITES_POLICY.search(source))


def evaluate(rule: Rule, context: CheckContext) -> Iterator[Finding]:
    registry = context.registry
    for analysis in context.analyses:
        flow = analysis.flow
        if not declared(flow.source):
            yield rule.finding(context, f"The flow from {context.party(flow.sender)} to "
                               f"{context.party(flow.receiver)} cites no section of the privacy policy that "
                               "discloses it.", judged_by=analysis.judging, flows=[flow.id],
                               entities=[flow.sender, flow.receiver], purposes=[flow.purpose])
    records = None if context.scope is None else context.scope.records
    undeclared_recipients = [r for r in registry.recipients
                             if (records is None or r.id in records) and not declared(r.source)]
    undeclared_purposes = [p for p in registry.purposes
                           if (records is None or p.id in records) and not declared(p.source)]
    if not undeclared_recipients and not undeclared_purposes:
        return
    # The regimes of the data a recipient receives or a purpose is served by.
    judged: dict[str, set[Regime]] = defaultdict(set)
    for flow in registry.flows:
        regimes = context.analyser.judging_regimes(flow)
        judged[flow.receiver] |= regimes
        judged[flow.purpose] |= regimes
    for recipient in undeclared_recipients:
        yield rule.finding(context, f"The recipient {entity_label(recipient)} cites no section of the privacy "
                           "policy that discloses it.", judged_by=judged[recipient.id],
                           entities=[recipient.id], countries=[recipient.location])
    for purpose in undeclared_purposes:
        yield rule.finding(context, f"The purpose {purpose.name} cites no section of the privacy policy that "
                           "discloses it.", judged_by=judged[purpose.id], purposes=[purpose.id])


RULE = Rule(
    id="undeclared-flow", severity=Severity.LOW,
    title="a flow, recipient or purpose the privacy policy does not disclose",
    fix="Disclose it in the privacy policy and cite the section in the record's source, or stop the processing.",
    judge=evaluate, regime_less=True)

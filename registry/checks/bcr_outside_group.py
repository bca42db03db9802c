"""bcr-outside-group: BCRs relied on for a recipient they do not bind."""

from __future__ import annotations

from collections.abc import Iterator

from registry.checks.finding import Finding, Severity
from registry.checks.rule import CheckContext, Rule
from registry.checks.transfers import Defect
from registry.reference import REGIME_NAMES


def evaluate(rule: Rule, context: CheckContext) -> Iterator[Finding]:
    for analysis in context.analyses:
        flow = analysis.flow
        for verdict in analysis.transfer_verdicts:
            if not verdict.unprotected:
                continue  # adequate, or another valid tool carries the transfer: the BCRs are not relied on
            for status in verdict.safeguards:
                if status.defect is Defect.OUTSIDE_GROUP:
                    yield rule.finding(
                        context, f"{flow.id} relies on the BCRs {status.safeguard.id} under "
                        f"{REGIME_NAMES[verdict.regime]}, but {status.problem}", regime=verdict.regime,
                        flows=[flow.id], safeguards=[status.safeguard.id], entities=[flow.sender, flow.receiver],
                        countries=sorted(d.country for d in verdict.destinations))


RULE = Rule(
    id="bcr-outside-group", severity=Severity.HIGH,
    title="BCRs relied on for a recipient not bound by them (any third party)",
    reference="GDPR Art. 47(1)-(2)(a); EDPB WP256/257 rev.",
    fix="Use SCCs (or another Art. 46 tool) for third parties; BCRs cover only bound group members.",
    judge=evaluate)

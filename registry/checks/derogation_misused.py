"""derogation-misused: an Art. 49 derogation carries a systematic flow."""

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
                continue  # adequate, or an Art. 46 tool carries the transfer: the derogation is not relied on
            misused = sorted(s.safeguard.id for s in verdict.safeguards if s.defect is Defect.SYSTEMATIC)
            if misused:
                yield rule.finding(
                    context, f"{flow.id} is systematic but relies on the derogation {', '.join(misused)} under "
                    f"{REGIME_NAMES[verdict.regime]}; derogations cover occasional transfers only",
                    regime=verdict.regime, flows=[flow.id], safeguards=misused,
                    countries=sorted(d.country for d in verdict.destinations))


RULE = Rule(
    id="derogation-misused", severity=Severity.MEDIUM,
    title="Art. 49 derogation used for a systematic flow",
    reference="GDPR Art. 49(1); EDPB Guidelines 2/2018",
    fix="Put an Art. 46 tool (SCCs, BCRs) in place for the regular transfer, or make the flow occasional.",
    judge=evaluate,
    help_uri="https://www.edpb.europa.eu/our-work-tools/our-documents/guidelines/guidelines-22018-derogations-article-49-under-regulation_en")

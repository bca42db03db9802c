"""safeguard-expired: a transfer relies on a tool that has expired or been invalidated as of the date."""

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
            needed = [d for d in verdict.destinations if not d.adequate]
            if not needed or verdict.valid_tools:
                continue  # adequate, or carried by another valid tool: the lapsed one is not relied on
            countries = sorted(d.country for d in needed)
            for status in verdict.safeguards:
                if status.defect is Defect.EXPIRED:
                    yield rule.finding(
                        context, f"{flow.id} relies on {status.safeguard.id} under {REGIME_NAMES[verdict.regime]}, "
                        f"which {status.problem}", regime=verdict.regime, flows=[flow.id],
                        safeguards=[status.safeguard.id], countries=countries)
            for destination in needed:
                ended = destination.historic_adequacy
                if analysis.adequacy_claims and ended is not None:
                    yield rule.finding(
                        context, f"{flow.id} relies on adequacy for {destination.country}, but {ended.instrument} "
                        f"ceased to apply on {ended.ends}", regime=verdict.regime, flows=[flow.id],
                        safeguards=analysis.adequacy_claims, countries=[destination.country])


RULE = Rule(
    id="safeguard-expired", severity=Severity.HIGH,
    title="tool expired or invalidated as of the date (Privacy Shield, legacy SCCs, a contract past its end)",
    reference="GDPR Art. 46; CJEU C-311/18 (Schrems II); Implementing Decision (EU) 2021/914 Art. 4",
    fix="Replace the lapsed tool (sign the 2021 SCCs, or rely on the DPF for certified US recipients) and record "
        "the new safeguard with its dates.",
    judge=evaluate,
    help_uri="https://eur-lex.europa.eu/eli/dec_impl/2021/914/oj")

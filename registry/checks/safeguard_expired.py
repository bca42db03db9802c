"""safeguard-expired: a transfer relies on tools that are not in force on the day (past their end, invalidated,
closed to new contracts, or not yet in force), or on an adequacy decision that has ended; one finding names
each failing tool and why."""

from __future__ import annotations

from collections.abc import Iterator

from registry.checks.finding import Finding, Severity
from registry.checks.rule import CheckContext, Rule
from registry.checks.sentences import each_failing
from registry.labels import country_name, regime_label
from registry.transfers import Gap


def evaluate(rule: Rule, context: CheckContext) -> Iterator[Finding]:
    for analysis, verdict, gap in context.gaps(Gap.SAFEGUARD_EXPIRED):
        flow = analysis.flow
        regime = regime_label(verdict.regime)
        clauses = []
        if gap.failing:
            clauses.append(each_failing(gap.failing, context.as_of, verdict.regime))
        ended = gap.ended_adequacy
        if ended is not None and ended.historic_adequacy is not None:
            clauses.append(f"the adequacy decision it lists for {country_name(ended.country)} "
                           f"({ended.historic_adequacy.instrument}) ceased to apply on {ended.historic_adequacy.ends}")
        relied = [s.safeguard.id for s in gap.failing] or list(analysis.adequacy_claims)
        yield rule.finding(
            context, f"{context.party(flow.sender)} sends personal data to {context.party(flow.receiver)} "
            f"under {regime} with no valid transfer tool, because {' and '.join(clauses)}.",
            regime=verdict.regime, flows=[flow.id], safeguards=relied, countries=gap.countries)


RULE = Rule(
    id="safeguard-expired", severity=Severity.HIGH,
    title="tool not in force on the date: expired, invalidated (Privacy Shield, legacy SCCs) or not yet in force",
    fix="Replace the lapsed tool (sign the 2021 SCCs, or rely on the DPF for certified US recipients) and record "
        "the new safeguard with its dates.",
    judge=evaluate)

"""transfer-without-safeguard: a transfer to a country that is not adequate, with no valid transfer tool."""

from __future__ import annotations

from collections.abc import Iterator

from registry.checks.finding import Finding, Severity
from registry.checks.rule import CheckContext, Rule
from registry.reference import REGIME_NAMES


def evaluate(rule: Rule, context: CheckContext) -> Iterator[Finding]:
    for analysis in context.analyses:
        flow = analysis.flow
        for verdict in analysis.transfer_verdicts:
            # A scoped decision that misses this receiver is reported by adequacy-out-of-scope instead.
            bare = [d for d in verdict.unprotected if d.adequacy is None]
            if not bare:
                continue
            countries = sorted(d.country for d in bare)
            unusable = [s for s in verdict.safeguards if s.tool is not None]
            why = "; ".join(f"{s.safeguard.id}: {s.problem}" for s in unusable) or "no transfer tool listed"
            yield rule.finding(
                context,
                f"{flow.id} sends data from {flow.sender} to {flow.receiver} in {', '.join(countries)}, not adequate "
                f"under {REGIME_NAMES[verdict.regime]}, with no valid transfer tool ({why})",
                regime=verdict.regime, flows=[flow.id], countries=countries, entities=[flow.sender, flow.receiver],
                safeguards=sorted(flow.safeguards), categories=sorted(flow.categories))


RULE = Rule(
    id="transfer-without-safeguard", severity=Severity.HIGH,
    title="transfer to a country not adequate for the regime, with no valid transfer tool",
    reference="GDPR Art. 44-46; UK GDPR Art. 46; FADP Art. 16; APPI Art. 28",
    fix="Put a valid tool in place (2021 SCCs with the right module, UK IDTA or Addendum, APPI consent or "
        "equivalent-system contract) and record it on the flow, or stop the transfer.",
    judge=evaluate)

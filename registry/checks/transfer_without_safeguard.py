"""transfer-without-safeguard: a transfer to a country not adequate for the receiver, with no valid transfer tool,
when no more specific rule explains the gap (no tool listed, tools of another regime only, or incomplete ones)."""

from __future__ import annotations

from collections.abc import Iterator

from registry.checks.finding import Finding, Severity
from registry.checks.rule import CheckContext, Rule
from registry.checks.sentences import each_failing
from registry.labels import countries_label, regime_label
from registry.reference import AdequacyScope, Regime
from registry.transfers import Gap, TransferGap

# Whose listing a scoped US decision requires, per scope: the receiver can join it instead of signing a tool.
_LISTS = {
    AdequacyScope.DPF_CERTIFIED: "the Data Privacy Framework List",
    AdequacyScope.DPF_UK_EXTENSION: "the Data Privacy Framework List under the UK Extension",
    AdequacyScope.DPF_SWISS: "the Data Privacy Framework List under the Swiss-US DPF",
}


def _why(context: CheckContext, gap: TransferGap, regime: Regime, receiver: str) -> str:
    where = countries_label(gap.countries)
    scoped = [d for d in gap.destinations if d.adequacy is not None]
    if scoped:
        decision = scoped[0].adequacy
        assert decision is not None
        listing = _LISTS.get(decision.scope)
        covers = f"only organisations on {listing}" if listing else \
            f"only {decision.scope.value.replace('_', ' ')} organisations"
        return (f"the adequacy decision for {where} under {regime_label(regime)} covers {covers}, which "
                f"{receiver} is not, and the flow records no valid transfer tool")
    if gap.failing:
        return (f"{where} has no adequacy decision under {regime_label(regime)}, and "
                f"{each_failing(gap.failing, context.as_of, regime)}")
    return f"{where} has no adequacy decision under {regime_label(regime)}, and the flow records no transfer tool"


def evaluate(rule: Rule, context: CheckContext) -> Iterator[Finding]:
    registry = context.registry
    for analysis, verdict, gap in context.gaps(Gap.NO_SAFEGUARD):
        flow = analysis.flow
        receiver = context.party(flow.receiver)
        fix = context.tool_fix(flow, verdict.regime)
        if any(d.adequacy is not None and d.adequacy.scope in _LISTS for d in gap.destinations):
            fix = (f"Have {registry.entities[flow.receiver].name} certify under the Data Privacy Framework (and record "
                   f"it), or: {fix[0].lower()}{fix[1:]}")
        yield rule.finding(
            context, f"{context.party(flow.sender)} sends personal data to {receiver}, but "
            f"{_why(context, gap, verdict.regime, receiver)}.",
            regime=verdict.regime, fix=fix, flows=[flow.id], countries=gap.countries,
            entities=[flow.sender, flow.receiver], safeguards=sorted(flow.safeguards),
            categories=sorted(flow.categories))


RULE = Rule(
    id="transfer-without-safeguard", severity=Severity.HIGH,
    title="transfer to a country not adequate for the regime, with no valid transfer tool",
    fix="Put a valid tool in place (2021 SCCs with the right module, UK IDTA or Addendum, APPI consent or "
        "equivalent-system contract) and record it on the flow, or stop the transfer.",
    judge=evaluate)

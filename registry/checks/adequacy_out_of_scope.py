"""adequacy-out-of-scope: a flow lists adequacy as its basis, but the decision's scope leaves the receiver out
(a US recipient not on the DPF List, a Canadian public body), and no valid tool carries the transfer."""

from __future__ import annotations

from collections.abc import Iterator

from registry.checks.finding import Finding, Severity
from registry.checks.rule import CheckContext, Rule
from registry.labels import countries_label, regime_label, sentence_label
from registry.transfers import Gap


def evaluate(rule: Rule, context: CheckContext) -> Iterator[Finding]:
    for analysis, verdict, gap in context.gaps(Gap.ADEQUACY_OUT_OF_SCOPE):
        flow = analysis.flow
        decisions = sorted({d.adequacy.instrument for d in gap.destinations if d.adequacy is not None})
        scopes = sorted({sentence_label(d.adequacy.scope) for d in gap.destinations if d.adequacy})
        yield rule.finding(
            context, f"{context.party(flow.sender)} relies on adequacy to send personal data to "
            f"{context.party(flow.receiver)}, but under {regime_label(verdict.regime)} the decision for "
            f"{countries_label(gap.countries)} ({'; '.join(decisions)}) covers only {' and '.join(scopes)}, "
            "and the receiver is not one of them.",
            regime=verdict.regime, flows=[flow.id], countries=gap.countries,
            entities=[flow.receiver], safeguards=flow.safeguards)


RULE = Rule(
    id="adequacy-out-of-scope", severity=Severity.HIGH,
    title="adequacy relied on where the recipient is outside its scope (US recipient not DPF-certified; "
          "Canada outside PIPEDA's commercial scope)",
    fix="Check the recipient's certification (DPF List) and record it, or sign SCCs (with a TIA) instead.",
    judge=evaluate)

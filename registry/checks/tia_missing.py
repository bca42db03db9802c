"""tia-missing: a transfer on SCCs, BCRs or an IDTA to a non-adequate country without a TIA."""

from __future__ import annotations

from collections.abc import Iterator

from registry.checks.finding import Finding, Severity
from registry.checks.rule import CheckContext, Rule
from registry.checks.sentences import tool_name
from registry.labels import countries_label, regime_label


def evaluate(rule: Rule, context: CheckContext) -> Iterator[Finding]:
    for analysis in context.analyses:
        flow = analysis.flow
        if flow.tia or flow.supplementary_measures:
            continue  # either records that the risks at the destination were assessed (docs/design.md §5)
        for verdict in analysis.transfer_verdicts:
            exposed = sorted(d.country for d in verdict.destinations if not d.adequate)
            relied = sorted(s.safeguard.id for s in verdict.valid_tools if s.tool and s.tool.needs_tia)
            # A valid tool that needs no assessment (a derogation, APPI consent) carries the transfer alone.
            if not exposed or not relied or len(relied) < len(verdict.valid_tools):
                continue
            tools = sorted({tool_name(s) for s in verdict.valid_tools})
            yield rule.finding(
                context, f"{context.party(flow.sender)} sends personal data to "
                f"{context.party(flow.receiver)} on the {' and the '.join(tools)} under "
                f"{regime_label(verdict.regime)}, but records neither a transfer impact assessment nor "
                f"supplementary measures for {countries_label(exposed)}.",
                regime=verdict.regime, flows=[flow.id], safeguards=relied, countries=exposed)


RULE = Rule(
    id="tia-missing", severity=Severity.MEDIUM,
    title="SCC/BCR transfer to a non-adequate country with no transfer impact assessment or supplementary measures",
    fix="Carry out and file a transfer impact assessment, adopt the supplementary measures it calls for, and "
        "record its reference in the flow's tia.",
    judge=evaluate)

"""A rule of the catalogue (DESIGN section 4) and what every rule is evaluated against."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from typing import TYPE_CHECKING

from registry.checks.finding import Evidence, Finding, Severity, constructed, finding_id
from registry.checks.references import load_references
from registry.model import Flow, Registry
from registry.reference import Reference, Regime
from registry.transfers import FlowAnalysis, Gap, RegimeVerdict, TransferAnalyser, TransferGap

if TYPE_CHECKING:
    from registry.checks.onward_transfer_gap import OnwardSearch


@dataclass(frozen=True)
class Scope:
    """What a re-check after a change judges again (registry.checks.incremental works it out)."""

    flows: tuple[Flow, ...]  # judged by the flow rules
    hops: tuple[Flow, ...]  # judged as the later hop of onward chains
    received: tuple[Flow, ...]  # every flow into each processor whose DPA is judged again
    records: frozenset[str]  # recipients and purposes judged again


@dataclass
class CheckContext:
    """The registry, the reference data and the day; analyses are computed once and shared by the rules."""

    registry: Registry
    reference: Reference
    as_of: date
    scope: Scope | None = None  # None: judge everything
    onward: OnwardSearch | None = None  # where protected data gets to; built by the onward rule when None
    analyser: TransferAnalyser = field(init=False)

    def __post_init__(self) -> None:
        self.analyser = TransferAnalyser(self.registry, self.reference, self.as_of)

    @cached_property
    def analyses(self) -> list[FlowAnalysis]:
        flows = self.scope.flows if self.scope is not None else self.registry.flows
        return [self.analyser.analyse(flow) for flow in flows]

    def gaps(self, rule: Gap) -> Iterator[tuple[FlowAnalysis, RegimeVerdict, TransferGap]]:
        """Each (flow, regime) whose transfer has no valid basis and whose single verdict names `rule`."""
        for analysis in self.analyses:
            for verdict in analysis.transfer_verdicts:
                gap = verdict.gap
                if gap is not None and gap.rule is rule:
                    yield analysis, verdict, gap


@dataclass(frozen=True)
class Rule:
    id: str
    title: str  # what it flags, as in the catalogue
    severity: Severity
    judge: Callable[[Rule, CheckContext], Iterable[Finding]]  # the rule module's `evaluate`
    fix: str  # the usual remedy, shown with each finding unless it gives its own

    @property
    def reference(self) -> str:
        """Every regime's reference for the rule (references.csv): what the catalogue and SARIF describe."""
        return load_references().cite(self.id, Regime)

    @property
    def help_uri(self) -> str:
        """Where the EU text of the rule's reference can be read (SARIF helpUri)."""
        return load_references().url(self.id)

    def evaluate(self, context: CheckContext) -> Iterable[Finding]:
        return self.judge(self, context)

    def finding(self, context: CheckContext, reason: str, *, regime: Regime | None = None,
                judged_by: Iterable[Regime] = (), problem: str | None = None, fix: str | None = None,
                **evidence: Iterable[str]) -> Finding:
        """A finding under `regime` citing its law; a finding no single regime owns (processor-without-dpa,
        excess-disclosure...) gives `judged_by`, the regimes whose data it judges, and cites each one's law.
        `problem` is the record at fault; by default the first flow, else entity, else purpose of the evidence."""
        proof = Evidence.of(context.as_of, **evidence)
        regime_id = regime.value if regime else None
        reference = load_references().cite(self.id, [regime] if regime else judged_by)
        at_fault = problem or next((values[0] for values in (proof.flows, proof.entities, proof.purposes)
                                    if values), "")
        # Built without validation (every field comes from this rule and its checked evidence): a check of a
        # large registry makes hundreds of thousands of findings.
        return constructed(Finding, {
            "id": finding_id(self.id, regime_id, proof), "rule": self.id, "severity": self.severity,
            "regime": regime_id, "reference": reference, "reason": reason, "fix": fix or self.fix,
            "evidence": proof, "problem": at_fault, "acknowledged": False, "acknowledgement": None})

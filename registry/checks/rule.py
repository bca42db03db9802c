"""A rule of the catalogue (docs/design.md §5) and what every rule is evaluated against."""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from functools import cached_property
from typing import Any, Generic, TypeVar

from registry.checks.finding import Evidence, Finding, Severity, constructed, finding_id
from registry.checks.references import load_references
from registry.checks.sentences import party, tool_fix
from registry.model import Flow, Registry
from registry.reference import Reference, Regime
from registry.transfers import FlowAnalysis, Gap, RegimeVerdict, TransferAnalyser, TransferGap


class Subject(StrEnum):
    """What a finding can be about: a re-check replaces the findings about what it judges again."""

    FLOW = "flow"  # a flow, judged by the flow rules
    HOP = "hop"  # a flow judged as the later hop of onward chains
    PROCESSOR = "processor"  # a processor, judged with every flow it receives
    RECORD = "record"  # a recipient or a purpose

    def of(self, record_id: str) -> str:
        return f"{self.value}:{record_id}"


def about_evidence(finding: Finding) -> str:
    """What a finding is about unless its rule says otherwise: the first flow of its evidence, else its
    first entity or purpose."""
    evidence = finding.evidence
    if evidence.flows:
        return Subject.FLOW.of(evidence.flows[0])
    return Subject.RECORD.of((evidence.entities or evidence.purposes)[0])


@dataclass(frozen=True)
class Scope:
    """What a re-check after a change judges again (registry.checks.incremental works it out; a rule's kept
    state may widen it when it is refreshed)."""

    # Ids of the flows that changed or whose parties, safeguards, purpose or groups did, removed ones included:
    # what kept state refiles.
    changed: frozenset[str]
    flows: tuple[Flow, ...]  # judged by the flow rules: those, and the flows a new day may judge anew
    received: tuple[Flow, ...]  # every flow into each processor whose DPA is judged again
    records: frozenset[str]  # recipients and purposes judged again
    subjects: frozenset[str]  # what the findings judged again are about (Subject.of): the re-check replaces them
    hops: tuple[Flow, ...] = ()  # judged as the later hop of onward chains (the onward search widens the scope)


State = TypeVar("State")
Shared = TypeVar("Shared")


@dataclass(frozen=True, eq=False)
class KeptState(Generic[State]):
    """What a rule computes once over the whole registry and keeps from check to check (the onward search):
    a full check builds it, a re-check after a change refreshes it instead of building it again."""

    build: Callable[[CheckContext], State]
    # Brings the state to the context's registry after the changes in its scope; returns the scope widened by
    # whatever else the refreshed state says must be judged again. A scope that changed no flow (`changed`
    # empty: only a new day) leaves the state as it is, so checks forked from one check may share it until then.
    refresh: Callable[[State, CheckContext], Scope]
    # A copy that later refreshes change apart from the original (CheckState.fork).
    copy: Callable[[State], State] = field(default=copy.deepcopy)


# Told (done, total) as a check goes: a caller's progress bar. Called every PROGRESS_EVERY flows and once per rule,
# from the thread that checks, so it must be cheap and must not touch a UI from there.
Progress = Callable[[int, int], None]
PROGRESS_EVERY = 500


@dataclass
class CheckContext:
    """The registry, the reference data and the day; analyses are computed once and shared by the rules."""

    registry: Registry
    reference: Reference
    as_of: date
    scope: Scope | None = None  # None: judge everything
    # Each rule's kept state: built on first use, handed from a check to the re-checks that follow it.
    states: dict[KeptState[Any], Any] = field(default_factory=dict)
    # Told how many flows the transfer analysis has judged so far (evaluate_rules turns it into the check's progress).
    analysed: Callable[[int], None] | None = None
    analyser: TransferAnalyser = field(init=False)
    # Words many findings repeat, kept per check: thousands of flows share each party and each pair's fix.
    _names: dict[str, str] = field(init=False, default_factory=dict)
    _fixes: dict[tuple[str, str, Regime], str] = field(init=False, default_factory=dict)
    _shared: dict[Callable[[CheckContext], Any], Any] = field(init=False, default_factory=dict)

    def __post_init__(self) -> None:
        self.analyser = TransferAnalyser(self.registry, self.reference, self.as_of)

    def party(self, entity_id: str) -> str:
        """The entity by name and where it processes data, as reasons name it (sentences.party)."""
        found = self._names.get(entity_id)
        if found is None:
            found = self._names[entity_id] = party(self.registry, entity_id)
        return found

    def tool_fix(self, flow: Flow, regime: Regime) -> str:
        """Who must sign what for the flow under `regime` (sentences.tool_fix): the same for every flow of a pair."""
        key = (flow.sender, flow.receiver, regime)
        found = self._fixes.get(key)
        if found is None:
            found = self._fixes[key] = tool_fix(self.registry, flow, regime)
        return found

    def shared(self, build: Callable[[CheckContext], Shared]) -> Shared:
        """What `build` makes of this check's scope, made once and shared by every rule that asks (house rules
        share one index of the flows)."""
        found = self._shared.get(build)
        if found is None:
            found = self._shared[build] = build(self)
        return found  # type: ignore[no-any-return]

    def state(self, kept: KeptState[State]) -> State:
        """The rule's kept state, built over the whole registry if nobody has built it yet."""
        if kept not in self.states:
            self.states[kept] = kept.build(self)
        return self.states[kept]

    @property
    def flows(self) -> Sequence[Flow]:
        """The flows the flow rules judge: the scope's, else every flow."""
        return self.scope.flows if self.scope is not None else self.registry.flows

    @cached_property
    def analyses(self) -> list[FlowAnalysis]:
        if self.analysed is None:
            return [self.analyser.analyse(flow) for flow in self.flows]
        analyses = []
        for flow in self.flows:
            analyses.append(self.analyser.analyse(flow))
            if len(analyses) % PROGRESS_EVERY == 0:
                self.analysed(len(analyses))
        return analyses

    def gaps(self, rule: Gap) -> Iterator[tuple[FlowAnalysis, RegimeVerdict, TransferGap]]:
        """Each (flow, regime) whose transfer has no valid basis and whose single verdict names `rule`."""
        return iter(self._gaps[rule])

    @cached_property
    def _gaps(self) -> dict[Gap, list[tuple[FlowAnalysis, RegimeVerdict, TransferGap]]]:
        """Every gap of the analyses in one pass, by the rule that reports it (six rules read them)."""
        found: dict[Gap, list[tuple[FlowAnalysis, RegimeVerdict, TransferGap]]] = {rule: [] for rule in Gap}
        for analysis in self.analyses:
            for verdict in analysis.transfer_verdicts:
                gap = verdict.gap
                if gap is not None:
                    found[gap.rule].append((analysis, verdict, gap))
        return found


@dataclass(frozen=True)
class Rule:
    id: str
    title: str  # what it flags, as in the catalogue
    severity: Severity
    judge: Callable[[Rule, CheckContext], Iterable[Finding]]  # the rule module's `evaluate`
    fix: str  # the usual remedy, shown with each finding unless it gives its own
    # What a finding is about (Subject.of): a re-check that judges that again replaces the finding.
    about: Callable[[Finding], str] = about_evidence
    keeps: KeptState[Any] | None = None  # state the rule precomputes over the whole registry, if any
    # Cites each regime whose data it judges rather than one regime of its own (references.csv has a row
    # without a regime for when none does).
    regime_less: bool = False

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

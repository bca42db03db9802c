"""The rules catalogue (docs/design.md §5): one module per rule, run together as of a date.

Rules are pure functions of the registry, the reference data and the day. Findings come out sorted, with
stable ids, so a DPO can acknowledge one and find it again tomorrow. The legal rules (RULES) are about the law; a
registry's own policies join them as house rules (`catalogue`, registry.checks.house_rules), judged by the same
check.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from registry.checks import (
    adequacy_out_of_scope,
    bcr_outside_group,
    derogation_misused,
    excess_disclosure,
    foreign_authority_disclosure,
    onward_transfer_gap,
    processor_without_dpa,
    retention_exceeded,
    safeguard_expired,
    tia_missing,
    transfer_without_safeguard,
    undeclared_flow,
)
from registry.checks.finding import Evidence, Finding, Severity
from registry.checks.house_rules import house_rules, is_house_rule
from registry.checks.references import load_references
from registry.checks.rule import CheckContext, KeptState, Progress, Rule, about_evidence
from registry.collector import collector_paused
from registry.model import Acknowledgement, Registry
from registry.reference import Reference, load_reference

RULES: tuple[Rule, ...] = (
    transfer_without_safeguard.RULE,
    safeguard_expired.RULE,
    adequacy_out_of_scope.RULE,
    bcr_outside_group.RULE,
    excess_disclosure.RULE,
    onward_transfer_gap.RULE,
    derogation_misused.RULE,
    foreign_authority_disclosure.RULE,
    tia_missing.RULE,
    processor_without_dpa.RULE,
    undeclared_flow.RULE,
    retention_exceeded.RULE,
)

# Rules whose findings belong to no single regime: each cites the law of every regime whose data it judges.
REGIME_LESS = frozenset(rule.id for rule in RULES if rule.regime_less)
load_references().require((rule.id for rule in RULES), REGIME_LESS)
_BY_ID = {rule.id: rule for rule in RULES}

__all__ = ["RULES", "Evidence", "Finding", "Progress", "Rule", "Severity", "about", "apply_acknowledgements",
           "catalogue", "current_acknowledgements", "evaluate_rules", "marked", "refresh_states", "run_checks"]


def catalogue(registry: Registry) -> tuple[Rule, ...]:
    """Every rule that judges `registry`: the legal rules, then its house rules (its policies) in id order."""
    return RULES + house_rules(registry) if registry.policies else RULES


def run_checks(registry: Registry, as_of: date, reference: Reference | None = None) -> list[Finding]:
    """Every finding as of `as_of`, sorted by severity, rule, regime and id, without duplicates."""
    found = evaluate_rules(CheckContext(registry, reference or load_reference(), as_of))
    return sorted(found, key=lambda f: f.sort_key)


def evaluate_rules(context: CheckContext, progress: Progress | None = None) -> list[Finding]:
    """What every rule finds in the context's scope, without duplicates, unsorted. `progress` is told (done, total)
    in flow judgements: the transfer analysis judges each flow once, then each rule judges them all again."""
    found: dict[str, Finding] = {}
    rules = catalogue(context.registry)
    tally = _Tally(progress, len(context.flows), len(rules)) if progress is not None else None
    if tally is not None:
        context.analysed = tally.analysed
    with collector_paused():
        for rule in rules:
            for finding in rule.evaluate(context):
                found.setdefault(finding.id, finding)
            if tally is not None:
                tally.ruled()
    return list(found.values())


class _Tally:
    """A check's progress in flow judgements, never going back (the first rule that needs the analysis runs it)."""

    def __init__(self, progress: Progress, flows: int, rules: int) -> None:
        self.progress, self.flows, self.rules = progress, flows, 0
        self.total = flows * (rules + 1)
        self.done = 0
        progress(0, self.total)

    def analysed(self, flows: int) -> None:
        self._report(flows)

    def ruled(self) -> None:
        self.rules += 1
        self._report(self.flows * (self.rules + 1))

    def _report(self, done: int) -> None:
        self.done = max(self.done, min(done, self.total))
        self.progress(self.done, self.total)


def about(finding: Finding) -> str:
    """What `finding` is about, as its rule says (Rule.about): a re-check that judges that again replaces it. A house
    rule's finding is about its flow."""
    if is_house_rule(finding.rule):
        return about_evidence(finding)
    return _BY_ID[finding.rule].about(finding)


def refresh_states(context: CheckContext) -> None:
    """Bring every rule's kept state to the context's registry after the changes in its scope, letting each
    widen the scope by what it says must be judged again (a state several rules share is refreshed once)."""
    refreshed: set[KeptState[Any]] = set()
    for rule in catalogue(context.registry):
        if rule.keeps is not None and rule.keeps not in refreshed:
            refreshed.add(rule.keeps)
            context.scope = rule.keeps.refresh(context.state(rule.keeps), context)


def apply_acknowledgements(findings: Iterable[Finding], acknowledgements: Iterable[Acknowledgement],
                           as_of: date) -> list[Finding]:
    """Mark findings a DPO accepted (and whose acceptance has not lapsed by `as_of`); never hide them."""
    current = current_acknowledgements(acknowledgements, as_of)
    return [marked(f, current.get(f.id)) for f in findings]


def current_acknowledgements(acknowledgements: Iterable[Acknowledgement], as_of: date) -> dict[str, Acknowledgement]:
    """The acceptances still in force on `as_of`, by finding id."""
    return {a.finding: a for a in acknowledgements if a.until is None or a.until >= as_of}


def marked(finding: Finding, acknowledgement: Acknowledgement | None) -> Finding:
    """`finding` as acknowledged by `acknowledgement` (None: as nobody acknowledged it)."""
    if acknowledgement is None and not finding.acknowledged:
        return finding
    return finding.model_copy(update={"acknowledged": acknowledgement is not None,
                                      "acknowledgement": acknowledgement})

"""Problems: findings grouped by the record at fault, so one gap judged by four regimes counts once.

A finding's `problem` is the id of that record (the flow that needs a tool, the processor that needs a DPA,
the purpose the policy does not disclose); every summary (text output, dashboard) counts problems this way.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from registry.checks.finding import Finding, Severity, worst
from registry.labels import REGIME_LABELS, entity_label, regimes_label, rule_summary
from registry.model import Registry


@dataclass(frozen=True)
class Problem:
    id: str  # the record at fault
    label: str  # the record for people: "f09-... Cloud provider's US operations affiliate, United States -> ..."
    findings: tuple[Finding, ...]  # its findings, in report order

    @property
    def severity(self) -> Severity:
        found = worst(f.severity for f in self.findings)
        assert found is not None  # a problem has at least one finding
        return found

    @property
    def summary(self) -> str:
        """What is wrong, rule by rule, with the regimes that judge it: "no valid transfer tool under UK GDPR"."""
        regimes: dict[str, set[str]] = {}
        for finding in self.findings:
            regimes.setdefault(finding.rule, set())
            if finding.regime:
                regimes[finding.rule].add(finding.regime)
        parts = []
        for rule, judged in regimes.items():
            said = rule_summary(rule)
            parts.append(f"{said} under {regimes_label(judged)}" if judged else said)
        return "; ".join(parts)

    @property
    def acknowledged(self) -> bool:
        return all(f.acknowledged for f in self.findings)


def record_label(registry: Registry | None, record_id: str) -> str:
    """The record at fault with its parties or name: "f09-x Sender, United States -> Receiver, India"."""
    return _RecordLabels(registry)(record_id)


class _RecordLabels:
    """record_label for many records of one registry, each party's label made once: at size M the 13,294 problems
    of a report name 26,482 parties, most of them a few hundred processors, and labelling each party every time
    was half of grouping the findings."""

    def __init__(self, registry: Registry | None) -> None:
        self.registry = registry
        self.entity_labels: dict[str, str] = {}

    def entity(self, entity_id: str) -> str:
        label = self.entity_labels.get(entity_id)
        if label is None:
            assert self.registry is not None
            label = self.entity_labels[entity_id] = entity_label(self.registry.entities[entity_id])
        return label

    def __call__(self, record_id: str) -> str:
        registry = self.registry
        if registry is None:
            return record_id
        flow = registry.flows_by_id.get(record_id)
        if flow is not None:
            return f"{record_id} {self.entity(flow.sender)} -> {self.entity(flow.receiver)}"
        if record_id in registry.entities:
            return f"{record_id} {self.entity(record_id)}"
        purpose = registry.purposes_by_id.get(record_id)
        if purpose is not None:
            return f"{record_id} {purpose.name}"
        return record_id


_REGIME_RANKS = {regime: rank for rank, regime in enumerate(REGIME_LABELS)}  # looked up once per finding shown


def _order(finding: Finding) -> tuple[int, bool, str, int, str]:
    """Worst first, the law before house rules, then rule, then regime in the catalogue's order (EU, UK, Swiss,
    Japan)."""
    regime = _REGIME_RANKS.get(finding.regime, -1) if finding.regime is not None else -1
    return (-finding.severity.rank, finding.rule.startswith("policy:"), finding.rule, regime, finding.id)


def group_problems(findings: Iterable[Finding], registry: Registry | None = None) -> list[Problem]:
    """One problem per record at fault, worst first, then by id; findings keep their order within each."""
    grouped: dict[str, list[Finding]] = defaultdict(list)
    for finding in findings:
        grouped[finding.problem or finding.id].append(finding)
    label = _RecordLabels(registry)
    # A problem of one finding (most of them) needs no sorting; sorted by _order, a problem's first finding is its
    # worst, so its severity is read there rather than over all its findings again.
    found = [Problem(record, label(record), tuple(items) if len(items) == 1 else tuple(sorted(items, key=_order)))
             for record, items in grouped.items()]
    return sorted(found, key=lambda p: (-p.findings[0].severity.rank, p.id))


def records_behind(finding: Finding, *registries: Registry) -> set[str]:
    """The ids of the records a finding rests on: those in its evidence, the parties, safeguards, purpose and
    groups of its flows (in each of `registries` that holds them), the organisation (whose promise some rules
    judge) and the finding itself (its acknowledgement). What a change or a dated event must touch to explain
    the finding opening or closing."""
    evidence = finding.evidence
    found = {finding.id, *evidence.flows, *evidence.path, *evidence.safeguards, *evidence.entities,
             *evidence.purposes, *evidence.categories}
    for registry in registries:
        if registry.organisation is not None:
            found.add(registry.organisation.id)
        for flow_id in evidence.flows:
            flow = registry.flows_by_id.get(flow_id)
            if flow is not None:
                found |= {flow.sender, flow.receiver, flow.purpose, *flow.safeguards, *flow.subjects}
    return found

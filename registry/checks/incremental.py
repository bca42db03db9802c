"""Findings kept up to date as records change: a change re-judges only the flows and chains it touches.

A full check leaves behind its findings, indexed by what each one is about (as its rule says: Rule.about),
and the state rules keep from check to check (the onward-transfer search). After a write, `CheckState.update`
works out which flows the changed records touch (their own, those of a changed party, safeguard, purpose or
group of people), has each rule refresh its kept state for them (the onward search is redone downstream of
them, which adds the later hops there to what is judged again), drops the findings about what it judges
again and adds the new ones. It names no rule: a new rule needs nothing here. The result equals a full check of the new
registry (tests/checks/test_incremental.py holds it to that); a change to the organisation, to the data
categories, which every flow depends on, or to the house rules (policies) falls back to a full check.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import date

from registry.checks import about, current_acknowledgements, evaluate_rules, marked, refresh_states
from registry.checks.finding import Finding
from registry.checks.rule import CheckContext, Scope, Subject
from registry.collector import collector_paused
from registry.model import ENTITY_SECTIONS, Flow, Processor, Registry
from registry.reference import Reference

# Sections whose change can touch every flow: re-checked in full. A changed house rule (policies) may judge any
# flow again, and the catalogue itself changes with it.
_EVERYTHING = frozenset({"organisation", "data_categories", "policies"})


class FlowReferences:
    """The flows that name each entity, safeguard, purpose and group of people: who a change touches."""

    def __init__(self, flows: Iterable[Flow]) -> None:
        self.by_sender: dict[str, set[str]] = defaultdict(set)
        self.by_receiver: dict[str, set[str]] = defaultdict(set)
        self.by_record: dict[str, set[str]] = defaultdict(set)  # safeguards, purposes, groups of people
        for flow in flows:
            self.add(flow)

    @staticmethod
    def _records(flow: Flow) -> set[str]:
        return {*flow.safeguards, flow.purpose, *flow.subjects}

    def add(self, flow: Flow) -> None:
        self.by_sender[flow.sender].add(flow.id)
        self.by_receiver[flow.receiver].add(flow.id)
        for record in self._records(flow):
            self.by_record[record].add(flow.id)

    def remove(self, flow: Flow) -> None:
        self.by_sender[flow.sender].discard(flow.id)
        self.by_receiver[flow.receiver].discard(flow.id)
        for record in self._records(flow):
            self.by_record[record].discard(flow.id)

    def naming(self, record_id: str) -> set[str]:
        """Flows that name `record_id` as sender, receiver, safeguard, purpose or group of people."""
        return self.by_sender.get(record_id, set()) | self.by_receiver.get(record_id, set()) \
            | self.by_record.get(record_id, set())


class CheckState:
    """Every finding of a registry as of a day, acknowledgements applied, sorted; updated change by change."""

    def __init__(self, registry: Registry, reference: Reference, as_of: date) -> None:
        self.reference, self.as_of = reference, as_of
        self._rebuild(registry)

    @collector_paused(keep=True)
    def _rebuild(self, registry: Registry) -> None:
        self.registry = registry
        context = CheckContext(registry, self.reference, self.as_of)
        found = evaluate_rules(context)
        self.analyser = context.analyser  # the day's transfer analysis of `registry`: exports read it too
        self._states = context.states  # what the rules built on the way, refreshed by each update
        self._references = FlowReferences(registry.flows)
        self._acknowledged = current_acknowledgements(registry.acknowledgements, self.as_of)
        self._by_id = {f.id: self._acknowledge(f) for f in found}
        self._by_subject: dict[str, set[str]] = defaultdict(set)
        for finding in found:
            self._by_subject[about(finding)].add(finding.id)
        self.findings = sorted(self._by_id.values(), key=_sort_key)

    def _acknowledge(self, finding: Finding) -> Finding:
        return marked(finding, self._acknowledged.get(finding.id))

    @collector_paused(keep=True)
    def update(self, registry: Registry, changed: Mapping[str, Iterable[str]]) -> None:
        """Bring the findings to `registry`, which differs from the last one in the records `changed` (ids by
        manifest section, as `mapping.changed_records` gives them)."""
        changed = {section: set(ids) for section, ids in changed.items() if ids}
        if _EVERYTHING & changed.keys():
            self._rebuild(registry)
            return
        old, references = self.registry, self._references
        flow_ids = set(changed.get("flows", ()))
        touched_records = set().union(*(changed.get(s, set()) for s in (*ENTITY_SECTIONS, "safeguards", "purposes",
                                                                          "data_subject_groups")))
        for record_id in touched_records:
            flow_ids |= references.naming(record_id)
        processors = set(changed.get("processors", ()))
        records = set(changed.get("recipients", set()) | changed.get("purposes", set()))
        # A processor's, recipient's or purpose's finding cites the regimes of the flows it receives or serves:
        # every flow judged again may change them.
        for flow_id in flow_ids:
            for version in (old.flows_by_id.get(flow_id), registry.flows_by_id.get(flow_id)):
                if version is not None:
                    processors.add(version.receiver)
                    records |= {version.receiver, version.purpose}
        for flow_id in changed.get("flows", ()):
            before = old.flows_by_id.get(flow_id)
            if before is not None:
                references.remove(before)
            after = registry.flows_by_id.get(flow_id)
            if after is not None:
                references.add(after)
        self.registry = registry
        received = {f for p in processors if isinstance(registry.entities.get(p), Processor)
                    for f in references.by_receiver.get(p, ())}
        subjects = ({Subject.FLOW.of(f) for f in flow_ids} | {Subject.PROCESSOR.of(p) for p in processors}
                    | {Subject.RECORD.of(r) for r in records})
        context = CheckContext(registry, self.reference, self.as_of, states=self._states, scope=Scope(
            changed=frozenset(flow_ids), flows=_flows(registry, flow_ids), received=_flows(registry, received),
            records=frozenset(records), subjects=frozenset(subjects)))
        refresh_states(context)  # kept state follows the changes and may widen the scope
        assert context.scope is not None
        self.analyser = context.analyser  # flows the re-check does not judge are analysed on first use
        self._acknowledged = current_acknowledgements(registry.acknowledgements, self.as_of)
        self._replace(context.scope.subjects, evaluate_rules(context))
        self._reacknowledge(changed.get("acknowledgements", ()))

    def _replace(self, subjects: Iterable[str], found: list[Finding]) -> None:
        for subject in subjects:
            for finding_id in self._by_subject.pop(subject, ()):
                self._remove(self._by_id.pop(finding_id))
        for finding in found:
            if finding.id in self._by_id:
                continue
            finding = self._by_id[finding.id] = self._acknowledge(finding)
            self._by_subject[about(finding)].add(finding.id)
            bisect.insort(self.findings, finding, key=_sort_key)

    def _remove(self, finding: Finding) -> None:
        at = bisect.bisect_left(self.findings, _sort_key(finding), key=_sort_key)
        del self.findings[at]

    def _reacknowledge(self, finding_ids: Iterable[str]) -> None:
        for finding_id in finding_ids:
            finding = self._by_id.get(finding_id)
            if finding is None:
                continue
            fresh = self._acknowledge(finding)
            self._by_id[finding_id] = fresh
            self.findings[bisect.bisect_left(self.findings, _sort_key(fresh), key=_sort_key)] = fresh


def _sort_key(finding: Finding) -> tuple[int, bool, str, str, str]:
    return finding.sort_key


def _flows(registry: Registry, ids: Iterable[str]) -> tuple[Flow, ...]:
    return tuple(registry.flows_by_id[f] for f in sorted(ids) if f in registry.flows_by_id)

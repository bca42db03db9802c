"""Findings kept up to date as records change: a change re-judges only the flows and chains it touches.

A full check leaves behind its findings, indexed by what each one is about (as its rule says: Rule.about),
and the state rules keep from check to check (the onward-transfer search). After a write, `CheckState.update`
works out which flows the changed records touch (their own, those of a changed party, safeguard, purpose or
group of people), has each rule refresh its kept state for them (the onward search is redone downstream of
them, which adds the later hops there to what is judged again), drops the findings about what it judges
again and adds the new ones. It names no rule: a new rule needs nothing here. The result equals a full check of the new
registry (tests/checks/test_incremental.py holds it to that); a change to the organisation, to the data
categories, which every flow depends on, or to the house rules (policies) falls back to a full check.

The same update moves the findings to another day: the records whose dates fall in between (registry.calendar
names them) are judged again although they did not change, which is how a forecast, a diff of two days and a
trend judge many days for little more than one check.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date

from registry.checks import Progress, about, catalogue, current_acknowledgements, evaluate_rules, marked, refresh_states
from registry.checks.finding import Finding
from registry.checks.rule import CheckContext, Scope, Subject
from registry.collector import collector_paused
from registry.model import ENTITY_SECTIONS, Flow, Processor, Registry
from registry.reference import Reference
from registry.transfers import TransferAnalyser

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

    def copy(self) -> FlowReferences:
        other = FlowReferences(())
        for mine, theirs in ((self.by_sender, other.by_sender), (self.by_receiver, other.by_receiver),
                             (self.by_record, other.by_record)):
            theirs.update({key: set(ids) for key, ids in mine.items()})
        return other

    def naming(self, record_id: str) -> set[str]:
        """Flows that name `record_id` as sender, receiver, safeguard, purpose or group of people."""
        return self.by_sender.get(record_id, set()) | self.by_receiver.get(record_id, set()) \
            | self.by_record.get(record_id, set())


@dataclass(frozen=True)
class Delta:
    """What an update did to the findings: for each one it judged again or marked anew, the finding before and
    after (None: absent). Open means listed and not acknowledged."""

    findings: Mapping[str, tuple[Finding | None, Finding | None]]

    @classmethod
    def between(cls, before: Mapping[str, Finding], after: Mapping[str, Finding]) -> Delta:
        return cls({key: (before.get(key), after.get(key)) for key in before.keys() | after.keys()
                    if before.get(key) != after.get(key)})

    def opened(self) -> list[Finding]:
        """Findings open after the update that were not before (new, or their acknowledgement lapsed)."""
        return sorted((after for before, after in self.findings.values() if _open(after) and not _open(before)),
                      key=_sort_key)  # type: ignore[arg-type]

    def closed(self) -> list[Finding]:
        """Findings open before the update that are not after (gone, or acknowledged since), as they were."""
        return sorted((before for before, after in self.findings.values() if _open(before) and not _open(after)),
                      key=_sort_key)  # type: ignore[arg-type]


def _open(finding: Finding | None) -> bool:
    return finding is not None and not finding.acknowledged


class CheckState:
    """Every finding of a registry as of a day, acknowledgements applied, sorted; updated change by change."""

    def __init__(self, registry: Registry, reference: Reference, as_of: date, progress: Progress | None = None) -> None:
        """`progress` follows this first, full check (evaluate_rules says in what)."""
        self.reference, self.as_of = reference, as_of
        self._rebuild(registry, progress)

    @classmethod
    @collector_paused(keep=True)
    def restored(cls, registry: Registry, reference: Reference, as_of: date,
                 filed: Iterable[tuple[Finding, str]]) -> CheckState:
        """The check of `registry` as of `as_of` from its findings (unacknowledged, as the rules give them), each
        with what it is about (Rule.about), kept from an earlier process (registry.persisted_check): judges
        nothing. The flow index and the rules' kept state are built on the first update, from this registry and
        day: the state an update refreshes must be the one before it (a removed flow's old receiver is found there)."""
        state = cls.__new__(cls)
        state.reference, state.as_of, state.registry = reference, as_of, registry
        state._shared, state._kept_unbuilt = False, True
        state.analyser = TransferAnalyser(registry, reference, as_of)  # analyses each flow on first use
        state._states, state._references = {}, FlowReferences(())
        state._acknowledged = current_acknowledgements(registry.acknowledgements, as_of)
        state._by_id, state._by_subject = {}, defaultdict(set)
        for finding, subject in filed:
            state._by_id[finding.id] = state._acknowledge(finding)
            state._by_subject[subject].add(finding.id)
        state.findings = sorted(state._by_id.values(), key=_sort_key)
        return state

    def fork(self) -> CheckState:
        """The same check, which later updates change apart from this one: what a forecast, a diff or a what-if
        starts from instead of checking the registry again. The findings are copied now; the flow index and
        the rules' kept state only when an update changes where data goes (until then they are shared)."""
        other = CheckState.__new__(CheckState)
        other.__dict__.update(self.__dict__)
        other._by_id = dict(self._by_id)
        other._by_subject = defaultdict(set, {subject: set(ids) for subject, ids in self._by_subject.items()})
        other.findings = list(self.findings)
        other._shared = True
        return other

    def _own(self) -> None:
        """Copy what a fork shares before an update changes it."""
        if self._shared:
            self._references = self._references.copy()
            self._states = {kept: kept.copy(state) for kept, state in self._states.items()}
            self._shared = False

    @collector_paused(keep=True)
    def _rebuild(self, registry: Registry, progress: Progress | None = None) -> None:
        self._shared, self._kept_unbuilt = False, False
        self.registry = registry
        context = CheckContext(registry, self.reference, self.as_of)
        found = evaluate_rules(context, progress)
        self.analyser = context.analyser  # the day's transfer analysis of `registry`: exports read it too
        self._states = context.states  # what the rules built on the way, refreshed by each update
        self._references = FlowReferences(registry.flows)
        self._acknowledged = current_acknowledgements(registry.acknowledgements, self.as_of)
        self._by_id = {f.id: self._acknowledge(f) for f in found}
        self._by_subject: dict[str, set[str]] = defaultdict(set)
        for finding in found:
            self._by_subject[about(finding)].add(finding.id)
        self.findings = sorted(self._by_id.values(), key=_sort_key)

    def filed(self) -> Iterator[tuple[Finding, str]]:
        """Each finding in order with what it is about (Rule.about): what `restored` takes back."""
        subject_of = {finding_id: subject for subject, ids in self._by_subject.items() for finding_id in ids}
        return ((finding, subject_of[finding.id]) for finding in self.findings)

    def _acknowledge(self, finding: Finding) -> Finding:
        return marked(finding, self._acknowledged.get(finding.id))

    @collector_paused(keep=True)
    def update(self, registry: Registry, changed: Mapping[str, Iterable[str]], *, as_of: date | None = None,
               due: Mapping[str, Iterable[str]] | None = None, reference: Reference | None = None) -> Delta:
        """Bring the findings to `registry`, which differs from the last one in the records `changed` (ids by
        manifest section, as `mapping.changed_records` gives them), and, with `as_of`, to that day; `due` names
        the records (ids by section) whose verdicts the new day or `reference` (other reference data, from now
        on: a what-if's) may change although they did not change themselves (registry.calendar.Calendar.due).
        Returns what changed."""
        changed = {section: set(ids) for section, ids in changed.items() if ids}
        due = {section: set(ids) for section, ids in (due or {}).items() if ids}
        if self._kept_unbuilt and not _EVERYTHING & changed.keys():
            self._build_kept()  # from the registry and day before the update, which it then refreshes
        # The analysis so far holds for the records the update does not touch unless the day or the reference moves.
        same_day = (as_of is None or as_of == self.as_of) and (reference is None or reference is self.reference)
        if as_of is not None:
            self.as_of = as_of
        if reference is not None:
            self.reference = reference
        if _EVERYTHING & changed.keys():
            before = dict(self._by_id)
            self._rebuild(registry)
            return Delta.between(before, self._by_id)
        old, references = self.registry, self._references
        judged = (*ENTITY_SECTIONS, "safeguards", "purposes", "data_subject_groups")
        # A contingent flow going live changes where data goes: the onward search refiles it as if it changed.
        flow_ids = set(changed.get("flows", ())) | set(due.get("flows", ()))
        for record_id in set().union(*(changed.get(s, set()) for s in judged)):
            flow_ids |= references.naming(record_id)
        # Flows judged anew for their dates only: the onward search, which no date changes, keeps them filed.
        dated_ids = set().union(*(references.naming(r) for s in judged for r in due.get(s, ()))) - flow_ids
        processors = set(changed.get("processors", ())) | set(due.get("processors", ()))
        records = set(changed.get("recipients", set()) | changed.get("purposes", set()))
        # A processor's, recipient's or purpose's finding cites the regimes of the flows it receives or serves:
        # every flow judged again may change them.
        for flow_id in flow_ids | dated_ids:
            for version in (old.flows_by_id.get(flow_id), registry.flows_by_id.get(flow_id)):
                if version is not None:
                    processors.add(version.receiver)
                    records |= {version.receiver, version.purpose}
        if flow_ids:
            self._own()
            references = self._references
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
        judged_ids = flow_ids | dated_ids
        subjects = ({Subject.FLOW.of(f) for f in judged_ids} | {Subject.PROCESSOR.of(p) for p in processors}
                    | {Subject.RECORD.of(r) for r in records})
        context = CheckContext(registry, self.reference, self.as_of, states=self._states, scope=Scope(
            changed=frozenset(flow_ids), flows=_flows(registry, judged_ids), received=_flows(registry, received),
            records=frozenset(records), subjects=frozenset(subjects)))
        if same_day:
            context.analyser = self.analyser.following(
                registry, (version for flow_id in judged_ids
                           for version in (old.flows_by_id.get(flow_id), registry.flows_by_id.get(flow_id))
                           if version is not None),
                set().union(*(changed.get(s, set()) for s in (*ENTITY_SECTIONS, "safeguards"))))
        refresh_states(context)  # kept state follows the changes and may widen the scope
        assert context.scope is not None
        self.analyser = context.analyser  # flows the re-check does not judge are analysed on first use
        self._acknowledged = current_acknowledgements(registry.acknowledgements, self.as_of)
        before: dict[str, Finding | None] = {}
        self._replace(context.scope.subjects, evaluate_rules(context), before)
        self._reacknowledge(set(changed.get("acknowledgements", ())) | set(due.get("acknowledgements", ())), before)
        return Delta({key: (was, self._by_id.get(key)) for key, was in before.items()
                      if was is not self._by_id.get(key)})

    def _build_kept(self) -> None:
        """The flow index and the rules' kept state of the registry and day as they are (a restored check's,
        before its first update), new objects: a fork building them leaves the check it came from as it was."""
        context = CheckContext(self.registry, self.reference, self.as_of)
        context.analyser = self.analyser  # the same registry and day: what it analyses stays for the exports
        for rule in catalogue(self.registry):
            if rule.keeps is not None:
                context.state(rule.keeps)
        self._states, self._references = context.states, FlowReferences(self.registry.flows)
        self._kept_unbuilt = self._shared = False

    def _replace(self, subjects: Iterable[str], found: list[Finding], before: dict[str, Finding | None]) -> None:
        """Drop the findings about `subjects`, add `found`; `before` keeps each touched finding as it was."""
        for subject in subjects:
            for finding_id in self._by_subject.pop(subject, ()):
                removed = self._by_id.pop(finding_id)
                before.setdefault(finding_id, removed)
                self._remove(removed)
        for finding in found:
            if finding.id in self._by_id:
                continue
            before.setdefault(finding.id, None)
            finding = self._by_id[finding.id] = self._acknowledge(finding)
            self._by_subject[about(finding)].add(finding.id)
            bisect.insort(self.findings, finding, key=_sort_key)

    def _remove(self, finding: Finding) -> None:
        at = bisect.bisect_left(self.findings, _sort_key(finding), key=_sort_key)
        del self.findings[at]

    def _reacknowledge(self, finding_ids: Iterable[str], before: dict[str, Finding | None]) -> None:
        for finding_id in finding_ids:
            finding = self._by_id.get(finding_id)
            if finding is None:
                continue
            before.setdefault(finding_id, finding)
            fresh = self._acknowledge(finding)
            self._by_id[finding_id] = fresh
            self.findings[bisect.bisect_left(self.findings, _sort_key(fresh), key=_sort_key)] = fresh


def _sort_key(finding: Finding) -> tuple[int, bool, str, str, str]:
    return finding.sort_key


def _flows(registry: Registry, ids: Iterable[str]) -> tuple[Flow, ...]:
    return tuple(registry.flows_by_id[f] for f in sorted(ids) if f in registry.flows_by_id)

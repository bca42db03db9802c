"""The calendar of days on which a verdict can change while no record does.

A verdict depends on the day only through dates: a safeguard's `effective` and `expires`, a processor's
`dpa_signed`, an acknowledgement's `until`, a contingent flow's `effective` (it moves no data before), and in
the reference data an adequacy decision's `adopted` and `ends` and a tool's `in_force` and `valid_until`
(docs/design.md §4, §6). Between two consecutive dates of
this calendar every finding stays the same, so a forecast, a diff of two days and a trend judge the registry
on these days only, and on each of them only the records whose date it is (`Calendar.due`, which
`CheckState.update` judges anew). A flow's `start` and `end` are in no rule, so they change no verdict and
are not in the calendar.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from registry.checks.finding import Finding
from registry.checks.problems import records_behind
from registry.labels import country_name, regime_label
from registry.model import SECTIONS, Registry, Safeguard
from registry.reference import Reference, Regime


class EventKind(StrEnum):
    """What happens on a day of the calendar."""

    SAFEGUARD_EFFECTIVE = "safeguard_effective"  # its `effective` day
    SAFEGUARD_EXPIRES = "safeguard_expires"  # the day after its `expires`, its last day
    DPA_SIGNED = "dpa_signed"  # a processor's DPA takes effect
    ACKNOWLEDGEMENT_LAPSES = "acknowledgement_lapses"  # the day after its `until`
    FLOW_LIVE = "flow_live"  # a contingent flow's `effective`: it moves data from then on
    ADEQUACY_ADOPTED = "adequacy_adopted"
    ADEQUACY_ENDS = "adequacy_ends"  # the decision's `ends`, the first day it no longer applies
    TOOL_IN_FORCE = "tool_in_force"
    TOOL_ENDS = "tool_ends"  # the tool's `valid_until`, the first day it is invalid


# Events of records in the registry: the record is what a DPO renews when the event opens a problem.
RECORD_EVENTS = frozenset({EventKind.SAFEGUARD_EFFECTIVE, EventKind.SAFEGUARD_EXPIRES, EventKind.DPA_SIGNED,
                           EventKind.ACKNOWLEDGEMENT_LAPSES, EventKind.FLOW_LIVE})


@dataclass(frozen=True)
class Event:
    """A day on which some verdict may change, and why: a record's date or a reference-data fact's."""

    day: date  # the first day judged differently
    kind: EventKind
    record: str | None = None  # the safeguard, processor, acknowledged finding or flow whose date it is
    regime: Regime | None = None  # a reference-data event's regime
    country: str | None = None  # an adequacy decision's country (or international organisation)
    tool: str | None = None  # a tool's safeguard kind
    instrument: str = ""  # the decision's instrument or the tool's name

    @property
    def description(self) -> str:
        """The event in words: "safeguard scc-x expires (its last day is 2027-02-28)"."""
        regime = regime_label(self.regime) if self.regime else ""
        match self.kind:
            case EventKind.SAFEGUARD_EFFECTIVE:
                return f"safeguard {self.record} takes effect"
            case EventKind.SAFEGUARD_EXPIRES:
                return f"safeguard {self.record} expires (last day {self.day - timedelta(days=1)})"
            case EventKind.DPA_SIGNED:
                return f"the DPA of processor {self.record} takes effect"
            case EventKind.ACKNOWLEDGEMENT_LAPSES:
                return f"the acknowledgement of {self.record} lapses (last day {self.day - timedelta(days=1)})"
            case EventKind.FLOW_LIVE:
                return f"the contingent flow {self.record} goes live"
            case EventKind.ADEQUACY_ADOPTED:
                return f"the {regime} adequacy decision for {_place(self.country)} applies ({self.instrument})"
            case EventKind.ADEQUACY_ENDS:
                return f"the {regime} adequacy decision for {_place(self.country)} ends ({self.instrument})"
            case EventKind.TOOL_IN_FORCE:
                return f"{self.instrument} ({regime}) applies"
            case EventKind.TOOL_ENDS:
                return f"{self.instrument} ({regime}) cease to be valid"
        return self.kind.value  # pragma: no cover - every kind is matched above

    def document(self) -> dict[str, object]:
        """The event for JSON (a stable shape: every key always present)."""
        return {"day": self.day.isoformat(), "kind": self.kind.value, "record": self.record,
                "regime": self.regime.value if self.regime else None, "country": self.country, "tool": self.tool,
                "description": self.description}

    def concerns(self, finding: Finding) -> bool:
        """Could this event explain `finding` opening or closing? A reference-data event speaks for its own
        regime only (and for findings that cite every judging regime)."""
        return self.regime is None or finding.regime is None or finding.regime == self.regime.value


def lapses_on(safeguard: Safeguard) -> date | None:
    """The first day a safeguard's own `expires` leaves it out (the day after its last), None without one: its
    day in the calendar, and the day a page saying it expires soon must count to."""
    return safeguard.expires + timedelta(days=1) if safeguard.expires else None


def _place(code: str | None) -> str:
    return country_name(code) if code and code.isupper() else str(code)


class Calendar:
    """The dated facts of one registry and the reference data, and which records each one concerns."""

    def __init__(self, registry: Registry, reference: Reference) -> None:
        self.registry, self.reference = registry, reference
        self._events = sorted(self._all(), key=lambda e: (e.day, e.kind.value, e.record or "", e.country or "",
                                                          e.tool or "", e.regime or ""))
        self._days = [event.day for event in self._events]
        self._by_country: dict[str, set[str]] | None = None
        self._by_kind: dict[str, set[str]] | None = None

    def _all(self) -> Iterator[Event]:
        registry, reference = self.registry, self.reference
        for safeguard in registry.safeguards:
            if safeguard.effective:
                yield Event(safeguard.effective, EventKind.SAFEGUARD_EFFECTIVE, safeguard.id)
            lapses = lapses_on(safeguard)
            if lapses:
                yield Event(lapses, EventKind.SAFEGUARD_EXPIRES, safeguard.id)
        for processor in registry.processors:
            if processor.dpa_signed:
                yield Event(processor.dpa_signed, EventKind.DPA_SIGNED, processor.id)
        for acknowledgement in registry.acknowledgements:
            if acknowledgement.until:
                yield Event(acknowledgement.until + timedelta(days=1), EventKind.ACKNOWLEDGEMENT_LAPSES,
                            acknowledgement.finding)
        for flow in registry.flows:
            if flow.contingent and flow.effective:
                yield Event(flow.effective, EventKind.FLOW_LIVE, flow.id)
        for decision in reference.adequacies:
            yield Event(decision.adopted, EventKind.ADEQUACY_ADOPTED, regime=decision.regime,
                        country=decision.country, instrument=decision.instrument)
            if decision.ends:
                yield Event(decision.ends, EventKind.ADEQUACY_ENDS, regime=decision.regime,
                            country=decision.country, instrument=decision.instrument)
        for tool in reference.tools:
            if tool.in_force:
                yield Event(tool.in_force, EventKind.TOOL_IN_FORCE, regime=tool.regime, tool=tool.kind,
                            instrument=tool.name)
            if tool.valid_until:
                yield Event(tool.valid_until, EventKind.TOOL_ENDS, regime=tool.regime, tool=tool.kind,
                            instrument=tool.name)

    def events(self, after: date, until: date) -> list[Event]:
        """The events on the days after `after`, up to and including `until`, earliest first."""
        if until <= after:
            return []
        return self._events[bisect_right(self._days, after):bisect_right(self._days, until)]

    def days(self, after: date, until: date) -> list[date]:
        """The days after `after`, up to and including `until`, on which some verdict may change."""
        return sorted({event.day for event in self.events(after, until)})

    def due(self, events: Iterable[Event]) -> dict[str, set[str]]:
        """The records (ids by manifest section) whose verdicts `events` may change: what CheckState.update
        judges anew. An adequacy decision concerns every entity that processes data in its country; a tool,
        every safeguard of its kind."""
        found: dict[str, set[str]] = defaultdict(set)
        for event in events:
            for section, ids in self.concerned(event).items():
                found[section] |= ids
        return dict(found)

    def concerned(self, event: Event) -> dict[str, set[str]]:
        """The records (ids by manifest section) whose verdicts `event` may change."""
        match event.kind:
            case EventKind.SAFEGUARD_EFFECTIVE | EventKind.SAFEGUARD_EXPIRES:
                return {"safeguards": {str(event.record)}}
            case EventKind.DPA_SIGNED:
                return {"processors": {str(event.record)}}
            case EventKind.ACKNOWLEDGEMENT_LAPSES:
                return {"acknowledgements": {str(event.record)}}
            case EventKind.FLOW_LIVE:
                return {"flows": {str(event.record)}}
            case EventKind.ADEQUACY_ADOPTED | EventKind.ADEQUACY_ENDS:
                return self._processing_in(str(event.country))
            case EventKind.TOOL_IN_FORCE | EventKind.TOOL_ENDS:
                return {"safeguards": set(self._of_kind(str(event.tool)))}
        return {}  # pragma: no cover - every kind is matched above

    def explaining(self, finding: Finding, events: Iterable[Event]) -> tuple[Event, ...]:
        """The events among `events` that concern a record `finding` rests on: what made it open or close."""
        behind = records_behind(finding, self.registry)
        return tuple(event for event in events if event.concerns(finding)
                     and any(not ids.isdisjoint(behind) for ids in self.concerned(event).values()))

    def _processing_in(self, country: str) -> dict[str, set[str]]:
        if self._by_country is None:
            self._by_country = defaultdict(set)
            for entity in self.registry.entities.values():
                for place in entity.where_processed:
                    self._by_country[place].add(entity.id)
        entities = self._by_country.get(country, set())
        found: dict[str, set[str]] = defaultdict(set)
        for entity_id in entities:
            found[_SECTION_OF[type(self.registry.entities[entity_id])]].add(entity_id)
        return dict(found)

    def _of_kind(self, kind: str) -> set[str]:
        if self._by_kind is None:
            self._by_kind = defaultdict(set)
            for safeguard in self.registry.safeguards:
                self._by_kind[safeguard.kind.value].add(safeguard.id)
        return self._by_kind.get(kind, set())


_SECTION_OF = {model: section for section, model in SECTIONS.items()}

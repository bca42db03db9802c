"""What breaks next if nobody acts: the problems that open between a day and a horizon, each with its day.

The registry is judged in full on the first day, then only on the days of the calendar (registry.calendar) that
fall in the window, and on each of them only the records whose date it is (CheckState.update): between two
such days no verdict changes. So the findings the forecast says are open on any day of the window are those
`check --as-of` that day gives (tests/time/test_forecast.py holds it to that). Open means listed and not
acknowledged, so an acknowledgement whose `until` passes opens its finding again.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from itertools import groupby

from registry.calendar import RECORD_EVENTS, Calendar, Event
from registry.checks.finding import Finding
from registry.checks.incremental import CheckState
from registry.checks.problems import group_problems
from registry.checks.report import finding_document, finding_name
from registry.model import Registry
from registry.reference import Reference
from registry.terminal import printable


@dataclass(frozen=True)
class Turn:
    """A finding that opens (or closes) on a day of the forecast, with the day's events that explain it."""

    day: date
    finding: Finding  # as judged that day (a closing one: as it was the day before)
    opens: bool
    causes: tuple[Event, ...]

    @property
    def renew(self) -> tuple[str, ...]:
        """The records to act on: the safeguards that expire or the acknowledgement that lapses; when the
        reference data moves (a decision ends), the record at fault, which needs another basis."""
        records = tuple(dict.fromkeys(cause.record for cause in self.causes
                                      if cause.kind in RECORD_EVENTS and cause.record))
        return records or (self.finding.problem or self.finding.id,)

    def document(self) -> dict[str, object]:
        return {"day": self.day.isoformat(), "problem": self.finding.problem or self.finding.id,
                "renew": list(self.renew), "finding": finding_document(self.finding),
                "causes": [cause.document() for cause in self.causes]}


@dataclass(frozen=True)
class Forecast:
    as_of: date
    until: date  # the horizon, included
    events: tuple[Event, ...]  # the calendar of the window: every day judged after the first
    start: frozenset[str]  # ids of the findings open on `as_of`
    turns: tuple[Turn, ...]  # day by day, opening before closing, in report order within a day
    registry: Registry

    @property
    def opening(self) -> list[Turn]:
        return [turn for turn in self.turns if turn.opens]

    @property
    def closing(self) -> list[Turn]:
        return [turn for turn in self.turns if not turn.opens]

    def open_on(self, day: date) -> set[str]:
        """The ids of the findings open on `day` (between `as_of` and the horizon) if nothing changes."""
        if not self.as_of <= day <= self.until:
            raise ValueError(f"{day} is outside the forecast ({self.as_of} to {self.until})")
        found = set(self.start)
        for turn in self.turns:
            if turn.day > day:
                break
            if turn.opens:
                found.add(turn.finding.id)
            else:
                found.discard(turn.finding.id)
        return found

    def document(self) -> dict[str, object]:
        """The forecast for JSON, a stable shape: every key always present, lists earliest first."""
        return {"as_of": self.as_of.isoformat(), "until": self.until.isoformat(),
                "days": (self.until - self.as_of).days, "open_now": len(self.start),
                "opens": [turn.document() for turn in self.opening],
                "closes": [turn.document() for turn in self.closing],
                "calendar": [event.document() for event in self.events]}


def forecast(registry: Registry, reference: Reference, as_of: date, days: int,
             start: CheckState | None = None) -> Forecast:
    """The findings that open and close from the day after `as_of` up to `days` days later, if nothing changes.
    `start`: the check of `registry` on `as_of` to start from (a fork: it is brought forward), else one is made."""
    until = as_of + timedelta(days=days)
    calendar = Calendar(registry, reference)
    state = start or CheckState(registry, reference, as_of)
    start = frozenset(f.id for f in state.findings if not f.acknowledged)
    events = calendar.events(as_of, until)
    turns: list[Turn] = []
    for day, same_day in groupby(events, key=lambda event: event.day):
        todays = list(same_day)
        delta = state.update(registry, {}, as_of=day, due=calendar.due(todays))
        turns += [Turn(day, f, True, calendar.explaining(f, todays)) for f in delta.opened()]
        turns += [Turn(day, f, False, calendar.explaining(f, todays)) for f in delta.closed()]
    return Forecast(as_of, until, tuple(events), start, tuple(turns), registry)


def render_text(result: Forecast) -> str:
    """Day by day, each problem that opens with the record to renew and its findings; closings counted."""
    opening, closing = result.opening, result.closing
    problems = len({turn.finding.problem or turn.finding.id for turn in opening})
    head = (f"forecast {result.as_of} to {result.until} ({(result.until - result.as_of).days} days), if nothing "
            f"changes: {_count(problems, 'problem')} open{'s' if problems == 1 else ''} "
            f"({_count(len(opening), 'finding')}), {_count(len(closing), 'finding')} close "
            f"({_count(len(result.start), 'finding')} open now; "
            f"{_count(len({e.day for e in result.events}), 'day')} in the calendar)")
    lines = [head]
    for day, same_day in groupby(opening, key=lambda turn: turn.day):
        todays = list(same_day)
        by_id = {turn.finding.id: turn for turn in todays}
        for problem in group_problems([turn.finding for turn in todays], result.registry):
            turns = [by_id[f.id] for f in problem.findings]
            lines += ["", printable(f"{day}  {problem.severity.value.upper():6} {problem.label}: {problem.summary}")]
            causes = _unique(cause for turn in turns for cause in turn.causes)
            renew = sorted({record for turn in turns for record in turn.renew})
            if causes:
                lines.append(printable(f"            because: {'; '.join(c.description for c in causes)}"))
            lines.append(printable(f"            renew: {', '.join(renew)}"))
            for turn in turns:
                lines.append(printable(f"            - {finding_name(turn.finding)}"))
    if closing:
        lines += ["", "closing:"]
        for turn in closing:
            why = f" ({'; '.join(c.description for c in turn.causes)})" if turn.causes else ""
            lines.append(printable(f"{turn.day}  {finding_name(turn.finding)}{why}"))
    return "\n".join(lines) + "\n"


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _unique(events: Iterable[Event]) -> list[Event]:
    return list(dict.fromkeys(events))

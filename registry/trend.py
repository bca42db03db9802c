"""The posture over time: open problems by severity at the end of each month (or week) since the first entry
of the change log, each judged with the registry as it was then and the reference data as of that day.

The change log is replayed forward once (registry.history.Replay): the registry at each point is the one before
it plus the entries written in between, and the findings are those of the point before brought forward by one
incremental update (the records those entries changed, and the records whose dates fall in between:
registry.calendar). So a trend of twelve points costs about one check, one reading of the log, and twelve
small updates.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from graph.store import Change
from registry.calendar import Calendar
from registry.checks.finding import Finding, Severity
from registry.checks.incremental import CheckState
from registry.history import Replay
from registry.reference import Reference

# Below this many month ends between the first entry and the last point, the trend is weekly.
MONTHS_AT_LEAST = 3


class Every(StrEnum):
    MONTH = "month"
    WEEK = "week"


@dataclass(frozen=True)
class Point:
    day: date
    revision: int  # the last change-log entry written on or before the day
    problems: dict[Severity, int]  # open problems by their worst open finding's severity
    findings: int  # open findings
    acknowledged: int  # findings listed but acknowledged

    def document(self) -> dict[str, object]:
        return {"day": self.day.isoformat(), "revision": self.revision,
                **{severity.value: self.problems[severity] for severity in Severity},
                "problems": sum(self.problems.values()), "findings": self.findings,
                "acknowledged": self.acknowledged}


@dataclass(frozen=True)
class Trend:
    every: Every
    points: tuple[Point, ...]

    def document(self) -> dict[str, object]:
        """For JSON, a stable shape: every key always present."""
        return {"every": self.every.value, "points": [point.document() for point in self.points]}

    def csv(self) -> str:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        columns = ["day", "revision", *(s.value for s in Severity), "problems", "findings", "acknowledged"]
        writer.writerow(columns)
        for point in self.points:
            document = point.document()
            writer.writerow([document[column] for column in columns])
        return out.getvalue()


def period_end(day: date, every: Every) -> date:
    """The last day of the month (or the Sunday of the ISO week) holding `day`."""
    if every is Every.WEEK:
        return day + timedelta(days=6 - day.weekday())
    following = (day.replace(day=1) + timedelta(days=32)).replace(day=1)
    return following - timedelta(days=1)


def points_between(first: date, last: date, every: Every | None = None) -> tuple[Every, list[date]]:
    """The ends of the periods from the one holding `first` up to `last`, and `last` itself (the period it
    ends is not over yet); months unless fewer than MONTHS_AT_LEAST month ends fall in between."""
    if every is None:
        every = Every.MONTH if len(_ends(first, last, Every.MONTH)) >= MONTHS_AT_LEAST else Every.WEEK
    return every, ([*_ends(first, last, every), last] if first <= last else [last])


def _ends(first: date, last: date, every: Every) -> list[date]:
    found, day = [], period_end(first, every)
    while day < last:
        found.append(day)
        day = period_end(day + timedelta(days=1), every)
    return found


def trend(changes: Sequence[Change], reference: Reference, last: date, every: Every | None = None,
          first: date | None = None) -> Trend:
    """Open problems by severity at the end of each period from `first` (default: the day of the first
    change-log entry) up to `last`, the log `changes` replayed once forward."""
    start = first or (changes[0].at.date() if changes else last)
    every, days = points_between(start, last, every)
    replay, state, previous, index, points = Replay(), None, None, 0, []
    calendar: Calendar | None = None
    for day in days:
        batch = []
        while index < len(changes) and changes[index].at.date() <= day:
            batch.append(changes[index])
            index += 1
        changed = replay.advance(batch)
        registry = replay.registry
        if state is None or previous is None:
            state = CheckState(registry, reference, day)
        else:
            if calendar is None or changed:  # the same registry keeps its calendar
                calendar = Calendar(registry, reference)
            state.update(registry, changed, as_of=day, due=calendar.due(calendar.events(previous, day)))
        points.append(point_of(day, replay.revision, state.findings))
        previous = day
    return Trend(every, tuple(points))


def point_of(day: date, revision: int, findings: Sequence[Finding]) -> Point:
    """The point of `day` from the findings of the registry at `revision` judged that day."""
    worst: dict[str, int] = {}
    severity_of = {severity.rank: severity for severity in Severity}
    for finding in findings:
        if not finding.acknowledged:
            key = finding.problem or finding.id
            worst[key] = max(worst.get(key, 0), finding.severity.rank)
    problems = dict.fromkeys(Severity, 0)
    for rank in worst.values():
        problems[severity_of[rank]] += 1
    acknowledged = sum(f.acknowledged for f in findings)
    return Point(day, revision, problems, len(findings) - acknowledged, acknowledged)

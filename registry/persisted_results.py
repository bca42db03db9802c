"""The forecast and the trend kept with the store, so that a new process need not work them out again.

Both are saved beside the registry (GraphStore.save_derived) in the blob format of the persisted check
(registry.persisted_check: a header line with the key and the payload's digest, then the payload zlib'd), and with
the same version of the judging (`judging_version`: the reference data and the code of the rules):

- the forecast, keyed by the store revision, the as-of day and the horizon: any write or another day or horizon
  works it out again (one slot: the last forecast asked for);
- the trend's points, each keyed by its day and the revision it judges (the last change-log entry of the prefix
  of the log written on or before that day). A point is the registry after those entries judged on that day, so
  entries appended later do not change it: a new process takes the past points as they were and judges only
  the points whose revision moved, usually the newest one, which is the day's check when its revision is the
  store's. What the trend needs of the log to find each point's revision (the days entries were written on) is
  kept as steps, updated from the entries appended since, so the log's bodies are not read at all.

A cache, never trusted: a blob that is damaged, of another format or version, or of a log that does not lead to
the store's as written is ignored and the result worked out in full. Saving is not a registry change.
"""

from __future__ import annotations

import logging
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from graph.store import Change, GraphStore
from registry.calendar import Event, EventKind
from registry.checks.finding import Finding, Severity
from registry.forecast import Forecast, Turn
from registry.model import Registry
from registry.persisted_check import judging_version, seal, unseal
from registry.reference import Regime
from registry.trend import Every, Point, Trend, point_of, points_between

FORECAST_SLOT, TREND_SLOT = "forecast", "trend"
FORMAT = 1
_log = logging.getLogger(__name__)
_ERRORS = (ValueError, TypeError, KeyError, IndexError, AttributeError, zlib.error)


def _encode(header: dict[str, Any], document: object) -> bytes:
    return seal({"format": FORMAT, "version": judging_version(), **header}, document)


def _decode(blob: bytes | None) -> tuple[dict[str, Any], Any] | None:
    """The header and document of `blob`; None when absent, damaged, or of another format or version."""
    opened = None if blob is None else unseal(blob)
    if opened is None or opened[0].get("format") != FORMAT or opened[0].get("version") != judging_version():
        return None
    return opened


# The forecast -------------------------------------------------------------------------------------------------

def _event(event: Event) -> list[Any]:
    return [event.day.isoformat(), event.kind.value, event.record, event.regime.value if event.regime else None,
            event.country, event.tool, event.instrument]


def _event_from(row: list[Any]) -> Event:
    day, kind, record, regime, country, tool, instrument = row
    return Event(date.fromisoformat(day), EventKind(kind), record, Regime(regime) if regime else None, country,
                 tool, instrument)


def save_forecast(store: GraphStore, revision: int, result: Forecast) -> int:
    """Persist `result`, the forecast of the store at `revision`; returns the size kept, in bytes."""
    events = list(dict.fromkeys(result.events))
    at = {event: i for i, event in enumerate(events)}
    document = {"events": [_event(event) for event in events], "window": [at[event] for event in result.events],
                "start": sorted(result.start),
                "turns": [[turn.day.isoformat(), turn.opens, turn.finding.model_dump(mode="json"),
                           [at[cause] if cause in at else _event(cause) for cause in turn.causes]]
                          for turn in result.turns]}
    blob = _encode({"revision": revision, "as_of": result.as_of.isoformat(),
                    "days": (result.until - result.as_of).days}, document)
    store.save_derived(FORECAST_SLOT, blob)
    return len(blob)


def restore_forecast(store: GraphStore, registry: Registry, revision: int, as_of: date,
                     days: int) -> Forecast | None:
    """The forecast of `registry` (the store at `revision`) from `as_of` for `days` days as persisted; None when
    none was kept for this very revision, day and horizon."""
    decoded = _decode(store.derived(FORECAST_SLOT))
    if decoded is None:
        return None
    header, document = decoded
    try:
        if (header["revision"], header["as_of"], header["days"]) != (revision, as_of.isoformat(), days):
            return None
        events = [_event_from(row) for row in document["events"]]
        turns = tuple(Turn(date.fromisoformat(day), Finding.model_validate(finding), bool(opens),
                           tuple(events[cause] if isinstance(cause, int) else _event_from(cause)
                                 for cause in causes))
                      for day, opens, finding, causes in document["turns"])
        return Forecast(as_of, as_of + timedelta(days=days), tuple(events[i] for i in document["window"]),
                        frozenset(document["start"]), turns, registry)
    except _ERRORS:
        return None


# The trend ----------------------------------------------------------------------------------------------------

@dataclass
class LogDays:
    """When the change log was written, as much as the trend needs: the first entry's day, and for each day on
    which the log's prefix grows, the last entry of that prefix (the entries written on or before the day up to
    the first written later; a clock set back does not reorder the log)."""

    revision: int  # the last entry taken in
    last_entry: str  # that entry, as `_entry_mark` writes it: a log rewritten since is not the same
    first: date | None  # the day of the first entry (None: an empty log)
    steps: list[tuple[date, int]]  # (day, last entry of the prefix on that day), days increasing

    @classmethod
    def of(cls, changes: Sequence[Change]) -> LogDays:
        days = cls(0, "", None, [])
        days.extend(changes)
        return days

    def extend(self, changes: Sequence[Change]) -> None:
        """Take in the entries `changes`, those after `revision`, oldest first."""
        for change in changes:
            day = change.at.date()
            if self.first is None:
                self.first = day
            if self.steps and day <= self.steps[-1][0]:
                self.steps[-1] = (self.steps[-1][0], change.seq)
            else:
                self.steps.append((day, change.seq))
        if changes:
            self.revision, self.last_entry = changes[-1].seq, _entry_mark(changes[-1])

    def revision_on(self, day: date) -> int:
        """The last entry of the log's prefix written on or before `day` (0: none): the registry a point judges."""
        found = 0
        for step_day, seq in self.steps:
            if step_day > day:
                break
            found = seq
        return found


def _entry_mark(change: Change) -> str:
    return f"{change.seq}|{change.at.isoformat()}|{change.operation}|{change.label}|{change.key}"


def _point_row(point: Point) -> list[Any]:
    return [point.day.isoformat(), point.revision, [point.problems[s] for s in Severity], point.findings,
            point.acknowledged]


def _point_from(row: list[Any]) -> Point:
    day, revision, problems, findings, acknowledged = row
    if len(problems) != len(Severity):
        raise ValueError("a point of another shape")
    return Point(date.fromisoformat(day), int(revision), dict(zip(Severity, map(int, problems), strict=True)),
                 int(findings), int(acknowledged))


def save_trend(store: GraphStore, log: LogDays, result: Trend) -> int:
    """Persist the points of `result` with what the trend knows of the log (`log`); returns the size kept."""
    document = {"first": log.first.isoformat() if log.first else None,
                "steps": [[day.isoformat(), seq] for day, seq in log.steps],
                "points": [_point_row(point) for point in result.points]}
    blob = _encode({"revision": log.revision, "last_entry": log.last_entry}, document)
    store.save_derived(TREND_SLOT, blob)
    return len(blob)


def _kept_trend(store: GraphStore, revision: int) -> tuple[LogDays, dict[tuple[date, int], Point], int] | None:
    """What the last trend kept, its log days brought to `revision`, and the revision it was kept at; None when
    it cannot be trusted."""
    decoded = _decode(store.derived(TREND_SLOT))
    if decoded is None:
        return None
    header, document = decoded
    try:
        kept = int(header["revision"])
        if kept > revision:
            return None
        changes = store.changes(after=kept - 1) if kept > 0 else store.changes(after=0)
        if kept > 0:
            if not changes or _entry_mark(changes[0]) != header["last_entry"]:
                return None  # the log does not lead from the kept revision to this one as written
            changes = changes[1:]
        if [c.seq for c in changes] != list(range(kept + 1, revision + 1)):
            return None
        first = document["first"]
        log = LogDays(kept, str(header["last_entry"]), date.fromisoformat(first) if first else None,
                      [(date.fromisoformat(day), int(seq)) for day, seq in document["steps"]])
        log.extend(changes)
        points = {(point.day, point.revision): point for point in map(_point_from, document["points"])}
        return log, points, kept
    except _ERRORS:
        return None


def trend(store: GraphStore, revision: int, last: date, every: Every | None, first: date | None,
          today: Callable[[], tuple[int, Sequence[Finding]]],
          compute: Callable[[Sequence[Change]], Trend]) -> Trend:
    """The trend of the store at `revision` up to `last`: the points kept for their day and revision, the newest
    from the day's check (`today`: its revision and findings on `last`) when it judges the store as it is; when
    any other point is missing, `compute` works the whole trend out from the change log, and it is kept."""
    kept = _kept_trend(store, revision)
    if kept is not None:
        log, points, kept_revision = kept
        every, days = points_between(first or log.first or last, last, every)
        found: list[Point] = []
        for day in days:
            revision_then = log.revision_on(day)
            point = points.get((day, revision_then))
            if point is None and day == last and revision_then == revision:
                now, findings = today()
                point = point_of(day, revision_then, findings) if now == revision else None
            if point is None:
                break
            found.append(point)
        else:
            result = Trend(every, tuple(found))
            if any((p.day, p.revision) not in points for p in found) or log.revision != kept_revision:
                _keep(store, log, result)
            return result
    changes = store.changes()
    result = compute(changes)
    _keep(store, LogDays.of(changes), result)
    return result


def _keep(store: GraphStore, log: LogDays, result: Trend) -> None:
    try:
        save_trend(store, log, result)
    except Exception as error:  # whatever the store raises: a result not kept costs the next process time only
        _log.warning("could not persist the trend of %s: %s", store.location, error)

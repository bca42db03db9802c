"""When each finding was first seen: the first day of its current, unbroken listing, from the change log.

No check records the day a finding first appeared, so it is worked out as the trend works out its points
(registry.trend): the change log replayed forward once (registry.history.Replay), the findings brought forward by
incremental updates (registry.checks.incremental). The points are every day on which the registry or the
calendar can change a verdict: each day with change-log entries, each dated event in between (a safeguard
lapsing, a DPA signed, an adequacy decision ending: registry.calendar), and the as-of day. A finding listed at
a point and not at the one before was first seen that day; one that leaves the list and comes back starts anew.
Acknowledging does not end a listing (the finding stays listed, marked as such).

Days before the first entry are not in the log: a finding listed at the first entry's day was first seen that
day or earlier, which `FirstSeen.since_log_start` says; as-of days before the first entry have no answer.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from graph.store import Change
from registry.calendar import Calendar
from registry.checks.incremental import CheckState
from registry.history import Replay
from registry.reference import Reference


@dataclass(frozen=True)
class FirstSeen:
    days: dict[str, date]  # finding id -> the first day of its current listing, as of the as-of day
    log_start: date | None  # the day of the first change-log entry (None: the log is empty or starts later)

    def since_log_start(self, finding_id: str) -> bool:
        """Was the finding already listed when the log starts (so it may be older than its day says)?"""
        return self.log_start is not None and self.days.get(finding_id) == self.log_start


def first_seen(changes: Sequence[Change], reference: Reference, as_of: date) -> FirstSeen:
    """The first day of each finding's current listing on `as_of`, the log `changes` (oldest first) replayed up
    to that day; empty when the log starts after it."""
    if not changes or changes[0].at.date() > as_of:
        return FirstSeen({}, None)
    start = changes[0].at.date()
    replay, index, seen = Replay(), 0, {}
    state: CheckState | None = None
    calendar: Calendar | None = None
    previous, day = start, start
    while True:
        batch = []
        while index < len(changes) and changes[index].at.date() <= day:
            batch.append(changes[index])
            index += 1
        changed = replay.advance(batch)
        if calendar is None or changed:  # the same registry keeps its calendar
            calendar = Calendar(replay.registry, reference)
        if state is None:
            state = CheckState(replay.registry, reference, day)
        else:
            state.update(replay.registry, changed, as_of=day, due=calendar.due(calendar.events(previous, day)))
        seen = {finding.id: seen.get(finding.id, day) for finding in state.findings}
        if day >= as_of:
            return FirstSeen(seen, start)
        previous = day
        # The next day a verdict may change: the next entries' day or the next dated event, at most the as-of day.
        following = [as_of, *calendar.days(day, as_of)[:1]]
        if index < len(changes):
            following.append(changes[index].at.date())
        day = min(following)

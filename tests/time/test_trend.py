"""The trend agrees with `check`: each point counts the open problems a full check of the registry as it was
that day (replayed from the change log) gives on that day."""

from __future__ import annotations

import dataclasses
import random
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from benchmarks.generate import generate_registry
from graph.sqlite import SQLiteStore
from graph.store import Change
from registry.checks import apply_acknowledgements, run_checks
from registry.checks.finding import Severity
from registry.model import Registry
from registry.reference import load_reference
from registry.service import Service
from registry.trend import Every, points_between, trend
from tests.checks.test_incremental import mutate

REFERENCE = load_reference()


def counts(registry: Registry, day: date) -> dict[str, int]:
    found = apply_acknowledgements(run_checks(registry, day, REFERENCE), registry.acknowledgements, day)
    worst: dict[str, Severity] = {}
    for finding in found:
        if not finding.acknowledged:
            key = finding.problem or finding.id
            if key not in worst or finding.severity.rank > worst[key].rank:
                worst[key] = finding.severity
    return {s.value: sum(w is s for w in worst.values()) for s in Severity}


def test_each_point_counts_what_a_full_check_of_the_registry_then_finds(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "registry.sqlite")
    service = Service(store, actor="test")
    service.register(generate_registry("XS"), source="generated")
    past = {store.revision(): service.registry()}
    rng = random.Random(4)
    for number in range(24):
        service.register(mutate(service.registry(), rng, number), source=f"change {number}")
        past[store.revision()] = service.registry()
    # The writes spread over 14 months from 2025-01-10, nine days apart after the first import.
    written_on = {revision: datetime(2025, 1, 10, 9, tzinfo=UTC) + timedelta(days=19 * n)
                  for n, revision in enumerate(sorted(past))}

    def dated(change: Change) -> Change:
        return dataclasses.replace(change, at=written_on[min(r for r in past if r >= change.seq)])

    changes = [dated(c) for c in store.changes()]
    result = trend(changes, REFERENCE, date(2026, 3, 15))
    assert result.every is Every.MONTH
    assert [p.day for p in result.points][:3] == [date(2025, 1, 31), date(2025, 2, 28), date(2025, 3, 31)]
    assert result.points[-1].day == date(2026, 3, 15)
    for point in result.points:
        registry = past[point.revision]
        assert point.revision == max(r for r, at in written_on.items() if at.date() <= point.day)
        expected = counts(registry, point.day)
        assert {s.value: point.problems[s] for s in Severity} == expected, point.day
    assert len({tuple(p.problems.values()) for p in result.points}) > 1  # the posture did move
    weekly = trend(changes, REFERENCE, date(2025, 2, 20), first=date(2025, 1, 1))
    assert weekly.every is Every.WEEK  # fewer than three month ends: weekly
    assert [p.day for p in weekly.points][:2] == [date(2025, 1, 5), date(2025, 1, 12)]
    assert weekly.points[0].revision == 0 and sum(weekly.points[0].problems.values()) == 0  # before the first write


def test_the_points_are_period_ends_then_the_last_day() -> None:
    assert points_between(date(2026, 1, 15), date(2026, 4, 10)) == (
        Every.MONTH, [date(2026, 1, 31), date(2026, 2, 28), date(2026, 3, 31), date(2026, 4, 10)])
    assert points_between(date(2026, 3, 18), date(2026, 4, 2)) == (
        Every.WEEK, [date(2026, 3, 22), date(2026, 3, 29), date(2026, 4, 2)])
    assert points_between(date(2026, 4, 2), date(2026, 4, 2)) == (Every.WEEK, [date(2026, 4, 2)])
    assert points_between(date(2026, 12, 31), date(2027, 1, 1), Every.MONTH) == (
        Every.MONTH, [date(2026, 12, 31), date(2027, 1, 1)])

"""The forecast, the diff of two days and the what-if start from a fork of the service's check of the day: the
check they start from stays as it was, and goes on following writes exactly."""

from __future__ import annotations

import random
from datetime import date, timedelta
from pathlib import Path

from benchmarks.generate import generate_registry
from graph.sqlite import SQLiteStore
from registry import scenario as scenarios
from registry.checks import apply_acknowledgements, run_checks
from registry.mapping import from_nodes
from registry.service import Service
from tests.checks.test_incremental import mutate

AS_OF = date(2026, 11, 24)


def full(store: SQLiteStore, day: date) -> list[str]:
    registry = from_nodes(store.read())
    return [f.id for f in apply_acknowledgements(run_checks(registry, day), registry.acknowledgements, day)]


def test_questions_leave_the_days_check_as_it_was_and_it_still_follows_writes(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "registry.sqlite")
    service = Service(store, actor="test")
    service.register(generate_registry("XS"), source="generated")
    before = service.check(AS_OF)
    processors = [p.id for p in service.registry().processors if p.parent is None][:2]
    scenario_path = tmp_path / "scenario.yaml"
    scenario_path.write_text(
        "version: 1\ntitle: Many at once\n"
        "adequacy:\n  - {regime: gdpr, country: US, adequate: false, from: 2026-01-01}\n"
        "invalidate_tools:\n  - {kind: scc_2021, from: 2026-06-01}\n"
        f"drop_processors:\n  - {{id: {processors[0]}}}\n  - {{id: {processors[1]}}}\n", encoding="utf-8")
    what_if = service.what_if(scenarios.load(scenario_path), AS_OF)
    assert what_if.problems  # the fork was changed, flows dropped and the onward search refiled
    service.forecast(2_000, AS_OF)
    service.diff_days(AS_OF, AS_OF + timedelta(days=3_000))
    assert service.check(AS_OF) == before
    rng = random.Random(9)
    for number in range(8):
        service.register(mutate(service.registry(), rng, number), source=f"change {number}")
        service.what_if(scenarios.load(scenario_path), AS_OF)
        assert [f.id for f in service.check(AS_OF)] == full(store, AS_OF), number

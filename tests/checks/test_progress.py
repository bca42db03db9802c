"""The check's progress hook: what a progress bar is told while a full check runs."""

from __future__ import annotations

from datetime import date

from graph.sqlite import SQLiteStore
from registry.checks import catalogue
from registry.service import Service

AS_OF = date(2026, 5, 1)


def test_a_full_check_reports_its_progress_from_nothing_to_everything(service: Service) -> None:
    service.seed()
    told: list[tuple[int, int]] = []
    findings = service.check(AS_OF, progress=lambda done, total: told.append((done, total)))
    registry = service.registry()
    total = len(registry.flows) * (len(catalogue(registry)) + 1)  # the analysis, then each rule, judge every flow
    assert told[0] == (0, total) and told[-1] == (total, total)
    assert all(t == total for _, t in told)
    assert [done for done, _ in told] == sorted(done for done, _ in told)  # never goes back
    assert len(told) == len(catalogue(registry)) + 1 + len(registry.flows) // 500

    fresh = Service(SQLiteStore(service.store.location), actor="reader")
    assert fresh.check(AS_OF) == findings  # the hook changes nothing found


def test_a_kept_check_reports_nothing(service: Service) -> None:
    service.seed()
    service.snapshot(AS_OF)
    told: list[tuple[int, int]] = []
    service.snapshot(AS_OF, progress=lambda done, total: told.append((done, total)))
    assert told == []

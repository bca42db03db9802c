"""When each finding was first seen agrees with `check`: listed on its day by a full check of the registry as it
was then, and not the day before; acknowledging does not restart it."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from graph.sqlite import SQLiteStore
from registry.checks import run_checks
from registry.first_seen import first_seen
from registry.reference import load_reference
from registry.service import Service

REFERENCE = load_reference()
SEEDED = datetime(2022, 1, 10, 9, tzinfo=UTC)
ACKNOWLEDGED = datetime(2025, 6, 1, 9, tzinfo=UTC)
AS_OF = date(2026, 12, 2)


def test_each_finding_is_first_seen_on_the_day_a_check_first_lists_it(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "registry.sqlite")
    service = Service(store, actor="test")
    service.seed()
    seeded = store.revision()
    registry = service.registry()
    lapsed = next(f for f in service.check(AS_OF) if f.rule == "safeguard-expired" and f.regime == "gdpr")
    service.acknowledge(lapsed.id, "replacement contract under negotiation", as_of=AS_OF)
    changes = [dataclasses.replace(c, at=SEEDED if c.seq <= seeded else ACKNOWLEDGED) for c in store.changes()]

    found = first_seen(changes, REFERENCE, AS_OF)
    assert found.log_start == SEEDED.date()
    assert set(found.days) == {f.id for f in service.check(AS_OF)}
    # The legacy SCCs ceased to be valid under the GDPR on 2022-12-27; the acknowledgement, later, changes nothing.
    assert found.days[lapsed.id] == date(2022, 12, 27) and not found.since_log_start(lapsed.id)
    later = {finding_id: day for finding_id, day in found.days.items() if day > SEEDED.date()}
    assert later and any(found.since_log_start(finding_id) for finding_id in found.days)
    for finding_id, day in later.items():
        assert finding_id in {f.id for f in run_checks(registry, day, REFERENCE)}
        assert finding_id not in {f.id for f in run_checks(registry, day - timedelta(days=1), REFERENCE)}
    store.close()


def test_a_day_before_the_change_log_has_no_answer(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "registry.sqlite")
    Service(store, actor="test").seed()
    changes = [dataclasses.replace(c, at=SEEDED) for c in store.changes()]
    assert first_seen(changes, REFERENCE, SEEDED.date() - timedelta(days=1)).days == {}
    assert first_seen([], REFERENCE, AS_OF).days == {}
    store.close()

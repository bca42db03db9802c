"""The summary of the day's check kept with the store: what a new dashboard process draws the Overview from,
only for the very store revision, day and judging version it was made of.

Each "process" below is a new store handle and a new Service on the same file: nothing is shared but the file.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from pathlib import Path

import pytest

from benchmarks.generate import generate_registry
from dashboard.models.overview import Overview, OverviewModel
from graph.sqlite import SQLiteStore
from registry import check_summary
from registry.checks.finding import Severity
from registry.service import Service
from tests.checks.test_incremental import mutate

DAY = date(2026, 11, 24)


@pytest.fixture
def generated(tmp_path: Path) -> Path:
    path = tmp_path / "generated.sqlite"
    service = Service.open(path, actor="test", create=True)
    service.register(generate_registry("XS"), source="generated")
    service.close()
    return path


def kept(path: Path, day: date = DAY) -> check_summary.CheckSummary | None:
    """The summary a new process reads for `day`, without reading the registry."""
    service = Service.open(path, actor="reader")
    try:
        return service.kept_summary(day)
    finally:
        service.close()


@pytest.mark.parametrize("store", ["seeded_path", "generated"])
def test_the_check_keeps_the_summary_the_overview_draws(store: str, request: pytest.FixtureRequest) -> None:
    path: Path = request.getfixturevalue(store)
    checker = Service.open(path, actor="cli")
    snapshot = checker.snapshot(DAY)  # the day's first check in this store: judged in full, persisted
    checker.close()
    summary = kept(path)
    assert summary is not None
    assert Overview.of(summary) == OverviewModel(snapshot).overview
    # And the numbers are the snapshot's, counted another way.
    open_findings = [f for f in snapshot.findings if not f.acknowledged]
    problems = snapshot.problems(open_findings)
    assert summary.counts["Flows"] == len(snapshot.registry.flows) and summary.open_problems == len(problems)
    assert summary.by_severity == {s.value: sum(f.severity is s for f in open_findings) for s in Severity}
    assert summary.problems_by_severity == {s.value: sum(p.severity is s for p in problems) for s in Severity}
    assert summary.acknowledged == len(snapshot.findings) - len(open_findings)
    assert summary.counts["Cross-border transfers"] == len(snapshot.cross_border) > 0


def test_an_acknowledgement_is_counted_in_the_next_summary(seeded_path: Path) -> None:
    service = Service.open(seeded_path, actor="dpo")
    finding = service.check(DAY)[0]
    service.acknowledge(finding.id, "accepted", as_of=DAY)
    service.close()
    assert kept(seeded_path) is None  # the acknowledgement is a write: the summary of the revision before is not used
    Service.open(seeded_path, actor="cli").check(DAY)
    summary = kept(seeded_path)
    assert summary is not None and summary.acknowledged == 1


def test_the_kept_summary_is_not_used_after_a_write_or_on_another_day(generated: Path) -> None:
    Service.open(generated, actor="cli").check(DAY)
    assert kept(generated) is not None
    assert kept(generated, DAY + timedelta(days=1)) is None and kept(generated, DAY - timedelta(days=1)) is None
    writer = Service.open(generated, actor="writer")
    writer.register(mutate(writer.registry(), random.Random(3), 0), source="a change")
    writer.close()
    assert kept(generated) is None


def test_a_check_restored_as_it_was_keeps_a_summary_that_was_lost(seeded_path: Path) -> None:
    Service.open(seeded_path, actor="cli").check(DAY)
    store = SQLiteStore(seeded_path, create=False)
    store.save_derived(check_summary.SLOT, b"")
    store.close()
    assert kept(seeded_path) is None
    Service.open(seeded_path, actor="cli").check(DAY)  # restored from the persisted check as it was
    assert kept(seeded_path) is not None


def test_a_damaged_summary_is_ignored(seeded_path: Path) -> None:
    Service.open(seeded_path, actor="cli").check(DAY)
    store = SQLiteStore(seeded_path, create=False)
    blob = store.derived(check_summary.SLOT)
    assert blob is not None
    store.save_derived(check_summary.SLOT, blob[:-1] + bytes([blob[-1] ^ 0xFF]))
    assert check_summary.kept(store, DAY) is None
    store.save_derived(check_summary.SLOT, b"not a summary")
    assert check_summary.kept(store, DAY) is None
    store.close()


def test_a_summary_of_another_judging_version_is_ignored(seeded_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    Service.open(seeded_path, actor="cli").check(DAY)
    store = SQLiteStore(seeded_path, create=False)
    assert check_summary.kept(store, DAY) is not None
    monkeypatch.setattr(check_summary, "judging_version", lambda: "another version of the rules")
    assert check_summary.kept(store, DAY) is None
    store.close()


def test_a_summary_of_another_shape_is_ignored(seeded_path: Path) -> None:
    Service.open(seeded_path, actor="cli").check(DAY)
    store = SQLiteStore(seeded_path, create=False)
    blob = store.derived(check_summary.SLOT)
    assert blob is not None
    opened = check_summary.unseal(blob)
    assert opened is not None
    header, document = opened
    header.pop("sha256")
    store.save_derived(check_summary.SLOT, check_summary.seal(header, {**document, "counts": ["Flows", "12"]}))
    assert check_summary.kept(store, DAY) is None
    store.close()

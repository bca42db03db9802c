"""Diffs agree with `check`: what a diff says opened, closed and changed is what two full checks give; the
change log replayed forward rebuilds the registry as it was after any write."""

from __future__ import annotations

import random
from datetime import date, timedelta
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from benchmarks.generate import generate_registry
from graph.sqlite import SQLiteStore
from registry import manifest as manifests
from registry.checks import apply_acknowledgements, run_checks
from registry.checks.finding import Finding
from registry.diff import Diff, Status, between_days
from registry.history import Replay, revision_at
from registry.model import Registry, RegistryFragment
from registry.reference import load_reference
from registry.service import Service
from tests.checks.test_incremental import mutate
from tests.time.test_forecast import cases

REFERENCE = load_reference()
AS_OF = date(2026, 11, 24)


def open_findings(registry: Registry, day: date) -> dict[str, Finding]:
    found = apply_acknowledgements(run_checks(registry, day, REFERENCE), registry.acknowledgements, day)
    return {f.id: f for f in found if not f.acknowledged}


def said(diff: Diff) -> dict[Status, set[str]]:
    found: dict[Status, set[str]] = {status: set() for status in Status}
    for problem in diff.problems:
        for change in problem.findings:
            found[change.status].add(change.finding.id)
    return found


def expected(before: dict[str, Finding], after: dict[str, Finding]) -> dict[Status, set[str]]:
    return {Status.OPENED: after.keys() - before.keys(), Status.CLOSED: before.keys() - after.keys(),
            Status.CHANGED: {k for k in before.keys() & after.keys() if before[k].reason != after[k].reason}}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(cases(), st.integers(-3_000, 3_000))
def test_a_diff_of_two_days_is_what_two_full_checks_give(case: tuple[Registry, date, int], offset: int) -> None:
    registry, first, _ = case
    second = first + timedelta(days=offset)
    diff = between_days(registry, REFERENCE, first, second, revision=0)
    assert said(diff) == expected(open_findings(registry, first), open_findings(registry, second))
    for problem in diff.problems:  # a problem is opened or closed only when nothing of it was open on that side
        statuses = {change.status for change in problem.findings}
        assert problem.status is Status.CHANGED or statuses == {problem.status}


def test_replaying_the_log_rebuilds_every_past_registry_and_a_diff_since_any_revision_agrees(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "registry.sqlite")
    service = Service(store, actor="test")
    service.register(generate_registry("XS"), source="generated")
    past = {store.revision(): service.registry()}
    rng = random.Random(15)
    for number in range(30):
        registry = service.registry()
        if number % 7 == 3:  # a flow deleted: the store replaced by a manifest without it
            gone = rng.choice(registry.flows).id
            smaller = registry.model_copy(update={"flows": [f for f in registry.flows if f.id != gone]})
            service.import_manifest(manifests.Manifest.of(smaller, "smaller.yaml"), replace=True)
        elif number % 7 == 5:  # acknowledged, then (two writes later) its acknowledgement changed
            finding = rng.choice([f for f in service.check(AS_OF) if not f.acknowledged])
            service.acknowledge(finding.id, "accepted for now", until=AS_OF + timedelta(days=rng.randint(0, 30)),
                                as_of=AS_OF)
        else:
            service.register(mutate(registry, rng, number), source=f"change {number}")
        past[store.revision()] = service.registry()
    # A processor created and deleted between two revisions the replay steps over.
    extra = RegistryFragment.model_validate({"processors": [{"id": "brief", "name": "Brief", "country": "US"}]})
    service.register(extra, source="brief")
    service.import_manifest(manifests.Manifest.of(service.registry().model_copy(update={
        "processors": [p for p in service.registry().processors if p.id != "brief"]}), "without.yaml"), replace=True)
    past[store.revision()] = service.registry()

    changes = store.changes()
    replay = Replay()
    for revision in sorted(past):
        replay.advance([c for c in changes if replay.revision < c.seq <= revision])
        assert replay.registry == past[revision], revision
    now = past[store.revision()]
    for revision in rng.sample(sorted(past), 6):
        diff = service.diff_since(revision, AS_OF)
        assert (diff.before.revision, diff.after.revision) == (revision, store.revision())
        assert said(diff) == expected(open_findings(past[revision], AS_OF), open_findings(now, AS_OF)), revision
        for problem in diff.problems:  # every opened or closed finding names the writes behind it
            for change in problem.findings:
                if change.status is not Status.CHANGED:
                    assert change.causes, change.finding.id
    # A moment stands for the revision just before it.
    moment = changes[len(changes) // 2].at
    assert revision_at(changes, moment) == max((c.seq for c in changes if c.at < moment), default=0)

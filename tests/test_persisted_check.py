"""Persisted check results: a new process starts from them, and they never disagree with a full check.

Each "process" below is a new store handle and a new Service on the same file: nothing is shared but the file.
"""

from __future__ import annotations

import hashlib
import json
import random
import shutil
import tempfile
import zlib
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from benchmarks.generate import generate_registry
from graph.sqlite import SQLiteStore
from registry import manifest as manifests
from registry import persisted_check
from registry.access import Principal, Role
from registry.calendar import Calendar
from registry.checks import apply_acknowledgements, run_checks
from registry.checks.finding import Finding
from registry.exports import build_tables, render
from registry.mapping import from_nodes
from registry.model import Registry
from registry.reference import load_reference
from registry.service import Service
from tests.checks.test_incremental import house_rules, mutate

FIRST_DAY = date(2026, 11, 24)
VIEWER = Principal(user="reader", roles=frozenset({Role.VIEWER}))
DAYS = st.sampled_from([FIRST_DAY, date(2024, 3, 1), date(2025, 1, 2), date(2027, 6, 30), date(2029, 1, 1)]) \
    | st.dates(min_value=date(2022, 1, 1), max_value=date(2030, 12, 31))


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A generated 200-flow registry in a store of its own, copied by each test."""
    path = tmp_path_factory.mktemp("persisted") / "template.sqlite"
    service = Service.open(path, actor="test", create=True)
    service.register(generate_registry("XS"), source="generated")
    service.close()
    return path


def full_check(registry: Registry, as_of: date) -> list[Finding]:
    return apply_acknowledgements(run_checks(registry, as_of), registry.acknowledgements, as_of)


def write(path: Path, kind: str, rng: random.Random, number: int, day: date) -> None:
    """One change through the Service of a process of its own, of the kind `kind` names."""
    service = Service.open(path, actor="writer")
    registry = service.registry()
    if kind == "write":
        service.register(mutate(registry, rng, number), source=f"change {number}")
    elif kind == "delete":  # the store replaced by a manifest without one flow
        gone = rng.choice(registry.flows).id
        smaller = registry.model_copy(update={"flows": [f for f in registry.flows if f.id != gone]})
        service.import_manifest(manifests.Manifest.of(smaller, "smaller.yaml"), replace=True)
    elif kind == "acknowledge":  # judged first by this process (from the persisted check), then written
        finding = rng.choice(service.check(day))
        until = rng.choice([None, date(2027, 1, 31), date(2030, 6, 30)])
        service.acknowledge(finding.id, "accepted", until if until is None or until >= day else None, as_of=day)
    elif kind == "policies":  # a house rule changes the catalogue: the re-check falls back to a full one
        service.save_policies(manifests.Manifest.of(house_rules(registry), "policies.yaml"))
    service.close()


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 2**32), steps=st.lists(
    st.tuples(st.sampled_from(["write", "write", "delete", "acknowledge", "policies", "none"]), DAYS),
    min_size=1, max_size=4))
def test_a_new_process_starts_from_the_persisted_check_and_finds_what_a_full_check_finds(
        template: Path, seed: int, steps: list[tuple[str, date]]) -> None:
    rng = random.Random(seed)
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "registry.sqlite"
        shutil.copy(template, path)
        Service.open(path, actor="test").check(FIRST_DAY)  # the first process judges in full and persists
        for number, (kind, day) in enumerate(steps):
            if kind != "none":
                write(path, kind, rng, number, day)
            store = SQLiteStore(path, create=False)
            registry, revision = from_nodes(store.read()), store.revision()
            expected = full_check(registry, day)
            restored = persisted_check.restore(store, registry, revision, day, load_reference())
            assert restored is not None, f"step {number} ({kind}, {day}): nothing to start from"
            assert [f.id for f in restored[0].findings] == [f.id for f in expected], f"step {number}: {kind}, {day}"
            assert restored[0].findings == expected, f"step {number}: {kind}, {day}"
            # What the CLI and the dashboard take, as a role that may change nothing: it persists this revision
            # and day for the next step, and writes nothing to the registry.
            service = Service(store, principal=VIEWER)
            assert service.check(day) == expected
            assert service.snapshot(day).findings == expected
            assert store.revision() == revision
            kept = persisted_check.decode(store.derived(persisted_check.SLOT) or b"", day)
            assert kept is not None and kept[0] == persisted_check.Key(revision, day, persisted_check.judging_version())
            store.close()


def test_the_same_revision_and_day_are_loaded_not_judged_again(template: Path, tmp_path: Path) -> None:
    path = tmp_path / "registry.sqlite"
    shutil.copy(template, path)
    first = Service.open(path, actor="test").check(FIRST_DAY)
    store = SQLiteStore(path, create=False)
    registry = from_nodes(store.read())
    restored = persisted_check.restore(store, registry, store.revision(), FIRST_DAY, load_reference())
    assert restored is not None and restored[1]  # exact: nothing to save again
    assert restored[0].findings == first
    # The exports take the restored check's analysis of the day, made flow by flow as they ask.
    tables = Service(store).export_tables(FIRST_DAY)
    assert render(tables, "json") == render(build_tables(registry, first, FIRST_DAY), "json")
    # A day with no calendar event between it and the persisted one gives the same findings.
    events = Calendar(registry, load_reference()).days(FIRST_DAY, date(2030, 12, 31))
    quiet = (events[0] if events else date(2031, 1, 1)) - timedelta(days=1)
    assert quiet > FIRST_DAY
    moved = persisted_check.restore(store, registry, store.revision(), quiet, load_reference())
    assert moved is not None and not moved[1]
    assert [f.id for f in moved[0].findings] == [f.id for f in first]
    assert moved[0].findings == full_check(registry, quiet)


def blob_with(document: dict[str, list[Any]], key: persisted_check.Key) -> bytes:
    payload = zlib.compress(json.dumps(document).encode())
    header = {"format": persisted_check.FORMAT, "revision": key.revision, "as_of": key.as_of.isoformat(),
              "version": key.version, "rows": len(document["rows"]), "sha256": hashlib.sha256(payload).hexdigest()}
    return json.dumps(header).encode() + b"\n" + payload


def damaged(blob: bytes, revision: int) -> dict[str, bytes]:
    """Ways a persisted check can be wrong: each must be ignored and judged again."""
    head, _, payload = blob.partition(b"\n")
    header = json.loads(head)
    flipped = bytearray(payload)
    flipped[len(flipped) // 2] ^= 0xFF
    document = json.loads(zlib.decompress(payload))
    values, [first, *rest] = document["values"], document["rows"]
    key = persisted_check.Key(revision, FIRST_DAY, persisted_check.judging_version())

    def with_first(row: list[Any]) -> bytes:
        return blob_with({"values": values, "rows": [row, *rest]}, key)

    return {
        "a flipped byte": head + b"\n" + bytes(flipped),
        "cut short": blob[: len(blob) // 2],
        "not ours": b"\x00\xff garbage",
        "another format": json.dumps({**header, "format": 99}).encode() + b"\n" + payload,
        "another version of the rules or reference data": blob_with(document, persisted_check.Key(
            revision, FIRST_DAY, "0" * 32)),
        "a revision the store does not have": blob_with(document, persisted_check.Key(
            revision + 5, FIRST_DAY, key.version)),
        "a row of another shape, digest right": with_first([1, 2, 3]),
        "a severity that is none": with_first([first[0], first[1], first[1], *first[3:]]),
        "a shared value that is not there": with_first([*first[:4], len(values) + 10, *first[5:]]),
        "fewer rows than the header says": blob_with({"values": values, "rows": rest}, key).replace(
            f'"rows": {len(rest)}'.encode(), f'"rows": {len(rest) + 1}'.encode(), 1),
    }


def test_a_damaged_or_mismatched_persisted_check_is_ignored_and_judged_again(template: Path, tmp_path: Path) -> None:
    path = tmp_path / "registry.sqlite"
    shutil.copy(template, path)
    Service.open(path, actor="test").check(FIRST_DAY)
    store = SQLiteStore(path, create=False)
    registry, revision = from_nodes(store.read()), store.revision()
    expected = full_check(registry, FIRST_DAY)
    good = store.derived(persisted_check.SLOT)
    assert good is not None
    for what, blob in damaged(good, revision).items():
        store.save_derived(persisted_check.SLOT, blob)
        assert persisted_check.restore(store, registry, revision, FIRST_DAY, load_reference()) is None, what
        assert Service(store, principal=VIEWER).check(FIRST_DAY) == expected, what
        assert store.derived(persisted_check.SLOT) == good, f"{what}: not replaced by the check judged again"
    assert store.revision() == revision


def test_a_change_log_that_does_not_lead_to_the_store_is_not_trusted(template: Path, tmp_path: Path) -> None:
    """A persisted check of revision N is brought forward only by the entries after N, all of them there."""
    path = tmp_path / "registry.sqlite"
    shutil.copy(template, path)
    Service.open(path, actor="test").check(FIRST_DAY)
    write(path, "write", random.Random(3), 1, FIRST_DAY)
    store = SQLiteStore(path, create=False)
    registry = from_nodes(store.read())
    # As if the store held fewer entries than its revision says (say, a log pruned outside flowreg).
    assert persisted_check.restore(store, registry, store.revision() + 1, FIRST_DAY, load_reference()) is None

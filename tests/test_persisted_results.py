"""The forecast and the trend kept with the store: a new process reads them back, and they never disagree with
the forecast and the trend worked out afresh, after random writes on random days.

Each "process" below is a new store handle and a new Service on the same file: nothing is shared but the file.
The change log's entries are dated as if written on the step's day (the store stamps them with the clock), so
that the trend has past points to keep and new entries land before, on and after them.
"""

from __future__ import annotations

import random
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from pathlib import Path
from unittest.mock import patch

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import graph.sqlite
from benchmarks.generate import generate_registry
from graph.sqlite import SQLiteStore
from registry import persisted_results
from registry.forecast import forecast
from registry.mapping import from_nodes
from registry.reference import load_reference
from registry.service import Service
from registry.trend import trend
from tests.test_persisted_check import VIEWER, write

FIRST_DAY = date(2026, 11, 24)
DAYS = st.dates(min_value=date(2024, 1, 1), max_value=date(2028, 12, 31))
HORIZONS = st.sampled_from([30, 90, 400])


@contextmanager
def clock_on(day: date) -> Iterator[None]:
    """The store's clock, which stamps each change-log entry, set to noon on `day`."""

    class Clock(datetime):
        @classmethod
        def now(cls, tz: tzinfo | None = None) -> Clock:
            return cls.combine(day, time(12), UTC)

    with patch.object(graph.sqlite, "datetime", Clock):
        yield


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A generated 200-flow registry whose entries were written on 2025-03-01, copied by each test."""
    path = tmp_path_factory.mktemp("persisted-results") / "template.sqlite"
    with clock_on(date(2025, 3, 1)):
        service = Service.open(path, actor="test", create=True)
        service.register(generate_registry("XS"), source="generated")
    service.close()
    return path


def fresh(path: Path, day: date, horizon: int) -> tuple[dict[str, object], dict[str, object]]:
    """The forecast and trend documents worked out from the store now, nothing kept read."""
    store = SQLiteStore(path, create=False)
    registry = from_nodes(store.read())
    expected = (forecast(registry, load_reference(), day, horizon).document(),
                trend(store.changes(), load_reference(), day).document())
    store.close()
    return expected


def asked(path: Path, day: date, horizon: int) -> tuple[dict[str, object], dict[str, object]]:
    """What a new process's Service answers, as a role that may change nothing."""
    store = SQLiteStore(path, create=False)
    service = Service(store, principal=VIEWER)
    revision = store.revision()
    answer = service.forecast(horizon, day).document(), service.trend(last=day).document()
    assert store.revision() == revision  # keeping them is no registry change
    store.close()
    return answer


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 2**32), steps=st.lists(
    st.tuples(st.sampled_from(["write", "write", "delete", "acknowledge", "policies", "none"]),
              st.integers(-200, 200), DAYS, HORIZONS), min_size=1, max_size=4))
def test_kept_forecasts_and_trends_equal_fresh_ones_after_random_writes_and_days(
        template: Path, seed: int, steps: list[tuple[str, int, date, int]]) -> None:
    rng = random.Random(seed)
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "registry.sqlite"
        shutil.copy(template, path)
        written_on = date(2025, 3, 1)
        for number, (kind, shift, day, horizon) in enumerate(steps):
            if kind != "none":
                # Mostly later than the last write, sometimes earlier: a clock set back.
                written_on = written_on + timedelta(days=shift if rng.random() < 0.8 else -abs(shift))
                with clock_on(written_on):
                    write(path, kind, rng, number, day)
            expected = fresh(path, day, horizon)
            assert asked(path, day, horizon) == expected, f"step {number} ({kind}, {day}): worked out"
            assert asked(path, day, horizon) == expected, f"step {number} ({kind}, {day}): read back"


def test_a_new_process_reads_them_back_without_the_change_log(template: Path, tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "registry.sqlite"
    shutil.copy(template, path)
    first = asked(path, FIRST_DAY, 90)
    store = SQLiteStore(path, create=False)
    assert store.derived(persisted_results.FORECAST_SLOT) and store.derived(persisted_results.TREND_SLOT)
    # The second process judges nothing and reads no entry but the last one kept.
    read: list[int | None] = []
    changes = store.changes

    def counted(**arguments: object) -> object:
        read.append(arguments.get("after"))  # type: ignore[arg-type]
        return changes(**arguments)  # type: ignore[arg-type]

    monkeypatch.setattr(store, "changes", counted)
    service = Service(store, principal=VIEWER)
    assert (service.forecast(90, FIRST_DAY).document(), service.trend(last=FIRST_DAY).document()) == first
    assert read == [store.revision() - 1]
    assert not service._cache.checks  # no check was restored or run: the newest point was kept too


def test_a_damaged_or_foreign_blob_is_ignored(template: Path, tmp_path: Path) -> None:
    path = tmp_path / "registry.sqlite"
    shutil.copy(template, path)
    expected = asked(path, FIRST_DAY, 90)
    store = SQLiteStore(path, create=False)
    for slot in (persisted_results.FORECAST_SLOT, persisted_results.TREND_SLOT):
        blob = store.derived(slot) or b""
        head, _, payload = blob.partition(b"\n")
        for bad in (blob[:-3], head + b"\n" + payload[:-1] + b"x", head.replace(b'"format":1', b'"format":9')
                    + b"\n" + payload, b"not a blob"):
            store.save_derived(slot, bad)
            assert asked(path, FIRST_DAY, 90) == expected
    store.close()

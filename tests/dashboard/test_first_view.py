"""The first view of a store: its check runs in a thread of its own, which the pages poll for a progress bar."""

from __future__ import annotations

from pathlib import Path

from dashboard.state import READER, _Build
from registry.service import Service
from tests.dashboard.conftest import AS_OF


def test_the_first_check_runs_in_a_thread_of_its_own_and_says_how_far_it_is(store_path: Path) -> None:
    reader = Service.open(store_path, principal=READER)
    build = _Build(reader, AS_OF).start()
    assert build.wait(300)  # a generous bound: the seed's check takes well under a second
    assert build.total > 0 and build.done == build.total
    day = build.day()
    assert day.snapshot.as_of == AS_OF
    assert day.snapshot.findings == Service.open(store_path).check(AS_OF)
    reader.close()

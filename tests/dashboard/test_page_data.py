"""Page data made once per day and shown a page at a time: long tables are paged, a filter's problems are kept,
the country centres are the explorer graph's, and the day's models are built in the background."""

from __future__ import annotations

import threading
from datetime import date
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from benchmarks.generate import generate_registry
from dashboard.models.findings import FindingFilter, FindingsModel
from dashboard.models.graph_explorer import GraphExplorerModel
from dashboard.state import READER, _Build
from dashboard.tables import PAGE_ROWS
from registry.checks import run_checks
from registry.projection import COUNTRY
from registry.service import Service
from registry.snapshot import Snapshot
from tests.dashboard.conftest import AS_OF

ROWS = 2 * PAGE_ROWS + 50


def long_table() -> None:
    import pandas as pd  # the function runs as a script of its own (AppTest.from_function)

    from dashboard.tables import show_table

    show_table(pd.DataFrame({"n": range(2 * 200 + 50)}), row_style=lambda row: "color: red", key="t")


def test_a_long_table_is_shown_a_page_of_rows_at_a_time() -> None:
    app = AppTest.from_function(long_table).run()
    assert not app.exception
    (frame,) = app.dataframe
    assert list(frame.value["n"]) == list(range(PAGE_ROWS))
    picker = app.number_input(key="t_page")
    assert picker.label.startswith(f"{ROWS:,} rows") and "(of 3)" in picker.label
    picker.set_value(3).run()
    assert list(app.dataframe[0].value["n"]) == list(range(2 * PAGE_ROWS, ROWS))


@pytest.fixture(scope="module")
def snapshot() -> Snapshot:
    registry = generate_registry("S")
    day = date(2026, 5, 1)
    return Snapshot(registry, run_checks(registry, day), day)


def test_a_filters_problems_are_those_of_its_findings_and_kept(snapshot: Snapshot) -> None:
    model = FindingsModel(snapshot)
    for chosen in (FindingFilter(), FindingFilter(severities=frozenset({"high"})),
                   FindingFilter(acknowledged=False)):
        problems = model.filtered_problems(chosen)
        assert problems == snapshot.problems(model.filter_findings(chosen))
        assert model.filtered_problems(chosen) is problems  # asked again (a rerun): not grouped again


def test_the_country_centres_are_the_explorer_graphs_country_nodes(snapshot: Snapshot) -> None:
    graph = snapshot.graph
    expected = [(node, data["label"]) for node, data in sorted(graph.nodes(data=True)) if data["kind"] == COUNTRY]
    assert GraphExplorerModel(snapshot).centres["Country"] == expected


def test_the_days_page_models_are_built_in_the_background(store_path: Path) -> None:
    reader = Service.open(store_path, principal=READER)
    build = _Build(reader, AS_OF).start()
    assert build.wait(300)
    day = build.day()
    read: list[str] = []
    build.prepare([FindingsModel, GraphExplorerModel], [lambda: read.append("log")])
    build.prepare([FindingsModel], [lambda: read.append("again")])  # a second page's run starts nothing more
    threads = [t for t in threading.enumerate() if t.name == f"flowreg-pages-{AS_OF}"]
    for thread in threads:
        thread.join(60)
    assert len(threads) <= 1 and read == ["log"]
    findings = day.model(FindingsModel)
    assert "filter_options" in vars(findings) and "_links" in vars(day.model(GraphExplorerModel))
    assert findings.filtered_problems(FindingFilter()) == day.snapshot.problems()
    reader.close()

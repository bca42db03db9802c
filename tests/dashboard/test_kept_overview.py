"""The Overview's first view from the summary of the day's check kept with the store: drawn before the day's
snapshot is built, its slow sections filled in once they are worked out in the background."""

from __future__ import annotations

import time
from pathlib import Path
from urllib.parse import parse_qs

from streamlit.testing.v1 import AppTest

from dashboard import state
from dashboard.models.overview import OverviewModel
from registry.service import Service
from tests.dashboard.conftest import APP, AS_OF

PLACEHOLDERS = ["Working out what opens in the next 90 days…", "Working out the open problems over time…"]


def fresh_app() -> AppTest:
    """The app as a new browser session opens it, already on AS_OF (no check of today first)."""
    app = AppTest.from_file(APP, default_timeout=60)
    app.session_state[state.AS_OF_KEY] = AS_OF
    return app


def drawn_until_filled(app: AppTest, seconds: float = 120) -> AppTest:
    """Run the app again (as the page's polling does) until no section says it is being worked out."""
    deadline = time.monotonic() + seconds
    while [i.value for i in app.info if i.value in PLACEHOLDERS] and time.monotonic() < deadline:
        time.sleep(0.2)
        app.run()
    return app


def findings_links(app: AppTest) -> dict[str, dict[str, str]]:
    return {link.value: {name: values[0] for name, values in parse_qs(link.proto.query_string).items()}
            for link in app.page_link if link.proto.page == "findings"}


def metrics(app: AppTest) -> dict[str, str]:
    return {metric.label: metric.value for metric in app.metric}


def test_the_overview_is_drawn_from_the_kept_summary_before_the_days_snapshot(store_path: Path) -> None:
    checked = Service.open(store_path, actor="cli")
    expected = OverviewModel(checked.snapshot(AS_OF)).overview  # as `flowreg check --as-of` keeps it
    checked.close()
    spec = str(store_path)
    reader = state._reader(spec)
    # The reader's cache is held, so the day's build cannot read the registry: what the page draws meanwhile
    # comes from the kept summary alone.
    with reader._cache.lock:
        app = fresh_app()
        app.run()
        assert not app.exception, [e.value for e in app.exception]
        assert [t.value for t in app.title] == ["Overview"]
        assert metrics(app) == {label: f"{count:,}" for label, count in expected.counts.items()}
        assert [i.value for i in app.info] == PLACEHOLDERS
        assert not state._build(spec, reader.store.revision(), AS_OF).wait(0)
        assert reader._cache.registry is None  # nobody in this process has read the registry
        # Each bar's link opens the Findings page filtered to what it counts, as from the full model.
        assert findings_links(app) == {f"{link.label}: {link.count:,} →": link.query
                                       for link in [*expected.severity_links, *expected.rule_links] if link.count}
    drawn_until_filled(app)
    assert not app.exception, [e.value for e in app.exception]
    assert not [i.value for i in app.info if i.value in PLACEHOLDERS]
    subheaders = [s.value for s in app.subheader]
    assert "Coming up: the next 90 days" in subheaders and "Open problems over time" in subheaders
    assert app.get("plotly_chart") and metrics(app) == {label: f"{count:,}" for label, count in
                                                        expected.counts.items()}


def test_without_a_kept_summary_the_overview_waits_for_the_days_snapshot(store_path: Path) -> None:
    app = fresh_app()  # the seeded store has no check kept for AS_OF: the page builds it, as before
    app.run()
    assert not app.exception, [e.value for e in app.exception]
    assert not app.info  # nothing left to work out: the page waited for every section
    assert "Coming up: the next 90 days" in [s.value for s in app.subheader]
    reader = Service.open(store_path)
    expected = OverviewModel(reader.snapshot(AS_OF)).overview
    assert metrics(app) == {label: f"{count:,}" for label, count in expected.counts.items()}
    assert reader.kept_summary(AS_OF) is not None  # the dashboard's check kept one for the next process


def test_a_summary_of_another_day_is_not_drawn(store_path: Path) -> None:
    Service.open(store_path, actor="cli").check(AS_OF.replace(year=AS_OF.year + 1))
    app = fresh_app()
    app.run()
    assert not app.exception, [e.value for e in app.exception]
    assert not app.info and "Open problems over time" in [s.value for s in app.subheader]

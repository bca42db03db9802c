"""The sidebar says when the as-of day is long after the reference data's review (decisions since are unknown)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from streamlit.testing.v1 import AppTest

from registry.reference import REVIEW_HORIZON_DAYS, load_reference

OpenPage = Callable[..., AppTest]


def test_the_sidebar_warns_only_after_the_review_horizon(open_page: OpenPage) -> None:
    reviewed = load_reference().reviewed
    assert reviewed is not None
    app = open_page("Overview")  # as of 2026-05-01: within the horizon
    assert not app.sidebar.warning
    app.sidebar.date_input(key="as_of").set_value(reviewed + timedelta(days=REVIEW_HORIZON_DAYS + 1))
    app.run()
    assert not app.exception, [e.value for e in app.exception]
    assert [w.value for w in app.sidebar.warning] == [
        f"Reference data reviewed on {reviewed}; decisions since then are not known"]
    app.sidebar.date_input(key="as_of").set_value(reviewed + timedelta(days=REVIEW_HORIZON_DAYS))
    app.run()
    assert not app.sidebar.warning

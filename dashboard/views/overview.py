"""Overview: counts, open findings by severity and rule, what comes up in the next 90 days, the trend of open
problems, the countries data reaches."""

from __future__ import annotations

from datetime import timedelta

import streamlit as st

from dashboard import figures, state
from dashboard.models.coming_up import coming_up, trend_series
from dashboard.models.overview import BarLink, OverviewModel
from dashboard.models.rows import COMING_UP_DAYS
from registry.forecast import Forecast
from registry.model import country_label
from registry.trend import Trend

# How often the page looks again for the sections worked out in the background.
SLOW_POLL_SECONDS = 1.0

context = state.context()
# The summary of the day's check kept with the store (`flowreg check` keeps it) draws the headline without reading
# the registry: at size L, 12 s of reading and restoring the check that the day's build then does in the
# background. Without one, the page waits for the day's snapshot, showing how far the check is.
kept = context.kept_overview()
overview = kept if kept is not None else context.model(OverviewModel).overview

st.title("Overview")
st.caption(f"{overview.organisation} — as of {context.as_of:%Y-%m-%d}")
for column, (label, count) in zip(st.columns(len(overview.counts)), overview.counts.items(), strict=True):
    column.metric(label, f"{count:,}")

FINDINGS_PAGE = "views/findings.py"


def linked_bars(links: list[BarLink], key: str, colours: dict[str, str] | None = None, *,
                side_by_side: bool = False) -> None:
    """A bar chart whose bars open the Findings page filtered to what they count, with the same links in words
    (for the keyboard, and for whoever cannot click a bar)."""
    links = [link for link in links if link.count]
    event = st.plotly_chart(
        figures.bar({link.label: link.count for link in links}, "",
                    {link.label: colours[link.key] for link in links} if colours else None),
        key=key, on_select="rerun", selection_mode="points")
    clicked = [links[i] for i in event.selection.point_indices if i < len(links)] if event else []
    if clicked:
        st.switch_page(FINDINGS_PAGE, query_params=clicked[0].query)
    if side_by_side:
        for column, link in zip(st.columns(len(links) or 1), links, strict=False):
            column.page_link(FINDINGS_PAGE, label=f"{link.label}: {link.count:,} →", query_params=link.query,
                             help="The Findings page with only these open problems")
    else:  # long labels: one a line, so that none is cut
        for link in links:
            st.page_link(FINDINGS_PAGE, label=f"{link.label}: {link.count:,} →", query_params=link.query,
                         help="The Findings page with only these open problems")


left, right = st.columns(2)
with left:
    st.subheader("Open problems by severity")
    if overview.open_problems:
        linked_bars(overview.severity_links, "severity-chart", figures.SEVERITY_COLOURS, side_by_side=True)
    else:
        st.success("No open problems.")
    # A problem is a record at fault; its findings are that problem under each regime that judges it.
    st.caption(f"{overview.open_problems:,} open problem(s) ({sum(overview.by_severity.values()):,} findings: "
               + ", ".join(f"{count:,} {severity}" for severity, count in overview.by_severity.items() if count)
               + f"), {overview.acknowledged:,} finding(s) acknowledged. Click a bar to see its problems.")
with right:
    st.subheader("Open problems by what is wrong")
    if overview.problems_by_rule:
        linked_bars(overview.rule_links, "rule-chart")
        st.caption("A problem wrong in two ways counts under each.")
    else:
        st.success("No open findings.")


def coming_up_section(forecast: Forecast | None) -> None:
    st.subheader(f"Coming up: the next {COMING_UP_DAYS} days")
    if forecast is None:
        st.info(f"Working out what opens in the next {COMING_UP_DAYS} days…", icon="⏳")
        return
    upcoming = coming_up(forecast)
    if upcoming:
        st.caption(f"{len(upcoming)} problem(s) open by {context.as_of + timedelta(days=COMING_UP_DAYS):%Y-%m-%d} "
                   "if nothing changes, earliest first: renew the record named to avoid each (`flowreg forecast`).")
        st.dataframe([item.row() for item in upcoming], hide_index=True, key="coming-up")
    else:
        st.success(f"Nothing opens in the {COMING_UP_DAYS} days after {context.as_of:%Y-%m-%d} if nothing changes.")


def trend_section(history: Trend | None) -> None:
    st.subheader("Open problems over time")
    if history is None:
        st.info("Working out the open problems over time…", icon="⏳")
        return
    st.caption(f"At the end of each {history.every.value} since the first change-log entry, each judged with the "
               "registry as it was then and the reference data of that day (`flowreg trend`).")
    st.plotly_chart(figures.trend(trend_series(history)), key="trend-chart")


@st.fragment(run_every=SLOW_POLL_SECONDS)
def slow_sections_polled() -> None:
    """The slow sections, drawn again every SLOW_POLL_SECONDS until both are worked out; then the whole page is
    drawn once more, without this polling."""
    forecast, history = context.slow_sections()
    if forecast is not None and history is not None:
        st.rerun()
    coming_up_section(forecast)
    trend_section(history)


if kept is None:  # the day's snapshot is built: the forecast and the trend follow from it, as the page waits
    coming_up_section(context.forecast())
    trend_section(context.trend())
else:
    forecast, history = context.slow_sections()
    if forecast is None or history is None:
        slow_sections_polled()
    else:
        coming_up_section(forecast)
        trend_section(history)

st.subheader("Countries data reaches")
st.dataframe([{"country": country_label(code), "flows received": flows} for code, flows in overview.countries_reached],
             hide_index=True)

"""Transfers map: an arc per sender-country -> receiver-country pair, styled by the worst open problem on that
hop itself; choose a pair and one of its problems to see an onward problem's path and to open its findings.

Choosing is done with select boxes: Streamlit reports no click on a map's lines (scattergeo), as tried in
Chromium."""

from __future__ import annotations

import streamlit as st

from dashboard import figures, state
from dashboard.models.transfers_map import DEFAULT_ARCS, MAX_ARCS, MAX_FLOW_ROWS, MAX_PROBLEMS, TransfersMapModel

PAIR_KEY, PROBLEM_KEY = "map_pair", "map_problem"

context = state.context()
model = context.model(TransfersMapModel)
pairs = model.country_pairs
live = model.live_pairs
waiting = sum(len(p.not_live) for p in pairs)

st.title("Transfers map")
st.caption(f"As of {context.as_of:%Y-%m-%d}: {len(live)} country pair(s) joined by "
           "cross-border flows. Each arc shows the worst open problem on that hop itself, by colour and by dash "
           "(high solid, medium dashed, low dash-dotted, none dotted); it is wider with more flows.")
limit = DEFAULT_ARCS
if len(live) > DEFAULT_ARCS:
    limit = st.slider("Pairs drawn (the worst, then the busiest, first)", 10, min(len(live), MAX_ARCS),
                      DEFAULT_ARCS, step=10, key="map_arcs")
    st.caption(f"{len(live) - min(limit, len(live))} more pair(s) are in the table below.")
drawn = model.drawn(limit)
if waiting:
    st.caption(f"{waiting} contingent flow(s) do not move data yet on this day: they are listed in the table "
               "but not drawn or counted.")

pair = hop = None
if pairs:
    columns = st.columns(2)
    chosen = columns[0].selectbox("Country pair", range(len(pairs)), format_func=lambda i: pairs[i].label,
                                  key=PAIR_KEY)
    pair = pairs[chosen]
    problems = model.problems(pair)
    choice = columns[1].selectbox(
        "Problem on this hop", range(len(problems)), format_func=lambda i: model.problem_label(problems[i]),
        index=None, key=f"{PROBLEM_KEY}:{pair.sender}-{pair.receiver}",
        placeholder="Choose one to see its path and findings" if problems else "No open problem on this hop")
    hop = problems[choice] if choice is not None and choice < len(problems) else None

figure, unplaced = figures.transfers_map(drawn, path=hop.path if hop else (), chosen=pair if pair in drawn else None)
st.plotly_chart(figure, key="transfers-map", config=figures.MAP_CONFIG)
if unplaced:
    st.caption(f"Not drawn (a country too small for the map): {', '.join(p.label for p in unplaced)}.")

if pair is not None:
    st.subheader(pair.label)
    if hop is not None:
        if hop.path:
            st.markdown(f"**Path of the data:** {model.path_label(hop)}")
        st.page_link("views/findings.py", label="Open this problem's findings on the Findings page", icon="🔎",
                     query_params={"flow": hop.flow})
    elif len(problems) == MAX_PROBLEMS:
        st.caption(f"The first {MAX_PROBLEMS} problems are offered; the Findings page has them all.")
    rows = model.pair_flows(pair)
    if len(rows) == MAX_FLOW_ROWS:
        st.caption(f"The first {MAX_FLOW_ROWS} flows of this pair.")
    st.dataframe(rows, hide_index=True)

st.subheader("Every country pair")
st.dataframe([{"from": p.sender, "to": p.receiver, "pair": p.label, "flows": len(p.flows),
               "contingent, not yet live": len(p.not_live),
               "worst open problem": p.worst.value if p.worst else "none"} for p in pairs], hide_index=True)

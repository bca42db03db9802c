"""Transfers map: an arc per sender-country -> receiver-country pair, coloured by worst open finding."""

from __future__ import annotations

import streamlit as st

from dashboard import figures, state
from dashboard.models.transfers_map import TransfersMapModel

context = state.context()
model = context.model(TransfersMapModel)
pairs = model.country_pairs

st.title("Transfers map")
st.caption(f"As of {context.as_of:%Y-%m-%d}: {len(pairs)} country pair(s) joined by cross-border flows; "
           "line width grows with the number of flows, colour is the worst open finding on them.")
figure, unplaced = figures.transfers_map(pairs)
st.plotly_chart(figure, key="transfers-map", config=figures.MAP_CONFIG)
if unplaced:
    st.caption(f"Not drawn (a country too small for the map): {', '.join(p.label for p in unplaced)}.")

st.dataframe([{"from": p.sender, "to": p.receiver, "pair": p.label, "flows": len(p.flows),
               "worst open finding": p.worst.value if p.worst else "none"} for p in pairs], hide_index=True)
if pairs:
    chosen = st.selectbox("Show the flows of", range(len(pairs)), format_func=lambda i: pairs[i].label,
                          key="map_pair")
    st.subheader(pairs[chosen].label)
    st.dataframe(model.pair_flows(pairs[chosen]), hide_index=True)

"""Overview: counts, open findings by severity and rule, the countries data reaches."""

from __future__ import annotations

import streamlit as st

from dashboard import figures, state
from dashboard.models.overview import OverviewModel
from registry.model import country_label

context = state.context()
model = context.model(OverviewModel)
overview = model.overview

st.title("Overview")
st.caption(f"{model.registry.organisation.name if model.registry.organisation else ''}"
           f" — as of {context.as_of:%Y-%m-%d}")
for column, (label, count) in zip(st.columns(len(overview.counts)), overview.counts.items(), strict=True):
    column.metric(label, f"{count:,}")

left, right = st.columns(2)
with left:
    st.subheader("Open problems by severity")
    st.plotly_chart(figures.bar(overview.problems_by_severity, "", figures.SEVERITY_COLOURS), key="severity-chart")
    # A problem is a record at fault; its findings are that problem under each regime that judges it.
    st.caption(f"{overview.open_problems:,} open problem(s) ({sum(overview.by_severity.values()):,} findings: "
               + ", ".join(f"{count:,} {severity}" for severity, count in overview.by_severity.items() if count)
               + f"), {overview.acknowledged:,} finding(s) acknowledged.")
with right:
    st.subheader("Open findings by rule")
    if overview.by_rule:
        st.plotly_chart(figures.bar(overview.by_rule, ""), key="rule-chart")
    else:
        st.success("No open findings.")

st.subheader("Countries data reaches")
st.dataframe([{"country": country_label(code), "flows received": flows} for code, flows in overview.countries_reached],
             hide_index=True)

"""Entities: searchable tables of group companies by region, processors with their chains, recipients and
safeguards, in people's words. A processor with an open problem is highlighted by its worst; safeguards expiring
within 90 days of the as-of day are highlighted with the day the Overview's "Coming up" says their problems open."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import state
from dashboard.models.coming_up import renewals
from dashboard.models.entities import WORST_OPEN, EntitiesModel, search_rows
from dashboard.models.rows import COMING_UP_DAYS, EXPIRED, EXPIRING
from dashboard.tables import show_table
from registry.checks.finding import Severity
from registry.labels import label

HIGHLIGHT = {EXPIRING: "background-color: #fff3bf", EXPIRED: "background-color: #ffd6d6"}
# A processor's row by its worst open finding: as the safeguards', red for high and yellow for medium.
SEVERITY_HIGHLIGHT = {label(Severity.HIGH): HIGHLIGHT[EXPIRED], label(Severity.MEDIUM): HIGHLIGHT[EXPIRING]}


def highlight(status: str) -> str:
    """Expired (by its own date, or under a regime whose tool ended) red, expiring soon yellow."""
    return HIGHLIGHT[EXPIRED] if status.startswith(EXPIRED) else HIGHLIGHT.get(status, "")


context = state.context()
model = context.model(EntitiesModel)

st.title("Entities")
query = st.text_input("Search every table", key="e_search", placeholder="id, name, country, kind…")

groups, processors, recipients, safeguards = st.tabs(["Group companies", "Processors", "Recipients", "Safeguards"])
with groups:
    rows = search_rows(model.group_companies, query)
    for region in dict.fromkeys(str(row["region"]) for row in rows):
        st.markdown(f"**{region}**")
        show_table([{k: v for k, v in row.items() if k != "region"} for row in rows if row["region"] == region],
                   wide=("name", "processing countries"), key=f"e_groups_{region}")
    if not rows:
        st.caption("No group company matches.")
with processors:
    st.caption(f"As of {context.as_of:%Y-%m-%d}: a processor with an open finding (its own, or on a flow it "
               "receives) is red for high and yellow for medium; the Findings page lists them.")
    show_table(search_rows(model.processors, query), columns=list(model.processors[0]) if model.processors else None,
               wide=("name", "sub-processor chain", "sub-processors"),
               row_style=lambda row: SEVERITY_HIGHLIGHT.get(str(row[WORST_OPEN]), ""), key="e_processors")
with recipients:
    show_table(search_rows(model.recipients, query), wide=("name",), key="e_recipients")
with safeguards:
    # The day a problem opens unless the safeguard is renewed, as the Overview's "Coming up" says.
    renew_by = renewals(context.forecast())
    rows = [{**row, "problems open on": renew_by.get(str(row["safeguard"]))}
            for row in search_rows(model.safeguards, query)]
    expiring = sum(row["status"] == EXPIRING for row in rows)
    st.caption(f"As of {context.as_of:%Y-%m-%d}: {expiring} safeguard(s) expire within {COMING_UP_DAYS} days "
               "(yellow; \"problems open on\" is the day the Overview's Coming up lists for those a flow relies on); "
               "expired ones (by their own end date, or because the instrument itself ended) are red.")
    frame = pd.DataFrame(rows, columns=["safeguard", "kind", "effective", "expires", "status", "problems open on",
                                        "reference", "parties"])
    show_table(frame, wide=("kind", "status", "parties"), row_style=lambda row: highlight(str(row["status"])),
               key="e_safeguards")

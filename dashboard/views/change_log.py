"""Change log: who changed what, when, filterable by record."""

from __future__ import annotations

import streamlit as st

from dashboard import state
from dashboard.tables import show_table

context = state.context()
st.title("Change log")
record = st.text_input("Record id (or country code)", key="log_record", placeholder="all records")
count, latest = state.latest_changes(context.service, context.spec, context.service.store.revision(),
                                     record.strip() or None)
shown = f"; showing the latest {state.LOG_LIMIT:,}" if count > state.LOG_LIMIT else ""
st.caption(f"{count:,} change(s), newest first{shown}")
show_table(latest, wide=("context",), key="log_table")

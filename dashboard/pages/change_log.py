"""Change log: who changed what, when, filterable by record."""

from __future__ import annotations

import streamlit as st

from dashboard import state

LIMIT = 2_000

context = state.context()
st.title("Change log")
record = st.text_input("Record id (or country code)", key="log_record", placeholder="all records")
changes = context.service.log(record=record.strip() or None)
st.caption(f"{len(changes):,} change(s), newest first" + (f"; showing the latest {LIMIT:,}" if len(changes) > LIMIT
                                                           else ""))
st.dataframe([{"seq": c.seq, "at (UTC)": f"{c.at:%Y-%m-%d %H:%M:%S}", "actor": c.actor, "operation": c.operation,
               "kind": c.label, "record": c.key, "context": c.context or ""} for c in reversed(changes[-LIMIT:])],
             hide_index=True, key="log-table")

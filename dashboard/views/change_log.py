"""Change log: who changed what, when, filterable by record."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import state
from dashboard.tables import show_table

LIMIT = 2_000

context = state.context()
st.title("Change log")
record = st.text_input("Record id (or country code)", key="log_record", placeholder="all records")
count, changes = context.log_tail(record.strip() or None, LIMIT)
st.caption(f"{count:,} change(s), newest first" + (f"; showing the latest {LIMIT:,}" if count > LIMIT else ""))
show_table(pd.DataFrame([(c.seq, f"{c.at:%Y-%m-%d %H:%M:%S}", c.actor, c.operation, c.label, c.key, c.context or "")
                         for c in reversed(changes)],
                        columns=["seq", "at (UTC)", "actor", "operation", "kind", "record", "context"]),
           wide=("context",), key="log_table")

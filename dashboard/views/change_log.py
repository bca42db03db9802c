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
changes = context.service.log(record=record.strip() or None)
st.caption(f"{len(changes):,} change(s), newest first" + (f"; showing the latest {LIMIT:,}" if len(changes) > LIMIT
                                                           else ""))
show_table(pd.DataFrame([(c.seq, f"{c.at:%Y-%m-%d %H:%M:%S}", c.actor, c.operation, c.label, c.key, c.context or "")
                         for c in reversed(changes[-LIMIT:])],
                        columns=["seq", "at (UTC)", "actor", "operation", "kind", "record", "context"]),
           wide=("context",), key="log_table")

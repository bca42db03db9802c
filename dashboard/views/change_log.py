"""Change log: who changed what, when, filterable by record."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import state
from dashboard.tables import show_table
from registry.service import Service

LIMIT = 2_000


@st.cache_resource(show_spinner=False, max_entries=8)
def latest_changes(_service: Service, spec: str, revision: int, record: str | None) -> tuple[int, pd.DataFrame]:
    """How many entries the log holds (of `record`, or all) and the newest LIMIT of them, newest first.

    Reading the log decodes every entry's bodies (34,000 entries at size M: two seconds), so the answer is kept
    until a write bumps the store's revision (the arguments key it); only the shown rows stay in memory."""
    changes = _service.log(record=record)
    return len(changes), pd.DataFrame(
        [(c.seq, f"{c.at:%Y-%m-%d %H:%M:%S}", c.actor, c.operation, c.label, c.key, c.context or "")
         for c in reversed(changes[-LIMIT:])],
        columns=["seq", "at (UTC)", "actor", "operation", "kind", "record", "context"])


context = state.context()
st.title("Change log")
record = st.text_input("Record id (or country code)", key="log_record", placeholder="all records")
count, latest = latest_changes(context.service, context.spec, context.service.store.revision(),
                               record.strip() or None)
st.caption(f"{count:,} change(s), newest first" + (f"; showing the latest {LIMIT:,}" if count > LIMIT else ""))
show_table(latest, wide=("context",), key="log_table")

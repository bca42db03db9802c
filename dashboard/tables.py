"""How a page shows a table a person reads: long text wraps inside taller rows instead of running off the page,
and an empty cell is blank, never "None"."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import pandas as pd
import streamlit as st

# Three lines of text a row: enough for a name with its country, or a short chain, to wrap rather than be cut.
WRAPPED_ROW_HEIGHT = 70


def show_table(rows: Sequence[Mapping[str, object]] | pd.DataFrame, *, columns: Sequence[str] | None = None,
               wide: Iterable[str] = (), row_style: Callable[[pd.Series], str] | None = None,
               key: str | None = None) -> None:
    """`wide` columns get the most room (long names, chains, reasons); `row_style` gives a row's CSS (a
    highlight) from its values."""
    frame = rows if isinstance(rows, pd.DataFrame) else pd.DataFrame(list(rows), columns=columns)
    config: dict[str, Any] = {name: st.column_config.TextColumn(width="large") for name in wide
                              if name in frame.columns}
    data: Any = frame
    if row_style is not None:
        style = row_style
        data = frame.style.apply(lambda row: [style(row)] * len(row), axis=1)
    st.dataframe(data, hide_index=True, width="stretch", column_config=config,
                 row_height=WRAPPED_ROW_HEIGHT, placeholder="", key=key)

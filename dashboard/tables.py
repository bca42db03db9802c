"""How a page shows a table a person reads: long text wraps inside taller rows instead of running off the page,
an empty cell is blank, never "None", and a long table is shown a page of rows at a time."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import pandas as pd
import streamlit as st

# Three lines of text a row: enough for a name with its country, or a short chain, to wrap rather than be cut.
WRAPPED_ROW_HEIGHT = 70
# Rows a table shows at once. Styling a row (a highlight) costs about half a millisecond in pandas' Styler and
# sending it to the browser more, so a table of the 12,000 safeguards of a group-sized registry took seconds on
# every rerun; a page of them takes a tenth of a second, and a reader scrolls no further than this anyway.
PAGE_ROWS = 200


def page_of(frame: pd.DataFrame, key: str) -> pd.DataFrame:
    """The rows of the page the reader chose (a page picker above the table when there is more than one)."""
    pages = -(-len(frame) // PAGE_ROWS)
    if pages <= 1:
        return frame
    picker = f"{key}_page"
    if st.session_state.get(picker, 1) > pages:  # a search left fewer rows than before
        st.session_state[picker] = 1
    page = st.number_input(f"{len(frame):,} rows, {PAGE_ROWS} a page: page (of {pages})", min_value=1,
                           max_value=pages, value=1, key=picker)
    return frame.iloc[(page - 1) * PAGE_ROWS:page * PAGE_ROWS]


def show_table(rows: Sequence[Mapping[str, object]] | pd.DataFrame, *, columns: Sequence[str] | None = None,
               wide: Iterable[str] = (), row_style: Callable[[pd.Series], str] | None = None,
               key: str | None = None) -> None:
    """`wide` columns get the most room (long names, chains, reasons); `row_style` gives a row's CSS (a
    highlight) from its values. Only the shown page's rows are styled and sent."""
    frame = rows if isinstance(rows, pd.DataFrame) else pd.DataFrame(list(rows), columns=columns)
    frame = page_of(frame, key or f"table_{'_'.join(map(str, frame.columns))}")
    config: dict[str, Any] = {name: st.column_config.TextColumn(width="large") for name in wide
                              if name in frame.columns}
    data: Any = frame
    if row_style is not None:
        style = row_style
        data = frame.style.apply(lambda row: [style(row)] * len(row), axis=1)
    st.dataframe(data, hide_index=True, width="stretch", column_config=config,
                 row_height=WRAPPED_ROW_HEIGHT, placeholder="", key=key)

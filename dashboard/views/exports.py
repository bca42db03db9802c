"""Exports: the Art. 30 record, transfer register and findings (registry.exports), and the manifest backup;
legal, dpo or admin (the service refuses anyone else)."""

from __future__ import annotations

import streamlit as st

from dashboard import state
from registry import exports
from registry.access import Permission
from registry.errors import FlowregError

MIME = {"csv": "text/csv", "json": "application/json",
        "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "yaml": "application/yaml"}
TABLE_NAMES = {"all": "All three tables", "ropa": "Record of processing (Art. 30)", "transfers": "Transfer register",
               "findings": "Findings"}
FORMAT_NAMES = {"csv": "CSV (one file per table)", "json": "JSON", "xlsx": "Excel workbook (XLSX)"}

context = state.context()
st.title("Exports")
st.caption(f"As of {context.as_of:%Y-%m-%d}, the day chosen in the sidebar. The same files as `flowreg export`.")
if not context.can(Permission.EXPORT):
    st.warning("Exports need the legal, dpo or admin role; the registry will refuse them for yours.")

left, right = st.columns(2)
which = left.selectbox("Table", list(TABLE_NAMES), format_func=TABLE_NAMES.__getitem__, key="x_which")
fmt = right.selectbox("Format", list(exports.FORMATS), index=list(exports.FORMATS).index("xlsx"),
                      format_func=lambda name: FORMAT_NAMES.get(name, name.upper()), key="x_format")
# Built on request and kept per (revision, day, table, format): choosing options recomputes nothing.
wanted = (context.service.store.revision(), context.as_of, which, fmt)
if st.button("Prepare files", key="x_prepare"):
    try:
        tables = context.service.export_tables(context.as_of)
    except FlowregError as error:
        st.error(error.render())
    else:
        st.session_state["x_files"] = (wanted, exports.render(tables, fmt, which))
prepared = st.session_state.get("x_files")
if prepared and prepared[0] == wanted:
    for name, content in prepared[1].items():
        st.download_button(f"Download {name}", content, file_name=name, mime=MIME[fmt], key=f"x_dl_{name}")

st.subheader("Manifest (backup of the whole registry)")
manifest_format = st.radio("Manifest format", ["yaml", "json"], format_func=str.upper, horizontal=True,
                           key="x_manifest_format")
if st.button("Prepare manifest", key="x_manifest"):
    try:
        text = context.service.export_manifest(manifest_format)
    except FlowregError as error:
        st.error(error.render())
    else:
        st.session_state["x_manifest_file"] = ((context.service.store.revision(), manifest_format), text)
manifest = st.session_state.get("x_manifest_file")
if manifest and manifest[0] == (context.service.store.revision(), manifest_format):
    st.download_button(f"Download flowreg-manifest.{manifest_format}", manifest[1],
                       file_name=f"flowreg-manifest.{manifest_format}", mime=MIME[manifest_format],
                       key="x_manifest_dl")

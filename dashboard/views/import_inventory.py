"""Import: a workbook, a zip of CSV files, or a YAML/JSON manifest; its problems by sheet, row and column, or
what would change and the findings that would open and close; written only when the person confirms
(engineer, dpo, admin; viewers see the page read-only)."""

from __future__ import annotations

import hashlib

import pandas as pd
import streamlit as st

from dashboard import state
from registry import inventory
from registry.access import Permission
from registry.errors import InvalidInput, PermissionDenied, Problem
from registry.inventory.layout import CellProblem
from registry.preview import ImportPlan

# AppTest cannot drive a file uploader: a (name, bytes) pair placed under this key (as the tests do) is read
# exactly as an uploaded file is.
UPLOADED = "i_file"


def problem_rows(problems: list[Problem]) -> pd.DataFrame:
    rows = []
    for problem in problems:
        if isinstance(problem, CellProblem):
            rows.append({"sheet": problem.sheet, "row": problem.row, "column": problem.column,
                         "id": problem.record_id, "problem": problem.message})
        else:
            rows.append({"sheet": problem.section, "row": problem.line, "column": problem.field,
                         "id": problem.record_id, "problem": problem.message})
    return pd.DataFrame(rows, columns=["sheet", "row", "column", "id", "problem"])


def show_plan(plan: ImportPlan) -> None:
    st.markdown(f"**{plan.count('create')} to create, {plan.count('update')} to update, {plan.count('delete')} to "
                f"delete, {plan.unchanged} unchanged**")
    if plan.countries:
        st.markdown(f"Countries of operation: {' '.join(plan.countries)}")
    if plan.changes:
        st.dataframe(pd.DataFrame([{"change": c.operation, "sheet": c.section, "id": c.record_id,
                                    "fields": ", ".join(c.fields)} for c in plan.changes]),
                     hide_index=True, use_container_width=True, key="i_changes")
    st.markdown(f"**Findings as of {plan.as_of:%Y-%m-%d}: {len(plan.opened)} would open, "
                f"{len(plan.closed)} would close**")
    for title, findings in (("open", plan.opened), ("close", plan.closed)):
        if findings:
            st.dataframe(pd.DataFrame([{"would": title, "severity": f.severity.value, "rule": f.rule,
                                        "finding": f.id, "reason": f.reason} for f in findings]),
                         hide_index=True, use_container_width=True, key=f"i_findings_{title}")


context = state.context()
st.title("Import")
allowed = context.can(Permission.IMPORT)
if not allowed:
    st.info("Importing needs the engineer, dpo or admin role; you can read this page, not import.")
st.markdown("Upload the inventory workbook (`flowreg export template`), a zip of its CSV files, or a YAML/JSON "
            "manifest. Nothing is written until you confirm.")
upload = st.file_uploader("Inventory file", type=list(inventory.UPLOAD_TYPES), disabled=not allowed,
                          key="i_upload")
replace = st.checkbox("Replace: make the registry equal to the file (records not in it are deleted)",
                      key="i_replace", disabled=not allowed)
outcome = st.session_state.pop("i_outcome", None)
if outcome is not None:
    st.success(outcome)

source = (upload.name, upload.getvalue()) if upload is not None else st.session_state.get(UPLOADED)
if source is not None and allowed:
    name, data = source
    digest = hashlib.sha256(data).hexdigest()[:12]
    try:
        manifest = inventory.parse(data, name)
        plan = context.service.preview_import(manifest, replace=replace, as_of=context.as_of)
    except InvalidInput as error:
        st.error(f"{error.summary}: {len(error.problems)} problem(s); nothing will be written")
        st.dataframe(problem_rows(error.problems), hide_index=True, use_container_width=True, key="i_problems")
    else:
        show_plan(plan)
        if st.button(f"Import {name}", type="primary", key="i_confirm"):
            try:
                result = context.service.import_manifest(
                    manifest, replace=replace, context=f"import {name} (dashboard, sha256 {digest})"
                                                       + (" --replace" if replace else ""))
            except (InvalidInput, PermissionDenied) as error:
                st.error(error.render())
            else:
                st.session_state.pop(UPLOADED, None)
                st.session_state["i_outcome"] = f"Imported: {result.describe()}"
                st.rerun()

"""Import: a workbook, a zip of CSV files, or a YAML/JSON manifest; its problems by sheet, row and column, or
what would change and the findings that would open and close; written only when the person confirms
(engineer, dpo, admin; viewers see the page read-only)."""

from __future__ import annotations

import hashlib

import pandas as pd
import streamlit as st

from dashboard import state
from dashboard.tables import show_table
from registry import inventory
from registry.access import Permission
from registry.errors import InvalidInput, PermissionDenied, Problem
from registry.inventory.layout import CellProblem
from registry.labels import cell, label, roles_label, rule_summary
from registry.model import country_label
from registry.preview import ImportPlan

# AppTest cannot drive a file uploader: a (name, bytes) pair placed under this key (as the tests do) is read
# exactly as an uploaded file is.
UPLOADED = "i_file"


def problem_rows(problems: list[Problem]) -> pd.DataFrame:
    rows = []
    for problem in problems:
        if isinstance(problem, CellProblem):
            rows.append({"sheet": problem.sheet, "row": problem.row, "column": cell(problem.column, empty=""),
                         "id": cell(problem.record_id, empty=""), "problem": problem.message})
        else:
            rows.append({"sheet": cell(problem.section, empty=""), "row": problem.line,
                         "column": cell(problem.field, empty=""), "id": cell(problem.record_id, empty=""),
                         "problem": problem.message})
    return pd.DataFrame(rows, columns=["sheet", "row", "column", "id", "problem"])


def show_plan(plan: ImportPlan) -> None:
    st.markdown(f"**{plan.count('create')} to create, {plan.count('update')} to update, {plan.count('delete')} to "
                f"delete, {plan.unchanged} unchanged**")
    if plan.countries:
        st.markdown(f"Countries of operation: {', '.join(country_label(c) for c in plan.countries)}")
    if plan.changes:
        show_table([{"change": c.operation, "sheet": c.section, "id": c.record_id, "fields": ", ".join(c.fields)}
                    for c in plan.changes], wide=("fields",), key="i_changes")
    st.markdown(f"**Findings as of {plan.as_of:%Y-%m-%d}: {len(plan.opened)} would open, "
                f"{len(plan.closed)} would close**")
    for title, findings in (("open", plan.opened), ("close", plan.closed)):
        if findings:
            show_table([{"would": title, "severity": label(f.severity), "problem": rule_summary(f.rule),
                         "reason": f.reason, "finding": f.id} for f in findings], wide=("reason",),
                       key=f"i_findings_{title}")


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
        show_table(problem_rows(error.problems), wide=("problem",), key="i_problems")
    else:
        show_plan(plan)
        roles = roles_label(context.user.roles)
        st.caption(f"Importing as {context.user.user} ({roles}); findings judged as of {context.as_of:%Y-%m-%d}. "
                   "Every change goes into the change log under your name.")
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

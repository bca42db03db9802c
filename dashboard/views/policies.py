"""Policies: the organisation's house rules, what each matches, its open violations and its exceptions with their
end dates; a rule edited as YAML is tried against the registry before it is saved (dpo and admin save, others
read). The logic is registry.policies', through the service."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import state
from dashboard.tables import show_table
from registry.access import Permission
from registry.checks.finding import Finding
from registry.errors import InvalidInput, PermissionDenied, Problem
from registry.labels import cell, label, roles_label, yes_no
from registry.policies import NEW_RULE, PolicyView, Trial, parse_rules, rule_text

NEW = "(a new rule)"


def problem_rows(problems: list[Problem]) -> pd.DataFrame:
    return pd.DataFrame([{"line": p.line, "rule": cell(p.record_id, empty=""), "field": cell(p.field, empty=""),
                          "problem": p.message} for p in problems], columns=["line", "rule", "field", "problem"])


def finding_rows(findings: list[Finding], key: str) -> None:
    show_table([{"flow": f.problem, "severity": label(f.severity), "acknowledged": yes_no(f.acknowledged),
                 "reason": f.reason, "finding": f.id} for f in findings], wide=("reason",), key=key)


def show_rule(view: PolicyView) -> None:
    policy = view.policy
    st.markdown(f"**Source.** {policy.source}  \n**Matches** (every line must hold): "
                + "; ".join(view.matches) + f"  \n**Asks.** {view.effect}")
    if policy.note:
        st.caption(policy.note)
    if view.violations:
        st.markdown(f"**Violations as of {context.as_of:%Y-%m-%d}** ({len(view.open)} open)")
        finding_rows(view.violations, key=f"p_violations_{policy.id}")
    else:
        st.markdown(f"No violations as of {context.as_of:%Y-%m-%d}.")
    if view.exceptions:
        st.markdown("**Exceptions**")
        show_table([{"flow": e.flow, "until": e.until, "in force": yes_no(e.in_force), "reason": e.reason}
                    for e in view.exceptions], wide=("reason",), key=f"p_exceptions_{policy.id}")


def show_trial(trial: Trial) -> None:
    tried = trial.of_tried()
    st.markdown(f"**Dry run as of {context.as_of:%Y-%m-%d}:** {len(tried)} violation(s) of "
                f"{', '.join(trial.tried)}; against the stored rule{'s' if len(trial.tried) > 1 else ''}: "
                f"{len(trial.opened)} would open, {len(trial.closed)} would close. Nothing was written.")
    for title, findings in (("would open", trial.opened), ("would close", trial.closed)):
        if findings:
            st.markdown(f"*{title.capitalize()}*")
            finding_rows(findings, key=f"p_trial_{title.replace(' ', '_')}")


context = state.context()
st.title("Policies")
st.markdown("House rules are the organisation's own data-flow policies, judged with the law by the same check: "
            "their violations are findings `policy:<id>` on the Findings page and in every report.")
allowed = context.can(Permission.POLICY)
views = context.service.policy_views(context.as_of)
if not views:
    st.info("No house rules yet.")
for view in views:
    policy = view.policy
    with st.expander(f"[{policy.severity}] {policy.id}: {policy.title} ({len(view.open)} open)"):
        show_rule(view)

st.subheader("Edit or add a rule")
if not allowed:
    st.info("Saving house rules needs the dpo or admin role; you can try a rule here, not save it.")
picked = st.selectbox("Rule", [NEW, *(v.policy.id for v in views)], key="p_pick")
if st.session_state.get("p_loaded") != picked:  # a rule picked: its YAML goes into the editor
    st.session_state["p_loaded"] = picked
    chosen = next((v.policy for v in views if v.policy.id == picked), None)
    st.session_state["p_text"] = rule_text(chosen) if chosen is not None else NEW_RULE
text = st.text_area("The rule as YAML (keys as in the manifest's policies)", key="p_text", height=320)
outcome = st.session_state.pop("p_outcome", None)
if outcome is not None:
    st.success(outcome)
roles = roles_label(context.user.roles)
st.caption(f"Signed in as {context.user.user} ({roles}); a dry run judges as of {context.as_of:%Y-%m-%d}. A save goes "
           "into the change log under your name.")
dry, save = st.columns(2)
dry_run = dry.button("Dry run against the registry", key="p_dry")
saving = save.button("Save", type="primary", key="p_save", disabled=not allowed)
if dry_run or saving:
    try:
        manifest = parse_rules(text)
        if saving:
            result = context.service.save_policies(manifest)
            st.session_state["p_outcome"] = f"Saved: {result.describe()}"
        else:
            show_trial(context.service.try_policies(manifest, context.as_of))
    except InvalidInput as error:
        st.error(f"{error.summary}: {len(error.problems)} problem(s); nothing was written")
        show_table(problem_rows(error.problems), wide=("problem",), key="p_problems")
    except PermissionDenied as error:
        st.error(error.render())
    else:
        if saving:
            st.rerun()

"""Findings: filter, open one to its reason, reference, evidence and fix, and acknowledge it (dpo, admin)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import state
from dashboard.models.findings import FindingFilter, FindingsModel
from dashboard.models.rows import regime_name
from registry.access import Permission
from registry.checks.finding import Finding
from registry.errors import FlowregError
from registry.model import country_label

TABLE_LIMIT = 2_000
PAGE_SIZE = 20
ACK_STATES = {"Any": None, "Open": False, "Acknowledged": True}

context = state.context()
model = context.model(FindingsModel)
options = model.filter_options

st.title("Findings")
st.caption(f"As of {context.as_of:%Y-%m-%d}: {model.headline}")

with st.container(border=True):
    row1 = st.columns(4)
    severities = row1[0].multiselect("Severity", options["severities"], key="f_severity")
    rules = row1[1].multiselect("Rule", options["rules"], key="f_rule")
    regimes = row1[2].multiselect("Regime", options["regimes"], format_func=regime_name, key="f_regime")
    acknowledged = row1[3].radio("Acknowledged", list(ACK_STATES), horizontal=True, key="f_ack")
    row2 = st.columns(3)
    countries = row2[0].multiselect("Country", options["countries"], format_func=country_label, key="f_country")
    entities = row2[1].multiselect("Entity", options["entities"], key="f_entity")
    categories = row2[2].multiselect("Data category", options["categories"], key="f_category")

chosen = FindingFilter(frozenset(severities), frozenset(rules), frozenset(regimes), frozenset(countries),
                       frozenset(entities), frozenset(categories), ACK_STATES[acknowledged])
shown = model.filter_findings(chosen)
problems = model.problems(shown)
st.markdown(f"**{len(shown):,}** finding(s) match, in **{len(problems):,}** problem(s).")
if len(shown) > TABLE_LIMIT:
    st.info(f"The table lists the first {TABLE_LIMIT:,}; narrow the filters to see the rest.")
st.dataframe(pd.DataFrame([(f.problem, f.severity.value, f.rule, regime_name(f.regime), f.reason, f.acknowledged,
                            f.id) for f in shown[:TABLE_LIMIT]],
                          columns=["problem", "severity", "rule", "regime", "reason", "acknowledged", "id"]),
             hide_index=True)

st.subheader("Details")
st.caption("One entry per problem: the record at fault, then its finding under each regime that judges it.")
pages = max(1, -(-len(problems) // PAGE_SIZE))
page = st.number_input(f"Page (of {pages})", min_value=1, max_value=pages, value=1, key="f_page") if pages > 1 else 1
may_acknowledge = context.can(Permission.ACKNOWLEDGE)


def show_finding(finding: Finding) -> None:
    marker = " ✓ acknowledged" if finding.acknowledged else ""
    under = f" under {regime_name(finding.regime)}" if finding.regime else ""
    st.markdown(f"##### {finding.rule}{under} [{finding.severity.value}]{marker}")
    st.markdown(f"**Reason.** {finding.reason}")
    st.markdown(f"**Legal reference.** {finding.reference}")
    st.markdown(f"**Suggested fix.** {finding.fix}")
    st.caption(f"Finding id `{finding.id}`")
    if finding.evidence.path:
        st.markdown(f"**Onward path.** {model.path_text(finding)}")
    flows = model.evidence_flows(finding)
    if flows:
        st.markdown("**Flows**")
        st.dataframe(flows, hide_index=True)
    safeguards = model.evidence_safeguards(finding)
    if safeguards:
        st.markdown("**Safeguards and their dates**")
        st.dataframe(safeguards, hide_index=True)
    other = {name: values for name, values in finding.evidence.identity().items()
             if values and name not in ("flows", "path", "safeguards")}
    if other:
        st.markdown("  \n".join(f"**{name.capitalize()}:** {', '.join(values)}" for name, values in other.items()))
    if finding.acknowledgement is not None:
        ack = finding.acknowledgement
        until = f" until {ack.until}" if ack.until else ""
        st.info(f"Acknowledged by {ack.actor or '?'} on {ack.at:%Y-%m-%d}{until}: {ack.reason}" if ack.at else
                f"Acknowledged{until}: {ack.reason}")
        return
    with st.form(f"ack-{finding.id}"):
        if not may_acknowledge:
            st.caption("Acknowledging needs the dpo or admin role; the registry will refuse it for yours.")
        reason = st.text_input("Reason for accepting it for now", key=f"ack-reason-{finding.id}")
        until_day = st.date_input("Until (optional)", value=None, key=f"ack-until-{finding.id}")
        if st.form_submit_button("Acknowledge"):
            try:
                context.service.acknowledge(finding.id, reason, until=until_day, as_of=context.as_of)
            except FlowregError as error:
                st.error(error.render())
            else:
                st.success("Acknowledged; it stays listed, marked as such.")
                st.rerun()


for problem in problems[(page - 1) * PAGE_SIZE:page * PAGE_SIZE]:
    marker = " ✓ acknowledged" if problem.acknowledged else ""
    with st.expander(f"[{problem.severity.value}] {problem.label}: {problem.summary}{marker}"):
        for finding in problem.findings:
            show_finding(finding)

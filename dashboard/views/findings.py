"""Findings: one row per problem (the record at fault), filtered here or by a link's query parameters; the
detail of the chosen one: its chain, transfer tools with dates, reasons, fix, and the acknowledge form."""

from __future__ import annotations

import streamlit as st

from dashboard import state
from dashboard.models.findings import (
    ACK_STATES,
    NOT_RECORDED,
    FindingFilter,
    FindingsModel,
    ProblemRow,
    query_of,
    regime_option_label,
    rule_label,
    severity_label,
)
from registry.access import Permission
from registry.errors import FlowregError
from registry.labels import regime_label
from registry.model import country_label

PAGE_SIZE = 20
AGES_AUTOMATIC_FLOWS = 5_000
SEVERITY_BADGES = {"High": "red", "Medium": "orange", "Low": "blue"}
FILTER_KEYS = {"severities": "f_severity", "rules": "f_rule", "regimes": "f_regime", "countries": "f_country",
               "entities": "f_entity", "categories": "f_category"}
RECORDS_KEY, PROBLEM_KEY, LINKED_KEY = "f_records", "f_problem", "_f_linked"

context = state.context()
model = context.model(FindingsModel)
options = model.filter_options

st.title("Findings")
st.caption(f"As of {context.as_of:%Y-%m-%d}: {model.headline}")

# A link (an Overview bar, a Transfers map hop) sets the filters once; after that the widgets rule, and the
# address follows them, so the page can be bookmarked or shared as it is.
incoming = {name: st.query_params.get_all(name) for name in st.query_params}
if incoming != st.session_state.get(LINKED_KEY):
    link = model.link_filter(incoming)
    for attribute, key in FILTER_KEYS.items():
        st.session_state[key] = sorted(getattr(link.chosen, attribute), key=options[attribute].index)
    st.session_state["f_ack"] = next(k for k, v in ACK_STATES.items() if v == link.chosen.acknowledged)
    st.session_state[RECORDS_KEY] = sorted(link.chosen.records)
    if link.problem:
        st.session_state[PROBLEM_KEY] = link.problem
    if link.unknown:
        st.warning("The link names what no finding of this day is about, so that part of it is left out: "
                   + "; ".join(f"{name} {', '.join(values)}" for name, values in link.unknown.items()) + ".")

with st.container(border=True):
    row1 = st.columns(4)
    severities = row1[0].multiselect("Severity", options["severities"], format_func=severity_label, key="f_severity")
    rules = row1[1].multiselect("What is wrong", options["rules"], format_func=rule_label, key="f_rule")
    regimes = row1[2].multiselect("Regime", options["regimes"], format_func=regime_option_label, key="f_regime")
    acknowledged = row1[3].radio("Acknowledged", list(ACK_STATES), horizontal=True, key="f_ack")
    row2 = st.columns(3)
    countries = row2[0].multiselect("Country", options["countries"], format_func=country_label, key="f_country")
    entities = row2[1].multiselect("Party", options["entities"], format_func=model.entity_name, key="f_entity")
    categories = row2[2].multiselect("Data category", options["categories"], format_func=model.category_name,
                                     key="f_category")
    records = st.session_state.get(RECORDS_KEY) or []
    if records:
        st.markdown("Only the problems of " + "; ".join(f"**{model.parties(r)}**" for r in records) + ".")
        if st.button("Show every record", key="f_all_records"):
            st.session_state[RECORDS_KEY] = records = []

chosen = FindingFilter(frozenset(severities), frozenset(rules), frozenset(regimes), frozenset(countries),
                       frozenset(entities), frozenset(categories), ACK_STATES[acknowledged], frozenset(records))
shown = model.filter_findings(chosen)
problems = model.filtered_problems(chosen)
# Ages replay the change log, which costs about one more check: automatic on a registry of a few thousand flows,
# asked for on a larger one, so that its first view is not twice as slow.
ages = st.toggle("Show how long each problem has been open", key="f_ages",
                 value=len(model.registry.flows) <= AGES_AUTOMATIC_FLOWS,
                 help="Worked out by replaying the change log day by day; a minute or more on a large registry.")
first_seen = None
if ages:
    with st.spinner("Working out from the change log when each finding was first seen…"):
        first_seen = model.first_seen(lambda: context.service.first_seen(context.as_of))
ids = [problem.id for problem in problems]
if st.session_state.get(PROBLEM_KEY) not in set(ids):
    st.session_state[PROBLEM_KEY] = ids[0] if ids else None
outgoing = query_of(chosen, st.session_state.get(PROBLEM_KEY))
st.query_params.from_dict(outgoing)
st.session_state[LINKED_KEY] = {name: [value] for name, value in outgoing.items()}

st.markdown(f"**{len(problems):,}** problem(s) match ({len(shown):,} finding(s): a problem is one record at fault, "
            "with a finding under each regime that judges it).")
if problems and first_seen is not None and first_seen.log_start is None:
    st.caption(f"The change log begins after {context.as_of:%Y-%m-%d}, so how long each problem has been open "
               "that day is not recorded.")
pages = max(1, -(-len(problems) // PAGE_SIZE))
if st.session_state.get("f_page", 1) > pages:  # fewer problems match than before
    st.session_state["f_page"] = 1
page = st.number_input(f"Page (of {pages})", min_value=1, max_value=pages, value=1, key="f_page") if pages > 1 else 1
# Only the page's rows (and the chosen problem, which a link may name on another page) are built and offered.
on_page = problems[(page - 1) * PAGE_SIZE:page * PAGE_SIZE]
chosen_problem = next((p for p in problems if p.id == st.session_state.get(PROBLEM_KEY)), None)
rows = model.rows(on_page, first_seen)
extra = model.rows([chosen_problem], first_seen) if chosen_problem and chosen_problem not in on_page else []


def choose(problem_id: str) -> None:
    st.session_state[PROBLEM_KEY] = problem_id


def show_row(row: ProblemRow) -> None:
    chips = " ".join(f":gray-badge[{regime}]" for regime in row.regimes)
    if row.house_rules:
        chips += " :violet-badge[House rule]"
    state_badge = ":green-badge[Acknowledged]" if row.state == "Acknowledged" else f":gray-badge[{row.state}]"
    with st.container(border=True):
        text, action = st.columns([6, 1], vertical_alignment="center")
        text.markdown(f":{SEVERITY_BADGES.get(row.severity, 'gray')}-badge[{row.severity}] **{row.parties}**  \n"
                      f"{row.problem.summary[:1].upper()}{row.problem.summary[1:]}.  \n"
                      f"{chips} {state_badge}" + (f" · {row.age}" if row.age else ""))
        action.button("Details", key=f"f_open_{row.id}", on_click=choose, args=(row.id,),
                      type="primary" if st.session_state.get(PROBLEM_KEY) == row.id else "secondary")


for row in rows:
    show_row(row)
if not rows:
    st.info("No problem matches these filters.")
    st.stop()

st.header("Detail")
by_id = {row.id: row for row in [*extra, *rows]}
selected = by_id[st.selectbox("Problem", list(by_id), format_func=lambda i: by_id[i].title, key=PROBLEM_KEY)]
problem = selected.problem
st.markdown(" · ".join(part for part in (f"**{selected.parties}**", selected.severity, selected.state, selected.age)
                       if part))
st.caption(f"Record at fault: `{problem.id}`")

chain = model.chain(problem)
if chain.hops:
    st.subheader("Where the data goes")
    st.graphviz_chart(chain.dot())
    st.caption(f"{chain.text()} (⚠ and the dashed line: at fault)")

st.subheader("Transfer tools and their dates")
tools = model.tools(problem)
if tools:
    st.markdown("\n".join(f"- {tool.text()}" for tool in tools))
else:
    st.markdown("No transfer tool is recorded for these flows.")

st.subheader("Why")
for reason in model.reasons(problem):
    acknowledged = sum(f.acknowledged for f in reason.findings)
    marker = "" if not acknowledged else " (acknowledged)" if acknowledged == len(reason.findings) else \
        f" ({acknowledged} of {len(reason.findings)} acknowledged)"
    st.markdown(f"**{reason.heading}**{marker}  \n{reason.text}  \n*Legal reference:* {reason.references()}")
    for finding in reason.findings:
        if finding.acknowledgement is not None:
            ack = finding.acknowledgement
            until = f"{ack.until:%Y-%m-%d}" if ack.until else NOT_RECORDED
            by = f" by {ack.actor}" if ack.actor else ""
            on = f" on {ack.at:%Y-%m-%d}" if ack.at else ""
            under = f" under {regime_label(finding.regime)}" if finding.regime and len(reason.findings) > 1 else ""
            st.caption(f"Acknowledged{under}{by}{on}, until {until}: {ack.reason}")
    st.caption("Finding " + ", ".join(f"`{f.id}`" for f in reason.findings))

st.subheader("Fix")
for regimes_said, fix in model.fixes(problem):
    st.markdown(f"**{regimes_said}:** {fix}" if regimes_said else fix)

open_findings = [f for f in problem.findings if not f.acknowledged]
if open_findings:
    st.subheader("Acknowledge")
    with st.form(f"ack-{problem.id}"):
        if not context.can(Permission.ACKNOWLEDGE):
            st.caption("Acknowledging needs the dpo or admin role; the registry will refuse it for yours.")
        chosen_ids = st.multiselect("Findings to accept for now", [f.id for f in open_findings],
                                    default=[f.id for f in open_findings], key=f"ack-which-{problem.id}",
                                    format_func={f.id: model.finding_heading(f) for f in open_findings}.get)
        reason = st.text_input("Reason for accepting it for now", key=f"ack-reason-{problem.id}")
        until_day = st.date_input("Until (optional)", value=None, key=f"ack-until-{problem.id}")
        if st.form_submit_button("Acknowledge"):
            try:
                # Each goes through the service, which checks the user's permission and logs it.
                for finding_id in chosen_ids:
                    context.service.acknowledge(finding_id, reason, until=until_day, as_of=context.as_of)
            except FlowregError as error:
                st.error(error.render())
            else:
                st.success("Acknowledged; it stays listed, marked as such.")
                st.rerun()

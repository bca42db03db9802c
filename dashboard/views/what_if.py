"""What if: a prepared scenario or one built in a small form (an adequacy decision revoked or adopted from a day),
the problems it opens and closes, the transfers left without a fallback on a map, and the result as CSV or
XLSX. Applied in memory: the page writes nothing."""

from __future__ import annotations

from datetime import date

import streamlit as st

from dashboard import figures, state
from dashboard.models.what_if import basis_rows, files, problem_rows, scenario_from_form, without_fallback_pairs
from dashboard.tables import show_table
from registry import scenario as scenarios
from registry.diff import Status
from registry.errors import FlowregError, InvalidInput
from registry.labels import REGIME_LABELS

PREPARED, FORM = "A prepared scenario", "Build one"

context = state.context()
st.title("What if")
st.caption("Hypothetical changes to the reference data and the registry, applied in memory and compared with the "
           "registry as it is: nothing is written (`flowreg what-if`).")

mode = st.radio("Scenario", [PREPARED, FORM], horizontal=True, key="w_mode")
loaded: scenarios.ScenarioFile | None = None
if mode == PREPARED:
    prepared = scenarios.prepared()
    if prepared:
        title = st.selectbox("Scenario", list(prepared), key="w_prepared")
        loaded = scenarios.load(prepared[title])
        if loaded.scenario.description:
            st.caption(loaded.scenario.description)
    else:
        st.info("No prepared scenario is installed; build one.")
else:
    left, middle, right, last = st.columns(4)
    regime = left.selectbox("Regime", list(REGIME_LABELS), format_func=REGIME_LABELS.__getitem__, key="w_regime")
    country = middle.text_input("Country (or international organisation)", value="US", key="w_country",
                                help="An ISO 3166-1 alpha-2 code such as US or BR, or an organisation's key (epo).")
    change = right.radio("Its adequacy decision", ["is revoked", "is adopted"], key="w_change")
    day = last.date_input("From", value=max(context.as_of, date(2027, 3, 1)), min_value=date(1900, 1, 1),
                          max_value=date(2999, 12, 31), key="w_from")
    loaded = scenario_from_form(regime, country, change == "is adopted", day)

if loaded is not None:
    # Judged on the sidebar's day, or the day the scenario takes effect if later (before it, nothing changes).
    day = max([context.as_of, *loaded.scenario.days])
    st.caption(f"Judged as of {day:%Y-%m-%d}.")
    wanted = (context.service.store.revision(), day, loaded.file, loaded.scenario.model_dump_json())
    if st.button("Run the scenario", key="w_run", type="primary"):
        try:
            st.session_state["w_result"] = (wanted, context.service.what_if(loaded, day))
        except InvalidInput as error:
            st.session_state.pop("w_result", None)
            for problem in error.problems:
                where = f"{problem.field}: " if problem.field else ""
                st.error(f"{where}{problem.message}")
        except FlowregError as error:
            st.session_state.pop("w_result", None)
            st.error(error.render())
    kept = st.session_state.get("w_result")
    if kept and kept[0] == wanted:
        result = kept[1]
        st.subheader(result.applied.scenario.title)
        st.markdown("\n".join(f"- {change.description}" for change in result.applied.changes))
        counts = {"Problems opened": result.count(Status.OPENED), "Problems closed": result.count(Status.CLOSED),
                  "Transfers losing a basis": len(result.lost),
                  "Without a fallback": len(result.without_fallback)}
        for column, (label, count) in zip(st.columns(len(counts)), counts.items(), strict=True):
            column.metric(label, f"{count:,}")
        if result.problems:
            show_table(problem_rows(result), wide=("problem", "because"), key="w_problems")
        else:
            st.success("The scenario opens and closes no problem.")
        pairs = without_fallback_pairs(result)
        if pairs:
            st.subheader("Transfers left without a fallback")
            figure, unplaced = figures.transfers_map(pairs)
            st.plotly_chart(figure, key="w_map", config=figures.MAP_CONFIG)
            if unplaced:
                st.caption(f"Not drawn (a country too small for the map): {', '.join(p.label for p in unplaced)}.")
        if result.lost:
            show_table(basis_rows(result), wide=("flow", "loses", "still on the flow"), key="w_basis")
        for column, (name, (content, mime)) in zip(st.columns(3), files(result).items(), strict=True):
            column.download_button(f"Download {name}", content, file_name=name, mime=mime, key=f"w_dl_{name}")

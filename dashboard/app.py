"""flowreg dashboard: `flowreg dashboard` runs this with `streamlit run` (store from FLOWREG_STORE)."""

from __future__ import annotations

import streamlit as st

from dashboard import state
from dashboard.models.entities import EntitiesModel
from dashboard.models.findings import FindingsModel
from dashboard.models.graph_explorer import GraphExplorerModel
from dashboard.models.overview import OverviewModel
from dashboard.models.transfers_map import TransfersMapModel
from registry.errors import StoreBroken, StoreError

st.set_page_config(page_title="flowreg", page_icon="🗺️", layout="wide")

OVERVIEW = st.Page("views/overview.py", title="Overview", url_path="overview")


def _to_overview() -> None:
    st.switch_page(OVERVIEW)


# The root URL opens the Overview at its own address, /overview, so that both answer it and the sidebar marks it.
# (A default page is served at the root only: its url_path alone answers "Page not found".)
PAGES = [
    st.Page(_to_overview, title="Overview", url_path="start", default=True, visibility="hidden"),
    OVERVIEW,
    st.Page("views/findings.py", title="Findings", url_path="findings"),
    st.Page("views/policies.py", title="Policies", url_path="policies"),
    st.Page("views/transfers_map.py", title="Transfers map", url_path="transfers-map"),
    st.Page("views/graph_explorer.py", title="Graph explorer", url_path="graph-explorer"),
    st.Page("views/entities.py", title="Entities", url_path="entities"),
    st.Page("views/what_if.py", title="What if", url_path="what-if"),
    st.Page("views/register_processor.py", title="Register processor", url_path="register-processor"),
    st.Page("views/import_inventory.py", title="Import", url_path="import"),
    st.Page("views/exports.py", title="Exports", url_path="exports"),
    st.Page("views/change_log.py", title="Change log", url_path="change-log"),
]

# Before anything else: a connection the access policy does not accept sees why, and no page, sidebar or
# service is built for it.
refused = state.refusal(state.policy())
if refused:
    st.error(refused)
    st.stop()
navigation = st.navigation(PAGES)
try:
    context = state.sidebar()
    if context is None:
        st.stop()
    st.session_state["_context"] = context
    navigation.run()
    # Once this page has drawn, the other pages' data for the day is built while the reader reads it.
    revision = context.revision()
    context.prepare([OverviewModel, FindingsModel, EntitiesModel, TransfersMapModel, GraphExplorerModel],
                    [lambda: state.latest_changes(context.service, context.spec, revision, None)])
except StoreError as error:
    # A missing, unreachable or broken store is the administrator's to fix: say what is wrong, no traceback.
    st.title("The registry cannot be shown")
    if isinstance(error, StoreBroken):
        st.error(f"The store {error.location} holds {len(error.problems)} broken record(s). Fix them with "
                 "`flowreg import`, or restore a backup with `flowreg import --replace`.")
        st.dataframe([{"record": p.record_id or "", "section": p.section or "", "field": p.field or "",
                       "problem": p.message} for p in error.problems], hide_index=True)
    else:
        st.error(error.render())

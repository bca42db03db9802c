"""Graph explorer: the parties around an entity, data category or country, left to right along their flows,
as many as can be read at once, with a step to show more."""

from __future__ import annotations

import streamlit as st

from dashboard import figures, state
from dashboard.models.graph_explorer import MOST_PARTIES, SHOWN_PARTIES, GraphExplorerModel

context = state.context()
model = context.model(GraphExplorerModel)
centres = model.centres


def _fewer() -> None:
    """A new centre or reach starts again from what fits on the screen."""
    st.session_state["g_cap"] = SHOWN_PARTIES


st.title("Graph explorer")
left, middle, right = st.columns([1, 3, 1])
kind = left.radio("Centre on", list(centres), key="g_kind", on_change=_fewer)
choices = centres[kind]
if not choices:
    st.info(f"The registry has no {kind.lower()}.")
    st.stop()
labels = dict(choices)
nodes = list(labels)
busiest = model.busiest_entity
centre = middle.selectbox(kind, nodes, index=nodes.index(busiest) if busiest in labels else 0,
                          format_func=labels.__getitem__, key=f"g_centre_{kind}", on_change=_fewer)
hops = right.slider("Hops", 1, 3, 2, key="g_hops", on_change=_fewer,
                    help="How many links away from the centre a party may be: a flow or a sub-processor relation.")
show_categories = st.toggle("Write the data categories on the links", key="g_categories",
                            help="They are always in the text shown when pointing at a link's middle.")
cap = st.session_state.setdefault("g_cap", SHOWN_PARTIES)

view = model.party_graph(centre, hops, cap)
if not view.parties:
    st.info("No flow carries this data category.")
    st.stop()
flagged = sum(1 for link in view.links if link.worst)
st.caption(f"{len(view.parties)} node(s) (parties), {len(view.links)} link(s); {flagged} link(s) carry a flow "
           "with an open finding, drawn in its severity's colour and line. Controllers are on the left, "
           "those they send to on their right, then sub-processors and onward recipients. "
           "Point at a name or a link for the details.")
if view.truncated:
    hidden = view.reached - len(view.parties)
    st.warning(f"{view.reached} parties are within {hops} hop(s): the nearest {len(view.parties)} are drawn, "
               f"those with the worst open findings and the most flows first; {hidden} are not.")
    if cap < MOST_PARTIES:
        step = min(SHOWN_PARTIES, MOST_PARTIES - cap, hidden)
        st.button(f"Show {step} more", key="g_more",
                  on_click=lambda: st.session_state.update(g_cap=cap + SHOWN_PARTIES))
    else:
        st.caption(f"At most {MOST_PARTIES} parties are drawn: centre on something more specific or use fewer hops.")
st.plotly_chart(figures.party_graph(view, show_categories), key="graph")

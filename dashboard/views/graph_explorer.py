"""Graph explorer: the 1-3 hop neighbourhood of an entity, data category or country, bounded in size."""

from __future__ import annotations

import streamlit as st

from dashboard import figures, state
from dashboard.models.graph_explorer import GRAPH_NODE_LIMIT, GraphExplorerModel

context = state.context()
model = context.model(GraphExplorerModel)
centres = model.centres

st.title("Graph explorer")
left, middle, right = st.columns([1, 3, 1])
kind = left.radio("Centre on", list(centres), key="g_kind")
choices = centres[kind]
if not choices:
    st.info(f"The registry has no {kind.lower()}.")
    st.stop()
labels = dict(choices)
nodes = list(labels)
busiest = model.busiest_entity
centre = middle.selectbox(kind, nodes, index=nodes.index(busiest) if busiest in labels else 0,
                          format_func=labels.__getitem__, key=f"g_centre_{kind}")
hops = right.slider("Hops", 1, 3, 2, key="g_hops")

view = model.neighbourhood(centre, hops, GRAPH_NODE_LIMIT)
flagged = sum(1 for _, data in view.graph.nodes(data=True) if data.get("flagged"))
st.caption(f"{view.graph.number_of_nodes()} node(s), {view.graph.number_of_edges()} edge(s); "
           f"{flagged} flow(s) with an open finding are drawn in its severity colour.")
if view.truncated:
    st.warning(f"This neighbourhood has more than {view.limit} nodes: only the nearest {view.limit} are drawn. "
               "Centre on something more specific or use fewer hops.")
st.plotly_chart(figures.network(view, centre), key="graph")

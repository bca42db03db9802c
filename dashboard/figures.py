"""Plotly figures for the dashboard: bars, the transfers map and the graph explorer's network drawing."""

from __future__ import annotations

from collections.abc import Sequence

import networkx as nx
import plotly.graph_objects as go

from dashboard.data import KIND_LABELS, CountryPair, Neighbourhood, alpha3
from registry.checks.finding import Severity

SEVERITY_COLOURS = {"high": "#d62728", "medium": "#ff9f1c", "low": "#1f77b4", "": "#2ca02c"}
KIND_COLOURS = {"group_company": "#1f77b4", "processor": "#9467bd", "recipient": "#8c564b", "flow": "#7f7f7f",
                "data_category": "#17becf", "country": "#bcbd22"}


def bar(counts: dict[str, int], title: str, colours: dict[str, str] | None = None) -> go.Figure:
    labels = list(counts)
    figure = go.Figure(go.Bar(
        x=[counts[k] for k in labels], y=labels, orientation="h", text=[counts[k] for k in labels],
        marker_color=[(colours or {}).get(k, "#4c78a8") for k in labels]))
    figure.update_layout(title=title, height=max(220, 40 + 28 * len(labels)), margin={"l": 10, "r": 10, "t": 40,
                         "b": 10}, yaxis={"autorange": "reversed"})
    return figure


def transfers_map(pairs: Sequence[CountryPair]) -> go.Figure:
    """One great-circle arc per country pair, coloured by its worst open finding, wider with more flows."""
    figure = go.Figure()
    most = max((len(p.flows) for p in pairs), default=1)
    shown_legend: set[str] = set()
    for pair in pairs:
        ends = [alpha3(pair.sender), alpha3(pair.receiver)]
        if None in ends:
            continue
        severity = pair.worst.value if pair.worst else ""
        legend = severity or "no open finding"
        figure.add_trace(go.Scattergeo(
            locations=ends, locationmode="ISO-3", mode="lines+markers",
            line={"width": 1.5 + 6 * len(pair.flows) / most, "color": SEVERITY_COLOURS[severity]},
            marker={"size": 6, "color": SEVERITY_COLOURS[severity]},
            name=legend, legendgroup=legend, showlegend=legend not in shown_legend,
            hovertext=f"{pair.label}: {len(pair.flows)} flow(s), worst open finding {severity or 'none'}",
            hoverinfo="text"))
        shown_legend.add(legend)
    figure.update_geos(projection_type="natural earth", showcountries=True, countrycolor="#bbbbbb",
                       showland=True, landcolor="#f2f2f2")
    figure.update_layout(height=520, margin={"l": 0, "r": 0, "t": 10, "b": 0}, legend_title_text="Worst finding")
    return figure


def network(view: Neighbourhood, centre: str) -> go.Figure:
    """The neighbourhood drawn with a spring layout; flows with an open finding in their severity colour."""
    graph = view.graph
    positions = nx.spring_layout(nx.Graph(graph), seed=7, k=None, iterations=60) if len(graph) > 1 else {
        node: (0.0, 0.0) for node in graph}
    edge_x: list[float | None] = []
    edge_y: list[float | None] = []
    for source, target in graph.edges():
        edge_x += [positions[source][0], positions[target][0], None]
        edge_y += [positions[source][1], positions[target][1], None]
    figure = go.Figure(go.Scatter(x=edge_x, y=edge_y, mode="lines", line={"width": 0.7, "color": "#aaaaaa"},
                                  hoverinfo="skip", showlegend=False))
    for kind, label in KIND_LABELS.items():
        nodes = [n for n, data in graph.nodes(data=True) if data.get("kind") == kind]
        if not nodes:
            continue
        colours = [SEVERITY_COLOURS[graph.nodes[n].get("flagged", "")] if kind == "flow" else KIND_COLOURS[kind]
                   for n in nodes]
        figure.add_trace(go.Scatter(
            x=[positions[n][0] for n in nodes], y=[positions[n][1] for n in nodes], mode="markers+text",
            name=label, text=[str(graph.nodes[n].get("id", n)) for n in nodes], textposition="top center",
            textfont={"size": 9},
            hovertext=[_hover(graph, n) for n in nodes], hoverinfo="text",
            marker={"size": [22 if n == centre else 10 if kind == "flow" else 14 for n in nodes],
                    "color": colours, "symbol": "diamond" if kind == "flow" else "circle",
                    "line": {"width": 2 if kind != "flow" else 0, "color": KIND_COLOURS[kind]}}))
    figure.update_layout(height=640, margin={"l": 0, "r": 0, "t": 10, "b": 0}, xaxis={"visible": False},
                         yaxis={"visible": False}, legend_title_text="Kind (flows: worst open finding)")
    return figure


def _hover(graph: nx.MultiDiGraph, node: str) -> str:
    data = graph.nodes[node]
    flagged = data.get("flagged")
    suffix = f" — open finding: {flagged}" if flagged else ""
    return f"{KIND_LABELS.get(str(data.get('kind')), '')}: {data.get('label')}{suffix}"


def severity_order(values: Sequence[str]) -> list[str]:
    order = [s.value for s in Severity]
    return sorted(values, key=lambda v: order.index(v) if v in order else len(order))

"""Plotly figures for the dashboard: bars, the transfers map and the graph explorer's network drawing."""

from __future__ import annotations

import csv
import functools
import math
from collections import Counter, defaultdict
from collections.abc import Sequence
from datetime import date
from pathlib import Path

import networkx as nx
import plotly.graph_objects as go
import pycountry

from dashboard.models.transfers_map import CountryPair
from registry.checks.finding import Severity
from registry.projection import COUNTRY, DATA_CATEGORY, FLOW, GROUP_COMPANY, PROCESSOR, RECIPIENT, Neighbourhood

# The world map comes from dashboard/static/ (served by `flowreg dashboard`), not from plotly's CDN.
MAP_CONFIG = {"topojsonURL": "app/static/"}
STATIC = Path(__file__).resolve().parent / "static"
SEVERITY_COLOURS = {"high": "#d62728", "medium": "#ff9f1c", "low": "#1f77b4", "": "#2ca02c"}
# The explorer's node kinds (registry.projection), in the order the legend lists them.
KIND_LABELS = {GROUP_COMPANY: "Group company", PROCESSOR: "Processor", RECIPIENT: "Recipient", FLOW: "Flow",
               DATA_CATEGORY: "Data category", COUNTRY: "Country"}
KIND_COLOURS = {GROUP_COMPANY: "#1f77b4", PROCESSOR: "#9467bd", RECIPIENT: "#8c564b", FLOW: "#7f7f7f",
                DATA_CATEGORY: "#17becf", COUNTRY: "#bcbd22"}


def bar(counts: dict[str, int], title: str, colours: dict[str, str] | None = None) -> go.Figure:
    labels = list(counts)
    figure = go.Figure(go.Bar(
        x=[counts[k] for k in labels], y=labels, orientation="h", text=[counts[k] for k in labels], textangle=0,
        marker_color=[(colours or {}).get(k, "#4c78a8") for k in labels]))
    figure.update_layout(title=title, height=max(220, 40 + 28 * len(labels)), margin={"l": 10, "r": 10, "t": 40,
                         "b": 10}, yaxis={"autorange": "reversed"})
    return figure


def trend(series: dict[str, list[tuple[date, int]]]) -> go.Figure:
    """Open problems by severity over time: a line per severity, in its colour."""
    figure = go.Figure()
    for severity, points in series.items():
        figure.add_trace(go.Scatter(x=[day for day, _ in points], y=[count for _, count in points],
                                    mode="lines+markers", name=severity,
                                    line={"color": SEVERITY_COLOURS[severity], "width": 2}))
    figure.update_layout(height=300, margin={"l": 10, "r": 10, "t": 10, "b": 10}, yaxis={"rangemode": "tozero",
                         "title": "open problems"}, legend_title_text="Worst finding", hovermode="x unified")
    return figure


def alpha3(code: str) -> str | None:
    country = pycountry.countries.get(alpha_2=code)
    return country.alpha_3 if country else None


@functools.cache
def centroids() -> dict[str, tuple[float, float]]:
    """ISO-3 code -> (lon, lat) of each country's centroid (from the 1:50m map, which has the small countries
    the drawn 1:110m map leaves out, such as Singapore and Malta)."""
    with (STATIC / "centroids.csv").open(encoding="utf-8", newline="") as rows:
        return {row["iso3"]: (float(row["lon"]), float(row["lat"])) for row in csv.DictReader(rows)}


def transfers_map(pairs: Sequence[CountryPair]) -> tuple[go.Figure, list[CountryPair]]:
    """An arc per country pair, coloured by its worst open finding and wider with more flows; drawn as one
    trace per (colour, width) so that thousands of pairs stay light. Also returns the pairs it could not
    place (a country too small for the 1:110m map)."""
    places = centroids()
    most = max((len(p.flows) for p in pairs), default=1)
    groups: dict[tuple[str, int], list[CountryPair]] = defaultdict(list)
    unplaced = []
    for pair in pairs:
        if alpha3(pair.sender) in places and alpha3(pair.receiver) in places:
            groups[(pair.worst.value if pair.worst else "", math.ceil(4 * len(pair.flows) / most))].append(pair)
        else:
            unplaced.append(pair)
    figure = go.Figure()
    shown_legend: set[str] = set()
    for (severity, bucket), members in sorted(groups.items(), key=lambda kv: (-_rank(kv[0][0]), kv[0][1])):
        lons: list[float | None] = []
        lats: list[float | None] = []
        texts: list[str] = []
        for pair in members:
            (lon1, lat1), (lon2, lat2) = places[alpha3(pair.sender) or ""], places[alpha3(pair.receiver) or ""]
            label = f"{pair.label}: {len(pair.flows)} flow(s), worst open finding {severity or 'none'}"
            lons += [lon1, lon2, None]
            lats += [lat1, lat2, None]
            texts += [label, label, ""]
        legend = severity or "no open finding"
        figure.add_trace(go.Scattergeo(
            lon=lons, lat=lats, mode="lines+markers", hovertext=texts, hoverinfo="text",
            line={"width": 1.5 + 1.5 * bucket, "color": SEVERITY_COLOURS[severity]},
            marker={"size": 5, "color": SEVERITY_COLOURS[severity]},
            name=legend, legendgroup=legend, showlegend=legend not in shown_legend))
        shown_legend.add(legend)
    # Centre the map on the country most data leaves from, so its arcs do not wrap round the map's edge.
    senders = Counter(p.sender for p in pairs for _ in p.flows)
    home = places.get(alpha3(senders.most_common(1)[0][0]) or "") if senders else None
    figure.update_geos(projection_type="natural earth", projection_rotation={"lon": home[0] if home else 0},
                       showcountries=True, countrycolor="#bbbbbb", showland=True, landcolor="#f2f2f2")
    figure.update_layout(height=520, margin={"l": 0, "r": 0, "t": 10, "b": 0}, legend_title_text="Worst finding")
    return figure, unplaced


def _rank(severity: str) -> int:
    return Severity(severity).rank if severity else 0


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
        colours = [SEVERITY_COLOURS[graph.nodes[n].get("flagged", "")] if kind == FLOW else KIND_COLOURS[kind]
                   for n in nodes]
        figure.add_trace(go.Scatter(
            x=[positions[n][0] for n in nodes], y=[positions[n][1] for n in nodes], mode="markers+text",
            name=label, text=[str(graph.nodes[n].get("id", n)) for n in nodes], textposition="top center",
            textfont={"size": 9},
            hovertext=[_hover(graph, n) for n in nodes], hoverinfo="text",
            marker={"size": [22 if n == centre else 10 if kind == FLOW else 14 for n in nodes],
                    "color": colours, "symbol": "diamond" if kind == FLOW else "circle",
                    "line": {"width": 2 if kind != FLOW else 0, "color": KIND_COLOURS[kind]}}))
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

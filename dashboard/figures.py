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
from registry.model import country_label
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


# The map's severities: Okabe-Ito colours, which people with the common colour-vision deficiencies tell apart, and
# a dash for each, so that the severity reads without colour too (line width tells the number of flows).
OKABE_ITO = {"orange": "#E69F00", "sky blue": "#56B4E9", "bluish green": "#009E73", "yellow": "#F0E442",
             "blue": "#0072B2", "vermillion": "#D55E00", "reddish purple": "#CC79A7", "black": "#000000"}
MAP_SEVERITY_STYLES: dict[str, tuple[str, str]] = {
    "high": (OKABE_ITO["vermillion"], "solid"),
    "medium": (OKABE_ITO["orange"], "dash"),
    "low": (OKABE_ITO["blue"], "dashdot"),
    "": (OKABE_ITO["bluish green"], "dot"),  # no open problem
}
MAP_PATH_COLOUR = OKABE_ITO["black"]  # the chosen problem's path, over every arc
MAP_SEVERITY_NAMES = {"high": "high", "medium": "medium", "low": "low", "": "no open problem"}
ARC_STEPS = 24  # points per route: short enough steps that each reads as a straight piece of the curve
ARC_BOW = 0.08  # how far a route bows to the left of its direction, as a share of its length


def map_centre(pairs: Sequence[CountryPair]) -> float:
    """The longitude the map is centred on: the country most data leaves from, so that its routes lie inside."""
    senders = Counter(p.sender for p in pairs for _ in p.flows)
    home = centroids().get(alpha3(senders.most_common(1)[0][0]) or "") if senders else None
    return home[0] if home else 0.0


def in_frame(lon: float, centre: float) -> float:
    """The longitude within the map centred on `centre`: from centre - 180 (its left edge) to centre + 180."""
    return (lon - centre + 180.0) % 360.0 - 180.0 + centre


def route(start: tuple[float, float], end: tuple[float, float], centre: float) -> list[tuple[float, float]]:
    """Points (lon, lat) of the route drawn from `start` to `end` on the map centred on `centre`.

    Not the great circle: the one between two far countries runs over a pole, which a world map draws along its
    top edge, and one across the map's edge is cut in two. The route runs between the ends as the map shows
    them (inside its frame, so it never crosses the edge), bowing slightly to the left of its direction, so that
    A -> B and B -> A are two arcs. Longitudes are returned in -180..180."""
    lon1, lat1 = in_frame(start[0], centre), start[1]
    lon2, lat2 = in_frame(end[0], centre), end[1]
    d_lon, d_lat = lon2 - lon1, lat2 - lat1
    edge = 179.5  # on the edge itself a point may be drawn on either side
    points = []
    for step in range(ARC_STEPS + 1):
        t = step / ARC_STEPS
        bow = ARC_BOW * math.sin(math.pi * t)
        lon = min(max(lon1 + d_lon * t - d_lat * bow, centre - edge), centre + edge)
        lat = min(max(lat1 + d_lat * t + d_lon * bow, -85.0), 85.0)
        points.append((in_frame(lon, 0.0), lat))
    return points


def transfers_map(pairs: Sequence[CountryPair], path: Sequence[tuple[str, str]] = (),
                  chosen: CountryPair | None = None) -> tuple[go.Figure, list[CountryPair]]:
    """An arc per country pair, styled by its worst open problem (colour and dash) and wider with more flows;
    drawn as one trace per (severity, width) so that many pairs stay light. `path` (country legs) is drawn
    over them, as is the `chosen` pair. Also returns the pairs it could not place (a country too small for the
    1:110m map)."""
    centre = map_centre(pairs)
    most = max((len(p.flows) for p in pairs), default=1)
    groups: dict[tuple[str, int], list[int]] = defaultdict(list)
    ends: dict[int, tuple[tuple[float, float], tuple[float, float]]] = {}
    unplaced = []
    for index, pair in enumerate(pairs):
        start, end = _place(pair.sender), _place(pair.receiver)
        if start and end:
            ends[index] = (start, end)
            groups[(pair.worst.value if pair.worst else "", math.ceil(4 * len(pair.flows) / most))].append(index)
        else:
            unplaced.append(pair)
    figure = go.Figure()
    shown_legend: set[str] = set()
    # The quiet arcs first, so that the worst are drawn on top.
    for (severity, bucket), members in sorted(groups.items(), key=lambda kv: (_rank(kv[0][0]), kv[0][1])):
        lons: list[float | None] = []
        lats: list[float | None] = []
        texts: list[str] = []
        for index in members:
            pair = pairs[index]
            label = (f"{pair.label}: {len(pair.flows)} flow(s), worst open problem "
                     f"{MAP_SEVERITY_NAMES[severity]}")
            points = route(*ends[index], centre)
            lons += [lon for lon, _ in points] + [None]
            lats += [lat for _, lat in points] + [None]
            texts += [label] * len(points) + [""]
        colour, dash = MAP_SEVERITY_STYLES[severity]
        legend = MAP_SEVERITY_NAMES[severity]
        figure.add_trace(go.Scattergeo(
            lon=lons, lat=lats, mode="lines", hovertext=texts, hoverinfo="text",
            line={"width": 0.5 + bucket, "color": colour, "dash": dash}, opacity=0.8,
            name=legend, legendgroup=legend, showlegend=legend not in shown_legend))
        shown_legend.add(legend)
    _highlight(figure, [p.leg for p in ([chosen] if chosen else [])], "Chosen pair", centre, width=8, opacity=0.35)
    _highlight(figure, list(path), "Path of the chosen problem", centre, width=3, opacity=1.0)
    places = {c: place for p in pairs for c in (p.sender, p.receiver) if (place := _place(c))}
    countries = sorted(places)
    figure.add_trace(go.Scattergeo(
        lon=[in_frame(places[c][0], 0.0) for c in countries], lat=[places[c][1] for c in countries],
        mode="markers", marker={"size": 6, "color": "#444444"}, hovertext=[country_label(c) for c in countries],
        hoverinfo="text", showlegend=False))
    figure.update_geos(projection_type="natural earth", projection_rotation={"lon": centre},
                       showcountries=True, countrycolor="#bbbbbb", showland=True, landcolor="#f2f2f2")
    # The legend below the map, where the plot's toolbar (top right) cannot cover it.
    figure.update_layout(height=560, margin={"l": 0, "r": 0, "t": 10, "b": 60},
                         legend={"title": {"text": "Worst open problem on the hop"}, "orientation": "h",
                                 "yanchor": "top", "y": -0.02, "xanchor": "left", "x": 0})
    return figure, unplaced


def _place(country: str) -> tuple[float, float] | None:
    return centroids().get(alpha3(country) or "")


def _highlight(figure: go.Figure, legs: list[tuple[str, str]], name: str, centre: float, *, width: float,
               opacity: float) -> None:
    lons: list[float | None] = []
    lats: list[float | None] = []
    for sender, receiver in legs:
        start, end = _place(sender), _place(receiver)
        if start and end:
            points = route(start, end, centre)
            lons += [lon for lon, _ in points] + [None]
            lats += [lat for _, lat in points] + [None]
    if lons:
        figure.add_trace(go.Scattergeo(lon=lons, lat=lats, mode="lines", name=name, hoverinfo="skip",
                                       opacity=opacity, line={"width": width, "color": MAP_PATH_COLOUR}))


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

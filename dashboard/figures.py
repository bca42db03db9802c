"""Plotly figures for the dashboard: bars, the transfers map and the graph explorer's network drawing."""

from __future__ import annotations

import csv
import functools
import math
from collections import Counter, defaultdict
from collections.abc import Sequence
from datetime import date
from pathlib import Path

import plotly.graph_objects as go
import pycountry

from dashboard.models.graph_explorer import FONT_PX, MARKER_PX, Link, Party, PartyGraph, shorten
from dashboard.models.transfers_map import CountryPair
from registry.checks.finding import Severity

# The world map comes from dashboard/static/ (served by `flowreg dashboard`), not from plotly's CDN.
MAP_CONFIG = {"topojsonURL": "app/static/"}
STATIC = Path(__file__).resolve().parent / "static"
SEVERITY_COLOURS = {"high": "#d62728", "medium": "#ff9f1c", "low": "#1f77b4", "": "#2ca02c"}


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


def party_graph(graph: PartyGraph, show_categories: bool = False) -> go.Figure:
    """The parties in columns, left to right, joined by a line per pair of parties: its colour, width and dash
    say the worst open finding on its flows; its data categories are in the hover text (and written on it with
    `show_categories`). Axes are in the model's pixels, so its labels neither overlap nor leave the plot."""
    where = {p.node: p for p in graph.parties}
    figure = go.Figure()
    for severity in ("", "low", "medium", "high"):  # the worst drawn last, on top
        links = [k for k in graph.links if (k.worst.value if k.worst else "") == severity and k.flows]
        if links:
            _add_links(figure, links, where, LINK_STYLES[severity], severity)
    sub_only = [k for k in graph.links if not k.flows]
    if sub_only:
        _add_links(figure, sub_only, where, LINK_STYLES["sub"], "sub")
    _add_link_hover(figure, graph.links, where, show_categories)
    for kind, (symbol, colour) in PARTY_STYLES.items():
        parties = [p for p in graph.parties if p.kind == kind]
        if not parties:
            continue
        figure.add_trace(go.Scatter(
            x=[p.x for p in parties], y=[p.y for p in parties], mode="markers", name=kind, legendgroup="parties",
            legendgrouptitle_text="Parties", hovertext=[_party_hover(p) for p in parties], hoverinfo="text",
            marker={"symbol": symbol, "color": colour, "size": [MARKER_PX + 6 if p.centre else MARKER_PX
                                                                 for p in parties],
                    "line": {"color": ["#000000" if p.centre else "#ffffff" for p in parties],
                             "width": [2.5 if p.centre else 1 for p in parties]}}))
    # Annotations, not scatter text: they take a background, so a line passing behind a label leaves it legible.
    # Given all at once: plotly checks the whole list again for each one added.
    labels = [{"x": party.x, "y": party.y, "yshift": MARKER_PX / 2, "yanchor": "bottom", "showarrow": False,
               "text": "<br>".join(party.lines), "font": {"size": FONT_PX}, "bgcolor": "rgba(255,255,255,0.8)",
               "borderpad": 0, "hovertext": party.name} for party in graph.parties]
    figure.update_layout(
        annotations=labels,
        height=graph.height + GRAPH_MARGIN["t"] + GRAPH_MARGIN["b"], margin=GRAPH_MARGIN, plot_bgcolor="white",
        xaxis={"range": list(graph.x_range), "visible": False, "autorange": False},
        yaxis={"range": list(graph.y_range), "visible": False, "autorange": False},
        legend={"orientation": "h", "yanchor": "top", "y": -0.01, "xanchor": "left", "x": 0},
        hovermode="closest")
    return figure


# Okabe and Ito's colour-blind-safe palette; width and dash tell the severities apart a second way.
GRAPH_SEVERITY_COLOURS = {"high": "#D55E00", "medium": "#E69F00", "low": "#0072B2", "": "#999999"}
LINK_STYLES: dict[str, tuple[str, str, float, str]] = {  # legend name, colour, width, dash
    "high": ("High open finding", GRAPH_SEVERITY_COLOURS["high"], 4.0, "solid"),
    "medium": ("Medium open finding", GRAPH_SEVERITY_COLOURS["medium"], 3.0, "dash"),
    "low": ("Low open finding", GRAPH_SEVERITY_COLOURS["low"], 2.0, "dot"),
    "": ("No open finding", GRAPH_SEVERITY_COLOURS[""], 1.2, "solid"),
    "sub": ("Sub-processor of (no flow)", "#999999", 1.2, "dashdot"),
}
PARTY_STYLES = {  # marker symbol and colour by the kind of party (registry.labels.entity_kind_label)
    "Group company": ("square", "#56B4E9"),
    "Processor": ("circle", "#CC79A7"),
    "Sub-processor": ("circle-open-dot", "#CC79A7"),
    "Recipient": ("diamond", "#009E73"),
}
GRAPH_MARGIN = {"l": 0, "r": 0, "t": 10, "b": 70}  # the legend sits below the drawing, clear of the toolbar
ARROW_BACK = MARKER_PX + 4  # an arrowhead stops short of the receiver's marker


def _add_links(figure: go.Figure, links: Sequence[Link], where: dict[str, Party],
               style: tuple[str, str, float, str], key: str) -> None:
    name, colour, width, dash = style
    xs: list[float | None] = []
    ys: list[float | None] = []
    heads_x: list[float] = []
    heads_y: list[float] = []
    angles: list[float] = []
    for link in links:
        source, target = where[link.source], where[link.target]
        xs += [source.x, target.x, None]
        ys += [source.y, target.y, None]
        dx, dy = target.x - source.x, target.y - source.y
        length = math.hypot(dx, dy) or 1.0
        heads_x.append(target.x - dx / length * ARROW_BACK)
        heads_y.append(target.y - dy / length * ARROW_BACK)
        angles.append(-math.degrees(math.atan2(dy, dx)))  # plotly turns markers clockwise, y grows upwards
    figure.add_trace(go.Scatter(x=xs, y=ys, mode="lines", name=name, legendgroup=f"links-{key}",
                                hoverinfo="skip",
                                line={"color": colour, "width": width, "dash": dash}))
    figure.add_trace(go.Scatter(x=heads_x, y=heads_y, mode="markers", legendgroup=f"links-{key}", showlegend=False,
                                hoverinfo="skip", marker={"symbol": "triangle-right", "size": 6 + width,
                                                          "angle": angles, "color": colour}))


CATEGORIES_ON_LINK = 2  # data categories written on a link; the hover text has them all
CATEGORY_CHARS = 18


def _add_link_hover(figure: go.Figure, links: Sequence[Link], where: dict[str, Party], show_categories: bool) -> None:
    """A point in the middle of each link with what it carries in its hover text (and written on it)."""
    if not links:
        return
    middles = [((where[k.source].x + where[k.target].x) / 2, (where[k.source].y + where[k.target].y) / 2)
               for k in links]
    texts = [_categories_short(k.categories) for k in links] if show_categories else None
    figure.add_trace(go.Scatter(
        x=[x for x, _ in middles], y=[y for _, y in middles], mode="markers+text" if show_categories else "markers",
        text=texts, textposition="middle center", textfont={"size": FONT_PX - 2, "color": "#444444"},
        hovertext=[_link_hover(k, where) for k in links], hoverinfo="text", showlegend=False,
        marker={"size": 10, "color": "rgba(0,0,0,0)"}))


def _categories_short(categories: Sequence[str]) -> str:
    shown = ", ".join(shorten(c, CATEGORY_CHARS) for c in categories[:CATEGORIES_ON_LINK])
    more = len(categories) - CATEGORIES_ON_LINK
    return f"{shown} +{more}" if more > 0 else shown


def _link_hover(link: Link, where: dict[str, Party]) -> str:
    head = f"{where[link.source].name} → {where[link.target].name}"
    if not link.flows:
        return f"{head}<br>{where[link.target].name} is a sub-processor of {where[link.source].name}"
    lines = [head, f"{len(link.flows)} flow(s): {', '.join(link.flows[:6])}{' …' if len(link.flows) > 6 else ''}",
             f"Worst open finding: {link.worst.value if link.worst else 'none'}"]
    if link.subprocessor:
        lines.append("The receiver is a sub-processor of the sender")
    lines.append("Data categories: " + _wrapped(link.categories))
    return "<br>".join(lines)


def _wrapped(names: Sequence[str], per_line: int = 4) -> str:
    return "<br>  ".join(", ".join(names[i:i + per_line]) for i in range(0, len(names), per_line))


def _party_hover(party: Party) -> str:
    role = f" · {party.role}" if party.role != party.kind else ""
    return f"<b>{party.name}</b><br>{party.kind}{role}<br>Processes data in {party.countries}"


def severity_order(values: Sequence[str]) -> list[str]:
    order = [s.value for s in Severity]
    return sorted(values, key=lambda v: order.index(v) if v in order else len(order))

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
from registry.model import country_label

# The world map comes from dashboard/static/ (served by `flowreg dashboard`), not from plotly's CDN.
MAP_CONFIG = {"topojsonURL": "app/static/"}
STATIC = Path(__file__).resolve().parent / "static"
# Okabe and Ito's colour-blind-safe palette, for every severity the dashboard draws; the map and the graph add a
# dash (and the graph a width) so that a severity reads without colour too.
OKABE_ITO = {"orange": "#E69F00", "sky blue": "#56B4E9", "bluish green": "#009E73", "yellow": "#F0E442",
             "blue": "#0072B2", "vermillion": "#D55E00", "reddish purple": "#CC79A7", "black": "#000000"}
SEVERITY_COLOURS = {"high": OKABE_ITO["vermillion"], "medium": OKABE_ITO["orange"], "low": OKABE_ITO["blue"],
                    "": OKABE_ITO["bluish green"]}


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


# The map's severities: a dash for each beside its colour (line width tells the number of flows).
MAP_SEVERITY_STYLES: dict[str, tuple[str, str]] = {
    "high": (SEVERITY_COLOURS["high"], "solid"),
    "medium": (SEVERITY_COLOURS["medium"], "dash"),
    "low": (SEVERITY_COLOURS["low"], "dashdot"),
    "": (SEVERITY_COLOURS[""], "dot"),  # no open problem
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


# Width and dash tell the severities apart a second way; a link with no open finding is grey, not green, so the
# parties' own colours stand out.
GRAPH_SEVERITY_COLOURS = {**SEVERITY_COLOURS, "": "#999999"}
LINK_STYLES: dict[str, tuple[str, str, float, str]] = {  # legend name, colour, width, dash
    "high": ("High open finding", GRAPH_SEVERITY_COLOURS["high"], 4.0, "solid"),
    "medium": ("Medium open finding", GRAPH_SEVERITY_COLOURS["medium"], 3.0, "dash"),
    "low": ("Low open finding", GRAPH_SEVERITY_COLOURS["low"], 2.0, "dot"),
    "": ("No open finding", GRAPH_SEVERITY_COLOURS[""], 1.2, "solid"),
    "sub": ("Sub-processor relation, no flow", "#999999", 1.2, "dashdot"),
}
PARTY_STYLES = {  # marker symbol and colour by the kind of party (registry.labels.entity_kind_label)
    "Group company": ("square", "#56B4E9"),
    "Processor": ("circle", "#CC79A7"),
    "Sub-processor": ("circle-open-dot", "#CC79A7"),
    "Recipient": ("diamond", "#009E73"),
}
GRAPH_MARGIN = {"l": 0, "r": 0, "t": 10, "b": 70}  # the legend sits below the drawing, clear of the toolbar
ARROW_BACK = MARKER_PX + 4  # an arrowhead stops short of the receiver's marker
LABEL_COLOUR = "#262730"  # Streamlit's text colour: its plotly theme would draw annotations pale grey


def party_graph(graph: PartyGraph, show_categories: bool = False) -> go.Figure:
    """The parties in columns, left to right, joined by a line per pair of parties: its colour, width and dash
    say the worst open finding on its flows; its data categories are in the hover text (and, with
    `show_categories`, written beside each party they reach). Axes are in the model's pixels, so its labels
    neither overlap nor leave the plot."""
    where = {p.node: p for p in graph.parties}
    figure = go.Figure()
    for severity in ("", "low", "medium", "high"):  # the worst drawn last, on top
        links = [k for k in graph.links if (k.worst.value if k.worst else "") == severity and k.flows]
        if links:
            _add_links(figure, links, where, graph.column_pitch, LINK_STYLES[severity], severity)
    sub_only = [k for k in graph.links if not k.flows]
    if sub_only:
        _add_links(figure, sub_only, where, graph.column_pitch, LINK_STYLES["sub"], "sub")
    _add_link_hover(figure, graph.links, where, graph.column_pitch)
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
               "text": "<br>".join(party.lines), "font": {"size": FONT_PX, "color": LABEL_COLOUR},
               "bgcolor": "rgba(255,255,255,0.8)", "borderpad": 0, "hovertext": party.name, "name": "party"}
              for party in graph.parties]
    if show_categories:
        labels += arriving_categories(graph)
    figure.update_layout(
        annotations=labels,
        height=graph.height + GRAPH_MARGIN["t"] + GRAPH_MARGIN["b"], margin=GRAPH_MARGIN, plot_bgcolor="white",
        xaxis={"range": list(graph.x_range), "visible": False, "autorange": False},
        yaxis={"range": list(graph.y_range), "visible": False, "autorange": False},
        legend={"orientation": "h", "yanchor": "top", "y": -0.01, "xanchor": "left", "x": 0,
                "font": {"color": LABEL_COLOUR}, "grouptitlefont": {"color": LABEL_COLOUR}},
        hovermode="closest")
    return figure


def _add_links(figure: go.Figure, links: Sequence[Link], where: dict[str, Party], pitch: float,
               style: tuple[str, str, float, str], key: str) -> None:
    name, colour, width, dash = style
    xs: list[float | None] = []
    ys: list[float | None] = []
    heads_x: list[float] = []
    heads_y: list[float] = []
    angles: list[float] = []
    for link in links:
        path = link_path(where[link.source], where[link.target], pitch)
        xs += [x for x, _ in path] + [None]
        ys += [y for _, y in path] + [None]
        (x0, y0), (x1, y1) = path[-2], path[-1]
        length = math.hypot(x1 - x0, y1 - y0) or 1.0
        back = min(ARROW_BACK, length) if len(path) > 2 else ARROW_BACK
        heads_x.append(x1 - (x1 - x0) / length * back)
        heads_y.append(y1 - (y1 - y0) / length * back)
        angles.append(-math.degrees(math.atan2(y1 - y0, x1 - x0)))  # plotly turns markers clockwise, y grows up
    figure.add_trace(go.Scatter(x=xs, y=ys, mode="lines", name=name, legendgroup=f"links-{key}", hoverinfo="skip",
                                line={"color": colour, "width": width, "dash": dash}))
    figure.add_trace(go.Scatter(x=heads_x, y=heads_y, mode="markers", legendgroup=f"links-{key}", showlegend=False,
                                hoverinfo="skip", marker={"symbol": "triangle-right", "size": 6 + width,
                                                          "angle": angles, "color": colour}))


CURVE_POINTS = 16


def link_path(source: Party, target: Party, pitch: float) -> list[tuple[float, float]]:
    """The points a link is drawn through: straight between columns; within a column, a curve out into the gap
    to the right of the column, so that it passes beside the labels between its ends, not through them."""
    if source.column != target.column:
        return [(source.x, source.y), (target.x, target.y)]
    control = (source.x + pitch, (source.y + target.y) / 2)  # a quadratic curve reaches half-way to its control
    return [((1 - t) ** 2 * source.x + 2 * t * (1 - t) * control[0] + t ** 2 * target.x,
             (1 - t) ** 2 * source.y + 2 * t * (1 - t) * control[1] + t ** 2 * target.y)
            for t in (i / CURVE_POINTS for i in range(CURVE_POINTS + 1))]


LINK_FONT_PX = 9
CHAR_SHARE = 0.58  # of the font's size, a character's estimated width
SHORTEST_CATEGORY = 8


def _add_link_hover(figure: go.Figure, links: Sequence[Link], where: dict[str, Party], pitch: float) -> None:
    """An invisible point in the middle of each link, with what it carries in its hover text."""
    if not links:
        return
    middles = []
    for link in links:
        path = link_path(where[link.source], where[link.target], pitch)
        middles.append(path[len(path) // 2] if len(path) > 2 else
                       ((path[0][0] + path[1][0]) / 2, (path[0][1] + path[1][1]) / 2))
    figure.add_trace(go.Scatter(
        x=[x for x, _ in middles], y=[y for _, y in middles], mode="markers", showlegend=False,
        hovertext=[_link_hover(k, where) for k in links], hoverinfo="text",
        marker={"size": 10, "color": "rgba(0,0,0,0)"}))


def arriving_categories(graph: PartyGraph) -> list[dict[str, object]]:
    """Label annotations naming the data categories that reach each party from the columns on its left (written
    left of its marker) and on its right (written right of it): one per side, in the half column beside the
    marker that no label of the neighbouring column reaches (labels are at most a column's pitch minus a gap
    wide, centred on their column), so they overlap neither labels nor each other."""
    where = {p.node: p for p in graph.parties}
    arriving: dict[tuple[str, int], set[str]] = defaultdict(set)
    for link in graph.links:
        source, target = where[link.source], where[link.target]
        if source.column != target.column:
            arriving[(target.node, -1 if source.column < target.column else 1)].update(link.categories)
    room = graph.column_pitch / 2 - ARROW_BACK
    most = int(room / (CHAR_SHARE * LINK_FONT_PX))
    notes: list[dict[str, object]] = []
    for (node, side), categories in sorted(arriving.items()):
        names = sorted(categories)
        text = _categories_short(names, most)
        if text:
            party = where[node]
            notes.append({"x": party.x + side * ARROW_BACK, "y": party.y, "xanchor": "left" if side > 0 else "right",
                          "yanchor": "middle", "showarrow": False, "text": text, "name": "categories",
                          "font": {"size": LINK_FONT_PX, "color": "#444444"}, "bgcolor": "rgba(255,255,255,0.85)",
                          "borderpad": 0, "hovertext": "Data categories arriving:<br>" + _wrapped(names)})
    return notes


def _categories_short(categories: Sequence[str], most: int) -> str:
    """The first data category, shortened, and how many more: "Rakuten member ID +9"; only how many when the
    room is too small for a name."""
    if not categories:
        return ""
    if most < SHORTEST_CATEGORY + 4:
        return f"{len(categories)} categor{'y' if len(categories) == 1 else 'ies'}" if most >= 12 else ""
    more = f" +{len(categories) - 1}" if len(categories) > 1 else ""
    return shorten(categories[0], most - len(more)) + more


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

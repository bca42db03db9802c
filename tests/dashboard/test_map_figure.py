"""The transfers map's drawing: routes stay whole inside the map, severities read without colour, the legend
stays clear of the toolbar."""

from __future__ import annotations

import itertools
import math

from dashboard import figures
from dashboard.models.transfers_map import CountryPair
from registry.checks.finding import Severity

# The seed's routes (the map centres on Japan, where most data leaves from), and routes that cross every edge.
PAIRS = [CountryPair("JP", "US", ("f1", "f2", "f3"), Severity.HIGH), CountryPair("US", "IN", ("f4",), Severity.HIGH),
         CountryPair("JP", "LU", ("f5",), None), CountryPair("JP", "BR", ("f6",), Severity.MEDIUM),
         CountryPair("NZ", "GB", ("f7",), Severity.LOW), CountryPair("US", "JP", ("f8",), None),
         CountryPair("AU", "CA", ("f9",), None)]


def routes(figure: object) -> list[list[tuple[float, float]]]:
    """Each drawn line as its points, split where the trace breaks it (None)."""
    found = []
    for trace in figure.data:  # type: ignore[attr-defined]
        if trace.mode != "lines":
            continue
        points = list(zip(trace.lon, trace.lat, strict=True))
        for broken, run in itertools.groupby(points, key=lambda p: p[0] is None):
            if not broken:
                found.append(list(run))
    return found


def test_every_route_is_drawn_whole_inside_the_map() -> None:
    figure, unplaced = figures.transfers_map(PAIRS, path=[("JP", "US"), ("US", "IN")], chosen=PAIRS[1])
    centre = figure.layout.geo.projection.rotation.lon
    assert not unplaced and centre == figures.centroids()["JPN"][0]
    drawn = routes(figure)
    assert len(drawn) == len(PAIRS) + 3  # the chosen pair and the path's two legs drawn again over them
    for points in drawn:
        # Where the map shows it: longitudes from its left edge (centre - 180) to its right edge.
        shown = [(figures.in_frame(lon, centre), lat) for lon, lat in points]
        assert all(centre - 180 < lon < centre + 180 and -90 < lat < 90 for lon, lat in shown)
        # No piece jumps across the edge: it would span the whole map.
        assert all(abs(b[0] - a[0]) < 30 for a, b in itertools.pairwise(shown))
        assert all(-180 <= lon <= 180 for lon, _ in points)
    us, india = figures.centroids()["USA"], figures.centroids()["IND"]
    us_to_india = next(p for p in drawn if math.dist(p[0], us) < 1e-6 and math.dist(p[-1], india) < 1e-6)
    assert max(lat for _, lat in us_to_india) < 60  # not over the pole, which the map draws as its top border


def test_a_route_and_its_return_are_two_arcs() -> None:
    there = figures.route((139.0, 36.0), (-98.0, 39.0), 139.0)
    back = figures.route((-98.0, 39.0), (139.0, 36.0), 139.0)
    middle = figures.ARC_STEPS // 2
    assert there[0] == back[-1] and there[-1] == back[0] and abs(there[middle][1] - back[middle][1]) > 5


def test_severity_reads_by_colour_and_by_dash_and_the_legend_sits_below_the_map() -> None:
    figure, _ = figures.transfers_map(PAIRS)
    styles = {trace.name: (trace.line.color, trace.line.dash) for trace in figure.data if trace.showlegend}
    assert set(styles) == {"high", "medium", "low", "no open problem"}
    assert len({colour for colour, _ in styles.values()}) == len({dash for _, dash in styles.values()}) == 4
    assert {colour for colour, _ in styles.values()} <= set(figures.OKABE_ITO.values())
    legend = figure.layout.legend
    assert legend.orientation == "h" and legend.y < 0 and legend.yanchor == "top"  # the toolbar is at the top
    assert figure.layout.margin.b >= 40

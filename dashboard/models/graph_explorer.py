"""The Graph explorer page's model: what one can centre on, where it starts, and the parties around a centre laid
out left to right (controller -> processors -> sub-processors), bounded so that every label can be read.

A party is an entity; a link joins two parties by the flows between them (their data categories ride on the link,
not as nodes of their own) or by a sub-processor relation. Geometry is in pixels of a nominal drawing, so that a
test can tell whether two labels would overlap without a browser.
"""

from __future__ import annotations

import itertools
from collections import Counter, defaultdict
from dataclasses import dataclass
from functools import cached_property

import networkx as nx

from dashboard.models.base import PageModel
from registry.checks.finding import Severity, worst
from registry.collector import collector_paused
from registry.labels import countries_label, entity_kind_label, entity_role_label
from registry.model import Entity, GroupCompany, Processor, Role, country_label
from registry.projection import COUNTRY, Neighbourhood, node_id, record_node

GRAPH_NODE_LIMIT = 300
SHOWN_PARTIES = 30  # what one column of readable labels holds on a screen; "show more" adds as many again
MOST_PARTIES = 120

# The nominal drawing: labels sit above their markers, in FONT_PX text, estimated CHAR_PX wide a character.
PLOT_WIDTH = 800  # the page's main block at 1280x800 with the sidebar open; wider screens only add air
FONT_PX = 11
CHAR_PX = 0.62 * FONT_PX
LINE_PX = 1.3 * FONT_PX
MARKER_PX = 12
LABEL_LINES = 2  # a long name wraps once, then is shortened
ROW_AIR = 6  # between a label and the marker above it
LABEL_GAP = 16  # between the labels of neighbouring columns
SHORTEST_LABEL = 6  # two lines of it: with many columns a name is mostly in its hover text
LONGEST_LABEL = 32
MARGIN = 24  # round the drawing, so that no marker or label touches the plot's edge


@dataclass(frozen=True)
class Party:
    node: str  # the explorer's node id (registry.projection.record_node)
    name: str
    lines: tuple[str, ...]  # the name wrapped and shortened to fit its column; the full name is in the hover text
    kind: str  # "Group company", "Processor", "Sub-processor", "Recipient"
    role: str  # "Controller", "Joint controller", "Processor", a recipient's kind
    countries: str  # where it processes data, in names
    column: int
    x: float
    y: float
    centre: bool  # one of the parties the view is centred on

    @property
    def label(self) -> str:
        return " ".join(self.lines)

    def label_box(self) -> tuple[float, float, float, float]:
        """(left, bottom, right, top) of its label as drawn above the marker, in the drawing's pixels."""
        width = max(map(len, self.lines)) * CHAR_PX
        bottom = self.y + MARKER_PX / 2
        return self.x - width / 2, bottom, self.x + width / 2, bottom + len(self.lines) * LINE_PX


@dataclass(frozen=True)
class Link:
    source: str
    target: str
    flows: tuple[str, ...]  # the flows from source to target, by id
    categories: tuple[str, ...]  # the names of the data categories those flows carry
    worst: Severity | None  # the worst open finding on those flows
    subprocessor: bool  # target is a sub-processor of source


@dataclass(frozen=True)
class PartyGraph:
    parties: list[Party]
    links: list[Link]
    reached: int  # parties within the hops, before the cap
    cap: int
    width: float
    height: float
    column_pitch: float  # between neighbouring columns' centres

    @property
    def truncated(self) -> bool:
        return self.reached > len(self.parties)

    @property
    def x_range(self) -> tuple[float, float]:
        return -self.width / 2, self.width / 2

    @property
    def y_range(self) -> tuple[float, float]:
        return -self.height / 2, self.height / 2


@dataclass
class _Pair:
    flows: list[str]
    subprocessor: bool = False


class _Links:
    """Pairs of parties with the flows between them, as a graph, each pair's worst open finding and each
    party's: what a view is cut from (the whole registry's is built once per snapshot)."""

    def __init__(self, pairs: dict[tuple[str, str], _Pair], flagged: dict[str, Severity]) -> None:
        self.pairs = pairs
        self.graph = nx.DiGraph(list(pairs))
        self.worst = {p: worst(flagged[i] for i in pair.flows if i in flagged) for p, pair in pairs.items()}
        self.severity: dict[str, int] = defaultdict(int)
        for pair, found in self.worst.items():
            if found is not None:
                for entity in pair:
                    self.severity[entity] = max(self.severity[entity], found.rank)

    def within(self, seeds: set[str], hops: int) -> dict[str, int]:
        """Each party at most `hops` links from a seed, either way, with its distance (breadth first)."""
        distance = {seed: 0 for seed in seeds}
        frontier = sorted(seeds)
        for step in range(1, hops + 1):
            found = []
            for party in frontier:
                if party not in self.graph:
                    continue
                for other in itertools.chain(self.graph.successors(party), self.graph.predecessors(party)):
                    if other not in distance:
                        distance[other] = step
                        found.append(other)
            frontier = found
        return distance


class GraphExplorerModel(PageModel):
    def prepare(self) -> None:
        _ = self.centres, self.busiest_entity, self._entities_by_node, self._links, self._tiers

    @cached_property
    def centres(self) -> dict[str, list[tuple[str, str]]]:
        """Nodes one can centre the explorer on, by kind: (node id, label)."""
        registry = self.registry
        return {
            "Entity": [(record_node(e), f"{e.name} [{e.id}]") for e in
                       sorted(registry.entities.values(), key=lambda e: e.id)],
            "Data category": [(record_node(c), f"{c.name} [{c.id}]") for c in
                              sorted(registry.data_categories, key=lambda c: c.id)],
            # The explorer graph's country nodes (registry.projection), without building that whole graph.
            "Country": [(node_id(COUNTRY, code), country_label(code)) for code in
                        sorted({code for e in registry.entities.values() for code in e.where_processed})],
        }

    @cached_property
    def busiest_entity(self) -> str | None:
        """The node of the entity in the most flows: where the explorer starts."""
        counts = self._flow_counts
        if not counts:
            return None
        return record_node(self.registry.entities[min(counts, key=lambda e: (-counts[e], e))])

    def neighbourhood(self, centre: str, hops: int, limit: int = GRAPH_NODE_LIMIT) -> Neighbourhood:
        return self.snapshot.neighbourhood(centre, hops, limit)

    @cached_property
    def _entities_by_node(self) -> dict[str, Entity]:
        return {record_node(e): e for e in self.registry.entities.values()}

    @cached_property
    @collector_paused()
    def _links(self) -> _Links:
        """(sender, receiver) entity ids -> the flows between them; a parent -> sub-processor pair is marked."""
        pairs: dict[tuple[str, str], _Pair] = defaultdict(lambda: _Pair([]))
        for flow in self.registry.flows:
            pairs[(flow.sender, flow.receiver)].flows.append(flow.id)
        for processor in self.registry.processors:
            if processor.parent:
                pairs[(processor.parent, processor.id)].subprocessor = True
        return _Links(dict(pairs), self.snapshot.flagged_flows)

    @cached_property
    def _flow_counts(self) -> Counter[str]:
        """Entity id -> how many flows it sends or receives."""
        return Counter(e for f in self.registry.flows for e in (f.sender, f.receiver))

    @cached_property
    def _tiers(self) -> dict[str, int]:
        """Where each entity's role puts it when nothing else does: controllers first, then processors and
        recipients, then each level of sub-processors."""
        processors = {p.id: p for p in self.registry.processors}

        def depth(processor: Processor) -> int:
            seen = {processor.id}
            while processor.parent and processor.parent in processors and processor.parent not in seen:
                processor = processors[processor.parent]
                seen.add(processor.id)
            return len(seen)

        return {e.id: (0 if e.role is not Role.PROCESSOR else 1) if isinstance(e, GroupCompany)
                else depth(e) if isinstance(e, Processor) else 1 for e in self.registry.entities.values()}

    def party_graph(self, centre: str, hops: int, cap: int = SHOWN_PARTIES) -> PartyGraph:
        """The parties within `hops` links of `centre` (an entity, a data category or a country's node), at most
        `cap` of them (the nearest, then those with the worst open findings and the most flows), in columns
        from left to right: controllers, those they send to, then sub-processors and onward recipients. A data
        category's view has only the flows that carry it (or a category below it)."""
        registry = self.registry
        kind, _, key = centre.partition(":")
        links = self._links
        if kind == COUNTRY:
            seeds = {e.id for e in registry.entities.values() if key in e.where_processed}
        elif centre in self._entities_by_node:
            seeds = {self._entities_by_node[centre].id}
        else:
            carrying = {f.id for f in registry.flows
                        if any(c == key or c.startswith(key + ".") for c in f.categories)}
            links = _Links({p: _Pair(kept) for p, pair in links.pairs.items()
                            if (kept := [i for i in pair.flows if i in carrying])}, self.snapshot.flagged_flows)
            seeds = set(links.graph)
        distance = links.within(seeds, hops)
        severity, counts = links.severity, self._flow_counts
        shown = sorted(distance, key=lambda e: (distance[e], -severity[e], -counts[e], e))[:max(1, cap)]
        kept = nx.DiGraph(links.graph.subgraph(shown))
        kept.add_nodes_from(shown)
        columns = _order(kept, _columns(kept, [e for e in shown if e in seeds], self._tiers))
        most = _label_chars(len(columns))
        lines = {e: wrap(registry.entities[e].name, most) for e in shown}
        # A row holds a marker and the label above it; rows are only as tall as the longest label needs.
        pitch = max(map(len, lines.values()), default=1) * LINE_PX + MARKER_PX + ROW_AIR
        ys = _rows(kept.to_undirected(as_view=True), columns, pitch)
        parties = [self._party(entity, column, x, ys[entity], lines[entity], entity in seeds)
                   for column, (x, members) in enumerate(zip(_column_xs(len(columns)), columns, strict=True))
                   for entity in members]
        names = {c.id: c.name for c in registry.data_categories}
        drawn = [Link(record_node(registry.entities[s]), record_node(registry.entities[r]), tuple(pair.flows),
                      tuple(names.get(c, c) for c in sorted({c for i in pair.flows
                                                             for c in registry.flows_by_id[i].categories})),
                      links.worst[(s, r)], pair.subprocessor)
                 for s, r in kept.edges for pair in [links.pairs[(s, r)]]]
        height = max((len(members) for members in columns), default=1) * pitch + 2 * MARGIN
        return PartyGraph(parties, drawn, len(distance), cap, PLOT_WIDTH, height, _column_pitch(len(columns)))

    def _party(self, entity_id: str, column: int, x: float, y: float, lines: tuple[str, ...], centre: bool) -> Party:
        entity = self.registry.entities[entity_id]
        return Party(record_node(entity), entity.name, lines, entity_kind_label(entity),
                     entity_role_label(entity), countries_label(entity.where_processed), column, x, y, centre)


def shorten(name: str, most: int) -> str:
    """The name cut to at most `most` characters, at a word where one ends late enough, with an ellipsis."""
    if len(name) <= most:
        return name
    cut = name[:most - 1]
    if " " in cut[most // 2:]:
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:-(") + "…"


def wrap(name: str, most: int, lines: int = LABEL_LINES) -> tuple[str, ...]:
    """The name in at most `lines` lines of at most `most` characters, broken between words, the last line
    shortened when the rest does not fit."""
    words = name.split()
    wrapped: list[str] = []
    while words and len(wrapped) < lines - 1:
        line = words.pop(0)
        while words and len(line) + 1 + len(words[0]) <= most:
            line += " " + words.pop(0)
        if len(line) > most:  # one word longer than the column: the rest goes on the next line
            words.insert(0, line[most:])
            line = line[:most]
        wrapped.append(line)
    if words:
        wrapped.append(shorten(" ".join(words), most))
    return tuple(wrapped)


def _columns(graph: nx.DiGraph, seeds: list[str], tiers: dict[str, int]) -> list[list[str]]:
    """The parties in columns: each seed where its role puts it, then outward from the seeds one column to the
    right for each party it sends to and one to the left for each that sends to it (breadth first, so that the
    nearest link decides; a party first reached both ways goes right, downstream)."""
    column = {seed: tiers[seed] for seed in seeds}
    frontier = sorted(seeds)
    while frontier:
        found: dict[str, int] = {}
        for party in frontier:
            for receiver in graph.successors(party):
                if receiver not in column:
                    found[receiver] = max(found.get(receiver, column[party] + 1), column[party] + 1)
            for sender in graph.predecessors(party):
                if sender not in column and sender not in found:
                    found[sender] = column[party] - 1
        column.update(found)
        frontier = sorted(found)
    for party in graph:  # cannot happen for a connected view, but a party must never be lost
        column.setdefault(party, tiers[party])
    first = min(column.values(), default=0)
    ordered: list[list[str]] = [[] for _ in range(max(column.values(), default=0) - first + 1)]
    for party in sorted(column, key=lambda p: (tiers[p], p)):
        ordered[column[party] - first].append(party)
    return [members for members in ordered if members]


SWEEPS = 4


def _order(graph: nx.DiGraph, columns: list[list[str]]) -> list[list[str]]:
    """Each column ordered by the barycentre of its neighbours' rows in the columns already placed, sweeping
    right then left, to reduce crossings (Sugiyama's heuristic); a party without such neighbours keeps its row."""
    undirected = graph.to_undirected(as_view=True)
    columns = [list(members) for members in columns]
    where = {p: (c, i - (len(m) - 1) / 2) for c, m in enumerate(columns) for i, p in enumerate(m)}
    for sweep in range(SWEEPS):
        order = range(1, len(columns)) if sweep % 2 == 0 else range(len(columns) - 2, -1, -1)
        for c in order:
            def barycentre(party: str, c: int = c, sweep: int = sweep) -> float:
                rows = [where[n][1] for n in undirected.neighbors(party)
                        if (where[n][0] < c if sweep % 2 == 0 else where[n][0] > c)]
                return sum(rows) / len(rows) if rows else where[party][1]
            columns[c].sort(key=barycentre)
            where.update({p: (c, i - (len(columns[c]) - 1) / 2) for i, p in enumerate(columns[c])})
    return columns


def _column_pitch(columns: int) -> float:
    return (PLOT_WIDTH - 2 * MARGIN) / max(columns, 1)


def _column_xs(columns: int) -> list[float]:
    """Columns' centres, spread evenly across the nominal width and centred on 0."""
    pitch = _column_pitch(columns)
    return [(c - (columns - 1) / 2) * pitch for c in range(columns)]


def _rows(graph: nx.Graph, columns: list[list[str]], pitch: float) -> dict[str, float]:
    """Each party's height: the tallest column fills its rows from the top, centred on 0; a shorter column sits
    level with the parties it links to in the columns before it (as near as its rows allow), within the tallest
    column's span, so that nothing is drawn outside the drawing."""
    tallest = max((len(members) for members in columns), default=1)
    top = (tallest - 1) / 2 * pitch
    y: dict[str, float] = {}
    for members in columns:
        placed: list[float] = []
        for row, party in enumerate(members):  # top down, in the barycentre order, a row's pitch apart
            wanted = _mean([y[n] for n in graph.neighbors(party) if n in y])
            level = ((len(members) - 1) / 2 - row) * pitch if wanted is None else wanted
            placed.append(min(level, placed[-1] - pitch) if placed else min(level, top))
        if placed and placed[-1] < -top:  # pushed below the span: lift the column as a whole
            lift = -top - placed[-1]
            placed = [min(level + lift, top - i * pitch) for i, level in enumerate(placed)]
        y.update(zip(members, placed, strict=True))
    return y


def _mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None


def _label_chars(columns: int) -> int:
    """How many characters of a name fit in a column beside its neighbours' labels."""
    fits = int((_column_pitch(columns) - LABEL_GAP) / CHAR_PX)
    return max(SHORTEST_LABEL, min(LONGEST_LABEL, fits))

"""Projection of keyed edges into networkx graphs, and bounded, cycle-safe path searches over them.

Domain-agnostic: nodes are ids, edges are (source, target, key, attributes). The rules use it to follow data
along chains of flows; the dashboard uses it for neighbourhoods.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple

import networkx as nx


class KeyedEdge(NamedTuple):
    """One edge as (source, target, key, attributes); a plain 4-tuple works wherever one is expected."""

    source: Hashable
    target: Hashable
    key: Hashable
    attributes: Mapping[str, Any]


def project(edges: Iterable[tuple[Hashable, Hashable, Hashable, Mapping[str, Any]]],
            nodes: Mapping[Hashable, Mapping[str, Any]] | None = None) -> nx.MultiDiGraph:
    """A MultiDiGraph of the edges, each under its key (parallel edges stay apart).

    Edges are added in the order given, and networkx keeps that order when it lists a node's edges: give
    them sorted for searches whose results must not depend on where the edges came from.
    """
    graph = nx.MultiDiGraph()
    for node, attributes in (nodes or {}).items():
        graph.add_node(node, **attributes)
    for source, target, key, attributes in edges:
        graph.add_edge(source, target, key=key, **attributes)
    return graph


@dataclass(frozen=True)
class Arrival:
    """How a label first reached a node: over `edge`, from the state `previous` (None: a seed edge)."""

    edge: KeyedEdge
    label: Hashable
    previous: tuple[Hashable, Hashable] | None
    edges: int  # length of the chain that first reached the state, seed edge included


EdgeIndex = dict[tuple[Hashable, Hashable], list[KeyedEdge]]


def index_edges(graph: nx.MultiDiGraph, edge_keys: Callable[[KeyedEdge], Iterable[Hashable]]) -> EdgeIndex:
    """The graph's edges by (source node, key), each edge under every key `edge_keys` gives it, in graph order."""
    index: EdgeIndex = {}
    for edge in edges_of(graph):
        for key in edge_keys(edge):
            index.setdefault((edge.source, key), []).append(edge)
    return index


def first_arrivals(
    index: EdgeIndex,
    seeds: Iterable[tuple[KeyedEdge, Hashable]],
    label_keys: Callable[[Hashable], Iterable[Hashable]],
    *,
    max_edges: int | None = None,
) -> dict[tuple[Hashable, Hashable], Arrival]:
    """Breadth-first search over (node, label) states: where can a labelled item travel from the seed edges?

    A seed (edge, label) puts `label` at the edge's target. An edge carries a label on from its source to its
    target when one of `label_keys(label)` is among the edge's keys in `index` (see `index_edges`; for exact
    matching both give the label itself). Each (node, label) state is expanded once and edges are looked up,
    not scanned, so the search costs about (edges x keys per edge), and cycles end it. Returns, for every
    state reached, how it was first reached (fewest edges from a seed; ties go to the earlier seed, then to
    the earlier edge in the graph's order). `chain()` turns a state back into its path.
    """
    reached: dict[tuple[Hashable, Hashable], Arrival] = {}
    queue: deque[tuple[tuple[Hashable, Hashable], int]] = deque()
    for edge, label in seeds:
        state = (edge.target, label)
        if state not in reached:
            reached[state] = Arrival(KeyedEdge(*edge), label, None, 1)
            queue.append((state, 1))
    while queue:
        (node, label), depth = queue.popleft()
        if max_edges is not None and depth >= max_edges:
            continue
        for key in label_keys(label):
            for edge in index.get((node, key), ()):
                state = (edge.target, label)
                if state not in reached:
                    reached[state] = Arrival(edge, label, (node, label), depth + 1)
                    queue.append((state, depth + 1))
    return reached


def edges_of(graph: nx.MultiDiGraph) -> Iterator[KeyedEdge]:
    """Every edge, in the graph's order (the order they were added)."""
    for source, target, key, attributes in graph.edges(keys=True, data=True):
        yield KeyedEdge(source, target, key, attributes)


def chain(reached: Mapping[tuple[Hashable, Hashable], Arrival], state: tuple[Hashable, Hashable], *,
          extend_to: int = 0) -> list[KeyedEdge]:
    """The edges by which `state` was first reached, first edge first; no node appears twice.

    With `extend_to`, a chain that begins at a seed edge whose source was itself reached with the same label
    goes on back through that arrival, up to `extend_to` edges in all, so that it shows where the item came
    from rather than just the nearest seed (without a bound, a densely connected graph gives long chains).
    """
    edges: list[KeyedEdge] = []
    nodes = {state[0]}
    current: tuple[Hashable, Hashable] | None = state
    while current is not None:
        arrival = reached[current]
        if arrival.edge.source in nodes:
            break  # a seed reached again around a cycle
        edges.append(arrival.edge)
        nodes.add(arrival.edge.source)
        current = arrival.previous
        if current is None and len(edges) < extend_to and (arrival.edge.source, arrival.label) in reached:
            current = (arrival.edge.source, arrival.label)
    return edges[::-1]


def neighbourhood(graph: nx.Graph, centre: Hashable, hops: int, limit: int) -> tuple[set[Hashable], bool]:
    """Nodes within `hops` of `centre` in either direction, breadth first, at most `limit` of them.

    Returns the nodes and whether the limit cut the neighbourhood short.
    """
    undirected = graph.to_undirected(as_view=True) if graph.is_directed() else graph
    seen, frontier = {centre}, [centre]
    for _ in range(hops):
        following: list[Hashable] = []
        for node in frontier:
            for neighbour in sorted(undirected.neighbors(node), key=str):
                if neighbour in seen:
                    continue
                if len(seen) >= limit:
                    return seen, True
                seen.add(neighbour)
                following.append(neighbour)
        frontier = following
    return seen, False

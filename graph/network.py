"""Projection of keyed edges into a networkx MultiDiGraph, and bounded, cycle-safe path search over it.

Domain-agnostic: nodes are ids, edges are (source, target, key, attributes). The rules use it to follow data
along chains of flows; the dashboard uses it for neighbourhoods.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import networkx as nx


@dataclass(frozen=True)
class KeyedEdge:
    source: Hashable
    target: Hashable
    key: Hashable
    attributes: Mapping[str, Any]


def project(edges: Iterable[KeyedEdge], nodes: Mapping[Hashable, Mapping[str, Any]] | None = None) -> nx.MultiDiGraph:
    graph = nx.MultiDiGraph()
    for node, attributes in (nodes or {}).items():
        graph.add_node(node, **attributes)
    for edge in edges:
        graph.add_edge(edge.source, edge.target, key=edge.key, **edge.attributes)
    return graph


def edge(graph: nx.MultiDiGraph, source: Hashable, target: Hashable, key: Hashable) -> KeyedEdge:
    return KeyedEdge(source, target, key, graph.edges[source, target, key])


Continues = Callable[[KeyedEdge, KeyedEdge], bool]


def upstream_paths(
    graph: nx.MultiDiGraph, last: KeyedEdge, *, max_edges: int, continues: Continues | None = None
) -> Iterator[list[KeyedEdge]]:
    """Every maximal path of at most `max_edges` edges that ends with `last`, oldest edge first.

    A path grows backwards through edges into its first node while `continues(earlier, later)` holds (for
    example: both carry some of the same data). No node appears twice in a path, so cycles end the search.
    A path is yielded when it cannot grow any further, or has reached `max_edges`; `last` alone counts.
    """
    stack: list[tuple[list[KeyedEdge], frozenset[Hashable]]] = [([last], frozenset({last.source, last.target}))]
    while stack:
        path, visited = stack.pop()
        grown = False
        if len(path) < max_edges:
            head = path[0]
            for source, _, key, attributes in graph.in_edges(head.source, keys=True, data=True):
                earlier = KeyedEdge(source, head.source, key, attributes)
                if source in visited or (continues and not continues(earlier, head)):
                    continue
                grown = True
                stack.append(([earlier, *path], visited | {source}))
        if not grown:
            yield path


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

"""Projection of keyed edges into networkx graphs, and bounded, cycle-safe path searches over them.

Domain-agnostic: nodes are ids, edges are (source, target, key, attributes). The rules use it to follow data
along chains of flows; registry.projection uses it for the graph the dashboard explores and its neighbourhoods.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NamedTuple

if TYPE_CHECKING:
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
    import networkx as nx  # a third of a second to import: not for the processes that never project

    graph = nx.MultiDiGraph()
    for node, attributes in (nodes or {}).items():
        graph.add_node(node, **attributes)
    for source, target, key, attributes in edges:
        graph.add_edge(source, target, key=key, **attributes)
    return graph


@dataclass(frozen=True, slots=True)
class Arrival:
    """How a label first reached a node: over `edge`, from the state `previous` (None: a seed edge)."""

    edge: KeyedEdge
    label: Hashable
    previous: tuple[Hashable, Hashable] | None
    edges: int  # length of the chain that first reached the state, seed edge included


State = tuple[Hashable, Hashable]  # (node, label)


class EdgeIndex:
    """Edges by (source, key), by source and by target, for label searches; edges come and go one by one.

    `edge_keys(edge)` gives the keys an edge is filed under: a label travels over the edge when one of the
    search's `label_keys(label)` is among them (for exact matching, both give the label itself). Edge keys
    must be unique and comparable (flow ids): among equally short chains a search keeps the smallest.
    """

    def __init__(self, edge_keys: Callable[[KeyedEdge], Iterable[Hashable]],
                 edges: Iterable[KeyedEdge] = ()) -> None:
        self.edge_keys = edge_keys
        self._edges: dict[Hashable, KeyedEdge] = {}
        self._keys: dict[Hashable, frozenset[Hashable]] = {}
        self._filed: dict[tuple[Hashable, Hashable], dict[Hashable, KeyedEdge]] = {}
        self._out: dict[Hashable, dict[Hashable, KeyedEdge]] = {}
        self._in: dict[Hashable, dict[Hashable, KeyedEdge]] = {}
        for edge in edges:
            self.add(edge)

    def add(self, edge: KeyedEdge) -> None:
        """File `edge`, replacing any edge with the same key."""
        self.remove(edge.key)
        keys = frozenset(self.edge_keys(edge))
        self._edges[edge.key], self._keys[edge.key] = edge, keys
        for key in keys:
            self._filed.setdefault((edge.source, key), {})[edge.key] = edge
        self._out.setdefault(edge.source, {})[edge.key] = edge
        self._in.setdefault(edge.target, {})[edge.key] = edge

    def remove(self, key: Hashable) -> KeyedEdge | None:
        edge = self._edges.pop(key, None)
        if edge is None:
            return None
        for filed in self._keys.pop(key):
            _discard(self._filed, (edge.source, filed), key)
        _discard(self._out, edge.source, key)
        _discard(self._in, edge.target, key)
        return edge

    def __len__(self) -> int:
        return len(self._edges)

    def copy(self) -> EdgeIndex:
        """An index of the same edges, which edges added or removed later change apart from this one."""
        other = EdgeIndex(self.edge_keys)
        other._edges, other._keys = dict(self._edges), dict(self._keys)
        other._filed = {at: dict(edges) for at, edges in self._filed.items()}
        other._out = {node: dict(edges) for node, edges in self._out.items()}
        other._in = {node: dict(edges) for node, edges in self._in.items()}
        return other

    def edges(self) -> Iterable[KeyedEdge]:
        return self._edges.values()

    def get(self, key: Hashable) -> KeyedEdge | None:
        return self._edges.get(key)

    def out_edges(self, node: Hashable, key: Hashable | None = None) -> Iterable[KeyedEdge]:
        """Edges out of `node`; with `key`, only those filed under it."""
        found = self._out.get(node) if key is None else self._filed.get((node, key))
        return found.values() if found else ()

    def in_edges(self, node: Hashable) -> Iterable[KeyedEdge]:
        found = self._in.get(node)
        return found.values() if found else ()

    def carries(self, edge: KeyedEdge, keys: Iterable[Hashable]) -> bool:
        """Is `edge` filed under one of `keys`?"""
        return not self._keys[edge.key].isdisjoint(keys)

    def downstream(self, nodes: Iterable[Hashable]) -> set[Hashable]:
        """`nodes` and every node a path of edges leads to from them, whatever the edges carry."""
        seen = set(nodes)
        stack = list(seen)
        while stack:
            for edge in self.out_edges(stack.pop()):
                if edge.target not in seen:
                    seen.add(edge.target)
                    stack.append(edge.target)
        return seen


def _discard(index: dict[Any, dict[Hashable, KeyedEdge]], at: Any, key: Hashable) -> None:
    listed = index[at]
    del listed[key]
    if not listed:
        del index[at]


@dataclass
class Arrivals:
    """Where labels got to in a search: each (node, label) state with how it was first reached."""

    reached: dict[State, Arrival] = field(default_factory=dict)
    labels: dict[Hashable, set[Hashable]] = field(default_factory=dict)  # node -> labels that reached it

    def add(self, state: State, arrival: Arrival) -> None:
        self.reached[state] = arrival
        self.labels.setdefault(state[0], set()).add(state[1])

    def copy(self) -> Arrivals:
        """The same arrivals, which a later search changes apart from these (arrivals themselves are frozen)."""
        return Arrivals(dict(self.reached), {node: set(labels) for node, labels in self.labels.items()})

    def forget(self, nodes: Iterable[Hashable]) -> None:
        for node in nodes:
            for label in self.labels.pop(node, ()):
                del self.reached[(node, label)]


SeedLabels = Callable[[KeyedEdge], Iterable[Hashable]]
LabelKeys = Callable[[Hashable], Iterable[Hashable]]


def spread(index: EdgeIndex, seed_labels: SeedLabels, label_keys: LabelKeys, *,
           max_edges: int | None = None) -> Arrivals:
    """Breadth-first search over (node, label) states: where can labelled items travel from the seed edges?

    An edge with `seed_labels(edge)` puts each of them at its target. An edge carries a label on from its
    source to its target when it is filed under one of `label_keys(label)`. Each state is expanded once and
    edges are looked up, not scanned, so the search costs about (edges x keys per edge), and cycles end it.
    Each state keeps its first arrival: the fewest edges from a seed and, among chains as short, the one
    whose last edge has the smallest key, so the result depends on the edges alone, never on their order
    (which is what lets `respread` redo part of it). `chain()` turns a state back into its path.
    """
    arrivals = Arrivals()
    seeded: dict[State, Arrival] = {}
    for edge in index.edges():
        for label in seed_labels(edge):
            _offer(seeded, (edge.target, label), Arrival(edge, label, None, 1))
    _advance(index, arrivals, {1: seeded}, label_keys, max_edges)
    return arrivals


def respread(index: EdgeIndex, arrivals: Arrivals, region: set[Hashable], seed_labels: SeedLabels,
             label_keys: LabelKeys) -> None:
    """Bring `arrivals` up to date after edges into or within `region` changed (`index` already holds them).

    `region` must hold every target of a changed edge (old and new) and everything downstream of them
    (`EdgeIndex.downstream`): states elsewhere cannot have changed, since no path into them touches a changed
    edge. The region's states are found again from the seeds inside it and from the states just outside.
    """
    arrivals.forget(region)
    pending: dict[int, dict[State, Arrival]] = {1: {}}
    for node in region:
        for edge in index.in_edges(node):
            for label in seed_labels(edge):
                _offer(pending[1], (node, label), Arrival(edge, label, None, 1))
            if edge.source in region:
                continue
            for label in arrivals.labels.get(edge.source, ()):
                if index.carries(edge, label_keys(label)):
                    depth = arrivals.reached[(edge.source, label)].edges + 1
                    _offer(pending.setdefault(depth, {}), (node, label),
                           Arrival(edge, label, (edge.source, label), depth))
    _advance(index, arrivals, pending, label_keys, None)


def _offer(level: dict[State, Arrival], state: State, arrival: Arrival) -> None:
    current = level.get(state)
    if current is None or arrival.edge.key < current.edge.key:  # type: ignore[operator]
        level[state] = arrival


def _advance(index: EdgeIndex, arrivals: Arrivals, pending: dict[int, dict[State, Arrival]],
             label_keys: LabelKeys, max_edges: int | None) -> None:
    """Settle the pending states depth by depth (fewest edges first), expanding each settled state once."""
    reached = arrivals.reached
    while pending:
        depth = min(pending)
        settled = [(state, arrival) for state, arrival in pending.pop(depth).items() if state not in reached]
        for state, arrival in settled:
            arrivals.add(state, arrival)
        if max_edges is not None and depth >= max_edges:
            continue
        following = pending.get(depth + 1, {})
        for (node, label), _ in settled:
            for key in label_keys(label):
                for edge in index.out_edges(node, key):
                    state = (edge.target, label)
                    if state not in reached:
                        _offer(following, state, Arrival(edge, label, (node, label), depth + 1))
        if following:
            pending[depth + 1] = following


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

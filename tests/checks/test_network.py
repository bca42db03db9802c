"""graph/network.py on plain graphs: projection from tuples, labelled breadth-first search, updates, chains."""

from __future__ import annotations

import random
from collections.abc import Hashable, Iterable

from graph.network import EdgeIndex, KeyedEdge, chain, project, respread, spread


def ring_with_tail() -> list[KeyedEdge]:
    """a -> b -> c -> a (a cycle), c -> d, and a second, parallel edge a -> b."""
    return [KeyedEdge("a", "b", "ab", {"carries": {"x"}}), KeyedEdge("a", "b", "ab2", {"carries": {"y"}}),
            KeyedEdge("b", "c", "bc", {"carries": {"x", "y"}}), KeyedEdge("c", "a", "ca", {"carries": {"x"}}),
            KeyedEdge("c", "d", "cd", {"carries": {"y"}})]


def carried(edge: KeyedEdge) -> Iterable[Hashable]:
    return edge.attributes["carries"]  # type: ignore[no-any-return]


def exact(label: Hashable) -> tuple[Hashable, ...]:
    return (label,)


def test_project_builds_a_multigraph_from_tuples() -> None:
    multi = project(ring_with_tail(), {"e": {"kind": "lonely"}})
    assert multi.number_of_edges() == 5 and set(multi["a"]["b"]) == {"ab", "ab2"}
    assert multi.nodes["e"]["kind"] == "lonely"


def test_spread_finds_the_shortest_chain_per_label_and_terminates_on_cycles() -> None:
    index = EdgeIndex(carried, ring_with_tail())
    seeds = {"ab": ["x"], "ab2": ["y"]}
    arrivals = spread(index, lambda edge: seeds.get(str(edge.key), []), exact)
    assert set(arrivals.reached) == {("b", "x"), ("c", "x"), ("a", "x"), ("b", "y"), ("c", "y"), ("d", "y")}
    assert [e.key for e in chain(arrivals.reached, ("d", "y"))] == ["ab2", "bc", "cd"]
    assert arrivals.reached[("d", "y")].edges == 3
    assert [e.key for e in chain(arrivals.reached, ("a", "x"))] == ["bc", "ca"]  # a is not repeated
    assert arrivals.labels["d"] == {"y"}
    bounded = spread(index, lambda edge: seeds.get(str(edge.key), []), exact, max_edges=2)
    assert ("d", "y") not in bounded.reached and ("c", "y") in bounded.reached


def test_among_chains_as_short_the_smallest_last_edge_wins_whatever_the_order() -> None:
    edges = [KeyedEdge("s", "m1", "e1", {"carries": {"x"}}), KeyedEdge("s", "m2", "e2", {"carries": {"x"}}),
             KeyedEdge("m2", "t", "f1", {"carries": {"x"}}), KeyedEdge("m1", "t", "f2", {"carries": {"x"}})]
    for ordered in (edges, edges[::-1]):
        arrivals = spread(EdgeIndex(carried, ordered), lambda e: ["x"] if e.source == "s" else [], exact)
        assert [e.key for e in chain(arrivals.reached, ("t", "x"))] == ["e2", "f1"]


def test_a_chain_goes_back_through_a_seed_whose_source_was_reached() -> None:
    index = EdgeIndex(carried, [KeyedEdge("a", "b", "ab", {"carries": {"x"}}),
                                KeyedEdge("b", "c", "bc", {"carries": {"x"}})])
    reached = spread(index, lambda edge: ["x"], exact).reached
    assert reached[("c", "x")].previous is None  # a seed itself, one edge long
    assert [e.key for e in chain(reached, ("c", "x"))] == ["bc"]
    assert [e.key for e in chain(reached, ("c", "x"), extend_to=5)] == ["ab", "bc"]  # the data came from a
    assert [e.key for e in chain(reached, ("c", "x"), extend_to=1)] == ["bc"]


def test_respread_after_edge_changes_equals_a_fresh_spread() -> None:
    rng = random.Random(7)
    nodes = [f"n{i}" for i in range(30)]
    labels = ["x", "y", "z"]

    def random_edge(number: int) -> KeyedEdge:
        source, target = rng.sample(nodes, 2)
        return KeyedEdge(source, target, f"e{number:03d}", {"carries": set(rng.sample(labels, rng.randint(1, 2)))})

    def seeds(edge: KeyedEdge) -> Iterable[Hashable]:
        return sorted(carried(edge)) if str(edge.source) < "n05" else []

    edges = {e.key: e for e in (random_edge(n) for n in range(80))}
    index = EdgeIndex(carried, edges.values())
    arrivals = spread(index, seeds, exact)
    for round_ in range(40):
        targets: set[Hashable] = set()
        for _ in range(rng.randint(1, 3)):
            key = rng.choice(sorted(edges))
            if rng.random() < 0.4:  # remove an edge
                targets.add(edges.pop(key).target)
                index.remove(key)
            else:  # add or replace one
                edge = random_edge(rng.randrange(120))
                if edge.key in edges:
                    targets.add(edges[edge.key].target)
                edges[edge.key] = edge
                index.add(edge)
                targets.add(edge.target)
        respread(index, arrivals, index.downstream(targets), seeds, exact)
        fresh = spread(EdgeIndex(carried, edges.values()), seeds, exact)
        assert arrivals.reached == fresh.reached, f"round {round_}"
        assert {n: ls for n, ls in arrivals.labels.items() if ls} == fresh.labels

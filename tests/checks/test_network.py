"""graph/network.py on plain graphs: projection from tuples, labelled breadth-first search, chains."""

from __future__ import annotations

from graph.network import KeyedEdge, chain, first_arrivals, index_edges, project


def ring_with_tail() -> list[tuple[str, str, str, dict[str, object]]]:
    """a -> b -> c -> a (a cycle), c -> d, and a second, parallel edge a -> b."""
    return [("a", "b", "ab", {"carries": {"x"}}), ("a", "b", "ab2", {"carries": {"y"}}),
            ("b", "c", "bc", {"carries": {"x", "y"}}), ("c", "a", "ca", {"carries": {"x"}}),
            ("c", "d", "cd", {"carries": {"y"}})]


def test_project_builds_a_multigraph_from_tuples() -> None:
    multi = project(ring_with_tail(), {"e": {"kind": "lonely"}})
    assert multi.number_of_edges() == 5 and set(multi["a"]["b"]) == {"ab", "ab2"}
    assert multi.nodes["e"]["kind"] == "lonely"


def test_first_arrivals_finds_the_shortest_chain_per_label_and_terminates_on_cycles() -> None:
    graph = project(ring_with_tail())
    index = index_edges(graph, lambda edge: edge.attributes["carries"])  # type: ignore[arg-type, return-value]
    seeds = [(KeyedEdge("a", "b", "ab", graph.edges["a", "b", "ab"]), "x"),
             (KeyedEdge("a", "b", "ab2", graph.edges["a", "b", "ab2"]), "y")]
    reached = first_arrivals(index, seeds, lambda label: (label,))
    assert set(reached) == {("b", "x"), ("c", "x"), ("a", "x"), ("b", "y"), ("c", "y"), ("d", "y")}
    assert [e.key for e in chain(reached, ("d", "y"))] == ["ab2", "bc", "cd"]
    assert reached[("d", "y")].edges == 3
    assert [e.key for e in chain(reached, ("a", "x"))] == ["bc", "ca"]  # back round the cycle a is not repeated
    bounded = first_arrivals(index, seeds, lambda label: (label,), max_edges=2)
    assert ("d", "y") not in bounded and ("c", "y") in bounded


def test_a_chain_goes_back_through_a_seed_whose_source_was_reached() -> None:
    graph = project([("a", "b", "ab", {"carries": {"x"}}), ("b", "c", "bc", {"carries": {"x"}})])
    index = index_edges(graph, lambda edge: edge.attributes["carries"])  # type: ignore[arg-type, return-value]
    edges = {str(k): KeyedEdge(s, t, k, d) for s, t, k, d in graph.edges(keys=True, data=True)}
    reached = first_arrivals(index, [(edges["ab"], "x"), (edges["bc"], "x")], lambda label: (label,))
    assert reached[("c", "x")].previous is None  # a seed itself, one edge long
    assert [e.key for e in chain(reached, ("c", "x"))] == ["bc"]
    assert [e.key for e in chain(reached, ("c", "x"), extend_to=5)] == ["ab", "bc"]  # the data came from a
    assert [e.key for e in chain(reached, ("c", "x"), extend_to=1)] == ["bc"]

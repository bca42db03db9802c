"""The GraphStore contract (graph/store.py), held against every store."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from graph.store import DanglingReferences, Edge, GraphStore, Node, PlannedChange

ODD_KEY = "k'\"`; MATCH (n) DETACH DELETE n; DROP TABLE nodes; --ü\u202e"


def node(label: str, key: str, **properties: object) -> Node:
    return Node(label, key, dict(properties))


def test_written_nodes_read_back_in_label_then_key_order(store: GraphStore) -> None:
    store.write([node("B", "2", x=1), node("A", "z", name="zed"), node("B", "1", items=["a", "b"], flag=True)],
                actor="alice")
    assert [(n.label, n.key) for n in store.read()] == [("A", "z"), ("B", "1"), ("B", "2")]
    assert [n.key for n in store.read("B")] == ["1", "2"]
    assert store.get("B", "1") == node("B", "1", items=["a", "b"], flag=True)
    assert store.get("B", "3") is None
    assert store.counts() == {"A": 1, "B": 2}
    assert store.node_keys() == {("A", "z"), ("B", "1"), ("B", "2")}


def test_edges_are_kept_with_their_owner_in_order(store: GraphStore) -> None:
    edges = (Edge("SENDS", "Entity", "hq", outgoing=False), Edge("TO", "Entity", "mailer"),
             Edge("CARRIES", "Category", "b"), Edge("CARRIES", "Category", "a"))
    store.write([node("Entity", "hq"), node("Entity", "mailer"), node("Category", "a"), node("Category", "b"),
                 Node("Flow", "f1", {"id": "f1"}, edges)], actor="alice")
    assert store.get("Flow", "f1").edges == edges  # type: ignore[union-attr]


def test_every_write_is_logged_with_actor_time_operation_before_after(store: GraphStore) -> None:
    start = datetime.now(UTC) - timedelta(seconds=1)
    store.write([node("P", "p1", name="first")], actor="alice", context="import a.yaml")
    store.write([node("P", "p1", name="second")], actor="bob")
    store.write([], [("P", "p1")], actor="carol")
    create, update, delete = store.changes()
    assert [c.operation for c in (create, update, delete)] == ["create", "update", "delete"]
    assert [c.actor for c in (create, update, delete)] == ["alice", "bob", "carol"]
    assert create.context == "import a.yaml"
    assert create.before is None and create.after["properties"] == {"name": "first"}  # type: ignore[index]
    assert update.before["properties"] == {"name": "first"}  # type: ignore[index]
    assert update.after["properties"] == {"name": "second"}  # type: ignore[index]
    assert delete.before["properties"] == {"name": "second"} and delete.after is None  # type: ignore[index]
    assert all(c.at >= start and c.at.tzinfo is not None for c in (create, update, delete))
    assert create.seq < update.seq < delete.seq == store.revision()
    assert store.get("P", "p1") is None


def test_unchanged_content_is_neither_rewritten_nor_logged(store: GraphStore) -> None:
    store.write([node("P", "p1", name="same", tags=["x"])], actor="alice")
    revision = store.revision()
    result = store.write([node("P", "p1", tags=["x"], name="same")], actor="bob")
    assert result.changes == [] and result.unchanged == {"P": 1}
    assert store.revision() == revision


def test_deleting_what_is_not_there_is_not_logged(store: GraphStore) -> None:
    result = store.write([], [("P", "ghost")], actor="alice")
    assert result.changes == [] and store.revision() == 0


def test_a_failing_write_leaves_nothing_behind(store: GraphStore) -> None:
    store.write([node("P", "kept", v=1)], actor="alice")
    revision = store.revision()
    unserialisable = node("P", "bad", v=object())
    with pytest.raises(Exception):  # noqa: B017 - any error will do: what matters is what it leaves behind
        store.write([node("P", "new", v=1), node("P", "kept", v=2), unserialisable], actor="alice")
    assert store.node_keys() == {("P", "kept")}
    assert store.get("P", "kept") == node("P", "kept", v=1)
    assert store.revision() == revision
    assert len(store.changes()) == 1


def test_change_log_filters_by_time_label_and_key(store: GraphStore) -> None:
    store.write([node("P", "p1"), node("Q", "q1")], actor="alice")
    later = datetime.now(UTC) + timedelta(hours=1)
    assert {c.key for c in store.changes(label="P")} == {"p1"}
    assert {c.label for c in store.changes(key="q1")} == {"Q"}
    assert store.changes(since=later) == []
    assert len(store.changes(since=later - timedelta(days=1))) == 2


def test_unusual_keys_and_values_are_stored_verbatim(store: GraphStore) -> None:
    value = {"name": ODD_KEY, "nested": {"list": [1, 2.5, None, "ß"]}}
    store.write([Node("P", ODD_KEY, value)], actor=ODD_KEY)
    assert store.get("P", ODD_KEY) == Node("P", ODD_KEY, value)
    assert store.changes()[0].actor == ODD_KEY
    assert store.counts() == {"P": 1}


def test_two_clients_of_one_store_see_each_others_writes(make_store: Callable[[], GraphStore]) -> None:
    first, second = make_store(), make_store()
    first.write([node("P", "a")], actor="alice")
    second.write([node("P", "b")], actor="bob")
    assert first.node_keys() == second.node_keys() == {("P", "a"), ("P", "b")}
    assert first.revision() == second.revision() == 2


def flow(key: str, *edges: Edge) -> Node:
    return Node("Flow", key, {"id": key}, edges)


def test_deleting_a_node_deletes_the_relationships_to_and_from_it_in_the_same_write(store: GraphStore) -> None:
    sends, to, carries = Edge("SENDS", "Entity", "hq", outgoing=False), Edge("TO", "Entity", "mailer"), \
        Edge("CARRIES", "Category", "email")
    store.write([node("Entity", "hq"), node("Entity", "mailer"), node("Category", "email"),
                 flow("f1", sends, to, carries), flow("f2", to, carries)], actor="alice")

    # Both directions go: the flow's edge *from* hq (SENDS) and its edge *to* mailer (TO).
    result = store.write([], [("Entity", "hq"), ("Entity", "mailer")], actor="bob", context="retire")
    assert store.get("Flow", "f1") == flow("f1", carries)
    assert store.get("Flow", "f2") == flow("f2", carries)
    # The owners' loss is logged in the deleting write, as updates by its actor, before the deletes.
    assert [(c.operation, c.key, c.actor, c.context) for c in result.changes] == [
        ("update", "f1", "bob", "retire"), ("update", "f2", "bob", "retire"),
        ("delete", "hq", "bob", "retire"), ("delete", "mailer", "bob", "retire")]
    update = result.changes[0]
    assert update.before == flow("f1", sends, to, carries).body() and update.after == flow("f1", carries).body()
    assert store.changes()[-4:] == result.changes

    # Deleting the owner takes its own relationships with it: its targets then go without touching anything.
    store.write([], [("Flow", "f1"), ("Flow", "f2")], actor="bob")
    result = store.write([], [("Category", "email")], actor="bob")
    assert [(c.operation, c.key) for c in result.changes] == [("delete", "email")]
    assert store.node_keys() == set()


def test_the_relationships_a_delete_takes_are_approved_and_rolled_back_with_it(store: GraphStore) -> None:
    store.write([node("Category", "email"), flow("f1", Edge("CARRIES", "Category", "email"))], actor="alice")
    revision = store.revision()
    planned: list[PlannedChange] = []

    def refuse(changes: list[PlannedChange]) -> None:
        planned.extend(changes)
        raise PermissionError("not today")

    with pytest.raises(PermissionError):
        store.write([], [("Category", "email")], actor="bob", approve=refuse)
    assert planned == [PlannedChange("update", "Flow", "f1"), PlannedChange("delete", "Category", "email")]
    assert store.get("Flow", "f1") == flow("f1", Edge("CARRIES", "Category", "email"))
    assert store.node_keys() == {("Category", "email"), ("Flow", "f1")}
    assert store.revision() == revision


@pytest.mark.parametrize("edge", [Edge("TO", "Entity", "ghost"), Edge("SENDS", "Entity", "ghost", outgoing=False)],
                         ids=["target", "source"])
def test_a_relationship_to_a_node_that_is_never_stored_is_refused(store: GraphStore, edge: Edge) -> None:
    store.write([node("Entity", "hq")], actor="alice")
    revision = store.revision()
    with pytest.raises(DanglingReferences, match="not stored") as refused:
        store.write([node("Entity", "new"), flow("f1", Edge("CARRIES", "Entity", "hq"), edge)], actor="bob")
    assert refused.value.missing == [("Flow", "f1", "Entity", "ghost")]
    assert store.node_keys() == {("Entity", "hq")} and store.revision() == revision


def test_a_relationship_to_a_node_the_same_write_deletes_is_refused(store: GraphStore) -> None:
    store.write([node("Entity", "hq"), node("Entity", "mailer"), flow("f1", Edge("TO", "Entity", "mailer"))],
                actor="alice")
    revision = store.revision()
    # Whether the owner is new, changed or written exactly as stored: after the write it would point at nothing.
    for owner in (flow("f2", Edge("TO", "Entity", "mailer")), flow("f1", Edge("TO", "Entity", "mailer"))):
        with pytest.raises(DanglingReferences) as refused:
            store.write([node("Entity", "new"), owner], [("Entity", "mailer")], actor="bob")
        assert refused.value.missing == [("Flow", owner.key, "Entity", "mailer")]
    with pytest.raises(DanglingReferences) as refused:  # a replace deletes what it does not write
        store.write([node("Entity", "hq"), flow("f1", Edge("TO", "Entity", "mailer"))], actor="bob", replace=True)
    assert refused.value.missing == [("Flow", "f1", "Entity", "mailer")]
    assert store.node_keys() == {("Entity", "hq"), ("Entity", "mailer"), ("Flow", "f1")}
    assert store.get("Flow", "f1") == flow("f1", Edge("TO", "Entity", "mailer"))
    assert store.revision() == revision


def test_a_relationship_to_a_node_written_in_the_same_write_is_kept(store: GraphStore) -> None:
    # Order within the write does not matter, and a node may point at itself.
    edges = (Edge("TO", "Entity", "later"), Edge("SUBFLOW_OF", "Flow", "f1"))
    store.write([flow("f1", *edges), node("Entity", "later")], actor="alice")
    assert store.get("Flow", "f1") == flow("f1", *edges)
    # A changed node may point at one written unchanged beside it.
    store.write([node("Entity", "later"), flow("f1", Edge("FROM", "Entity", "later"))], actor="bob")
    assert store.get("Flow", "f1") == flow("f1", Edge("FROM", "Entity", "later"))


def test_the_change_log_after_a_revision(store: GraphStore) -> None:
    store.write([node("Flow", "a")], actor="t")
    store.write([node("Flow", "b"), node("Flow", "c")], actor="t")
    assert [c.seq for c in store.changes(after=1)] == [2, 3]
    assert [c.key for c in store.changes(after=1, key="c")] == ["c"]
    assert store.changes(after=3) == []


def test_derived_data_is_kept_beside_the_registry_not_in_it(make_store: Callable[[], GraphStore]) -> None:
    """Persisted check results: saved by any reader, outside the change log, never read or replaced as a node."""
    store = make_store()
    assert store.derived("check") is None
    store.write([node("Flow", "a")], actor="t")
    blob = bytes(range(256)) * 40  # any bytes, a zero byte among them
    store.save_derived("check", blob)
    store.save_derived("other", b"x")
    assert store.derived("check") == blob and store.derived("other") == b"x"
    assert store.revision() == 1 and [c.key for c in store.changes()] == ["a"]
    assert [n.key for n in store.read()] == ["a"] and store.counts() == {"Flow": 1}
    assert store.node_keys() == {("Flow", "a")}
    store.write([node("Flow", "b")], actor="t", replace=True)  # a replace deletes every node it does not write
    assert [n.key for n in store.read()] == ["b"]
    store.save_derived("check", b"newer")
    assert make_store().derived("check") == b"newer"  # another client sees the last one saved

"""The GraphStore contract (graph/store.py), held against every store."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from graph.store import Edge, GraphStore, Node

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

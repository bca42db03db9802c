"""The GraphStore protocol: property-graph nodes written in one transaction, read back, and a change log."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol, runtime_checkable

from graph.changelog import LogRecord

JSONValue = Any  # str, int, float, bool, None, lists and dicts of them


class StoreUnavailable(Exception):
    """The store cannot be opened or reached; the message says where and why (never a password)."""


class LoadRefused(Exception):
    """A bulk load found the store not as the loader left it (not empty, or written meanwhile): nothing was
    written."""


class DanglingReferences(ValueError):
    """A write would leave relationships pointing at nodes that are not stored (they never were, another
    writer deleted them meanwhile, or the same write deletes them): nothing was written. `missing` holds one
    (owner label, owner key, target label, target key) per such relationship, the target being its other end
    whichever way it points."""

    def __init__(self, missing: list[tuple[str, str, str, str]]) -> None:
        self.missing = missing
        shown = ", ".join(f"{ol} {ok!r} -> {tl} {tk!r}" for ol, ok, tl, tk in missing[:5])
        more = f" and {len(missing) - 5} more" if len(missing) > 5 else ""
        super().__init__(f"relationships point at records that are not stored (nothing was written): {shown}{more}")


@dataclass(frozen=True, slots=True)
class Edge:
    """A relationship owned by a node and written with it.

    `outgoing=False` turns it round: the edge runs from the target to the owner, as in
    (sender)-[:SENDS]->(flow), where the flow owns the edge.
    """

    type: str
    target_label: str
    target_key: str
    outgoing: bool = True


@dataclass(frozen=True, slots=True)
class Node:
    """A node with its properties and the relationships it owns; the unit of writing and of logging."""

    label: str
    key: str
    properties: dict[str, JSONValue]
    edges: tuple[Edge, ...] = ()

    def body(self) -> dict[str, JSONValue]:
        """What the change log keeps as before/after: everything but the address."""
        return {
            "properties": self.properties,
            "edges": [[e.type, e.target_label, e.target_key, e.outgoing] for e in self.edges],
        }

    def canonical(self) -> str:
        """One text per content, so two stores and two runs agree on what "unchanged" means."""
        return json.dumps(self.body(), sort_keys=True, ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def from_body(cls, label: str, key: str, body: dict[str, JSONValue]) -> Node:
        edges = tuple(Edge(t, tl, tk, bool(out)) for t, tl, tk, out in body.get("edges", []))
        return cls(label, key, body["properties"], edges)


@dataclass(frozen=True, slots=True)
class PlannedChange:
    """What a write is about to do to one node, shown to the writer's approval before anything is applied."""

    operation: str  # create, update, delete
    label: str
    key: str


# Called inside the write's transaction with every change it would make; raising aborts the write.
Approval = Callable[[list[PlannedChange]], None]


@dataclass(frozen=True, slots=True)
class Change:
    """One entry of the append-only change log."""

    seq: int
    at: datetime  # UTC
    actor: str
    operation: str  # create, update, delete
    label: str
    key: str
    before: dict[str, JSONValue] | None
    after: dict[str, JSONValue] | None
    context: str | None = None  # the command or page that made the change, e.g. "import seed.yaml --replace"
    damaged: str | None = None  # why the stored entry could not be read as written (then fields are best effort)


@dataclass(frozen=True, slots=True)
class WriteResult:
    changes: list[Change] = field(default_factory=list)
    unchanged: dict[str, int] = field(default_factory=dict)  # label -> nodes written with the content they had

    def count(self, operation: str) -> int:
        return sum(1 for c in self.changes if c.operation == operation)


@runtime_checkable
class GraphStore(Protocol):
    """What every store does. A store knows labels, keys and properties, never what they mean.

    Contract (tests/contract holds every store to it):
    - `write` is one transaction: all of it lands with its change-log entries, or none of it does; with
      `replace` it deletes every stored node it does not upsert, decided inside that transaction; `approve`
      sees every planned change inside the transaction and may abort it;
    - every change-log entry holds the hash of the one before (graph.changelog), so an edit shows;
    - a node written with the content it already has is not rewritten and not logged;
    - after a write, both ends of every relationship are stored nodes. Hence two rules:
      - refused: if a relationship of a node the write upserts (created, changed or written unchanged) has an
        other end (its target; the source when `outgoing` is False) that is neither upserted by the same write
        nor stored and kept by it, the write raises DanglingReferences naming every such relationship, before
        `approve` is asked, and writes nothing. Order within the write does not matter; a node may point at itself;
      - cascaded: deleting a node deletes the relationships it owns and, in the same transaction, every
        relationship to it (either way round) owned by a node the write does not upsert. Each such owner is
        rewritten without them (its properties untouched: a store does not know what they mean) and logged as
        an `update` of the same write, which `approve` sees. A replace never cascades: it upserts every node it keeps;
    - a write logs its creates and updates in the order given, then the owners a delete rewrote (by label,
      then key), then its deletes in the order asked (`replace`: by label, then key);
    - the change log is append-only; nothing in the API edits or removes an entry;
    - `read` returns nodes ordered by label, then key;
    - `save_derived` keeps data a reader derived from the store (persisted check results) beside it, not in it:
      no change-log entry, no approval, the revision unchanged, never read, counted or replaced as a node.
    """

    location: str  # where the store is, for messages (never a password)

    def write(
        self,
        upserts: Iterable[Node],
        deletes: Iterable[tuple[str, str]] = (),
        *,
        actor: str,
        context: str | None = None,
        replace: bool = False,
        approve: Approval | None = None,
    ) -> WriteResult: ...

    def read(self, label: str | None = None) -> Iterator[Node]: ...

    def get(self, label: str, key: str) -> Node | None: ...

    def node_keys(self) -> set[tuple[str, str]]: ...

    def counts(self) -> dict[str, int]: ...

    def changes(
        self, *, since: datetime | None = None, label: str | None = None, key: str | None = None,
        after: int | None = None,
    ) -> list[Change]:
        """The change log, oldest first; `after`: only entries whose sequence number is above it."""
        ...

    def log_records(self) -> list[LogRecord]:
        """The change log as stored, text unparsed, oldest first: what the hash chain is checked on."""
        ...

    def revision(self) -> int:
        """Sequence number of the newest change (0 for none): readers cache against it."""
        ...

    def derived(self, name: str) -> bytes | None:
        """What `save_derived` last kept under `name`, None if nothing. Unverified: the reader checks it."""
        ...

    def save_derived(self, name: str, data: bytes) -> None:
        """Keep `data` under `name`, replacing what was there. Not a registry change (see the contract)."""
        ...

    def close(self) -> None: ...

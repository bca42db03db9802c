"""Copy one store's nodes into another, in batches that can be interrupted and re-run.

Each batch is one transaction on the target; a node already there with the same content is skipped,
so running the copy twice changes nothing and an interrupted copy completes when run again.

Into an empty store that can load in bulk (Neo4j), the first copy loads instead: larger batches, nothing to
compare against, one change-log entry a batch holding the batch's bodies. If anyone else writes to the target
meanwhile, the copy goes on with ordinary batches.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from graph.store import GraphStore, LoadRefused, Node, WriteResult

DEFAULT_BATCH = 5_000
# Records a load transaction, as many as the compared path's: 20,000 overran the server's transaction memory pool
# (MemoryPoolOutOfMemoryError) at size M on the tests' 512 MiB heap, and a batch of bodies plus its load entry,
# which holds them again, must fit whatever server a user syncs into.
LOAD_BATCH = DEFAULT_BATCH


@runtime_checkable
class BulkLoader(Protocol):
    """A store that can create records known to be new without comparing them (graph.neo4j.Neo4jStore.load)."""

    def load(self, nodes: Sequence[Node], *, actor: str, context: str | None = None,
             revision: int = 0) -> WriteResult: ...

    def revision(self) -> int: ...

    def counts(self) -> dict[str, int]: ...


@dataclass
class CopyResult:
    created: int = 0
    updated: int = 0
    deleted: int = 0
    unchanged: int = 0
    batches: int = 0


def _batches(nodes_by_label: dict[str, list[Node]], label_order: Sequence[str], size: int) -> list[list[Node]]:
    """Batches in which every relationship's target is written before or with its owner.

    Labels go in `label_order` (targets first); a label whose nodes point at each other (sub-processors)
    goes as one batch, since a parent may sort after its child.
    """
    order = list(label_order) + sorted(set(nodes_by_label) - set(label_order))
    batches: list[list[Node]] = []
    for label in order:
        nodes = nodes_by_label.get(label, [])
        if not nodes:
            continue
        self_referencing = any(edge.target_label == label for node in nodes for edge in node.edges)
        step = len(nodes) if self_referencing else size
        batches += [nodes[start : start + step] for start in range(0, len(nodes), step)]
    return batches


def copy_store(
    source: GraphStore,
    target: GraphStore,
    *,
    label_order: Sequence[str],
    actor: str,
    context: str,
    batch_size: int = DEFAULT_BATCH,
    mirror: bool = True,
    bulk: bool = True,
    progress: Callable[[CopyResult], None] | None = None,
) -> CopyResult:
    """Make `target` hold what `source` holds; with `mirror`, delete what only the target has; with `bulk`, load
    an empty target that can load in bulk."""
    nodes_by_label: dict[str, list[Node]] = defaultdict(list)
    for node in source.read():
        nodes_by_label[node.label].append(node)
    result = CopyResult()
    loading = bulk and isinstance(target, BulkLoader) and target.revision() == 0 and not target.counts()
    revision = 0
    for batch in _batches(nodes_by_label, label_order, LOAD_BATCH if loading else batch_size):
        written = None
        if loading:
            try:
                written = target.load(batch, actor=actor, context=context, revision=revision)  # type: ignore[union-attr]
                revision += 1
            except LoadRefused:
                loading = False  # someone else wrote: compare from here on
        if written is None:
            written = target.write(batch, actor=actor, context=context)
        result.created += written.count("create")
        result.updated += written.count("update")
        result.unchanged += sum(written.unchanged.values())
        result.batches += 1
        if progress:
            progress(result)
    if mirror:
        wanted = {(node.label, node.key) for nodes in nodes_by_label.values() for node in nodes}
        extra = sorted(target.node_keys() - wanted)
        if extra:
            written = target.write([], extra, actor=actor, context=context)
            result.deleted += written.count("delete")
            result.batches += 1
    return result

"""The Neo4j sync benchmark: the project's batched sync of a whole registry, against a naive per-row sync.

The naive sync is what a first version usually looks like: for each record one transaction, holding one
statement for the node, one per relationship and one for its change-log entry. It writes the same nodes,
relationships, properties and log entries as `Neo4jStore.write`, so the two rates compare like with like.
Both are timed on the same flows (the first `subset` of them, their parties, categories and contracts
already stored) after an untimed warm-up of the server, and the batched sync is timed once more on the whole
registry into an empty database.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

from graph.neo4j import CHANGE_LABEL, Neo4jStore, _identifier, _node_row
from graph.store import GraphStore, Node
from graph.sync import DEFAULT_BATCH, copy_store
from registry.mapping import LABELS

FLOW = "Flow"


def naive_write(store: Neo4jStore, nodes: list[Node], *, actor: str, first_seq: int) -> None:
    """One transaction per node: a statement for the node, one per relationship, one for the log entry."""
    driver, database = store._driver, store._database  # a benchmark's privilege: same server, same schema
    with driver.session(database=database) as session:
        for seq, node in enumerate(nodes, first_seq):
            body = node.canonical()

            def work(tx: Any, node: Node = node, body: str = body, seq: int = seq) -> None:
                label = _identifier(node.label)
                tx.run(f"MERGE (n:{label} {{_key: $key}}) SET n = $props", key=node.key,
                       props=_node_row(node.label, node, body)["props"]).consume()
                for position, edge in enumerate(node.edges):
                    pattern = "(o)-[r:{t}]->(t)" if edge.outgoing else "(t)-[r:{t}]->(o)"
                    tx.run(f"MATCH (o:{label} {{_key: $owner}}) MATCH (t:{_identifier(edge.target_label)} "
                           f"{{_key: $target}}) CREATE {pattern.format(t=_identifier(edge.type))} "
                           "SET r._owner = $owner, r._owner_label = $owner_label, r._position = $position",
                           owner=node.key, target=edge.target_key, owner_label=node.label,
                           position=position).consume()
                tx.run(f"CREATE (x:{CHANGE_LABEL}) SET x = $entry", entry={
                    "seq": seq, "at": datetime.now(UTC).isoformat(), "actor": actor, "operation": "create",
                    "label": node.label, "key": node.key, "before": None, "after": body,
                    "context": "naive sync"}).consume()

            session.execute_write(work)


def measure_sync(source: GraphStore, uri: str, user: str, password: str, *, subset: int = 5_000) -> dict[str, Any]:
    """Sync rates into the Neo4j at `uri` (emptied first: use a throw-away database)."""
    target = Neo4jStore(uri, user, password, labels=LABELS)
    try:
        nodes = list(source.read())
        flows = [n for n in nodes if n.label == FLOW]
        prerequisites = [n for n in nodes if n.label not in (FLOW, "Acknowledgement")]
        chosen = flows[:subset]

        def rate(action: Any) -> float:
            target.drop_everything()
            target.write(prerequisites, actor="bench", context="prerequisites")  # untimed
            started = time.perf_counter()
            action()
            return len(chosen) / (time.perf_counter() - started)

        def batched_write(flows: list[Node]) -> None:
            for start in range(0, len(flows), DEFAULT_BATCH):
                target.write(flows[start : start + DEFAULT_BATCH], actor="bench", context="bench")

        # The JVM compiles its hot paths during the first thousands of rows: warm both up, untimed.
        rate(lambda: (naive_write(target, chosen[:300], actor="bench", first_seq=10**9),
                      target.drop_everything(), target.write(prerequisites, actor="bench"), batched_write(chosen)))
        naive = rate(lambda: naive_write(target, chosen, actor="bench", first_seq=10**9))
        batched = rate(lambda: batched_write(chosen))
        target.drop_everything()
        started = time.perf_counter()
        copy_store(source, target, label_order=LABELS, actor="bench", context="bench")
        whole = time.perf_counter() - started
        return {"neo4j_sync_s": round(whole, 1), "neo4j_sync_flows_per_s": round(len(flows) / whole),
                "neo4j_subset_flows": len(chosen), "neo4j_batched_subset_flows_per_s": round(batched),
                "neo4j_naive_flows_per_s": round(naive), "neo4j_batched_vs_naive": round(batched / naive, 1)}
    finally:
        target.close()


"""The registry as one networkx graph to explore, and bounded neighbourhoods of it.

Entities, flows, data categories and countries are the nodes; the edges are the relationships registry.mapping
names for the stores (PROCESSES_IN, SUBPROCESSOR_OF, SENDS, TO, CARRIES), so the explorer and a Cypher query
speak of one schema. A node's kind is its store label and its id is 'Label:key'.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # graph.network builds the graph, importing networkx only then
    import networkx as nx

from graph import network
from registry.checks.finding import Severity
from registry.mapping import (
    CARRIES,
    COUNTRY,
    LABEL_MODELS,
    PROCESSES_IN,
    SECTION_LABELS,
    SENDS,
    SUBPROCESSOR_OF,
    TO,
)
from registry.model import ENTITY_SECTIONS, Processor, Registry, Strict, country_label

GROUP_COMPANY, PROCESSOR, RECIPIENT = (SECTION_LABELS[section] for section in ENTITY_SECTIONS)
FLOW = SECTION_LABELS["flows"]
DATA_CATEGORY = SECTION_LABELS["data_categories"]
KINDS = (GROUP_COMPANY, PROCESSOR, RECIPIENT, FLOW, DATA_CATEGORY, COUNTRY)  # every kind of node, entities first
ENTITY_KINDS = frozenset({GROUP_COMPANY, PROCESSOR, RECIPIENT})
_KIND_OF_MODEL = {model: label for label, model in LABEL_MODELS.items()}


def node_id(kind: str, key: str) -> str:
    return f"{kind}:{key}"


def record_node(record: Strict) -> str:
    """The node of an entity, flow or data category."""
    return node_id(_KIND_OF_MODEL[type(record)], record.id)  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Neighbourhood:
    graph: nx.MultiDiGraph  # the shown nodes and the edges between them
    truncated: bool  # the limit cut it short: only the nearest `limit` nodes are in `graph`
    limit: int


def explorer_graph(registry: Registry, flagged: Mapping[str, Severity] | None = None) -> nx.MultiDiGraph:
    """Every entity, flow, data category and country as one graph. Node attributes: kind, label (a name for
    people), id (the record's key); a flow's `flagged` is the severity `flagged` gives it ("" for none).

    An entity's countries are those it processes data in as the rules read them (its own country when it lists
    none), not only the listed processing countries the stores' PROCESSES_IN edges hold.
    """
    flagged = flagged or {}
    nodes: dict[Hashable, dict[str, object]] = {}
    edges: list[tuple[Hashable, Hashable, Hashable, dict[str, object]]] = []
    for entity in registry.entities.values():
        node = record_node(entity)
        nodes[node] = {"kind": _KIND_OF_MODEL[type(entity)], "label": entity.name, "id": entity.id}
        for code in entity.where_processed:
            country = node_id(COUNTRY, code)
            nodes.setdefault(country, {"kind": COUNTRY, "label": country_label(code), "id": code})
            edges.append((node, country, PROCESSES_IN, {}))
        if isinstance(entity, Processor) and entity.parent:
            edges.append((node, node_id(PROCESSOR, entity.parent), SUBPROCESSOR_OF, {}))
    for category in registry.data_categories:
        nodes[record_node(category)] = {"kind": DATA_CATEGORY, "label": category.name, "id": category.id}
    for flow in registry.flows:
        node = record_node(flow)
        severity = flagged.get(flow.id)
        nodes[node] = {"kind": FLOW, "label": flow.id, "id": flow.id, "flagged": severity.value if severity else ""}
        edges.append((record_node(registry.entities[flow.sender]), node, SENDS, {}))
        edges.append((node, record_node(registry.entities[flow.receiver]), TO, {}))
        edges += [(node, node_id(DATA_CATEGORY, c), CARRIES, {}) for c in flow.categories]
    return network.project(edges, nodes)


def neighbourhood(graph: nx.MultiDiGraph, centre: str, hops: int, limit: int) -> Neighbourhood:
    """The nodes within `hops` of `centre`, either way, at most `limit` of them (the nearest), with the edges
    between them: a copy, so that drawing it leaves `graph` alone."""
    nodes, truncated = network.neighbourhood(graph, centre, hops, limit)
    return Neighbourhood(graph.subgraph(nodes).copy(), truncated, limit)

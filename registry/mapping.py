"""Models <-> property-graph nodes: the one place that knows both the registry and the graph schema.

A node's properties hold its whole record, so reading back needs no relationship; the relationships
mirror every reference (DESIGN section 2) so that Cypher and networkx can walk the graph.
"""

from __future__ import annotations

from collections.abc import Iterable

from graph.store import Edge, Node
from registry.model import (
    Acknowledgement,
    DataCategory,
    DataSubjectGroup,
    Entity,
    Flow,
    GroupCompany,
    Organisation,
    Processor,
    Purpose,
    Recipient,
    Registry,
    Safeguard,
    Strict,
    country_name,
)

COUNTRY = "Country"
ORGANISATION = "Organisation"
# Manifest section -> node label; a label is a constant of the schema, never taken from input.
SECTION_LABELS: dict[str, str] = {
    "group_companies": "GroupCompany",
    "processors": "Processor",
    "recipients": "Recipient",
    "data_subject_groups": "DataSubjectGroup",
    "data_categories": "DataCategory",
    "purposes": "Purpose",
    "safeguards": "Safeguard",
    "flows": "Flow",
    "acknowledgements": "Acknowledgement",
}
LABEL_MODELS: dict[str, type[Strict]] = {
    "GroupCompany": GroupCompany,
    "Processor": Processor,
    "Recipient": Recipient,
    "DataSubjectGroup": DataSubjectGroup,
    "DataCategory": DataCategory,
    "Purpose": Purpose,
    "Safeguard": Safeguard,
    "Flow": Flow,
    "Acknowledgement": Acknowledgement,
}
LABELS = (ORGANISATION, COUNTRY, *SECTION_LABELS.values())
RELATIONSHIP_TYPES = (
    "LOCATED_IN", "PROCESSES_IN", "SUBPROCESSOR_OF", "SENDS", "TO",
    "CARRIES", "ABOUT", "FOR", "COVERED_BY", "BINDS",
)


def properties(record: Strict) -> dict[str, object]:
    """A record as JSON-compatible properties (field names, not manifest aliases; no nulls)."""
    return record.model_dump(mode="json", exclude_none=True)


def _entity_edges(entity: Entity) -> list[Edge]:
    edges = [Edge("LOCATED_IN", COUNTRY, entity.country)]
    edges += [Edge("PROCESSES_IN", COUNTRY, code) for code in entity.processing_countries]
    if isinstance(entity, Processor) and entity.parent is not None:
        edges.append(Edge("SUBPROCESSOR_OF", "Processor", entity.parent))
    return edges


def _label_of(entity_id: str, registry: Registry) -> str:
    entity = registry.entities.get(entity_id)
    if entity is None:
        return ORGANISATION  # only the organisation itself is left: the model resolved every party
    return type(entity).__name__


def _edges(record: Strict, registry: Registry) -> list[Edge]:
    match record:
        case Entity():
            return _entity_edges(record)
        case Flow():
            return [
                Edge("SENDS", _label_of(record.sender, registry), record.sender, outgoing=False),
                Edge("TO", _label_of(record.receiver, registry), record.receiver),
                *(Edge("CARRIES", "DataCategory", c) for c in record.categories),
                *(Edge("ABOUT", "DataSubjectGroup", s) for s in record.subjects),
                Edge("FOR", "Purpose", record.purpose),
                *(Edge("COVERED_BY", "Safeguard", s) for s in record.safeguards),
            ]
        case Safeguard():
            return [Edge("BINDS", _label_of(p, registry), p) for p in record.parties]
        case _:
            return []


def countries_used(registry: Registry) -> set[str]:
    used = set(registry.countries_of_operation)
    for entity in registry.entities.values():
        used.add(entity.country)
        used.update(entity.processing_countries)
    return used


def country_node(code: str, registry: Registry) -> Node:
    return Node(COUNTRY, code, {"code": code, "name": country_name(code),
                                "operation": code in registry.countries_of_operation})


def to_nodes(registry: Registry, only: Iterable[tuple[str, str]] | None = None) -> list[Node]:
    """The registry as nodes: all of them, or the records named by (section, id) plus every country."""
    wanted = set(only) if only is not None else None
    nodes: list[Node] = []
    if registry.organisation is not None and (wanted is None or ("organisation", registry.organisation.id) in wanted):
        nodes.append(Node(ORGANISATION, registry.organisation.id, properties(registry.organisation)))
    nodes += [country_node(code, registry) for code in sorted(countries_used(registry))]
    for section, label in SECTION_LABELS.items():
        for record in registry.section(section):
            record_id = record.id  # type: ignore[attr-defined]
            if wanted is None or (section, record_id) in wanted:
                nodes.append(Node(label, record_id, properties(record), tuple(_edges(record, registry))))
    return nodes


def from_nodes(nodes: Iterable[Node]) -> Registry:
    """Nodes read from a store back into a validated registry, each section ordered by id."""
    data: dict[str, object] = {"version": 1, "countries_of_operation": []}
    sections: dict[str, list[dict[str, object]]] = {section: [] for section in SECTION_LABELS}
    section_of = {label: section for section, label in SECTION_LABELS.items()}
    operation: list[str] = []
    for node in nodes:
        if node.label == ORGANISATION:
            data["organisation"] = Organisation.model_validate(node.properties)
        elif node.label == COUNTRY:
            if node.properties.get("operation"):
                operation.append(node.key)
        elif node.label in section_of:
            sections[section_of[node.label]].append(node.properties)
    data["countries_of_operation"] = sorted(operation)
    for section, records in sections.items():
        data[section] = sorted(records, key=lambda r: str(r.get("finding", r.get("id"))))
    return Registry.model_validate(data)


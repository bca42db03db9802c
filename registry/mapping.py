"""Models <-> property-graph nodes: the one place that knows both the registry and the graph schema.

A node's properties hold its whole record, so reading back needs no relationship; the relationships
mirror every reference (docs/design.md §2) so that Cypher and networkx can walk the graph.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from typing import Any, Literal

from pydantic import ValidationError

from graph.store import Change, Edge, Node
from registry.errors import Problem
from registry.model import (
    ENTITY_SECTIONS,
    Acknowledgement,
    DataCategory,
    DataSubjectGroup,
    Entity,
    Flow,
    GroupCompany,
    Organisation,
    Policy,
    Processor,
    Purpose,
    Recipient,
    Registry,
    RegistryFragment,
    Safeguard,
    Strict,
    country_name,
    share_field_sets,
    validation_problems,
)

COUNTRY = "Country"
ORGANISATION = "Organisation"
ACKNOWLEDGEMENT = "Acknowledgement"
# A house rule: stored like any record, with no relationships (what it names may be a parent category key, which is
# no node; the model checks its references instead).
POLICY = "Policy"
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
    "policies": POLICY,
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
    POLICY: Policy,
    "Acknowledgement": Acknowledgement,
}
LABEL_SECTIONS: dict[str, str] = {label: section for section, label in SECTION_LABELS.items()} | {
    ORGANISATION: "organisation"}
# Targets before the nodes that point at them: the order a batched copy writes in.
LABELS = (ORGANISATION, COUNTRY, *SECTION_LABELS.values())
# The relationships mirror the references; registry.projection draws its exploring graph with the same names.
LOCATED_IN = "LOCATED_IN"  # entity -> its country
PROCESSES_IN = "PROCESSES_IN"  # entity -> a country it processes data in
SUBPROCESSOR_OF = "SUBPROCESSOR_OF"  # processor -> the processor above it
SENDS = "SENDS"  # sender -> flow
TO = "TO"  # flow -> receiver
CARRIES = "CARRIES"  # flow -> data category
ABOUT = "ABOUT"  # flow -> data subject group
FOR = "FOR"  # flow -> purpose
COVERED_BY = "COVERED_BY"  # flow -> safeguard
BINDS = "BINDS"  # safeguard -> party
RELATIONSHIP_TYPES = (LOCATED_IN, PROCESSES_IN, SUBPROCESSOR_OF, SENDS, TO, CARRIES, ABOUT, FOR, COVERED_BY, BINDS)


def properties(record: Strict) -> dict[str, object]:
    """A record as JSON-compatible properties (field names, not manifest aliases; no nulls)."""
    return record.model_dump(mode="json", exclude_none=True)


def _entity_edges(entity: Entity) -> list[Edge]:
    # An international organisation is in no country (its key is no Country node).
    edges = [Edge(LOCATED_IN, COUNTRY, entity.country)] if entity.country is not None else []
    edges += [Edge(PROCESSES_IN, COUNTRY, code) for code in entity.processing_countries]
    if isinstance(entity, Processor) and entity.parent is not None:
        edges.append(Edge(SUBPROCESSOR_OF, "Processor", entity.parent))
    return edges


def _edges(record: Strict, entity_labels: Mapping[str, str]) -> list[Edge]:
    def label_of(entity_id: str) -> str:
        # Anything that is not an entity is the organisation: the model has resolved every reference.
        return entity_labels.get(entity_id, ORGANISATION)

    match record:
        case Entity():
            return _entity_edges(record)
        case Flow():
            return [
                Edge(SENDS, label_of(record.sender), record.sender, outgoing=False),
                Edge(TO, label_of(record.receiver), record.receiver),
                *(Edge(CARRIES, "DataCategory", c) for c in record.categories),
                *(Edge(ABOUT, "DataSubjectGroup", s) for s in record.subjects),
                Edge(FOR, "Purpose", record.purpose),
                *(Edge(COVERED_BY, "Safeguard", s) for s in record.safeguards),
            ]
        case Safeguard():
            return [Edge(BINDS, label_of(p), p) for p in record.parties]
        case _:
            return []


def countries_used(registry: RegistryFragment) -> set[str]:
    used = set(registry.countries_of_operation)
    for section in ENTITY_SECTIONS:
        for entity in registry.section(section):
            if entity.country is not None:  # type: ignore[attr-defined]
                used.add(entity.country)  # type: ignore[attr-defined]
            used.update(entity.processing_countries)  # type: ignore[attr-defined]
    return used


def entity_labels(registry: RegistryFragment) -> dict[str, str]:
    return {entity.id: SECTION_LABELS[section]  # type: ignore[attr-defined]
            for section in ENTITY_SECTIONS for entity in registry.section(section)}


def to_nodes(
    registry: RegistryFragment,
    *,
    labels: Mapping[str, str] | None = None,
    operation: Iterable[str] | None = None,
) -> list[Node]:
    """The registry (or a fragment) as nodes, with a Country node for every country it names.

    For a fragment, `labels` gives the label of every entity its records may point at (stored ones
    included), and `operation` the countries of operation of the whole registry.
    """
    labels = labels if labels is not None else entity_labels(registry)
    operating = set(operation if operation is not None else registry.countries_of_operation)
    nodes: list[Node] = []
    if registry.organisation is not None:
        nodes.append(Node(ORGANISATION, registry.organisation.id, properties(registry.organisation)))
    nodes += [Node(COUNTRY, code, {"code": code, "name": country_name(code), "operation": code in operating})
              for code in sorted(countries_used(registry))]
    for section, label in SECTION_LABELS.items():
        nodes += [Node(label, record.id, properties(record), tuple(_edges(record, labels)))  # type: ignore[attr-defined]
                  for record in registry.section(section)]
    return nodes


def broken_records(nodes: Iterable[Node]) -> list[Problem]:
    """What `from_nodes` refused, each problem naming the stored record (by id) it is about: the nodes validated
    again as one registry, so that every problem carries its section and position (empty if none is found)."""
    nodes = list(nodes)
    try:
        _whole_registry(nodes)
    except ValidationError as refused:
        error = refused
    else:
        return []
    ordered: dict[str, list[dict[str, object]]] = {}
    for node in nodes:
        section = LABEL_SECTIONS.get(node.label)
        if section is not None and section != "organisation":
            ordered.setdefault(section, []).append(node.properties)
    for records in ordered.values():
        records.sort(key=lambda r: str(r.get("finding", r.get("id"))))
    problems = []
    for problem in validation_problems(error):
        records = ordered.get(problem.section or "", [])
        if problem.record_id is None and problem.index is not None and problem.index < len(records):
            record = records[problem.index]
            problem = replace(problem, record_id=str(record.get("finding", record.get("id"))))
        problems.append(problem)
    return problems


def from_nodes(nodes: Iterable[Node]) -> Registry:
    """Nodes read from a store back into a validated registry, each section ordered by id (raises
    ValidationError; `broken_records` then says which records). Each record is validated as its node arrives and
    the node dropped, so a store read row by row is never held whole beside the registry: at 20,000 flows the
    nodes' parsed bodies are about 150 MB, the registry a fifth of that."""
    data = _document(nodes, lambda node: LABEL_MODELS[node.label].model_validate(node.properties), _sort_key)
    # Records already validated pass through as they are (pydantic does not validate instances again); the
    # registry's own check of ids and references runs on them.
    registry = Registry.model_validate(data)
    share_field_sets(registry)
    return registry


def _sort_key(record: Strict) -> str:
    return record.finding if isinstance(record, Acknowledgement) else record.id  # type: ignore[attr-defined, no-any-return]


def _whole_registry(nodes: Iterable[Node]) -> Registry:
    """The nodes validated as one document, as `from_nodes` did before it validated record by record: slower and
    larger, but its errors locate each record by section and position (`broken_records`)."""
    data = _document(nodes, lambda node: node.properties, lambda raw: str(raw.get("finding", raw.get("id"))))
    return Registry.model_validate(data)


def _document(
    nodes: Iterable[Node], record: Callable[[Node], Any], sort_key: Callable[[Any], str]
) -> dict[str, object]:
    """The registry document the nodes make: the organisation, the countries of operation, and each section's
    records (`record` of each node: a validated model, or its raw properties) ordered by `sort_key`."""
    data: dict[str, object] = {"version": 1}
    sections: dict[str, list[Any]] = {section: [] for section in SECTION_LABELS}
    section_of = {label: section for section, label in SECTION_LABELS.items()}
    operation: list[str] = []
    for node in nodes:
        if node.label == ORGANISATION:
            data["organisation"] = Organisation.model_validate(node.properties)
        elif node.label == COUNTRY:
            if node.properties.get("operation"):
                operation.append(node.key)
        elif node.label in section_of:
            sections[section_of[node.label]].append(record(node))
    data["countries_of_operation"] = sorted(operation)
    for section, records in sections.items():
        data[section] = sorted(records, key=sort_key)
    return data



def changed_records(changes: Iterable[Change]) -> dict[str, set[str]]:
    """Ids of the records a write changed, by manifest section ("organisation" included); countries are not
    records of their own (they follow from the entities and the countries of operation)."""
    found: dict[str, set[str]] = {}
    for change in changes:
        section = LABEL_SECTIONS.get(change.label)
        if section is not None:
            found.setdefault(section, set()).add(change.key)
    return found


def apply_changes(registry: Registry, changes: Iterable[Change]) -> Registry:
    """`registry` after a write whose change-log entries are `changes` (what `from_nodes` would read back)."""
    upserts: dict[str, list[Strict]] = {}
    deletes: dict[str, list[str]] = {}
    organisation: Organisation | Literal[False] | None = False
    operation = set(registry.countries_of_operation)
    for change in changes:
        properties = change.after["properties"] if change.after is not None else None
        if change.label == COUNTRY:
            if properties and properties.get("operation"):
                operation.add(change.key)
            else:
                operation.discard(change.key)
        elif change.label == ORGANISATION:
            organisation = Organisation.model_validate(properties) if properties is not None else None
        else:
            section = LABEL_SECTIONS[change.label]
            if properties is None:
                deletes.setdefault(section, []).append(change.key)
            else:
                upserts.setdefault(section, []).append(LABEL_MODELS[change.label].model_validate(properties))
    return registry.with_changes(upserts, deletes, organisation=organisation, countries_of_operation=operation)

"""Service.snapshot and the graph it explores: one registry's answers, in the stores' own schema."""

from __future__ import annotations

from datetime import date

from registry.mapping import CARRIES, PROCESSES_IN, RELATIONSHIP_TYPES, SENDS, SUBPROCESSOR_OF, TO, to_nodes
from registry.model import RegistryFragment
from registry.projection import KINDS, node_id
from registry.service import Service

AS_OF = date(2026, 5, 1)
EXPLORED = {PROCESSES_IN, SUBPROCESSOR_OF, SENDS, TO, CARRIES}


def test_the_explorer_graph_is_the_stores_schema(service: Service) -> None:
    """Every edge the stores hold for the explored relationships is in the graph, named alike, between the
    nodes of the same labels and keys; the graph adds only where an entity without listed processing
    countries processes data (its own country, as the rules read it)."""
    service.seed()
    snapshot = service.snapshot(AS_OF)
    graph = snapshot.graph
    assert {data["kind"] for _, data in graph.nodes(data=True)} == set(KINDS)
    drawn = set(graph.edges(keys=True))
    assert {key for _, _, key in drawn} == EXPLORED and set(RELATIONSHIP_TYPES) >= EXPLORED
    stored = set()
    for node in to_nodes(snapshot.registry):
        for edge in node.edges:
            if edge.type in EXPLORED:
                here, there = node_id(node.label, node.key), node_id(edge.target_label, edge.target_key)
                stored.add((here, there, edge.type) if edge.outgoing else (there, here, edge.type))
    assert stored and stored <= drawn
    assert {key for _, _, key in drawn - stored} <= {PROCESSES_IN}


def test_a_snapshot_is_one_registry_and_the_next_write_makes_another(service: Service) -> None:
    service.seed()
    before = service.snapshot(AS_OF)
    assert before.registry is service.registry()
    assert [f.id for f in before.findings] == [f.id for f in service.check(AS_OF)]
    flows = len(before.registry.flows)
    findings = list(before.findings)
    hq = before.registry.group_companies[0].id
    service.register(RegistryFragment.model_validate({
        "processors": [{"id": "new-host", "name": "New host", "country": "IN", "dpf_certified": False}],
        "flows": [{"id": "f-new", "from": hq, "to": "new-host", "subjects": [before.registry.data_subject_groups[0].id],
                   "categories": [before.registry.data_categories[0].id],
                   "purpose": before.registry.purposes[0].id, "frequency": "systematic"}]}))
    after = service.snapshot(AS_OF)
    assert len(after.registry.flows) == flows + 1 and "Flow:f-new" in after.graph
    assert len(before.registry.flows) == flows and "Flow:f-new" not in before.graph
    assert before.findings == findings  # the write changed the check's state, not the snapshot taken before
    assert "f-new" in after.flagged_flows and "f-new" in after.cross_border

"""A recipient that is an international organisation (no country) on each store: stored, read back, judged alike."""

from __future__ import annotations

from datetime import date

from graph.store import GraphStore
from registry.manifest import Manifest
from registry.service import Service
from tests.checks.builders import findings, registry

AS_OF = date(2026, 6, 1)


def test_an_international_organisation_reads_back_and_is_judged_the_same_on_every_store(store: GraphStore) -> None:
    reg = registry(
        companies=[{"id": "hq", "name": "HQ", "country": "DE", "region": "EMEA"},
                   {"id": "uk", "name": "UK office", "country": "GB", "region": "EMEA"}],
        recipients=[{"id": "epo", "name": "European Patent Organisation", "kind": "other",
                     "international_organisation": "epo", "source": "policy 4-2"}],
        flows=[{"id": "f-de", "from": "hq", "to": "epo"}, {"id": "f-uk", "from": "uk", "to": "epo"}])
    service = Service(store, actor="tester")
    service.import_manifest(Manifest.of(reg, "test"))
    stored = service.registry()
    assert stored.entities["epo"] == reg.entities["epo"] and stored.entities["epo"].country is None
    assert store.get("Country", "epo") is None and store.get("Country", "DE") is not None  # no country node
    judged = service.check(AS_OF)
    assert judged == findings(reg, AS_OF)
    # The GDPR has a decision for the organisation; the UK office's flow (UK GDPR) needs a tool.
    gaps = {(f.regime, tuple(f.evidence.flows)) for f in judged if f.rule == "transfer-without-safeguard"}
    assert ("uk_gdpr", ("f-uk",)) in gaps and not any(regime == "gdpr" for regime, _ in gaps)

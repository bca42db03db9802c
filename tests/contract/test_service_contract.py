"""The registry's use cases on each store: the seed imports, reads back, checks and exports the same."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from graph.sqlite import SQLiteStore
from graph.store import GraphStore
from registry.service import Service

AS_OF = date(2026, 11, 24)


def reference_service(tmp_path: Path) -> Service:
    service = Service(SQLiteStore(tmp_path / "reference.sqlite"), actor="tester")
    service.seed()
    return service


def test_seed_imports_and_reads_back_as_on_the_embedded_store(store: GraphStore, tmp_path: Path) -> None:
    service = Service(store, actor="tester")
    first = service.seed()
    assert first.created == 83  # the seed's records, house rules included, as seed/README.md counts them
    again = service.seed()
    assert (again.created, again.updated, again.deleted) == (0, 0, 0)
    expected = reference_service(tmp_path)
    assert service.registry() == expected.registry()
    assert store.counts() == expected.store.counts()


def test_findings_and_manifest_export_are_identical_on_every_store(store: GraphStore, tmp_path: Path) -> None:
    service = Service(store, actor="tester")
    service.seed()
    expected = reference_service(tmp_path)
    assert service.check(AS_OF) == expected.check(AS_OF)
    assert service.export_manifest("yaml") == expected.export_manifest("yaml")
    finding = service.check(AS_OF)[0]
    service.acknowledge(finding.id, "accepted for the contract test", as_of=AS_OF)
    expected.acknowledge(finding.id, "accepted for the contract test", as_of=AS_OF)
    assert [f.acknowledged for f in service.check(AS_OF)] == [f.acknowledged for f in expected.check(AS_OF)]
    [logged] = [c for c in store.changes() if c.label == "Acknowledgement"]
    assert logged.key == finding.id and logged.actor == "tester"

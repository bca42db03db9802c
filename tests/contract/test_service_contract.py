"""The registry's use cases on each store: the seed imports, reads back, checks and exports the same."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

from graph.sqlite import SQLiteStore
from graph.store import GraphStore
from registry import persisted_check
from registry.checks import apply_acknowledgements, run_checks
from registry.reference import load_reference
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


def test_a_new_service_starts_from_the_check_persisted_with_the_store(make_store: Callable[[], GraphStore]) -> None:
    first = Service(make_store(), actor="tester")
    first.seed()
    findings = first.check(AS_OF)  # judged in full, then persisted with the store
    store = make_store()  # another process's handle
    registry = Service(store).registry()
    restored = persisted_check.restore(store, registry, store.revision(), AS_OF, load_reference())
    assert restored is not None and restored[1] and restored[0].findings == findings
    first.acknowledge(findings[0].id, "accepted for the contract test", as_of=AS_OF)
    registry = Service(store).registry()
    restored = persisted_check.restore(store, registry, store.revision(), AS_OF, load_reference())
    assert restored is not None and not restored[1]  # brought forward from the change log
    assert restored[0].findings == apply_acknowledgements(run_checks(registry, AS_OF), registry.acknowledgements,
                                                          AS_OF)
    assert restored[0].findings[0].acknowledged

"""Backups: `export manifest` then `import` into an empty store gives back the same registry and acknowledgements.

A restored acknowledgement is the restorer's write (actor and time set by the service), so it keeps the original
author and time as `imported_actor` / `imported_at`; read through those, it is the original one."""

from __future__ import annotations

import tempfile
from datetime import date
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from graph.sqlite import SQLiteStore
from registry import manifest as manifests
from registry.model import Registry
from registry.service import Service
from tests.checks.test_properties import registries


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(registries(), st.data(), st.sampled_from(["yaml", "json"]))
def test_export_then_import_reproduces_registry_findings_and_acknowledgements(
    case: tuple[Registry, date], data: st.DataObject, fmt: str
) -> None:
    registry, as_of = case
    with tempfile.TemporaryDirectory() as directory:
        original = Service(SQLiteStore(Path(directory) / "a.sqlite"), actor="dpo")
        original.import_manifest(manifests.Manifest.of(registry, "generated"))
        findings = original.check(as_of)
        ids = sorted({f.id for f in findings})
        for finding_id in data.draw(st.lists(st.sampled_from(ids), max_size=3, unique=True) if ids else st.just([])):
            original.acknowledge(finding_id, "accepted for the test", as_of=as_of,
                                 until=data.draw(st.sampled_from([None, date(2030, 1, 1)])))
        backup = Path(directory) / f"backup.{fmt}"
        backup.write_text(original.export_manifest(fmt), encoding="utf-8")

        restored = Service(SQLiteStore(Path(directory) / "b.sqlite"), actor="restorer")
        restored.import_file(backup)
        assert as_originally_recorded(restored.registry()) == original.registry()
        assert {a.actor for a in restored.registry().acknowledgements} <= {"restorer"}
        assert [(f.id, f.acknowledged) for f in restored.check(as_of)] == [
            (f.id, f.acknowledged) for f in original.check(as_of)]
        # A backup of the restored store restores to the same thing, and re-importing it changes nothing.
        second_backup = Path(directory) / f"second.{fmt}"
        second_backup.write_text(restored.export_manifest(fmt), encoding="utf-8")
        revision = restored.store.revision()
        restored.import_file(second_backup)
        assert restored.store.revision() == revision
        again = Service(SQLiteStore(Path(directory) / "c.sqlite"), actor="second-restorer")
        again.import_file(second_backup)
        assert as_originally_recorded(again.registry()) == original.registry()
        original.store.close()
        restored.store.close()
        again.store.close()


def as_originally_recorded(registry: Registry) -> Registry:
    """The registry with each restored acknowledgement's author and time put back where they came from."""
    return registry.model_copy(update={"acknowledgements": [
        a.model_copy(update={"actor": a.imported_actor, "at": a.imported_at, "imported_actor": None,
                             "imported_at": None}) for a in registry.acknowledgements]})

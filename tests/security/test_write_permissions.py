"""Every write needs the permission of what it writes, whatever command carries it (issue 12, items 4 and 5):
acknowledgements need ACKNOWLEDGE even inside an imported manifest, deleting them by --replace too, and the
author and time of a write are the service's, never the file's."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import yaml

from graph.sqlite import SQLiteStore
from registry.access import Principal, Role
from registry.errors import PermissionDenied
from registry.service import Service

AS_OF = date(2026, 5, 1)


def as_role(store: SQLiteStore, user: str, *roles: Role) -> Service:
    return Service(store, principal=Principal(user=user, roles=frozenset(roles)))


@pytest.fixture
def finding_id(service: Service, example_manifest: Path) -> str:
    service.import_file(example_manifest)
    return service.check(AS_OF)[0].id


def with_acknowledgement(example_manifest: Path, directory: Path, finding: str) -> Path:
    document = yaml.safe_load(example_manifest.read_text(encoding="utf-8"))
    document["acknowledgements"] = [{"finding": finding, "reason": "accepted by the DPO", "actor": "dpo-alice",
                                     "at": "2026-01-01T09:00:00Z"}]
    path = directory / "forged.yaml"
    path.write_text(yaml.safe_dump(document), encoding="utf-8")
    return path


def test_an_engineer_cannot_acknowledge_through_import(
    sqlite_store: SQLiteStore, finding_id: str, example_manifest: Path, tmp_path: Path
) -> None:
    forged = with_acknowledgement(example_manifest, tmp_path, finding_id)
    revision = sqlite_store.revision()
    with pytest.raises(PermissionDenied, match="acknowledge"):
        as_role(sqlite_store, "eve", Role.ENGINEER).import_file(forged)
    with pytest.raises(PermissionDenied, match="acknowledge"):
        as_role(sqlite_store, "eve", Role.ENGINEER).import_file(forged, replace=True)
    assert sqlite_store.revision() == revision  # nothing was written
    assert not any(f.acknowledged for f in Service(sqlite_store).check(AS_OF))


def test_an_engineer_cannot_delete_acknowledgements_by_replace(
    sqlite_store: SQLiteStore, service: Service, finding_id: str, example_manifest: Path
) -> None:
    service.acknowledge(finding_id, "DPO memo 12", as_of=AS_OF)
    revision = sqlite_store.revision()
    # The manifest holds every record but not the acknowledgement: replacing would delete it.
    with pytest.raises(PermissionDenied, match="acknowledge"):
        as_role(sqlite_store, "eve", Role.ENGINEER).import_file(example_manifest, replace=True)
    assert sqlite_store.revision() == revision
    assert sqlite_store.get("Acknowledgement", finding_id) is not None


def test_an_imported_acknowledgement_is_the_importers_act_and_keeps_the_claim_apart(
    sqlite_store: SQLiteStore, finding_id: str, example_manifest: Path, tmp_path: Path
) -> None:
    forged = with_acknowledgement(example_manifest, tmp_path, finding_id)
    before = datetime.now(UTC).replace(microsecond=0)
    admin = as_role(sqlite_store, "bob", Role.ENGINEER, Role.DPO)
    admin.import_file(forged)
    stored = next(a for a in admin.registry().acknowledgements if a.finding == finding_id)
    assert stored.actor == "bob"
    assert stored.at is not None and stored.at >= before
    assert stored.imported_actor == "dpo-alice"
    assert stored.imported_at == datetime(2026, 1, 1, 9, tzinfo=UTC)
    assert sqlite_store.changes(key=finding_id)[-1].actor == "bob"
    # Importing the same file again forges nothing new and, once stored as exported, changes nothing.
    backup = tmp_path / "backup.yaml"
    backup.write_text(admin.export_manifest(), encoding="utf-8")
    revision = sqlite_store.revision()
    assert admin.import_file(backup).unchanged > 0
    assert sqlite_store.revision() == revision


def test_neo4j_sync_needs_the_write_permissions_on_the_target(
    sqlite_store: SQLiteStore, finding_id: str, tmp_path: Path
) -> None:
    target = SQLiteStore(tmp_path / "target.sqlite")
    try:
        for roles in ((Role.LEGAL,), (Role.LEGAL, Role.ENGINEER), (Role.DPO,)):
            with pytest.raises(PermissionDenied):
                as_role(sqlite_store, "lee", *roles).sync_to(target)
            assert target.revision() == 0
        result = as_role(sqlite_store, "root", Role.ADMIN).sync_to(target)
        assert result.created > 0
    finally:
        target.close()

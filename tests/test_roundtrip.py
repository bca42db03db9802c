"""Property: manifest -> store -> manifest gives back the same registry, for generated registries."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings

from benchmarks.generate import generate_registry
from graph.sqlite import SQLiteStore
from registry import manifest as manifests
from registry.model import Registry
from registry.service import Service
from tests.strategies import canonical, registries


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(registry=registries())
def test_manifest_store_manifest_is_identical(registry: Registry) -> None:
    for fmt in ("yaml", "json"):
        text = manifests.dump(registry, fmt)
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / f"in.{fmt}"
            path.write_bytes(text.encode("utf-8"))
            store = SQLiteStore(Path(folder) / "s.sqlite")
            try:
                service = Service(store, actor="property")
                service.import_file(path)
                exported = service.export_manifest(fmt)
            finally:
                store.close()
        back = manifests.parse(exported.encode("utf-8"), f"out.{fmt}")
        assert back.problems == []
        assert Registry.model_validate(back.fragment.model_dump(by_alias=True)) == canonical(registry)
        # A second trip changes nothing at all, to the character.
        assert manifests.dump(Registry.model_validate(back.fragment.model_dump(by_alias=True)), fmt) == exported


def test_a_registry_read_from_the_store_shares_one_string_per_id(tmp_path: Path) -> None:
    """Ids and country codes are interned when validated (the check's lookups compare them by identity)."""
    service = Service(SQLiteStore(tmp_path / "s.sqlite"), actor="property")
    service.register(generate_registry("XS"), source="generated")
    loaded = Service(SQLiteStore(tmp_path / "s.sqlite"), actor="property").registry()
    for flow in loaded.flows:
        assert flow.sender is loaded.entities[flow.sender].id
        assert flow.receiver is loaded.entities[flow.receiver].id
        assert all(category is loaded.categories_by_id[category].id for category in flow.categories)
    first: dict[str, str] = {}
    for entity in loaded.entities.values():
        assert first.setdefault(entity.country, entity.country) is entity.country

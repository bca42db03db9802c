"""Property: registry -> inventory workbook (or CSV folder) -> import into an empty store gives back the same
registry, the same findings and the same acknowledgements as importing the registry's manifest."""

from __future__ import annotations

import tempfile
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from graph.sqlite import SQLiteStore
from registry import inventory
from registry import manifest as manifests
from registry.checks import run_checks
from registry.inventory import template
from registry.model import GroupCompany, Registry
from registry.service import Service
from tests.strategies import canonical, dates, names, registries

AS_OF = date(2026, 6, 1)


def storable(value: Any) -> Any:
    """The registry with the control characters an .xlsx cannot hold shown as their Unicode pictures (U+2400..):
    the workbook writer refuses them with a message, which test_control_characters_are_refused checks."""
    if isinstance(value, str):
        return ILLEGAL_CHARACTERS_RE.sub(lambda m: chr(0x2400 + ord(m.group())), value)
    if isinstance(value, list):
        return [storable(v) for v in value]
    if isinstance(value, dict):
        return {k: storable(v) for k, v in value.items()}
    return value


@st.composite
def acknowledged_registries(draw: st.DrawFn) -> Registry:
    registry = Registry.model_validate(storable(draw(registries()).model_dump(by_alias=True)))
    findings = run_checks(registry, AS_OF)
    chosen = draw(st.lists(st.sampled_from(findings), max_size=3, unique_by=lambda f: f.id)) if findings else []
    acknowledgements = [{
        "finding": finding.id, "reason": draw(names), "until": draw(st.none() | dates),
        "actor": draw(st.none() | names),
        "at": draw(st.none() | st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2030, 1, 1),
                                            timezones=st.just(UTC)).map(lambda d: d.replace(microsecond=0))),
    } for finding in chosen]
    data = registry.model_dump(by_alias=True)
    data["acknowledgements"] = acknowledgements
    return Registry.model_validate(storable(data))


def imported(path: Path, folder: Path, name: str) -> tuple[Registry, list[Any]]:
    store = SQLiteStore(folder / f"{name}.sqlite")
    try:
        service = Service(store, actor="property")
        service.import_manifest(inventory.load(path))
        return service.registry(), service.check(AS_OF)
    finally:
        store.close()


def as_imported(registry: Registry, actor: str | None = None) -> Registry:
    """The registry as an import by `actor` stores it: each acknowledgement recorded as the importer's act (its
    time cleared, being the moment of import), what the file claimed kept as imported_actor / imported_at."""
    return registry.model_copy(update={"acknowledgements": [a.model_copy(update={
        "actor": actor or a.actor, "at": None,
        "imported_actor": a.imported_actor or (a.actor if actor else None),
        "imported_at": a.imported_at or (a.at if actor else None)}) for a in registry.acknowledgements]})


def assert_round_trip(registry: Registry, write: Any) -> None:
    with tempfile.TemporaryDirectory() as temporary:
        folder = Path(temporary)
        manifest = folder / "registry.json"
        manifest.write_text(manifests.dump(registry, "json"), encoding="utf-8")
        expected, expected_findings = imported(manifest, folder, "from-manifest")
        path = write(registry, folder)
        back, findings = imported(path, folder, "from-inventory")
    assert as_imported(back) == as_imported(expected) == as_imported(canonical(registry), "property")
    # The same findings, acknowledged alike; each acknowledgement's time is its own import's.
    assert ([f.model_copy(update={"acknowledgement": None}) for f in findings]
            == [f.model_copy(update={"acknowledgement": None}) for f in expected_findings])
    assert [f.acknowledged for f in findings].count(True) == [f.acknowledged for f in expected_findings].count(True)


def workbook(registry: Registry, folder: Path) -> Path:
    path = folder / "inventory.xlsx"
    path.write_bytes(template.workbook_bytes(registry))
    return path


def csv_folder(registry: Registry, folder: Path) -> Path:
    target = folder / "inventory"
    target.mkdir()
    for name, data in template.csv_files(registry).items():
        (target / name).write_bytes(data)
    return target


# No shrinking: a failing registry is printed whole, and shrinking one through a store takes minutes.
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow],
          phases=[Phase.explicit, Phase.reuse, Phase.generate])
@given(registry=acknowledged_registries())
def test_workbook_round_trip(registry: Registry) -> None:
    assert_round_trip(registry, workbook)


# No shrinking: a failing registry is printed whole, and shrinking one through a store takes minutes.
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow],
          phases=[Phase.explicit, Phase.reuse, Phase.generate])
@given(registry=acknowledged_registries())
def test_csv_folder_round_trip(registry: Registry) -> None:
    assert_round_trip(registry, csv_folder)


def test_control_characters_are_refused_with_the_record_and_field() -> None:
    # The model refuses them first (a name that rewrites a terminal or an export is never stored); the workbook
    # writer's own refusal stays for records built without validation.
    registry = Registry.model_construct(group_companies=[GroupCompany.model_construct(
        id="hq", name="Bell\x07 Ltd", country="JP", region="APAC")])
    try:
        template.workbook_bytes(registry)
    except Exception as error:
        assert "control character" in str(error) and "'name'" in str(error) and "'hq'" in str(error)
    else:
        raise AssertionError("a control character was written to a workbook")

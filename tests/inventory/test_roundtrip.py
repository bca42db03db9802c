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
from registry.model import Registry
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


def assert_round_trip(registry: Registry, write: Any) -> None:
    with tempfile.TemporaryDirectory() as temporary:
        folder = Path(temporary)
        manifest = folder / "registry.json"
        manifest.write_text(manifests.dump(registry, "json"), encoding="utf-8")
        expected, expected_findings = imported(manifest, folder, "from-manifest")
        path = write(registry, folder)
        back, findings = imported(path, folder, "from-inventory")
    assert back == canonical(registry) == expected
    assert findings == expected_findings
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
    registry = Registry.model_validate({"group_companies": [
        {"id": "hq", "name": "Bell\x07 Ltd", "country": "JP", "region": "APAC"}]})
    try:
        template.workbook_bytes(registry)
    except Exception as error:
        assert "control character" in str(error) and "'name'" in str(error) and "'hq'" in str(error)
    else:
        raise AssertionError("a control character was written to a workbook")

"""The seed registry, judged and exported as of one day; helpers to read exports back the way users do."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from registry.checks import run_checks
from registry.checks.finding import Finding
from registry.exports import ExportTables, build_tables
from registry.manifest import load
from registry.model import Registry

ROOT = Path(__file__).resolve().parents[2]
AS_OF = date(2026, 5, 1)


def seed_data() -> dict[str, Any]:
    return load(ROOT / "seed" / "registry.yaml").fragment.model_dump(by_alias=True)


def seed_registry() -> Registry:
    return Registry.model_validate(seed_data())


@pytest.fixture(scope="session")
def registry() -> Registry:
    return seed_registry()


@pytest.fixture(scope="session")
def findings(registry: Registry) -> list[Finding]:
    return run_checks(registry, AS_OF)


@pytest.fixture(scope="session")
def tables(registry: Registry, findings: list[Finding]) -> ExportTables:
    return build_tables(registry, findings, AS_OF)


def read_csv(content: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(content.decode("utf-8"), newline="")))


def read_json(content: bytes) -> dict[str, Any]:
    return json.loads(content.decode("utf-8"))

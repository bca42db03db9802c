"""Fixtures shared by the whole suite: real temporary stores, never mocks."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from graph.sqlite import SQLiteStore
from registry.service import Service
from tests.neo4j_fixture import neo4j_server  # noqa: F401  (session-wide real Neo4j for tests marked neo4j)

# Tests pass on a loaded two-core machine: no Hypothesis example may fail for being slow (its default
# deadline is 200 ms a call), and slow data generation is no reason to stop.
settings.register_profile("flowreg", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("flowreg")

EXAMPLE_MANIFEST = """\
version: 1
organisation: {id: example-group, name: Example Group}
countries_of_operation: [JP, US, LU]
group_companies:
  - {id: hq, name: Example Group Inc., country: JP, region: APAC, bcr_bound: true, role: controller}
processors:
  - {id: mailer, name: Mail Delivery Ltd, country: US, processing_countries: [US], dpa_signed: 2024-03-01}
data_subject_groups:
  - {id: entrants, name: Campaign entrants, regions: [EEA, JP, US]}
data_categories:
  - {id: user.contact.email, name: Email address}
purposes:
  - {id: campaign, name: Run the campaign, necessary_categories: [user.contact.email], legal_basis: contract}
safeguards:
  - {id: scc-mailer, kind: scc_2021, module: 2, effective: 2024-03-01, reference: contracts/mailer-dpa.pdf}
flows:
  - {id: f1, from: hq, to: mailer, subjects: [entrants], categories: [user.contact.email], purpose: campaign,
     safeguards: [scc-mailer], frequency: systematic, encrypted_in_transit: true, tia: tia/mailer-2024.pdf,
     source: "policy 4-2"}
"""


@pytest.fixture
def sqlite_store(tmp_path: Path) -> Iterator[SQLiteStore]:
    store = SQLiteStore(tmp_path / "registry.sqlite")
    yield store
    store.close()


@pytest.fixture
def service(sqlite_store: SQLiteStore) -> Service:
    return Service(sqlite_store, actor="tester")


@pytest.fixture
def seeded_path(tmp_path: Path) -> Path:
    """A closed SQLite store file holding the seed registry, for tests that open it as a new process would."""
    path = tmp_path / "seeded.sqlite"
    store = SQLiteStore(path)
    Service(store, actor="seeder").seed()
    store.close()
    return path


@pytest.fixture
def example_manifest(tmp_path: Path) -> Path:
    path = tmp_path / "example.yaml"
    path.write_text(EXAMPLE_MANIFEST, encoding="utf-8")
    return path

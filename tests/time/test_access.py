"""Any role may forecast, diff, run a what-if or see the trend (VIEW); none of them writes: the store's revision
and change log are the same afterwards, whoever asked."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from graph.sqlite import SQLiteStore
from registry import scenario as scenarios
from registry.access import Principal, Role
from registry.errors import PermissionDenied
from registry.service import Service, seed_manifest_path

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "what-if"


@pytest.fixture
def store(tmp_path: Path) -> SQLiteStore:
    store = SQLiteStore(tmp_path / "seed.sqlite")
    Service(store, actor="setup").import_file(seed_manifest_path())
    return store


def ask_everything(service: Service) -> None:
    service.forecast(90, date(2026, 12, 3))
    service.diff_days(date(2026, 12, 3), date(2027, 3, 3))
    service.diff_since(10, date(2026, 12, 3))
    for example in sorted(EXAMPLES.glob("*.yaml")):
        service.what_if(scenarios.load(example))
    service.trend()


@pytest.mark.parametrize("role", list(Role))
def test_every_role_may_ask_and_nothing_is_written(store: SQLiteStore, role: Role) -> None:
    revision, log = store.revision(), store.log_records()
    ask_everything(Service(store, principal=Principal(user=f"a-{role.value}", roles=frozenset({role}))))
    assert store.revision() == revision
    assert store.log_records() == log


def test_someone_without_a_role_may_not(store: SQLiteStore) -> None:
    nobody = Service(store, principal=Principal(user="stranger", roles=frozenset()))
    for ask in (lambda: nobody.forecast(), lambda: nobody.diff_days(date(2026, 1, 1), date(2026, 2, 1)),
                lambda: nobody.diff_since(0), lambda: nobody.trend(),
                lambda: nobody.what_if(scenarios.load(EXAMPLES / "dpf-falls.yaml"))):
        with pytest.raises(PermissionDenied, match="stranger \\(no role\\) may not"):
            ask()

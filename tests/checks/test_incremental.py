"""Incremental checking: after each write through a Service, its findings equal a full check of the store.

The store is read in full once; every later check must follow the writes without reading it again (the
store below refuses), so a pass here is the incremental path's, not a silent full re-check.
"""

from __future__ import annotations

import ast
import importlib
import random
import threading
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from benchmarks.generate import generate_registry
from graph.sqlite import SQLiteStore
from graph.store import Node
from registry import manifest as manifests
from registry.checks import RULES, apply_acknowledgements, run_checks
from registry.exports import build_tables, render
from registry.mapping import from_nodes
from registry.model import Flow, Frequency, Processor, Registry, RegistryFragment, Safeguard
from registry.reference import Regime
from registry.service import DAYS_KEPT, Service
from registry.transfers import TransferAnalyser

AS_OF = date(2026, 11, 24)


class CountingStore(SQLiteStore):
    """Counts whole-store reads: the incremental path must not make any."""

    full_reads = 0

    def read(self, label: str | None = None) -> Iterator[Node]:
        if label is None:
            self.full_reads += 1
        return super().read(label)


def full_check(store: SQLiteStore) -> tuple[Registry, list[Any]]:
    registry = from_nodes(SQLiteStore.read(store))
    return registry, apply_acknowledgements(run_checks(registry, AS_OF), registry.acknowledgements, AS_OF)


def assert_incremental_equals_full(service: Service, store: CountingStore, what: str) -> None:
    reads = store.full_reads
    found = service.check(AS_OF)
    assert store.full_reads == reads, f"{what}: the check read the whole store again"
    registry, expected = full_check(store)
    assert service.registry() == registry, f"{what}: the patched registry differs from the stored one"
    assert [f.id for f in found] == [f.id for f in expected], what
    assert found == expected, what


@pytest.fixture
def started(tmp_path: Path) -> tuple[Service, CountingStore]:
    store = CountingStore(tmp_path / "registry.sqlite")
    service = Service(store, actor="test")
    service.register(generate_registry("XS"), source="generated")
    service.check(AS_OF)
    assert store.full_reads == 1
    return service, store


def new_processor(registry: Registry, rng: random.Random, number: int) -> RegistryFragment:
    """A processor in a non-adequate country with 5 flows from group companies, one with an expired SCC."""
    processor = Processor(id=f"new-proc-{number}", name="New", country=rng.choice(["IN", "BR", "US", "SG"]),
                          dpa_signed=None if number % 2 else date(2024, 1, 1), source="policy 4-2")
    companies = [c.id for c in registry.group_companies]
    scc = Safeguard(id=f"new-scc-{number}", kind="scc_2021", module=2, effective=date(2022, 1, 1),
                    expires=date(2025, 1, 1), parties=[companies[0], processor.id])
    template = registry.flows[0]
    flows = [template.model_copy(update={
        "id": f"new-flow-{number}-{i}", "sender": rng.choice(companies), "receiver": processor.id,
        "safeguards": [scc.id] if i % 2 else [], "tia": None})
        for i in range(5)]
    return RegistryFragment(processors=[processor], safeguards=[scc], flows=flows)


def test_registering_a_processor_with_five_flows_then_editing_them(started: tuple[Service, CountingStore]) -> None:
    service, store = started
    rng = random.Random(1)
    registry = service.registry()
    service.register(new_processor(registry, rng, 1))
    assert_incremental_equals_full(service, store, "new processor")
    # Its DPA signed, a flow moved to another receiver, the sub-processor chain extended from it.
    registry = service.registry()
    processor = registry.processors_by_id["new-proc-1"]
    service.register(RegistryFragment(processors=[processor.model_copy(update={"dpa_signed": date(2020, 1, 1)})]))
    assert_incremental_equals_full(service, store, "DPA signed")
    moved = registry.flows_by_id["new-flow-1-0"].model_copy(update={"receiver": registry.processors[0].id})
    onward = registry.flows_by_id["new-flow-1-1"].model_copy(update={
        "id": "new-onward", "sender": "new-proc-1", "receiver": registry.processors[1].id, "safeguards": []})
    service.register(RegistryFragment(flows=[moved, onward]))
    assert_incremental_equals_full(service, store, "flow moved, onward hop added")
    # The exports take the check's analysis of the day, which a re-check only partly redid.
    registry, expected = full_check(store)
    assert render(service.export_tables(AS_OF), "json") == render(build_tables(registry, expected, AS_OF), "json")


def mutate(registry: Registry, rng: random.Random, number: int) -> RegistryFragment:
    """One random change of the kind a DPO or engineer makes, valid against `registry`."""
    choice = rng.randrange(8)
    if choice == 0:
        return new_processor(registry, rng, number)
    if choice == 1:
        safeguard = rng.choice(registry.safeguards)
        if safeguard.effective is None:
            return RegistryFragment()
        return RegistryFragment(safeguards=[safeguard.model_copy(update={"expires": rng.choice(
            [None, safeguard.effective + timedelta(days=400), date(2030, 1, 1)])})])
    if choice == 2:
        entity = rng.choice(registry.processors + registry.group_companies)
        return RegistryFragment(**{"processors" if isinstance(entity, Processor) else "group_companies": [
            entity.model_copy(update={"processing_countries": rng.sample(["DE", "IN", "US", "JP", "GB"], 2)})]})
    if choice == 3:
        group = rng.choice(registry.data_subject_groups)
        return RegistryFragment(data_subject_groups=[group.model_copy(update={"regions": rng.sample(
            ["EEA", "GB", "CH", "JP", "US"], rng.randint(1, 3))})])
    if choice == 4:
        flow: Flow = rng.choice(registry.flows)
        return RegistryFragment(flows=[flow.model_copy(update={
            "receiver": rng.choice(registry.processors).id, "frequency": rng.choice(list(Frequency)),
            "encrypted_in_transit": rng.choice([True, False, None])})])
    if choice == 5:
        purpose = rng.choice(registry.purposes)
        return RegistryFragment(purposes=[purpose.model_copy(update={
            "necessary_categories": rng.sample([c.id for c in registry.data_categories], 2),
            "source": rng.choice([None, "policy 3-1"])})])
    if choice == 6:
        recipient = rng.choice(registry.recipients)
        return RegistryFragment(recipients=[recipient.model_copy(update={"source": rng.choice([None, "policy 4-2"])})])
    processor = rng.choice(registry.processors)
    return RegistryFragment(processors=[processor.model_copy(update={
        "dpa_signed": rng.choice([None, date(2027, 1, 1), date(2020, 1, 1)]),
        "parent": None})])


def test_a_re_check_judges_only_the_flows_a_write_touches_and_keeps_the_rest_judged(
        started: tuple[Service, CountingStore], monkeypatch: pytest.MonkeyPatch) -> None:
    """Counted in verdicts judged, not in time: registering a processor with 5 flows judges those 5 flows
    (under at most every regime) and no other, and an export of the day afterwards judges nothing again, because
    the re-check kept the full check's analysis of every flow it did not touch."""
    service, _ = started
    judged: list[str] = []
    judge = TransferAnalyser._judge

    def counted(analyser: TransferAnalyser, flow: Flow, regime: Regime) -> Any:
        judged.append(flow.id)
        return judge(analyser, flow, regime)

    monkeypatch.setattr(TransferAnalyser, "_judge", counted)
    fragment = new_processor(service.registry(), random.Random(3), 1)
    service.register(fragment)
    service.check(AS_OF)
    assert judged and set(judged) <= {flow.id for flow in fragment.flows}
    assert len(judged) <= len(fragment.flows) * len(Regime)
    judged.clear()
    service.export_tables(AS_OF)
    assert judged == []


@pytest.mark.parametrize("seed", [20261125, 7])
def test_random_changes_keep_the_findings_equal_to_a_full_check(started: tuple[Service, CountingStore],
                                                                 seed: int) -> None:
    service, store = started
    rng = random.Random(seed)
    for number in range(60):
        registry = service.registry()
        if rng.random() < 0.15:  # a flow deleted: the store replaced by a manifest without it
            gone = rng.choice(registry.flows).id
            smaller = registry.model_copy(update={"flows": [f for f in registry.flows if f.id != gone]})
            service.import_manifest(manifests.Manifest.of(smaller, "smaller.yaml"), replace=True)
            assert_incremental_equals_full(service, store, f"change {number}: {gone} deleted")
            continue
        fragment = mutate(registry, rng, number)
        service.register(fragment, source=f"change {number}")
        assert_incremental_equals_full(service, store, f"change {number}: {fragment.model_dump(exclude_defaults=True)}")
    # The analysis the re-checks carried forward, flow by flow, equals the one a fresh check makes.
    registry, expected = full_check(store)
    assert render(service.export_tables(AS_OF), "json") == render(build_tables(registry, expected, AS_OF), "json")


def house_rules(registry: Registry) -> RegistryFragment:
    """One house rule of each effect over the generated registry, a sub-processing depth among them."""
    category = registry.data_categories[0].id.rsplit(".", 1)[0]
    rules = [
        {"id": "eea-adequate", "match": {"cross_border": True, "categories": [category]},
         "destinations": {"allow": ["EEA", {"adequate_for": "gdpr"}]},
         "exceptions": [{"flow": registry.flows[0].id, "reason": "moving", "until": "2026-12-31"}]},
        {"id": "contract", "match": {"receiver": {"kinds": ["processor"]}}, "require": {"dpa": True}},
        {"id": "depth", "require": {"max_chain_depth": 1, "encrypted_in_transit": True}},
        {"id": "no-india", "match": {"receiver": {"countries": ["IN"]}, "purposes": [registry.purposes[0].id]},
         "forbid": True},
        {"id": "retention", "match": {"sender": {"kinds": ["group_company"]}}, "require": {"max_retention": "P1Y"}},
    ]
    return RegistryFragment.model_validate({"policies": [
        {"title": "House rule", "severity": "medium", "source": "privacy office", **rule} for rule in rules]})


def test_house_rules_follow_every_change_and_a_changed_rule_judges_again(
        started: tuple[Service, CountingStore]) -> None:
    service, store = started
    service.save_policies(manifests.Manifest.of(house_rules(service.registry()), "policies.yaml"))
    assert_incremental_equals_full(service, store, "house rules added")
    assert any(f.rule.startswith("policy:") for f in service.check(AS_OF))
    rng = random.Random(19)
    for number in range(40):
        registry = service.registry()
        if number % 5 == 4:  # a processor moves in the sub-processing tree: everything below it changes depth
            moved, parent = rng.sample(registry.processors, 2)
            fragment = RegistryFragment(processors=[moved.model_copy(update={"parent": parent.id})])
        else:
            fragment = mutate(registry, rng, 500 + number)
        service.register(fragment, source=f"change {number}")
        assert_incremental_equals_full(service, store, f"change {number}: {fragment.model_dump(exclude_defaults=True)}")
    policy = service.registry().policies[0]
    service.save_policies(manifests.Manifest.of(RegistryFragment(policies=[policy.model_copy(
        update={"exceptions": [], "severity": "high"})]), "policies.yaml"))
    assert_incremental_equals_full(service, store, "a house rule changed")


def test_acknowledging_and_deleting_follow_too(tmp_path: Path) -> None:
    store = CountingStore(tmp_path / "seed.sqlite")
    service = Service(store, actor="dpo")
    service.seed()
    first = service.check(AS_OF)[0]
    service.acknowledge(first.id, "accepted until the new SCCs are signed", as_of=AS_OF)
    assert_incremental_equals_full(service, store, "acknowledged")
    assert service.check(AS_OF)[0].acknowledged
    # Replacing the store with a manifest that lacks a flow deletes it, and its findings go with it.
    registry = service.registry()
    flagged_flow = first.evidence.flows[-1]
    smaller = registry.model_copy(update={"flows": [f for f in registry.flows if f.id != flagged_flow]})
    service.import_manifest(manifests.Manifest.of(smaller, "smaller.yaml"), replace=True)
    assert_incremental_equals_full(service, store, "flow deleted")
    assert all(flagged_flow not in f.evidence.flows for f in service.check(AS_OF))


def test_another_writer_makes_the_next_check_read_the_store(started: tuple[Service, CountingStore]) -> None:
    service, store = started
    other = Service(SQLiteStore(Path(store.location)), actor="someone else")
    other.register(new_processor(service.registry(), random.Random(3), 9))
    reads = store.full_reads
    _, expected = full_check(store)
    assert service.check(AS_OF) == expected
    assert store.full_reads == reads + 1


def test_a_changed_organisation_checks_everything_again(started: tuple[Service, CountingStore]) -> None:
    service, store = started
    organisation = service.registry().organisation
    assert organisation is not None
    service.register(RegistryFragment(organisation=organisation.model_copy(update={
        "promises_encryption_in_transit": not organisation.promises_encryption_in_transit})))
    assert_incremental_equals_full(service, store, "organisation")


def test_sessions_reading_while_one_writes_end_equal_to_a_full_check(started: tuple[Service, CountingStore]) -> None:
    """Dashboard sessions share one cache: readers on other threads while registrations come in."""
    service, store = started
    done = threading.Event()
    seen: list[int] = []
    broken: list[str] = []

    def read() -> None:
        while not done.is_set():
            found = service.check(AS_OF)
            seen.append(len(found))
            if len({f.id for f in found}) != len(found) or found != sorted(found, key=lambda f: f.sort_key):
                broken.append(f"a session saw {len(found)} findings with repeats or out of order")

    readers = [threading.Thread(target=read) for _ in range(3)]
    for reader in readers:
        reader.start()
    try:
        rng = random.Random(11)
        for number in range(30):
            service.register(new_processor(service.registry(), rng, 100 + number))
    finally:
        done.set()
        for reader in readers:
            reader.join()
    assert seen and not broken, broken[:1]
    assert_incremental_equals_full(service, store, "after concurrent reads")


def test_only_the_most_recently_asked_days_stay_cached(started: tuple[Service, CountingStore]) -> None:
    service, _ = started
    days = [date(2026, 1, d) for d in range(1, DAYS_KEPT + 3)]
    for day in days:
        service.check(day)
    service.check(days[-DAYS_KEPT])  # asked again: kept, and now the most recent
    service.check(date(2027, 1, 1))
    assert list(service._cache.checks) == [*days[-DAYS_KEPT + 2:], days[-DAYS_KEPT], date(2027, 1, 1)]


def imported_modules(module: str) -> set[str]:
    """Every module `module`'s source imports, a `from package import name` counted as package.name too."""
    source = importlib.import_module(module).__file__
    assert source is not None
    found: set[str] = set()
    for node in ast.walk(ast.parse(Path(source).read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found |= {node.module, *(f"{node.module}.{alias.name}" for alias in node.names)}
    return found


@pytest.mark.parametrize("module", ["registry.checks.incremental", "registry.checks.rule"])
def test_the_incremental_checker_and_the_rule_type_name_no_rule(module: str) -> None:
    """A rule says what its findings are about and keeps its own state: adding one touches neither module."""
    rule_modules = {rule.judge.__module__ for rule in RULES}
    assert len(rule_modules) == len(RULES)
    assert not imported_modules(module) & rule_modules

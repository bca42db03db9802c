"""Properties over generated registries: safeguards only ever help, and a flow that stays home is no transfer."""

from __future__ import annotations

from datetime import date
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from registry.checks import run_checks
from registry.model import AUTHORITY_KINDS, Registry
from registry.reference import load_reference

COUNTRIES = ["DE", "FR", "NO", "GB", "CH", "JP", "US", "IN", "BR", "KR", "CA"]
REGIONS = ["EEA", "GB", "CH", "JP", "US"]
TRANSFER_RULES = {"transfer-without-safeguard", "safeguard-expired", "adequacy-out-of-scope", "bcr-outside-group",
                  "derogation-misused", "foreign-authority-disclosure", "tia-missing", "onward-transfer-gap"}
KINDS = ["scc_2021", "scc_legacy", "bcr", "uk_idta", "uk_addendum", "appi_consent", "appi_equivalent_system",
         "derogation_49", "appi_exception", "adequacy", "certification"]
# Recipients outside the processor chain: authorities (foreign-authority-disclosure) and others.
RECIPIENT_KINDS = ["law_enforcement", "authority", "acquirer", "other"]


@st.composite
def registries(draw: st.DrawFn) -> tuple[Registry, date]:
    entity_count = draw(st.integers(2, 5))
    entities: list[dict[str, Any]] = []
    for index in range(entity_count):
        country = draw(st.sampled_from(COUNTRIES))
        elsewhere = draw(st.lists(st.sampled_from(COUNTRIES), max_size=2, unique=True))
        base = {"id": f"e{index}", "name": f"E{index}", "country": country,
                "processing_countries": sorted({country, *elsewhere}) if elsewhere else [],
                "dpf_certified": draw(st.booleans()), "dpf_uk_extension": draw(st.booleans())}
        role = "company" if index == 0 else draw(st.sampled_from(["company", "processor", "recipient"]))
        if role == "company":
            entities.append({**base, "region": "R", "bcr_bound": draw(st.booleans()), "kind": "company"})
        elif role == "processor":
            entities.append({**base, "dpa_signed": draw(st.sampled_from([None, "2019-01-01"])), "kind": "processor"})
        else:
            recipient_kind = draw(st.sampled_from(RECIPIENT_KINDS))
            public = recipient_kind in AUTHORITY_KINDS  # an authority is public; the model refuses another sector
            entities.append({**base, "kind": "recipient", "recipient_kind": recipient_kind,
                             "sector": "public" if public else draw(st.sampled_from(["public", "commercial"]))})
    safeguards = []
    for index in range(draw(st.integers(0, 4))):
        kind = draw(st.sampled_from(KINDS))
        safeguard: dict[str, Any] = {"id": f"s{index}", "kind": kind,
                                     "effective": draw(st.sampled_from([None, "2019-06-01", "2022-01-01"])),
                                     "expires": draw(st.sampled_from([None, "2024-12-31"]))}
        if kind == "scc_2021":
            safeguard["module"] = draw(st.integers(1, 4))
        if kind == "derogation_49":
            safeguard["letter"] = draw(st.sampled_from("abde"))
        if kind == "appi_exception":
            safeguard["item"] = draw(st.sampled_from(["i", "ii", "iv"]))
        if safeguard.get("letter") == "d" or safeguard.get("item") == "i":
            safeguard["law_of"] = draw(st.sampled_from([None, "EU", "DE", "GB", "JP", "US"]))
        safeguards.append(safeguard)
    groups = [{"id": f"g{i}", "name": f"G{i}", "regions": draw(st.lists(st.sampled_from(REGIONS), min_size=1,
                                                                          max_size=2, unique=True))}
              for i in range(2)]
    flows = []
    for index in range(draw(st.integers(1, 6))):
        sender, receiver = draw(st.lists(st.integers(0, entity_count - 1), min_size=2, max_size=2, unique=True))
        flows.append({
            "id": f"f{index}", "from": f"e{sender}", "to": f"e{receiver}",
            "subjects": draw(st.lists(st.sampled_from(["g0", "g1"]), min_size=1, max_size=2, unique=True)),
            "categories": draw(st.lists(st.sampled_from(["user.a", "user.b"]), min_size=1, max_size=2, unique=True)),
            "purpose": "p", "safeguards": draw(st.lists(st.sampled_from([s["id"] for s in safeguards]), max_size=3,
                                                        unique=True)) if safeguards else [],
            "frequency": draw(st.sampled_from(["systematic", "occasional"])),
            "tia": draw(st.sampled_from([None, "tia.pdf"])), "encrypted_in_transit": draw(st.booleans()),
            "source": "policy 4-2",
            **({"contingent": True, "effective": draw(st.sampled_from([None, "2023-01-01"]))}
               if draw(st.integers(0, 4)) == 0 else {})})
    companies = [{k: v for k, v in e.items() if k not in ("kind",)} for e in entities if e["kind"] == "company"]
    processors = [{k: v for k, v in e.items() if k not in ("kind",)} for e in entities if e["kind"] == "processor"]
    recipients = [{**{k: v for k, v in e.items() if k not in ("kind", "recipient_kind")}, "kind": e["recipient_kind"]}
                  for e in entities if e["kind"] == "recipient"]
    registry = Registry.model_validate({
        "organisation": {"id": "o", "name": "O", "promises_encryption_in_transit": True},
        "group_companies": companies, "processors": processors, "recipients": recipients,
        "data_subject_groups": groups,
        "data_categories": [{"id": "user.a", "name": "A"}, {"id": "user.b", "name": "B"}],
        "purposes": [{"id": "p", "name": "P", "legal_basis": "contract", "necessary_categories": ["user.a"],
                      "source": "policy 3-1"}],
        "safeguards": safeguards, "flows": flows})
    return registry, draw(st.dates(date(2015, 1, 1), date(2027, 12, 31)))


def flagged_flows(registry: Registry, as_of: date) -> set[str]:
    return {flow for finding in run_checks(registry, as_of) for flow in finding.evidence.flows}


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(registries(), st.data())
def test_removing_a_safeguard_never_unflags_a_flow(case: tuple[Registry, date], data: st.DataObject) -> None:
    registry, as_of = case
    with_tools = [f for f in registry.flows if f.safeguards]
    if not with_tools:
        return
    flow = data.draw(st.sampled_from(with_tools))
    # An `adequacy` record is no transfer tool but a claim, and deleting a wrong claim is the fix for
    # adequacy-out-of-scope; every other safeguard can only help.
    tools = [s for s in flow.safeguards if registry.safeguards_by_id[s].kind.value != "adequacy"]
    if not tools:
        return
    removed = data.draw(st.sampled_from(tools))
    before = flagged_flows(registry, as_of)
    thinner = flow.model_copy(update={"safeguards": [s for s in flow.safeguards if s != removed]})
    after = flagged_flows(registry.model_copy(update={"flows": [thinner if f.id == flow.id else f
                                                                for f in registry.flows]}), as_of)
    assert before <= after, f"removing {removed} from {flow.id} unflagged {sorted(before - after)}"


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(registries())
def test_a_flow_inside_a_regimes_territory_gets_no_transfer_finding_from_it(case: tuple[Registry, date]) -> None:
    registry, as_of = case
    reference = load_reference()
    for finding in run_checks(registry, as_of):
        if finding.rule not in TRANSFER_RULES or finding.regime is None:
            continue
        territory = reference.territory(finding.regime)
        hop = registry.flows_by_id[finding.evidence.flows[-1]]
        places = {*registry.entities[hop.sender].where_processed, *registry.entities[hop.receiver].where_processed}
        assert not places <= territory, (finding.rule, finding.regime, hop.id, places)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(registries(), st.randoms(use_true_random=False))
def test_findings_do_not_depend_on_the_order_of_records(case: tuple[Registry, date], random: Any) -> None:
    registry, as_of = case
    flows, safeguards = list(registry.flows), list(registry.safeguards)
    random.shuffle(flows)
    random.shuffle(safeguards)
    shuffled = registry.model_copy(update={"flows": flows, "safeguards": safeguards})
    assert run_checks(shuffled, as_of) == run_checks(registry, as_of)

"""One gap, one finding (issue 13): the precedence of the transfer rules, at most one transfer finding per (flow,
regime) and one onward finding per (hop, regime), and each finding citing only its own regime's law."""

from __future__ import annotations

import re
from collections import Counter
from datetime import date
from itertools import combinations
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from registry.checks import REGIME_LESS, RULES, run_checks
from registry.checks.references import load_references
from registry.checks.rule import CheckContext
from registry.model import Registry
from registry.reference import Regime, load_reference
from registry.transfers import Gap
from tests.checks.builders import AS_OF, findings, processor, registry, scc
from tests.checks.test_properties import registries as transfer_registries
from tests.strategies import registries

TRANSFER_GAP_RULES = {gap.value for gap in Gap}
PRECEDENCE = [gap.value for gap in Gap]  # most specific first

# What makes a flow from a BCR-bound German controller to a US processor without DPF certification fall under
# each rule; transfer-without-safeguard needs nothing (no tool at all), foreign-authority-disclosure a receiver
# that is a US public authority instead of the processor.
TRIGGERS: dict[str, list[dict[str, Any]]] = {
    "foreign-authority-disclosure": [],
    "derogation-misused": [{"id": "d", "kind": "derogation_49", "letter": "b"}],
    "bcr-outside-group": [{"id": "bcr", "kind": "bcr", "effective": "2020-01-01"}],
    "adequacy-out-of-scope": [{"id": "dpf", "kind": "adequacy", "effective": "2023-07-10"}],
    "safeguard-expired": [scc("old", effective="2022-01-01", expires="2025-06-30")],
    "transfer-without-safeguard": [],
}


US_AUTHORITY = {"id": "p", "name": "p", "country": "US", "kind": "law_enforcement", "sector": "public",
                "source": "policy 4-2"}


def us_flow(safeguards: list[dict[str, Any]], *, to_authority: bool = False) -> Registry:
    return registry(processors=[] if to_authority else [processor("p", "US")],
                    recipients=[US_AUTHORITY] if to_authority else [], safeguards=safeguards,
                    flows=[{"id": "f", "from": "hq", "to": "p", "safeguards": [s["id"] for s in safeguards],
                            "tia": "t"}])


def triggered(*rules: str, more: list[dict[str, Any]] | None = None) -> Registry:
    """A US flow that meets the trigger of each of `rules` (and carries `more` safeguards)."""
    return us_flow([*(s for rule in rules for s in TRIGGERS[rule]), *(more or [])],
                   to_authority="foreign-authority-disclosure" in rules)


@pytest.mark.parametrize("rule", PRECEDENCE)
def test_each_rule_alone_gives_exactly_its_finding(rule: str) -> None:
    assert [(f.rule, f.regime, f.problem) for f in findings(triggered(rule))] == [(rule, "gdpr", "f")]


@pytest.mark.parametrize(("specific", "general"), list(combinations(PRECEDENCE, 2)))
def test_a_flow_that_triggers_two_rules_gives_only_the_more_specific_one(specific: str, general: str) -> None:
    found = findings(triggered(specific, general))
    assert [(f.rule, f.regime) for f in found] == [(specific, "gdpr")]


def test_two_lapsed_tools_give_one_finding_naming_each_and_why() -> None:
    reg = registry(processors=[processor("p", "IN")],
                   safeguards=[scc("a", expires="2025-06-30"), scc("b", effective="2027-01-01")],
                   flows=[{"id": "f", "from": "hq", "to": "p", "safeguards": ["a", "b"], "tia": "t"}])
    [finding] = findings(reg)
    assert finding.rule == "safeguard-expired" and finding.evidence.safeguards == ["a", "b"]
    assert "(a) expired after 2025-06-30" in finding.reason
    assert "(b) will take effect only on 2027-01-01" in finding.reason
    assert finding.reason.count(".") == 1 and finding.reason.endswith(".")  # one sentence


def test_a_defective_tool_beside_a_valid_one_stays_silent() -> None:
    for rule in PRECEDENCE[:-1]:
        reg = triggered(rule, more=[scc("new")])
        assert findings(reg) == [], rule


def test_the_fix_fits_a_direct_processor_and_a_sub_processor() -> None:
    reg = registry(processors=[processor("p1", "IN"), processor("p2", "PH", parent="p1")],
                   flows=[{"id": "f1", "from": "hq", "to": "p1"}, {"id": "f2", "from": "p1", "to": "p2"}])
    fixes = {f.problem: f.fix for f in findings(reg)}
    assert fixes["f1"].startswith("Sign the 2021 SCCs (module 2) with the processor p1")
    assert fixes["f2"].startswith("p1, which engaged p2 as its sub-processor, must sign the 2021 SCCs (module 3) "
                                  "with it")


def _at_most_one_per_gap(found: list[Any]) -> None:
    transfer = Counter((f.problem, f.regime) for f in found if f.rule in TRANSFER_GAP_RULES)
    assert all(count == 1 for count in transfer.values()), transfer
    onward = Counter((f.evidence.flows[-1], f.regime) for f in found if f.rule == "onward-transfer-gap")
    assert all(count == 1 for count in onward.values()), onward
    # A regime that reports a hop directly does not report it again as an onward gap.
    assert not {(f.problem, f.regime) for f in found if f.rule == "onward-transfer-gap"} & set(transfer)
    assert all(f.problem == f.evidence.flows[-1] for f in found if f.rule == "onward-transfer-gap")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(registries(), st.sampled_from([date(2020, 1, 1), date(2023, 1, 1), date(2026, 12, 2)]))
def test_generated_registries_give_at_most_one_finding_per_gap(reg: Registry, as_of: date) -> None:
    _at_most_one_per_gap(run_checks(reg, as_of))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(transfer_registries())
def test_generated_transfer_registries_give_at_most_one_finding_per_gap(case: tuple[Registry, date]) -> None:
    _at_most_one_per_gap(run_checks(*case))


# Names of each regime's law: a finding under one regime names no other regime's law.
LAW_NAMES = {Regime.GDPR: ("GDPR", "(EU)", "EDPB", "CJEU"), Regime.UK_GDPR: ("UK GDPR", "DPA 2018", "Data (Use"),
             Regime.CH_FADP: ("FADP", "DPO"), Regime.JP_APPI: ("APPI", "PPC")}


def _cites_only(reference: str, regime: Regime) -> bool:
    others = [name for other, names in LAW_NAMES.items() if other is not regime for name in names]
    # "GDPR" is inside "UK GDPR": judge the EU names with the UK ones taken out.
    text = reference if regime is Regime.UK_GDPR else reference.replace("UK GDPR", "")
    mine = any(name in reference for name in LAW_NAMES[regime])
    if regime is Regime.UK_GDPR:
        others = [n for n in others if n not in ("GDPR",)]
    return mine and not any(name in text for name in others)


@pytest.mark.parametrize("rule", [r.id for r in RULES])
@pytest.mark.parametrize("regime", list(Regime))
def test_every_rule_cites_only_the_regime_that_judges_it(rule: str, regime: Regime) -> None:
    [catalogued] = [r for r in RULES if r.id == rule]
    context = CheckContext(Registry(), load_reference(), AS_OF)
    if rule in REGIME_LESS:
        finding = catalogued.finding(context, "r.", judged_by=[regime], flows=["f"])
    else:
        finding = catalogued.finding(context, "r.", regime=regime, flows=["f"])
    row = load_references().row(rule, regime)
    assert finding.reference == row.reference and row.url.startswith("https://") and row.source
    assert _cites_only(finding.reference, regime), finding.reference


def test_a_finding_no_regime_owns_cites_each_judging_regime_in_order() -> None:
    reg = registry(companies=[{"id": "hq", "name": "HQ", "country": "JP", "region": "APAC"}],
                   processors=[processor("p", "JP", dpa_signed=None)], flows=[{"id": "f", "from": "hq", "to": "p"}])
    [finding] = findings(reg, rule="processor-without-dpa")
    assert finding.regime is None and finding.problem == "p"
    assert finding.reference == "GDPR Art. 28(3); APPI Art. 25 (supervision of entrusted persons)"


def test_seed_reasons_are_one_sentence_with_names_not_ids() -> None:
    from tests.checks.test_seed_findings import AS_OF as SEED_DAY
    from tests.checks.test_seed_findings import seed_registry

    seed = seed_registry()
    cases = [*run_checks(seed, SEED_DAY), *(f for rule in PRECEDENCE for f in findings(triggered(rule)))]
    for finding in cases:
        reason = finding.reason
        # One sentence: no full stop inside it but those of abbreviations ("Art. 49", "Inc.,").
        assert reason[0].isupper() and reason.endswith(".") and not re.search(r"(?<!Art)(?<!Inc)\. ", reason), reason
        if finding.problem in seed.flows_by_id or finding.problem in seed.entities:
            assert finding.problem not in reason and "gdpr" not in reason, reason
            assert seed.entities[seed.flows_by_id[finding.problem].receiver if finding.problem in seed.flows_by_id
                                 else finding.problem].name in reason


@pytest.mark.parametrize(("regime", "region", "listing", "flags"), [
    ("gdpr", "EEA", "the Data Privacy Framework List,", {}),
    ("uk_gdpr", "GB", "the Data Privacy Framework List under the UK Extension,", {"dpf_certified": True}),
    ("ch_fadp", "CH", "the Data Privacy Framework List under the Swiss-US DPF,",
     {"dpf_certified": True, "dpf_uk_extension": True}),
])
def test_a_us_recipient_off_the_regimes_dpf_list_without_a_tool_needs_certification_or_a_tool(
        regime: str, region: str, listing: str, flags: dict[str, bool]) -> None:
    """Certified for the other regimes' lists but not this one's: only this regime finds a gap."""
    reg = registry(subjects=[{"id": "s", "name": "S", "regions": [region]}],
                   companies=[{"id": "hq", "name": "HQ", "country": "JP", "region": "APAC"}],
                   safeguards=[{"id": "c", "kind": "appi_consent", "effective": "2024-01-01"}],
                   processors=[processor("p", "US", **flags)],
                   flows=[{"id": "f", "from": "hq", "to": "p", "subjects": ["s"], "safeguards": ["c"]}])
    [finding] = findings(reg, date(2026, 12, 2))
    assert (finding.rule, finding.regime) == ("transfer-without-safeguard", regime)
    assert f"covers only organisations on {listing} which p, United States is not" in finding.reason
    assert "certify under the Data Privacy Framework" in finding.fix

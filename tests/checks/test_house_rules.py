"""House rules judged with the law (issue 19): each effect and match key on a registry where the rule must fire and
a near-identical one where it must not; the finding's shape; legal findings untouched."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from registry.checks import RULES, catalogue, run_checks
from registry.checks.house_rules import processor_depths
from registry.model import Registry
from tests.checks.builders import AS_OF, findings, processor, registry, scc

RULE = "policy:r"


def flagged(reg: Registry, as_of: date = AS_OF) -> dict[str, list[str]]:
    """The flows the house rule `r` flags, with the countries of each finding's evidence."""
    return {f.evidence.flows[0]: f.evidence.countries for f in findings(reg, as_of, RULE)}


def one_rule(**rule: Any) -> list[dict[str, Any]]:
    return [{"id": "r", **rule}]


def to(*receivers: tuple[str, str], **more: Any) -> dict[str, Any]:
    """A registry with one flow from hq (DE) to each processor (id, country)."""
    return {"processors": [processor(p, country, **more) for p, country in receivers],
            "flows": [{"id": f"f-{p}", "from": "hq", "to": p} for p, _ in receivers]}


def test_destinations_allow_countries_regions_and_adequacy_on_the_day() -> None:
    places = to(("in", "IN"), ("de", "DE"), ("jp", "JP"), ("us", "US"), ("us-dpf", "US"))
    places["processors"][-1]["dpf_certified"] = True
    eea_only = registry(**places, policies=one_rule(destinations={"allow": ["EEA"]}))
    assert flagged(eea_only) == {"f-in": ["IN"], "f-jp": ["JP"], "f-us": ["US"], "f-us-dpf": ["US"]}
    adequate = registry(**places, policies=one_rule(destinations={"allow": ["EEA", {"adequate_for": "gdpr"}]}))
    # The EU-US decision covers only certified organisations: the receiver decides, as in the transfer rules.
    assert flagged(adequate) == {"f-in": ["IN"], "f-us": ["US"]}
    listed = registry(**places, policies=one_rule(destinations={"allow": ["EEA", "IN", {"adequate_for": "gdpr"}]}))
    assert flagged(listed) == {"f-us": ["US"]}
    # Brazil is adequate for the GDPR only from 2026-01-28: judged on the day.
    brazil = registry(**to(("br", "BR")), policies=one_rule(destinations={"allow": [{"adequate_for": "gdpr"}]}))
    assert flagged(brazil, date(2026, 1, 27)) == {"f-br": ["BR"]}
    assert flagged(brazil, date(2026, 1, 28)) == {}


def test_a_receiver_processing_in_several_countries_is_flagged_for_those_outside() -> None:
    reg = registry(processors=[processor("p", "DE", processing_countries=["DE", "IN", "PH"])],
                   flows=[{"id": "f", "from": "hq", "to": "p"}], policies=one_rule(destinations={"allow": ["EEA"]}))
    [finding] = findings(reg, rule=RULE)
    assert finding.evidence.countries == ["IN", "PH"] and "India and Philippines" in finding.reason


def test_an_international_organisation_is_allowed_by_its_key_or_an_adequacy_decision() -> None:
    recipients = [{"id": "epo", "name": "EPO", "kind": "other", "international_organisation": "epo"}]
    flows = [{"id": "f", "from": "hq", "to": "epo"}]
    assert flagged(registry(recipients=recipients, flows=flows,
                            policies=one_rule(destinations={"allow": ["EEA"]}))) == {"f": ["epo"]}
    for term in ({"international_organisation": "epo"}, {"adequate_for": "gdpr"}):
        assert flagged(registry(recipients=recipients, flows=flows,
                                policies=one_rule(destinations={"allow": ["EEA", term]}))) == {}


def test_require_dpa_until_it_is_signed_and_from_processors_only() -> None:
    rule = one_rule(match={"receiver": {"kinds": ["processor"]}}, require={"dpa": True})
    unsigned = registry(**to(("p", "DE"), dpa_signed=None), policies=rule)
    later = registry(**to(("p", "DE"), dpa_signed="2026-12-01"), policies=rule)
    assert flagged(unsigned) == {"f-p": []} and flagged(later, date(2026, 11, 30)) == {"f-p": []}
    assert flagged(later, date(2026, 12, 1)) == {}
    [finding] = findings(unsigned, rule=RULE)
    assert "has no signed DPA" in finding.reason and "dpa_signed" in finding.fix
    # Without the match a recipient receives no DPA and is named as such.
    everyone = registry(recipients=[{"id": "auth", "name": "Auth", "country": "DE", "kind": "regulator"}],
                        flows=[{"id": "f", "from": "hq", "to": "auth"}], policies=one_rule(require={"dpa": True}))
    [finding] = findings(everyone, rule=RULE)
    assert "is no processor" in finding.reason


def test_require_encryption_tia_safeguard_kinds_and_retention() -> None:
    flows = [{"id": "plain", "from": "hq", "to": "p", "encrypted_in_transit": False},
             {"id": "unknown", "from": "hq", "to": "p", "encrypted_in_transit": None},
             {"id": "sealed", "from": "hq", "to": "p"}]
    reg = registry(processors=[processor("p", "DE")], flows=flows,
                   policies=one_rule(require={"encrypted_in_transit": True}))
    assert set(flagged(reg)) == {"plain", "unknown"}
    tia = registry(processors=[processor("p", "IN")], flows=[{"id": "f", "from": "hq", "to": "p"},
                                                             {"id": "g", "from": "hq", "to": "p", "tia": "t.pdf"}],
                   policies=one_rule(require={"tia": True}))
    assert set(flagged(tia)) == {"f"}
    kinds = registry(processors=[processor("p", "IN")],
                     safeguards=[scc("valid"), scc("lapsed", expires="2026-06-30"), {"id": "b", "kind": "bcr"}],
                     flows=[{"id": "ok", "from": "hq", "to": "p", "safeguards": ["valid"]},
                            {"id": "expired", "from": "hq", "to": "p", "safeguards": ["lapsed"]},
                            {"id": "other", "from": "hq", "to": "p", "safeguards": ["b"]}],
                     policies=one_rule(require={"safeguard_kinds": ["scc_2021", "uk_idta"]}))
    assert set(flagged(kinds)) == {"expired", "other"}
    kept = registry(processors=[processor("p", "DE")],
                    flows=[{"id": "short", "from": "hq", "to": "p", "retention": "P1Y"},
                           {"id": "long", "from": "hq", "to": "p", "retention": "P5Y"},
                           {"id": "words", "from": "hq", "to": "p", "retention": "until the account closes"},
                           {"id": "purpose", "from": "hq", "to": "p"}],  # the campaign purpose keeps P3Y
                    policies=one_rule(require={"max_retention": "P2Y"}))
    assert set(flagged(kept)) == {"long", "words", "purpose"}
    [words] = [f for f in findings(kept, rule=RULE) if f.problem == "words"]
    assert "a rule in words" in words.reason


def test_several_missing_requirements_make_one_finding_that_names_each() -> None:
    reg = registry(**to(("p", "IN"), dpa_signed=None),
                   policies=one_rule(require={"dpa": True, "tia": True, "encrypted_in_transit": True}))
    [finding] = findings(reg, rule=RULE)
    assert finding.reason.count(";") == 1 and "no signed DPA" in finding.reason
    assert "no transfer impact assessment" in finding.reason


def test_max_chain_depth_counts_sub_processing_levels() -> None:
    processors = [processor("p1", "DE"), processor("p2", "DE", parent="p1"), processor("p3", "DE", parent="p2")]
    flows = [{"id": "a", "from": "hq", "to": "p1"}, {"id": "b", "from": "p1", "to": "p2"},
             {"id": "c", "from": "p2", "to": "p3"}]
    reg = registry(processors=processors, flows=flows, policies=one_rule(require={"max_chain_depth": 2}))
    assert processor_depths(reg) == {"p1": 1, "p2": 2, "p3": 3}
    assert set(flagged(reg)) == {"c"}


@pytest.mark.parametrize(("match", "expected"), [
    ({"categories": ["user.contact"]}, {"email", "parent"}),  # a parent key covers its children
    ({"categories": ["user.contact.email"]}, {"email", "parent"}),  # a flow carrying user.contact carries it too
    ({"categories": ["user.advertising"]}, {"ads"}),
    ({"sensitivities": ["special"]}, {"health"}),
    ({"purposes": ["ads"]}, {"ads"}),
    ({"subjects": ["jp-users"]}, {"health"}),
    ({"receiver": {"kinds": ["sub_processor"]}}, {"parent"}),
    ({"receiver": {"kinds": ["fraud_prevention"]}}, {"ads"}),
    ({"receiver": {"kinds": ["recipient"], "countries": ["EEA"]}}, set()),
    ({"receiver": {"countries": ["IN"]}}, {"health"}),
    ({"receiver": {"roles": ["controller"]}}, {"ads"}),
    ({"sender": {"entities": ["p"]}}, {"parent"}),
    ({"regimes": ["jp_appi"]}, {"health"}),
    ({"cross_border": False}, {"email", "parent"}),
    ({"cross_border": True, "regimes": ["gdpr"]}, {"health", "ads"}),
    ({}, {"email", "parent", "ads", "health"}),
])
def test_forbid_fires_on_what_the_match_selects(match: dict[str, Any], expected: set[str]) -> None:
    reg = registry(
        processors=[processor("p", "DE"), processor("sub", "DE", parent="p"), processor("in", "IN")],
        recipients=[{"id": "fraud", "name": "Fraud", "country": "US", "kind": "fraud_prevention"}],
        subjects=[{"id": "eea", "name": "EEA users", "regions": ["EEA"]},
                  {"id": "jp-users", "name": "JP users", "regions": ["JP"]}],
        purposes=[{"id": "campaign", "name": "Campaign", "legal_basis": "contract", "necessary_categories": ["user"]},
                  {"id": "ads", "name": "Ads", "legal_basis": "consent", "necessary_categories": ["user"]}],
        flows=[{"id": "email", "from": "hq", "to": "p"},
               {"id": "parent", "from": "p", "to": "sub", "categories": ["user.contact"]},
               {"id": "ads", "from": "hq", "to": "fraud", "purpose": "ads", "categories": ["user.advertising.ad_id"]},
               {"id": "health", "from": "hq", "to": "in", "subjects": ["eea", "jp-users"],
                "categories": ["user.health"]}],
        categories=[{"id": "user.contact", "name": "Contact data"},
                    {"id": "user.health", "name": "Health", "sensitivity": "special"}],
        policies=one_rule(match=match, forbid=True))
    assert set(flagged(reg)) == expected


def test_a_finding_names_the_rule_its_source_and_severity_and_sits_beside_the_law() -> None:
    base = dict(**to(("p", "IN"), dpa_signed=None))
    law = findings(registry(**base))
    with_rule = registry(**base, policies=[{"id": "contract", "title": "Processors under contract",
                                            "severity": "low", "source": "policy 4-2", "require": {"dpa": True}}])
    found = findings(with_rule)
    [house] = [f for f in found if f.rule == "policy:contract"]
    assert house.id.startswith("policy:contract:") and house.reference == "house rule contract (policy 4-2)"
    assert (house.severity, house.regime, house.problem) == ("low", None, "f-p")
    assert "Processors under contract" in house.reason
    # The legal findings are exactly those of the registry without house rules: none hidden, none replaced.
    assert [f for f in found if f.rule != "policy:contract"] == law
    assert {"processor-without-dpa", "transfer-without-safeguard"} <= {f.rule for f in law}
    assert [r.id for r in catalogue(with_rule)] == [*(r.id for r in RULES), "policy:contract"]


def test_exceptions_silence_their_flow_through_their_last_day() -> None:
    rule = one_rule(destinations={"allow": ["EEA"]},
                    exceptions=[{"flow": "f-in", "reason": "moving to Frankfurt", "until": "2026-12-31"}])
    reg = registry(**to(("in", "IN"), ("ph", "PH")), policies=rule)
    assert set(flagged(reg, date(2026, 12, 31))) == {"f-ph"}
    assert set(flagged(reg, date(2027, 1, 1))) == {"f-in", "f-ph"}


def test_the_seeds_encryption_promise_is_a_house_rule_now() -> None:
    """The legal catalogue no longer judges the policy's own promise (there was `unencrypted-transfer`): a flow
    that stops encrypting breaks the seed's house rule `encryption-in-transit`, and no legal rule."""
    from tests.checks.test_seed_findings import seed_registry

    seed = seed_registry()
    assert "unencrypted-transfer" not in {r.id for r in RULES}
    flow = seed.flows_by_id["f06-hq-cloud-campaign"].model_copy(update={"encrypted_in_transit": False})
    broken = seed.with_changes({"flows": [flow]}, {})
    before = {f.id for f in findings(seed, date(2026, 12, 2))}
    opened = [f for f in findings(broken, date(2026, 12, 2)) if f.id not in before]
    assert [(f.rule, f.severity, f.problem) for f in opened] == [
        ("policy:encryption-in-transit", "medium", "f06-hq-cloud-campaign")]
    assert opened[0].reference == "house rule encryption-in-transit (policy 7)"


def test_a_contingent_flow_is_judged_by_house_rules_only_from_its_day() -> None:
    flows = [{"id": "buyer", "from": "hq", "to": "p", "encrypted_in_transit": False, "contingent": True,
              "effective": "2027-01-01"}]
    reg = registry(processors=[processor("p", "DE")], flows=flows,
                   policies=one_rule(require={"encrypted_in_transit": True}))
    before = [f.rule for f in run_checks(reg, date(2026, 12, 31))]
    on = [f.rule for f in run_checks(reg, date(2027, 1, 1))]
    assert "policy:r" not in before and "policy:r" in on

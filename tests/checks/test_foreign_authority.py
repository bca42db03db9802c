"""Disclosures to authorities and to a buyer of the business (issue 17), under each regime that judges them: a
domestic authority is no transfer; a foreign one on its request alone, or on an exception that does not fit, is
one foreign-authority-disclosure finding citing that regime's law; a fitting exception leaves nothing to find;
a contingent flow is judged only from its effective day."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from registry.checks import run_checks
from registry.model import Registry
from registry.reference import Regime, load_reference
from registry.transfers import TransferAnalyser
from tests.checks.builders import AS_OF, findings, processor, registry, scc

RULE = "foreign-authority-disclosure"
# Each regime alone: a sender at home and people living there.
HOME = {Regime.GDPR: ("DE", "EEA"), Regime.UK_GDPR: ("GB", "GB"), Regime.CH_FADP: ("CH", "CH"),
        Regime.JP_APPI: ("JP", "JP")}
# What each finding's reference cites: GDPR Art. 48, or the regime's own rule for a transfer.
CITES = {Regime.GDPR: "GDPR Art. 48", Regime.UK_GDPR: "UK GDPR Art. 44A", Regime.CH_FADP: "FADP Art. 16 and 17",
         Regime.JP_APPI: "APPI Art. 28(1) and 27(1)"}


def disclosure(regime: Regime, *, to: str = "US", kind: str = "law_enforcement", frequency: str = "occasional",
               safeguards: list[dict[str, Any]] | None = None, **flow: Any) -> Registry:
    """A disclosure from a company at the regime's home to a recipient in `to`, about people living there."""
    country, region = HOME[regime]
    safeguards = safeguards or []
    return registry(
        companies=[{"id": "hq", "name": "HQ", "country": country, "region": "R"}],
        subjects=[{"id": "people", "name": "People", "regions": [region]}],
        recipients=[{"id": "a", "name": "Authority", "country": to, "kind": kind, "sector": "public",
                     "source": "policy 4-2"}],
        safeguards=safeguards,
        flows=[{"id": "f", "from": "hq", "to": "a", "subjects": ["people"], "frequency": frequency,
                "safeguards": [s["id"] for s in safeguards], **flow}])


def derogation(letter: str, **more: Any) -> dict[str, Any]:
    return {"id": f"d-{letter}", "kind": "derogation_49", "letter": letter, **more}


def appi_case(item: str, **more: Any) -> dict[str, Any]:
    return {"id": f"appi-{item}", "kind": "appi_exception", "item": item, **more}


@pytest.mark.parametrize("regime", list(Regime))
def test_a_disclosure_to_a_domestic_authority_is_no_transfer_and_no_finding(regime: Regime) -> None:
    reg = disclosure(regime, to=HOME[regime][0])
    analysis = TransferAnalyser(reg, load_reference(), AS_OF).analyse(reg.flows_by_id["f"])
    assert analysis.judging == {regime} and analysis.transfer_verdicts == []
    assert findings(reg) == []


@pytest.mark.parametrize("regime", list(Regime))
def test_a_foreign_authoritys_request_alone_is_one_finding_citing_the_regimes_law(regime: Regime) -> None:
    [finding] = findings(disclosure(regime))
    assert (finding.rule, finding.regime, finding.problem, finding.severity) == (RULE, regime.value, "f", "high")
    assert finding.reference.startswith(CITES[regime]) and finding.evidence.countries == ["US"]
    assert "on nothing but its request" in finding.reason and "public authority Authority, United States" in \
        finding.reason
    assert ("no Art. 48" in finding.reference) is (regime is Regime.UK_GDPR)


def test_each_regime_says_why_a_request_is_no_basis() -> None:
    reasons = {regime: findings(disclosure(regime))[0].reason for regime in Regime}
    assert "international agreement such as a mutual legal assistance treaty (Art. 48)" in reasons[Regime.GDPR]
    assert "Art. 44A" in reasons[Regime.UK_GDPR] and "has no Art. 48" in reasons[Regime.UK_GDPR]
    assert "neither a safeguard of Art. 16 nor an exception of Art. 17" in reasons[Regime.CH_FADP]
    assert "laws and regulations are Japanese ones" in reasons[Regime.JP_APPI]


@pytest.mark.parametrize(("regime", "safeguard", "frequency"), [
    (Regime.GDPR, derogation("d", law_of="DE"), "occasional"),  # a public interest German law recognises
    (Regime.GDPR, derogation("d", law_of="EU"), "occasional"),  # or one Union law recognises
    (Regime.GDPR, derogation("e"), "occasional"),  # legal claims in a specific procedure
    (Regime.UK_GDPR, derogation("d", law_of="GB"), "occasional"),
    (Regime.UK_GDPR, derogation("e"), "occasional"),
    (Regime.CH_FADP, derogation("d"), "occasional"),  # FADP Art. 17(1)(c)(1): overriding public interest
    (Regime.CH_FADP, derogation("f"), "occasional"),  # FADP Art. 17(1)(d): life or physical integrity
    (Regime.JP_APPI, appi_case("ii"), "systematic"),  # life, body or property; no occasional limit
    (Regime.JP_APPI, appi_case("i", law_of="JP"), "occasional"),  # a Japanese law provides for it
])
def test_a_fitting_exception_leaves_nothing_to_find(regime: Regime, safeguard: dict[str, Any], frequency: str) -> None:
    assert findings(disclosure(regime, safeguards=[safeguard], frequency=frequency)) == []


@pytest.mark.parametrize(("regime", "safeguard", "frequency", "why"), [
    (Regime.GDPR, derogation("d", law_of="US"), "occasional",
     "the Art. 49(1)(d) derogation rests on United States law, where only Union or Member State law counts"),
    (Regime.GDPR, derogation("d"), "occasional", "records no law it rests on"),
    (Regime.GDPR, derogation("e"), "systematic", "can cover occasional transfers only, and this flow is systematic"),
    (Regime.GDPR, derogation("d", law_of="DE"), "systematic", "can cover occasional transfers only"),
    (Regime.UK_GDPR, derogation("d", law_of="EU"), "occasional", "rests on EU law, where only UK law counts"),
    (Regime.UK_GDPR, derogation("b"), "systematic", "can cover occasional transfers only"),
    (Regime.CH_FADP, derogation("e"), "systematic",
     "the Art. 17(1)(c)(2) exception can cover occasional transfers only"),
    (Regime.JP_APPI, appi_case("i", law_of="US"), "occasional",
     "the Art. 27(1)(i) exception rests on United States law, where only Japanese law counts"),
    (Regime.JP_APPI, appi_case("i"), "occasional", "records no law it rests on, and only Japanese law counts"),
    (Regime.JP_APPI, appi_case("iv"), "occasional",
     "covers cooperation with a Japanese state organ or local government, not a foreign authority"),
])
def test_an_exception_that_does_not_fit_is_one_finding_naming_why(regime: Regime, safeguard: dict[str, Any],
                                                                   frequency: str, why: str) -> None:
    [finding] = findings(disclosure(regime, safeguards=[safeguard], frequency=frequency))
    assert (finding.rule, finding.regime) == (RULE, regime.value)
    assert why in finding.reason and "the authority's request alone is no basis" in finding.reason
    assert finding.evidence.safeguards == [safeguard["id"]] and finding.reference.startswith(CITES[regime])


def test_a_fitting_exception_beside_one_that_does_not_fit_leaves_nothing_to_find() -> None:
    reg = disclosure(Regime.JP_APPI, safeguards=[appi_case("iv"), appi_case("ii")])
    assert findings(reg) == []


def test_a_foreign_authority_outranks_every_other_explanation_of_the_gap() -> None:
    # A Canadian regulator relied on as adequate: the decision covers commercial bodies only, but the most
    # specific explanation is that a foreign authority receives the data.
    reg = disclosure(Regime.GDPR, to="CA", kind="regulator", safeguards=[{"id": "a", "kind": "adequacy"}])
    assert [(f.rule, f.regime) for f in findings(reg)] == [(RULE, "gdpr")]
    expired = disclosure(Regime.GDPR, safeguards=[scc("old", expires="2025-06-30")], tia="t")
    [finding] = findings(expired)
    assert finding.rule == RULE and "expired after 2025-06-30" in finding.reason


def test_an_authority_in_an_adequate_country_or_a_court_with_a_tool_leaves_nothing_to_find() -> None:
    assert findings(disclosure(Regime.GDPR, to="CH", kind="authority")) == []
    assert findings(disclosure(Regime.GDPR, kind="authority", safeguards=[scc("s")], tia="t")) == []


def test_a_public_interest_derogation_with_no_law_recorded_is_no_tool_to_a_processor_either() -> None:
    reg = registry(processors=[processor("p", "IN")], safeguards=[derogation("d")],
                   flows=[{"id": "f", "from": "hq", "to": "p", "frequency": "occasional", "safeguards": ["d-d"]}])
    [finding] = findings(reg)
    assert finding.rule == "transfer-without-safeguard" and "Art. 49(1)(d) derogation records no law" in finding.reason


# -- a buyer of the business: a contingent flow --------------------------------------------------------------

EFFECTIVE = date(2027, 3, 1)


@pytest.mark.parametrize("regime", list(Regime))
def test_a_contingent_flow_to_a_buyer_abroad_is_judged_from_its_effective_day(regime: Regime) -> None:
    reg = disclosure(regime, kind="acquirer", frequency="systematic", contingent=True,
                     effective=EFFECTIVE.isoformat())
    before, on = EFFECTIVE - timedelta(days=1), EFFECTIVE
    assert run_checks(reg, before) == []
    analysis = TransferAnalyser(reg, load_reference(), before).analyse(reg.flows_by_id["f"])
    assert not analysis.live and analysis.transfer_verdicts == [] and analysis.transfers_when_live
    assert [(f.rule, f.regime) for f in run_checks(reg, on)] == [("transfer-without-safeguard", regime.value)]


def test_a_contingent_flow_without_a_day_is_never_judged_and_a_tool_covers_it_once_live() -> None:
    undated = disclosure(Regime.GDPR, kind="acquirer", contingent=True)
    assert run_checks(undated, date(2999, 1, 1)) == []
    covered = disclosure(Regime.GDPR, kind="acquirer", contingent=True, effective=EFFECTIVE.isoformat(),
                         safeguards=[scc("buyer-scc", module=1, effective=EFFECTIVE.isoformat())], tia="t")
    assert run_checks(covered, EFFECTIVE) == []


def test_a_contingent_hop_carries_no_data_into_an_onward_chain_or_in_clear_before_its_day() -> None:
    # EEA data reaches a US processor on SCCs; the processor would pass it to India only on an event.
    reg = registry(processors=[processor("us", "US"), processor("in", "IN")],
                   subjects=[{"id": "eea", "name": "EEA", "regions": ["EEA"]}, {"id": "us", "name": "US",
                                                                                 "regions": ["US"]}],
                   safeguards=[scc("s")],
                   flows=[{"id": "f1", "from": "hq", "to": "us", "safeguards": ["s"], "tia": "t"},
                          {"id": "f2", "from": "us", "to": "in", "subjects": ["us"], "contingent": True,
                           "effective": EFFECTIVE.isoformat(), "encrypted_in_transit": False}])
    before = {(f.rule, f.problem) for f in run_checks(reg, EFFECTIVE - timedelta(days=1))}
    on = {(f.rule, f.problem) for f in run_checks(reg, EFFECTIVE)}
    assert before == set()
    assert ("onward-transfer-gap", "f2") in on


def test_an_authority_is_public_so_a_commercial_sector_decision_does_not_cover_it() -> None:
    """Canada's EU decision covers commercial organisations only: an authority there, with its sector left out,
    is judged as a public body and its request alone is a finding; a commercial recipient there is adequate."""
    reg = disclosure(Regime.GDPR, to="CA")
    unstated = reg.model_dump(by_alias=True, exclude_unset=True)
    del unstated["recipients"][0]["sector"]
    authority = Registry.model_validate(unstated)
    assert authority.recipients[0].sector == "public"
    assert [f.rule for f in findings(authority)] == [RULE]
    unstated["recipients"][0]["kind"] = "acquirer"
    assert findings(Registry.model_validate(unstated)) == []


def test_an_authority_declared_commercial_is_refused_naming_the_field() -> None:
    reg = disclosure(Regime.GDPR, to="CA").model_dump(by_alias=True, exclude_unset=True)
    reg["recipients"][0]["sector"] = "commercial"
    with pytest.raises(ValueError, match="public authority: its sector is 'public'"):
        Registry.model_validate(reg)


def test_a_kind_that_is_not_text_is_a_validation_error_not_a_crash() -> None:
    reg = disclosure(Regime.GDPR).model_dump(by_alias=True, exclude_unset=True)
    reg["recipients"][0]["kind"] = ["authority"]
    with pytest.raises(ValueError, match="kind"):
        Registry.model_validate(reg)

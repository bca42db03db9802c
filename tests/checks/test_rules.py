"""Each rule of the catalogue: a registry where it must fire, and a near-identical one where it must not."""

from __future__ import annotations

from datetime import date

import pytest

from registry.checks import RULES
from registry.errors import NotFound
from registry.manifest import Manifest
from registry.service import Service
from tests.checks.builders import AS_OF, findings, flagged, processor, registry, scc


def test_every_rule_of_the_catalogue_is_registered_with_its_reference() -> None:
    assert [r.id for r in RULES] == [
        "transfer-without-safeguard", "safeguard-expired", "adequacy-out-of-scope", "bcr-outside-group",
        "excess-disclosure", "onward-transfer-gap", "derogation-misused", "foreign-authority-disclosure", "tia-missing",
        "processor-without-dpa", "undeclared-flow", "retention-exceeded"]
    assert all(r.reference and r.fix and r.title for r in RULES)


def test_transfer_without_safeguard_fires_for_a_bare_transfer_to_india() -> None:
    reg = registry(processors=[processor("p", "IN")], flows=[{"id": "f", "from": "hq", "to": "p"}])
    assert flagged(reg, "transfer-without-safeguard") == {("gdpr", ("f",))}
    [finding] = findings(reg, rule="transfer-without-safeguard")
    assert finding.severity == "high" and finding.evidence.countries == ["IN"]
    assert "GDPR Art. 44" in finding.reference and finding.evidence.as_of == AS_OF


def test_transfer_without_safeguard_is_silent_with_sccs_or_to_an_adequate_country() -> None:
    with_scc = registry(processors=[processor("p", "IN")], safeguards=[scc("s")],
                        flows=[{"id": "f", "from": "hq", "to": "p", "safeguards": ["s"], "tia": "tia.pdf"}])
    adequate = registry(processors=[processor("p", "JP")], flows=[{"id": "f", "from": "hq", "to": "p"}])
    inside = registry(processors=[processor("p", "NO")], flows=[{"id": "f", "from": "hq", "to": "p"}])
    for reg in (with_scc, adequate, inside):
        assert findings(reg) == []


def test_safeguard_expired_fires_for_a_contract_past_its_end_and_not_before() -> None:
    reg = registry(processors=[processor("p", "IN")], safeguards=[scc("s", expires="2026-06-30")],
                   flows=[{"id": "f", "from": "hq", "to": "p", "safeguards": ["s"], "tia": "t"}])
    assert flagged(reg, "safeguard-expired", date(2026, 7, 1)) == {("gdpr", ("f",))}
    assert flagged(reg, "safeguard-expired", date(2026, 6, 30)) == set()


def test_a_us_recipient_without_dpf_and_without_a_tool_is_a_transfer_without_safeguard() -> None:
    """Issue 13: adequacy-out-of-scope only when the flow lists adequacy; otherwise the reason explains the DPF."""
    reg = registry(processors=[processor("p", "US")], flows=[{"id": "f", "from": "hq", "to": "p"}])
    assert flagged(reg, "transfer-without-safeguard") == {("gdpr", ("f",))}
    assert flagged(reg, "adequacy-out-of-scope") == set()
    [finding] = findings(reg)
    assert "covers only organisations on the Data Privacy Framework List" in finding.reason
    assert finding.fix.startswith("Have p certify under the Data Privacy Framework")
    certified = registry(processors=[processor("p", "US", dpf_certified=True)],
                         flows=[{"id": "f", "from": "hq", "to": "p"}])
    assert findings(certified) == []


def test_adequacy_out_of_scope_fires_for_a_canadian_public_body() -> None:
    # A public body that is no authority (a public research institute): a regulator's gap is a foreign authority
    # disclosure (tests/checks/test_foreign_authority.py).
    reg = registry(recipients=[{"id": "r", "name": "R", "country": "CA", "kind": "other", "sector": "public",
                                "source": "policy 4-2"}],
                   flows=[{"id": "f", "from": "hq", "to": "r", "frequency": "occasional"}])
    assert flagged(reg, "transfer-without-safeguard") == {("gdpr", ("f",))}  # adequacy not listed
    listed = registry(recipients=[{"id": "r", "name": "R", "country": "CA", "kind": "other", "sector": "public",
                                   "source": "policy 4-2"}], safeguards=[{"id": "a", "kind": "adequacy"}],
                      flows=[{"id": "f", "from": "hq", "to": "r", "frequency": "occasional", "safeguards": ["a"]}])
    assert [(f.rule, f.regime) for f in findings(listed)] == [("adequacy-out-of-scope", "gdpr")]


def test_bcr_outside_group_fires_for_a_third_party_and_not_for_a_bound_member() -> None:
    bcr = {"id": "bcr", "kind": "bcr", "effective": "2020-01-01"}
    third = registry(processors=[processor("p", "IN")], safeguards=[bcr],
                     flows=[{"id": "f", "from": "hq", "to": "p", "safeguards": ["bcr"], "tia": "t"}])
    assert flagged(third, "bcr-outside-group") == {("gdpr", ("f",))}
    assert flagged(third, "transfer-without-safeguard") == set()  # one gap, one finding
    member = registry(companies=[{"id": "hq", "name": "HQ", "country": "DE", "region": "EMEA", "bcr_bound": True},
                                 {"id": "in", "name": "IN", "country": "IN", "region": "APAC", "bcr_bound": True}],
                      safeguards=[bcr],
                      flows=[{"id": "f", "from": "hq", "to": "in", "safeguards": ["bcr"], "tia": "t"}])
    assert findings(member) == []


def test_excess_disclosure_lists_the_categories_the_purpose_does_not_need() -> None:
    reg = registry(processors=[processor("p", "DE")],
                   flows=[{"id": "f", "from": "hq", "to": "p",
                           "categories": ["user.contact.email", "user.advertising.ad_id"]}])
    [finding] = findings(reg, rule="excess-disclosure")
    assert finding.evidence.categories == ["user.advertising.ad_id"] and finding.evidence.purposes == ["campaign"]
    lean = registry(processors=[processor("p", "DE")],
                    flows=[{"id": "f", "from": "hq", "to": "p", "categories": ["user.contact.email",
                                                                                 "user.contact.phone"]}])
    assert findings(lean) == []  # the parent key user.contact covers both


@pytest.mark.parametrize("letter", list("abcdefg"))
def test_no_derogation_letter_carries_a_systematic_flow(letter: str) -> None:
    reg = registry(processors=[processor("p", "IN")],
                   safeguards=[{"id": "d", "kind": "derogation_49", "letter": letter}],
                   flows=[{"id": "f", "from": "hq", "to": "p", "safeguards": ["d"]}])
    assert flagged(reg, "derogation-misused") == {("gdpr", ("f",))}
    assert flagged(reg, "transfer-without-safeguard") == set()


def test_derogation_misused_fires_for_a_systematic_flow_only() -> None:
    derogation = {"id": "d", "kind": "derogation_49", "letter": "b"}
    systematic = registry(processors=[processor("p", "IN")], safeguards=[derogation],
                          flows=[{"id": "f", "from": "hq", "to": "p", "safeguards": ["d"]}])
    assert flagged(systematic, "derogation-misused") == {("gdpr", ("f",))}
    assert flagged(systematic, "transfer-without-safeguard") == set()
    occasional = registry(processors=[processor("p", "IN")], safeguards=[derogation],
                          flows=[{"id": "f", "from": "hq", "to": "p", "safeguards": ["d"], "frequency": "occasional"}])
    assert findings(occasional) == []


def test_tia_missing_fires_for_sccs_to_a_non_adequate_country_without_a_tia() -> None:
    reg = registry(processors=[processor("p", "IN")], safeguards=[scc("s")],
                   flows=[{"id": "f", "from": "hq", "to": "p", "safeguards": ["s"]}])
    [finding] = findings(reg, rule="tia-missing")
    assert finding.regime == "gdpr" and finding.evidence.safeguards == ["s"] and finding.evidence.countries == ["IN"]
    to_adequate = registry(processors=[processor("p", "JP")], safeguards=[scc("s")],
                           flows=[{"id": "f", "from": "hq", "to": "p", "safeguards": ["s"]}])
    assert findings(to_adequate) == []


def test_processor_without_dpa_fires_until_the_contract_is_signed() -> None:
    reg = registry(processors=[processor("p", "DE", dpa_signed="2026-12-01")],
                   flows=[{"id": "f", "from": "hq", "to": "p"}])
    assert flagged(reg, "processor-without-dpa", date(2026, 11, 30)) == {(None, ("f",))}
    assert flagged(reg, "processor-without-dpa", date(2026, 12, 1)) == set()
    unsigned = registry(processors=[processor("p", "DE", dpa_signed=None)],
                        flows=[{"id": "f", "from": "hq", "to": "p"}])
    assert "no signed DPA" in findings(unsigned, rule="processor-without-dpa")[0].reason


def test_undeclared_flow_fires_for_a_flow_recipient_or_purpose_without_a_policy_section() -> None:
    reg = registry(processors=[processor("p", "DE")], flows=[{"id": "f", "from": "hq", "to": "p", "source": None}],
                   recipients=[{"id": "r", "name": "R", "country": "DE", "kind": "auditor"}],
                   purposes=[{"id": "campaign", "name": "C", "legal_basis": "contract",
                              "necessary_categories": ["user.contact"]}])
    found = findings(reg, rule="undeclared-flow")
    assert {(tuple(f.evidence.flows), tuple(f.evidence.entities), tuple(f.evidence.purposes)) for f in found} == {
        (("f",), ("hq", "p"), ("campaign",)), ((), ("r",), ()), ((), (), ("campaign",))}
    assert all(f.severity == "low" for f in found)
    declared = registry(processors=[processor("p", "DE")], flows=[{"id": "f", "from": "hq", "to": "p"}])
    assert findings(declared) == []


def test_retention_exceeded_compares_durations_and_ignores_text_rules() -> None:
    longer = registry(processors=[processor("p", "DE")],
                      flows=[{"id": "f", "from": "hq", "to": "p", "retention": "P5Y"}])
    assert flagged(longer, "retention-exceeded") == {(None, ("f",))}
    for retention in ("P3Y", "P12M", "until the Cookie Policy says otherwise"):
        same = registry(processors=[processor("p", "DE")],
                        flows=[{"id": "f", "from": "hq", "to": "p", "retention": retention}])
        assert findings(same) == [], retention


def test_appi_needs_consent_or_an_equivalent_system_for_a_country_the_ppc_does_not_recognise() -> None:
    companies = [{"id": "hq", "name": "HQ", "country": "JP", "region": "APAC"}]
    subjects = [{"id": "jp", "name": "JP users", "regions": ["JP"]}]
    bare = registry(companies=companies, subjects=subjects, processors=[processor("p", "US", dpf_certified=True)],
                    flows=[{"id": "f", "from": "hq", "to": "p", "subjects": ["jp"]}])
    assert flagged(bare, "transfer-without-safeguard") == {("jp_appi", ("f",))}  # DPF is no APPI tool
    consent = {"id": "c", "kind": "appi_consent", "effective": "2024-01-01"}
    ok = registry(companies=companies, subjects=subjects, processors=[processor("p", "US")], safeguards=[consent],
                  flows=[{"id": "f", "from": "hq", "to": "p", "subjects": ["jp"], "safeguards": ["c"]}])
    assert findings(ok) == []
    to_eea = registry(companies=companies, subjects=subjects, processors=[processor("p", "FR")],
                      flows=[{"id": "f", "from": "hq", "to": "p", "subjects": ["jp"]}])
    assert findings(to_eea) == []


def test_eea_subjects_make_a_japan_to_us_flow_a_gdpr_transfer_as_well() -> None:
    reg = registry(companies=[{"id": "hq", "name": "HQ", "country": "JP", "region": "APAC"}],
                   processors=[processor("p", "IN")], flows=[{"id": "f", "from": "hq", "to": "p"}])
    assert flagged(reg, "transfer-without-safeguard") == {("gdpr", ("f",)), ("jp_appi", ("f",))}


def test_uk_addendum_counts_only_beside_the_eu_sccs() -> None:
    subjects = [{"id": "gb", "name": "UK users", "regions": ["GB"]}]
    companies = [{"id": "hq", "name": "HQ", "country": "GB", "region": "EMEA"}]
    addendum = {"id": "a", "kind": "uk_addendum", "effective": "2024-01-01"}
    alone = registry(companies=companies, subjects=subjects, processors=[processor("p", "IN")], safeguards=[addendum],
                     flows=[{"id": "f", "from": "hq", "to": "p", "subjects": ["gb"], "safeguards": ["a"], "tia": "t"}])
    assert flagged(alone, "transfer-without-safeguard") == {("uk_gdpr", ("f",))}
    paired = registry(companies=companies, subjects=subjects, processors=[processor("p", "IN")],
                      safeguards=[addendum, scc("s")],
                      flows=[{"id": "f", "from": "hq", "to": "p", "subjects": ["gb"], "safeguards": ["a", "s"],
                              "tia": "t"}])
    assert findings(paired) == []


def test_a_processor_that_also_processes_elsewhere_is_judged_for_every_country() -> None:
    reg = registry(processors=[processor("p", "FR", processing_countries=["FR", "IN"])],
                   flows=[{"id": "f", "from": "hq", "to": "p"}])
    [finding] = findings(reg, rule="transfer-without-safeguard")
    assert finding.evidence.countries == ["IN"]


def test_findings_are_sorted_deterministic_and_their_ids_do_not_depend_on_the_day() -> None:
    reg = registry(processors=[processor("p", "IN", dpa_signed=None), processor("q", "US")],
                   flows=[{"id": "f", "from": "hq", "to": "p", "categories": ["user.advertising.ad_id"]},
                          {"id": "g", "from": "hq", "to": "q", "encrypted_in_transit": False}],
                   policies=[{"id": "sealed", "require": {"encrypted_in_transit": True}}])
    first, again = findings(reg), findings(reg)
    assert first == again and len(first) >= 5
    ranks = [f.severity.rank for f in first]
    assert ranks == sorted(ranks, reverse=True)
    assert {f.id for f in findings(reg, date(2026, 11, 25))} == {f.id for f in first}
    assert len({f.id for f in first}) == len(first)


def test_adequacy_out_of_scope_fires_when_the_flow_lists_adequacy_and_nothing_else_carries_it() -> None:
    dpf = {"id": "dpf", "kind": "adequacy", "reference": "DPF", "effective": "2023-07-10"}
    claimed = registry(processors=[processor("p", "US")], safeguards=[dpf],
                       flows=[{"id": "f", "from": "hq", "to": "p", "safeguards": ["dpf"]}])
    [finding] = findings(claimed)
    assert finding.rule == "adequacy-out-of-scope" and finding.evidence.safeguards == ["dpf"]
    assert "relies on adequacy" in finding.reason and "Data Privacy Framework" in finding.reason
    # Beside valid SCCs the out-of-scope adequacy is a defective basis beside a valid one: silent.
    beside = registry(processors=[processor("p", "US")], safeguards=[dpf, scc("s")],
                      flows=[{"id": "f", "from": "hq", "to": "p", "safeguards": ["dpf", "s"], "tia": "t"}])
    assert findings(beside) == []
    sccs_only = registry(processors=[processor("p", "US")], safeguards=[scc("s")],
                         flows=[{"id": "f", "from": "hq", "to": "p", "safeguards": ["s"], "tia": "t"}])
    assert findings(sccs_only) == []  # relies on the SCCs, not on the DPF


def test_tia_missing_is_silent_when_supplementary_measures_are_recorded() -> None:
    reg = registry(processors=[processor("p", "IN")], safeguards=[scc("s")],
                   flows=[{"id": "f", "from": "hq", "to": "p", "safeguards": ["s"],
                           "supplementary_measures": ["end-to-end encryption, keys held in the EEA"]}])
    assert findings(reg) == []


def test_uk_addendum_does_not_count_beside_lapsed_eu_sccs() -> None:
    subjects = [{"id": "gb", "name": "UK users", "regions": ["GB"]}]
    companies = [{"id": "hq", "name": "HQ", "country": "GB", "region": "EMEA"}]
    reg = registry(companies=companies, subjects=subjects, processors=[processor("p", "IN")],
                   safeguards=[{"id": "a", "kind": "uk_addendum", "effective": "2024-01-01"},
                               scc("s", expires="2025-12-31")],
                   flows=[{"id": "f", "from": "hq", "to": "p", "subjects": ["gb"], "safeguards": ["a", "s"],
                           "tia": "t"}])
    assert findings(reg, date(2025, 12, 31)) == []
    # The Addendum is there but its SCCs lapsed: the tool relied on is not in force (one finding, not two).
    [finding] = findings(reg, date(2026, 1, 1))
    assert (finding.rule, finding.regime, finding.evidence.safeguards) == ("safeguard-expired", "uk_gdpr", ["a"])


def test_a_derogation_letter_the_regime_does_not_have_is_no_tool_for_it() -> None:
    """FADP Art. 17 has no counterpart of GDPR Art. 49(1) second subparagraph (compelling legitimate interests)."""
    reg = registry(subjects=[{"id": "ch", "name": "Swiss users", "regions": ["CH"]}],
                   processors=[processor("p", "IN")],
                   safeguards=[{"id": "d", "kind": "derogation_49", "letter": "compelling_interests"}],
                   flows=[{"id": "f", "from": "hq", "to": "p", "subjects": ["ch"], "safeguards": ["d"],
                           "frequency": "occasional"}])
    assert flagged(reg, "transfer-without-safeguard") == {("ch_fadp", ("f",))}  # GDPR: an occasional one is valid


def test_service_acknowledges_a_current_finding_through_the_store_and_refuses_unknown_ids(service: Service) -> None:
    reg = registry(processors=[processor("p", "IN")], flows=[{"id": "f", "from": "hq", "to": "p"}])
    service.import_manifest(Manifest.of(reg, "test"))
    [finding] = service.check(AS_OF)
    acknowledgement = service.acknowledge(finding.id, "DPO memo 7", date(2027, 1, 31), as_of=AS_OF)
    assert acknowledgement.until == date(2027, 1, 31) and acknowledgement.finding == finding.id
    [marked] = service.check(AS_OF)
    assert marked.acknowledged and marked.acknowledgement == service.registry().acknowledgements[0]
    assert [c.key for c in service.log() if c.label == "Acknowledgement"] == [finding.id]
    [lapsed] = service.check(date(2027, 2, 1))
    assert not lapsed.acknowledged and lapsed.id == finding.id
    with pytest.raises(NotFound):
        service.acknowledge("transfer-without-safeguard:000000000000", "typo", as_of=AS_OF)


def test_defective_safeguards_are_reported_only_when_the_flow_relies_on_them() -> None:
    """A lapsed contract, BCRs with an outsider or a derogation on a systematic flow change nothing while
    another valid tool carries the transfer; without it they are the reason it is unlawful."""
    defective = [scc("old", expires="2025-06-30"), {"id": "bcr", "kind": "bcr", "effective": "2020-01-01"},
                 {"id": "d", "kind": "derogation_49", "letter": "b"}]
    alone = registry(processors=[processor("p", "IN")], safeguards=defective,
                     flows=[{"id": "f", "from": "hq", "to": "p", "safeguards": ["old", "bcr", "d"], "tia": "t"}])
    # The most specific explanation wins (issue 13): the derogation on a systematic flow.
    assert [f.rule for f in findings(alone)] == ["derogation-misused"]
    covered = registry(processors=[processor("p", "IN")], safeguards=[*defective, scc("new")],
                       flows=[{"id": "f", "from": "hq", "to": "p", "safeguards": ["old", "bcr", "d", "new"],
                               "tia": "t"}])
    assert findings(covered) == []


def test_tia_missing_is_silent_when_a_tool_without_assessment_carries_the_transfer() -> None:
    reg = registry(processors=[processor("p", "IN")],
                   safeguards=[scc("s"), {"id": "d", "kind": "derogation_49", "letter": "a"}],
                   flows=[{"id": "f", "from": "hq", "to": "p", "safeguards": ["s", "d"], "frequency": "occasional"}])
    assert findings(reg) == []
    assert flagged(registry(processors=[processor("p", "IN")], safeguards=[scc("s")],
                            flows=[{"id": "f", "from": "hq", "to": "p", "safeguards": ["s"],
                                    "frequency": "occasional"}]), "tia-missing") == {("gdpr", ("f",))}

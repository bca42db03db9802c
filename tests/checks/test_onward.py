"""Onward transfers: chains of one, two and three flows, and a cycle among sub-processors."""

from __future__ import annotations

from registry.checks import run_checks
from tests.checks.builders import AS_OF, findings, flagged, processor, registry, scc

# EEA users' data, and a group the later hops declare: Japanese users only, so the GDPR judges those hops
# through the chain, not directly (a hop the regime judges directly gets its own transfer finding instead).
SUBJECTS = [{"id": "eea", "name": "EEA", "regions": ["EEA"]}, {"id": "jp", "name": "JP", "regions": ["JP"]}]


def chain(hops: int, gap_at: int | None) -> object:
    """hq (DE) -> p1 (US, DPF) -> p2 (US) -> p3 (IN) ...; hop `gap_at` (1-based) has no tool; later hops declare
    Japanese users only."""
    countries = ["US", "US", "IN", "BR"]
    processors = [processor(f"p{i}", countries[i - 1], dpf_certified=True, **({"parent": f"p{i - 1}"} if i > 1 else {}))
                  for i in range(1, hops + 1)]
    safeguards = [scc("s3", module=3)]
    flows = []
    for hop in range(1, hops + 1):
        sender = "hq" if hop == 1 else f"p{hop - 1}"
        tools = [] if hop == gap_at else ["s3"]
        flows.append({"id": f"f{hop}", "from": sender, "to": f"p{hop}", "safeguards": tools, "tia": "t",
                      "subjects": ["eea"] if hop == 1 else ["jp"]})
    return registry(processors=processors, safeguards=safeguards, flows=flows, subjects=SUBJECTS)


def test_a_single_flow_is_no_onward_transfer() -> None:
    reg = registry(processors=[processor("p", "IN")], flows=[{"id": "f", "from": "hq", "to": "p"}])
    assert findings(reg, rule="onward-transfer-gap") == []


def test_chain_of_two_with_a_gap_on_the_second_hop() -> None:
    reg = chain(2, gap_at=None)
    assert findings(reg, rule="onward-transfer-gap") == []
    reg = registry(processors=[processor("p1", "US", dpf_certified=True), processor("p2", "IN", parent="p1")],
                   subjects=SUBJECTS, flows=[{"id": "f1", "from": "hq", "to": "p1"},
                                             {"id": "f2", "from": "p1", "to": "p2", "subjects": ["jp"]}])
    [finding] = findings(reg, rule="onward-transfer-gap")
    assert finding.regime == "gdpr" and finding.problem == "f2"  # reported on the hop at fault
    assert finding.evidence.path == ["hq", "p1", "p2"] and finding.evidence.flows == ["f1", "f2"]
    assert finding.evidence.countries == ["IN"] and finding.evidence.categories == ["user.contact.email"]
    assert finding.fix.startswith("p1, which engaged p2 as its sub-processor, must sign the 2021 SCCs (module 3) "
                                  "with it")


def test_a_hop_the_regime_judges_directly_gets_its_transfer_finding_and_no_onward_finding() -> None:
    reg = registry(processors=[processor("p1", "US", dpf_certified=True), processor("p2", "IN", parent="p1")],
                   flows=[{"id": "f1", "from": "hq", "to": "p1"}, {"id": "f2", "from": "p1", "to": "p2"}])
    assert [(f.rule, f.regime, f.problem) for f in findings(reg)] == [("transfer-without-safeguard", "gdpr", "f2")]


def test_chain_of_three_with_a_gap_on_the_third_hop_names_the_whole_path() -> None:
    reg = chain(3, gap_at=3)
    [finding] = findings(reg, rule="onward-transfer-gap")
    assert finding.evidence.path == ["hq", "p1", "p2", "p3"]
    assert finding.evidence.flows == ["f1", "f2", "f3"] and finding.problem == "f3"
    assert finding.reason == ("Personal data that EU/EEA GDPR protects travels from HQ, Germany along a chain of 3 "
                              "flows to p2, United States, which passes it on to p3, India with no valid transfer "
                              "tool.")


def test_a_later_hop_carrying_other_data_is_not_part_of_the_chain() -> None:
    reg = registry(processors=[processor("p1", "US", dpf_certified=True), processor("p2", "IN")],
                   flows=[{"id": "f1", "from": "hq", "to": "p1"},
                          {"id": "f2", "from": "p1", "to": "p2", "categories": ["user.advertising.ad_id"],
                           "subjects": ["eea"]}])
    assert findings(reg, rule="onward-transfer-gap") == []


def test_a_cycle_among_sub_processors_terminates_and_reports_each_path_once() -> None:
    reg = registry(
        processors=[processor("a", "US", dpf_certified=True), processor("b", "US", dpf_certified=True),
                    processor("c", "IN")], subjects=SUBJECTS,
        flows=[{"id": "f0", "from": "hq", "to": "a"}, {"id": "f1", "from": "a", "to": "b"},
               {"id": "f2", "from": "b", "to": "a"}, {"id": "f3", "from": "b", "to": "c", "subjects": ["jp"]}])
    found = run_checks(reg, AS_OF)
    onward = [f for f in found if f.rule == "onward-transfer-gap"]
    assert {tuple(f.evidence.path) for f in onward} == {("hq", "a", "b", "c")}
    assert len({f.id for f in onward}) == len(onward)


def test_a_chain_follows_one_category_the_whole_way() -> None:
    """hq -> p1 carries email; p1 -> p2 carries email and phone; p2 -> p3 (India) carries phone only."""
    reg = registry(processors=[processor("p1", "US", dpf_certified=True), processor("p2", "US", dpf_certified=True),
                               processor("p3", "IN")], subjects=SUBJECTS,
                   flows=[{"id": "f1", "from": "hq", "to": "p1"},
                          {"id": "f2", "from": "p1", "to": "p2", "categories": ["user.contact.email",
                                                                                 "user.contact.phone"]},
                          {"id": "f3", "from": "p2", "to": "p3", "categories": ["user.contact.phone"],
                           "subjects": ["jp"]}])
    [finding] = findings(reg, rule="onward-transfer-gap")
    # The email stops at p2; only the phone numbers p1 sent on reach India.
    assert finding.evidence.flows == ["f2", "f3"] and finding.evidence.categories == ["user.contact.phone"]


def test_data_from_the_regimes_territory_is_followed_into_flows_that_name_other_subjects() -> None:
    """EEA users' data leaves Germany for a DPF-certified US processor, which passes it to India in a flow
    declared for Japanese users only: the GDPR does not judge that hop directly, the chain does."""
    reg = registry(subjects=[{"id": "eea", "name": "EEA", "regions": ["EEA"]},
                             {"id": "jp", "name": "JP", "regions": ["JP"]}],
                   processors=[processor("p1", "US", dpf_certified=True), processor("p2", "IN")],
                   flows=[{"id": "f1", "from": "hq", "to": "p1"},
                          {"id": "f2", "from": "p1", "to": "p2", "subjects": ["jp"]}])
    assert flagged(reg, "transfer-without-safeguard") == {("jp_appi", ("f2",))}
    assert flagged(reg, "onward-transfer-gap") == {("gdpr", ("f1", "f2"))}


def test_many_chains_into_one_hop_give_one_finding_per_regime_and_hop() -> None:
    """200 senders feed one US hub, which passes the data to 50 Indian sub-processors: one finding per
    unprotected hop (50), not one per chain (10,000)."""
    senders = [{"id": f"gc{i}", "name": f"GC{i}", "country": "DE", "region": "EMEA"} for i in range(200)]
    subs = [processor(f"in{i}", "IN") for i in range(50)]
    flows = [{"id": f"a{i:03d}", "from": f"gc{i}", "to": "hub"} for i in range(200)]
    flows += [{"id": f"b{i:03d}", "from": "hub", "to": f"in{i}", "subjects": ["jp"]} for i in range(50)]
    reg = registry(companies=senders, processors=[processor("hub", "US", dpf_certified=True), *subs], flows=flows,
                   subjects=SUBJECTS)
    onward = findings(reg, rule="onward-transfer-gap")
    assert sorted(f.evidence.flows[-1] for f in onward) == [f"b{i:03d}" for i in range(50)]
    assert all(f.evidence.flows[0] == "a000" for f in onward)  # the same, smallest chain every time


def test_onward_findings_do_not_depend_on_the_order_of_the_manifest() -> None:
    reg = chain(3, gap_at=3)
    shuffled = reg.model_copy(update={"flows": list(reversed(reg.flows))})  # type: ignore[attr-defined]
    assert run_checks(shuffled, AS_OF) == run_checks(reg, AS_OF)  # type: ignore[arg-type]


def test_sarif_places_an_onward_gap_at_the_later_hop_with_the_path_as_evidence() -> None:
    import json

    from registry.checks.report import render_sarif

    found = findings(chain(3, gap_at=3), rule="onward-transfer-gap")
    [result] = json.loads(render_sarif(found, AS_OF, "manifest.yaml", {"f1": 10, "f3": 30}))["runs"][0]["results"]
    assert result["locations"][0]["logicalLocations"][0]["name"] == "f3"
    assert result["locations"][0]["physicalLocation"]["region"]["startLine"] == 30
    assert result["properties"]["problem"] == "f3"
    assert result["properties"]["evidence"]["flows"] == ["f1", "f2", "f3"]

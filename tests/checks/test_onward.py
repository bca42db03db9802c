"""Onward transfers: chains of one, two and three flows, and a cycle among sub-processors."""

from __future__ import annotations

from registry.checks import run_checks
from tests.checks.builders import AS_OF, findings, processor, registry, scc


def chain(hops: int, gap_at: int | None) -> object:
    """hq (DE) -> p1 (US, DPF) -> p2 (US) -> p3 (IN) ...; hop `gap_at` (1-based) has no tool."""
    countries = ["US", "US", "IN", "BR"]
    processors = [processor(f"p{i}", countries[i - 1], dpf_certified=True, **({"parent": f"p{i - 1}"} if i > 1 else {}))
                  for i in range(1, hops + 1)]
    safeguards = [scc("s3", module=3)]
    flows = []
    for hop in range(1, hops + 1):
        sender = "hq" if hop == 1 else f"p{hop - 1}"
        tools = [] if hop == gap_at else ["s3"]
        flows.append({"id": f"f{hop}", "from": sender, "to": f"p{hop}", "safeguards": tools, "tia": "t"})
    return registry(processors=processors, safeguards=safeguards, flows=flows)


def test_a_single_flow_is_no_onward_transfer() -> None:
    reg = registry(processors=[processor("p", "IN")], flows=[{"id": "f", "from": "hq", "to": "p"}])
    assert findings(reg, rule="onward-transfer-gap") == []


def test_chain_of_two_with_a_gap_on_the_second_hop() -> None:
    reg = chain(2, gap_at=None)
    assert findings(reg, rule="onward-transfer-gap") == []
    reg = registry(processors=[processor("p1", "US", dpf_certified=True), processor("p2", "IN", parent="p1")],
                   flows=[{"id": "f1", "from": "hq", "to": "p1"}, {"id": "f2", "from": "p1", "to": "p2"}])
    [finding] = findings(reg, rule="onward-transfer-gap")
    assert finding.regime == "gdpr"
    assert finding.evidence.path == ["hq", "p1", "p2"] and finding.evidence.flows == ["f1", "f2"]
    assert finding.evidence.countries == ["IN"] and finding.evidence.categories == ["user.contact.email"]


def test_chain_of_three_with_a_gap_on_the_third_hop_names_the_whole_path() -> None:
    reg = chain(3, gap_at=3)
    [finding] = findings(reg, rule="onward-transfer-gap")
    assert finding.evidence.path == ["hq", "p1", "p2", "p3"]
    assert finding.evidence.flows == ["f1", "f2", "f3"]
    assert "hq -> p1 -> p2 -> p3" in finding.reason


def test_a_later_hop_carrying_other_data_is_not_part_of_the_chain() -> None:
    reg = registry(processors=[processor("p1", "US", dpf_certified=True), processor("p2", "IN")],
                   flows=[{"id": "f1", "from": "hq", "to": "p1"},
                          {"id": "f2", "from": "p1", "to": "p2", "categories": ["user.advertising.ad_id"],
                           "subjects": ["eea"]}])
    assert findings(reg, rule="onward-transfer-gap") == []


def test_a_cycle_among_sub_processors_terminates_and_reports_each_path_once() -> None:
    reg = registry(
        processors=[processor("a", "US", dpf_certified=True), processor("b", "US", dpf_certified=True),
                    processor("c", "IN")],
        flows=[{"id": "f0", "from": "hq", "to": "a"}, {"id": "f1", "from": "a", "to": "b"},
               {"id": "f2", "from": "b", "to": "a"}, {"id": "f3", "from": "b", "to": "c"}])
    found = run_checks(reg, AS_OF)
    onward = [f for f in found if f.rule == "onward-transfer-gap"]
    assert {tuple(f.evidence.path) for f in onward} == {("hq", "a", "b", "c")}
    assert len({f.id for f in onward}) == len(onward)

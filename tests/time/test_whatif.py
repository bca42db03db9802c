"""What-if scenarios: what they open and close agrees with two full checks (the unchanged registry, the one
the scenario gives), each transfer that loses part of its basis says whether its fallback carries it, bad
scenarios are refused naming their lines, and nothing is ever written."""

from __future__ import annotations

import random
from datetime import date
from pathlib import Path

import pytest

from benchmarks.generate import generate_registry
from graph.sqlite import SQLiteStore
from registry import scenario as scenarios
from registry.checks import apply_acknowledgements, run_checks
from registry.diff import Status
from registry.errors import InvalidInput
from registry.model import Registry
from registry.reference import Reference, Regime, load_reference
from registry.service import Service, seed_manifest_path
from registry.whatif import WhatIf, what_if

REFERENCE = load_reference()
EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "what-if"

REGISTRY = Registry.model_validate({
    "organisation": {"id": "o", "name": "O"},
    "group_companies": [{"id": "hq", "name": "HQ", "country": "DE", "region": "EMEA"}],
    "processors": [
        {"id": "us-a", "name": "US A", "country": "US", "dpf_certified": True, "dpa_signed": "2024-01-01"},
        {"id": "us-b", "name": "US B", "country": "US", "dpf_certified": True, "dpa_signed": "2024-01-01"},
        {"id": "gb-c", "name": "GB C", "country": "GB", "dpa_signed": "2024-01-01"}],
    "data_subject_groups": [{"id": "eu", "name": "EU customers", "regions": ["EEA"]}],
    "data_categories": [{"id": "user.email", "name": "Email"}],
    "purposes": [{"id": "p", "name": "P", "legal_basis": "contract", "necessary_categories": ["user"],
                  "source": "policy 3-1"}],
    "safeguards": [{"id": "scc", "kind": "scc_2021", "module": 2, "effective": "2024-01-01"},
                   {"id": "adequacy", "kind": "adequacy"}],
    "flows": [{"id": f"f{n}", "from": "hq", "to": to, "subjects": ["eu"], "categories": ["user.email"],
               "purpose": "p", "safeguards": [safeguard], "tia": "tia.pdf", "encrypted_in_transit": True,
               "source": "policy 4-2"}
              for n, (to, safeguard) in enumerate([("us-a", "scc"), ("us-b", "adequacy"), ("gb-c", "adequacy"),
                                                   ("gb-c", "scc")], start=1)]})


def scenario(tmp_path: Path, text: str, name: str = "scenario.yaml") -> scenarios.ScenarioFile:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return scenarios.load(path)


def open_ids(registry: Registry, reference: Reference, day: date) -> set[str]:
    found = apply_acknowledgements(run_checks(registry, day, reference), registry.acknowledgements, day)
    return {f.id for f in found if not f.acknowledged}


def run(registry: Registry, loaded: scenarios.ScenarioFile, day: date) -> WhatIf:
    """The what-if, checked against two full checks: the unchanged registry and the scenario's."""
    applied = scenarios.apply(loaded, registry, REFERENCE)
    result = what_if(registry, applied, day)
    before = open_ids(registry, applied.baseline, day)
    after = open_ids(applied.registry, applied.reference, day)
    said = {status: {c.finding.id for p in result.problems for c in p.findings if c.status is status}
            for status in (Status.OPENED, Status.CLOSED)}
    assert said == {Status.OPENED: after - before, Status.CLOSED: before - after}
    return result


def test_the_dpf_falling_leaves_the_certified_flow_with_sccs_carried_and_the_other_without_a_basis(
        tmp_path: Path) -> None:
    loaded = scenario(tmp_path, "version: 1\ntitle: DPF falls\n"
                                "adequacy:\n  - {regime: gdpr, country: US, adequate: false, from: 2027-03-01}\n")
    result = run(REGISTRY, loaded, date(2027, 3, 1))
    assert [(p.problem, p.status) for p in result.problems] == [("f2", Status.OPENED)]
    assert result.problems[0].findings[0].finding.rule == "safeguard-expired"
    lost = {(x.flow.id, x.regime.value): x for x in result.lost}
    assert lost.keys() == {("f1", "gdpr"), ("f2", "gdpr")}
    assert lost["f1", "gdpr"].carried and [b.id for b in lost["f1", "gdpr"].left] == ["scc"]
    assert not lost["f2", "gdpr"].carried and lost["f2", "gdpr"].left == ()
    assert [b.label for b in lost["f2", "gdpr"].lost] == ["adequacy (United States)"]
    assert [lost.flow.id for lost in result.without_fallback] == ["f2"]
    # The day before it takes effect, nothing changes.
    assert run(REGISTRY, loaded, date(2027, 2, 28)).problems == ()


def test_a_decision_not_renewed_is_compared_with_it_renewed(tmp_path: Path) -> None:
    loaded = scenario(tmp_path, (EXAMPLES / "uk-not-renewed.yaml").read_text(encoding="utf-8"))
    result = run(REGISTRY, loaded, date(2031, 12, 28))
    assert [(p.problem, p.status) for p in result.problems] == [("f3", Status.OPENED)]
    assert {(x.flow.id, x.carried) for x in result.lost} == {("f3", False), ("f4", True)}
    assert "is not renewed: it ends on 2031-12-28 (compared with it renewed)" in result.applied.changes[0].description
    # Revoked early, it is compared with the data as it is.
    early = scenario(tmp_path, "version: 1\ntitle: UK early\n"
                               "adequacy:\n  - {regime: gdpr, country: GB, adequate: false, from: 2028-01-01}\n")
    assert [p.problem for p in run(REGISTRY, early, date(2028, 1, 1)).problems] == ["f3"]
    assert scenarios.apply(early, REGISTRY, REFERENCE).baseline is REFERENCE


def test_tools_processors_and_flows_change_as_the_scenario_says(tmp_path: Path) -> None:
    loaded = scenario(tmp_path, """\
version: 1
title: Several at once
adequacy:
  - {regime: gdpr, country: IN, adequate: true, from: 2027-01-01}
  - {regime: gdpr, country: US, adequate: false, from: 2027-03-01}
invalidate_tools:
  - {kind: scc_2021, from: 2027-06-01}
drop_processors:
  - {id: us-b}
add_flows:
  - {id: f9, from: hq, to: gb-c, subjects: [eu], categories: [user.email], purpose: p, source: policy 4-2}
""")
    result = run(REGISTRY, loaded, date(2027, 6, 1))
    applied = result.applied
    assert "us-b" not in applied.registry.entities and "f2" not in applied.registry.flows_by_id
    assert "f9" in applied.registry.flows_by_id
    assert REFERENCE.tool(Regime.GDPR, "scc_2021").valid_until is None  # the reference data is untouched
    assert all(t.valid_until == date(2027, 6, 1) for t in applied.reference.tools if t.kind == "scc_2021")
    assert applied.reference.adequacy(Regime.GDPR, "IN", date(2027, 1, 1)) is not None
    # f1's SCCs are invalid and the DPF gone; f2 went with its receiver; f9 goes to an adequate country.
    assert [(p.problem, p.status) for p in result.problems] == [("f1", Status.OPENED)]
    # f4 loses its SCCs too, but the UK decision carries it.
    assert [(x.flow.id, x.carried) for x in result.lost] == [("f1", False), ("f4", True)]
    assert {b.id for b in result.lost[0].lost} == {"US", "scc"}
    assert [b.id for b in result.lost[1].left] == ["GB"]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_random_scenarios_on_a_generated_registry_agree_with_two_full_checks(tmp_path: Path, seed: int) -> None:
    registry = generate_registry("XS")
    rng = random.Random(seed)
    day = date(2027, rng.randint(1, 12), 1)
    processors = rng.sample([p.id for p in registry.processors], 2)
    flow = rng.choice(registry.flows)
    text = f"""\
version: 1
title: Random {seed}
adequacy:
  - {{regime: {rng.choice(['gdpr', 'uk_gdpr', 'ch_fadp'])}, country: US, adequate: false, from: 2027-01-01}}
  - {{regime: gdpr, country: {rng.choice(['IN', 'BR', 'SG'])}, adequate: true, from: 2027-01-01}}
  - {{regime: gdpr, country: GB, adequate: false, from: 2026-06-01}}
invalidate_tools:
  - {{kind: {rng.choice(['scc_2021', 'bcr', 'uk_addendum'])}, from: 2027-01-01}}
drop_processors:
  - {{id: {processors[0]}}}
  - {{id: {processors[1]}}}
add_flows:
  - {{id: added, from: {flow.sender}, to: {rng.choice([p.id for p in registry.processors if p.id not in processors])},
     subjects: [{flow.subjects[0]}], categories: [{flow.categories[0]}], purpose: {flow.purpose}}}
"""
    result = run(registry, scenario(tmp_path, text), day)
    assert result.problems  # dropping two processors closes something at least


def test_the_shipped_examples_run_on_the_seed_and_write_nothing(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "seed.sqlite")
    service = Service(store, actor="test")
    service.import_file(seed_manifest_path())
    revision = store.revision()
    dpf = service.what_if(scenarios.load(EXAMPLES / "dpf-falls.yaml"))
    assert dpf.as_of >= date(2027, 3, 1)
    # f13 already breaks a house rule (no DPA): losing adequacy changes its problem rather than opening one.
    assert [(p.problem, p.status) for p in dpf.problems] == [("f13-hq-adtech-advertising", Status.CHANGED)]
    assert [x.flow.id for x in dpf.without_fallback] == ["f13-hq-adtech-advertising"]
    dropped = service.what_if(scenarios.load(EXAMPLES / "processor-dropped.yaml"), date(2026, 12, 3))
    assert [(p.problem, p.status) for p in dropped.problems] == [("adtech-us", Status.CLOSED),
                                                               ("f13-hq-adtech-advertising", Status.CLOSED)]
    uk = service.what_if(scenarios.load(EXAMPLES / "uk-not-renewed.yaml"))
    assert uk.as_of == date(2031, 12, 28) and uk.problems == ()  # the seed sends no EEA data to the UK
    assert store.revision() == revision


def test_a_bad_scenario_is_refused_naming_each_line_and_field(tmp_path: Path) -> None:
    loaded = scenario(tmp_path, """\
version: 1
title: Bad
adequacy:
  - {regime: gdpr, country: UK, adequate: false, from: 2027-03-01}
  - {regime: gdrp, country: US, adequate: false, from: 2027-03-01}
  - {regime: gdpr, country: US, adequate: false, from: "2027-02-30"}
  - {regime: gdpr, country: DE, adequate: false, from: 2027-02-01}
invalidate_tools:
  - {kind: uk_idta, regime: gdpr, from: 2027-01-01}
drop_processors:
  - {id: us-x}
  - {id: hq}
add_flows:
  - {id: f1, from: hq, to: gb-c, subjects: [eu], categories: [user.email], purpose: p}
  - {id: f8, from: hq, to: nobody, subjects: [eu], categories: [user.email], purpose: p}
colour: blue
""")
    with pytest.raises(InvalidInput) as refused:
        scenarios.apply(loaded, REGISTRY, REFERENCE)
    where = [(p.line, p.field) for p in refused.value.problems]
    assert where == [(4, "country"), (5, "regime"), (6, "from"), (7, "country"), (9, "kind"), (11, "id"),
                     (12, "id"), (14, "id"), (15, "to"), (16, "colour")]
    text = refused.value.render()
    assert "scenario.yaml:4: adequacy[0], field 'country': 'UK' is not an ISO 3166-1 alpha-2 country code; did " \
           "you mean 'GB'?" in text
    assert "no processor 'us-x' in the registry" in text
    assert "'hq' is a group company, not a processor" in text
    assert "unknown key (not part of the scenario format)" in text


def test_the_result_downloads_as_two_tables(tmp_path: Path) -> None:
    import csv
    import io

    from openpyxl import load_workbook

    from registry.exports.to_csv import render_csv
    from registry.exports.to_xlsx import render_workbook
    from registry.whatif import tables

    loaded = scenario(tmp_path, "version: 1\ntitle: DPF falls\n"
                                "adequacy:\n  - {regime: gdpr, country: US, adequate: false, from: 2027-03-01}\n")
    problems, basis = tables(run(REGISTRY, loaded, date(2027, 3, 1)))
    rows = list(csv.DictReader(io.StringIO(render_csv(problems).decode("utf-8"))))
    assert [(r["Status"], r["Problem (record at fault)"].split()[0], r["Rule"]) for r in rows] == [
        ("opened", "f2", "safeguard-expired")]
    assert rows[0]["Because"] == "the EU/EEA GDPR adequacy decision for United States is revoked from 2027-03-01"
    assert problems.flags == ("high",)
    workbook = load_workbook(io.BytesIO(render_workbook((problems, basis), "What if")))
    assert workbook.sheetnames == ["Problems", "Transfers losing a basis"]
    sheet = workbook["Transfers losing a basis"]
    assert [c.value for c in sheet[1]] == ["Flow", "Regime", "Sender", "Receiver", "Loses", "Still on the flow",
                                           "Carried by its fallback"]
    assert sheet.max_row == 3  # f1 (carried by its SCCs) and f2


def test_a_json_scenario_with_a_repeated_key_is_refused_naming_both_lines() -> None:
    """A scenario is read as a manifest is: a key given twice is refused, never silently last-one-wins."""
    data = b'{\n  "title": "t",\n  "title": "u"\n}\n'
    with pytest.raises(InvalidInput) as refused:
        scenarios.parse(data, "scenario.json")
    text = refused.value.render()
    assert text.startswith("invalid scenario scenario.json")
    assert "'title' appears twice" in text and "lines 2 and 3" in text

"""House rules as input (issue 19): a manifest's `policies` or a policies file, refused with file, line and field
when wrong, stored like any record (with the change log), and written only by a role that may write them."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from graph.sqlite import SQLiteStore
from registry import manifest as manifests
from registry.access import Principal, Role
from registry.cli import app
from registry.errors import InvalidInput, PermissionDenied
from registry.model import AdequateFor, Policy
from registry.policies import parse_rules
from registry.service import Service

runner = CliRunner()

RULES = """\
version: 1
policies:
  - id: eea-and-adequate
    title: Customer data stays in the EEA and adequate countries
    severity: high
    source: privacy office
    match:
      categories: [user.contact]
      receiver:
        kinds: [processor]
    destinations:
      allow: [EEA, adequate_for: gdpr, JP]
    exceptions:
      - flow: f1
        reason: mailer moves to an EU data centre
        until: 2027-06-30
"""


def flowreg(store: Path, *args: str, actor: str = "dpo-anna"):  # type: ignore[no-untyped-def]
    return runner.invoke(app, list(args), env={"FLOWREG_STORE": str(store), "FLOWREG_ACTOR": actor})


def write(directory: Path, name: str, text: str) -> Path:
    path = directory / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_policies_file_reads_into_rules_with_their_terms(tmp_path: Path) -> None:
    manifest = manifests.load_policies(write(tmp_path, "policies.yaml", RULES))
    assert manifest.problems == []
    [policy] = manifest.fragment.policies
    assert policy.match.receiver.kinds == ["processor"] and policy.match.categories == ["user.contact"]
    assert policy.destinations is not None
    assert policy.destinations.allow == ["EEA", AdequateFor(adequate_for="gdpr"), "JP"]
    assert str(policy.exceptions[0].until) == "2027-06-30"


@pytest.mark.parametrize(("change", "line", "field", "message"), [
    (("kinds: [processor]", "kinds: [procesor]"), 10, "match.receiver.kinds.0", "did you mean 'processor'?"),
    (("categories: [user.contact]", "categories: [user.contakt]"), 8, "match.categories",
     "'user.contakt' is not a known data category id; did you mean 'user.contact.email'?"),
    (("[EEA, adequate_for: gdpr, JP]", "[EEA, adequate_for: gdpr, UK]"), 12, "destinations.allow.2",
     "did you mean 'GB'?"),
    (("adequate_for: gdpr", "adequate_for: gdrp"), 12, "destinations.allow.1.adequate_for", "'gdpr'"),
    (("    match:\n", "    matches: {}\n    match:\n"), 7, "matches", "did you mean 'match'?"),
    (("      receiver:\n", "      reciever: {}\n      receiver:\n"), 9, "match.reciever",
     "did you mean 'receiver'?"),
    (("        until: 2027-06-30\n", ""), 14, "exceptions.0.until", "required key is missing"),
    (("flow: f1", "flow: f9"), 14, "exceptions.0.flow", "'f9' is not a known flow id"),
    (("    destinations:\n", "    forbid: true\n    destinations:\n"), 12, "destinations",
     "exactly one of 'forbid: true'"),
    (("    destinations:\n      allow: [EEA, adequate_for: gdpr, JP]\n",
      "    require:\n      safeguard_kinds: [scc_2022]\n      max_retention: three years\n"), 12,
     "require.safeguard_kinds.0", "Input should be 'adequacy'"),
    (("    destinations:\n      allow: [EEA, adequate_for: gdpr, JP]\n",
      "    require:\n      max_retention: three years\n"), 12, "require.max_retention",
     "not an ISO 8601 duration"),
    (("    destinations:\n      allow: [EEA, adequate_for: gdpr, JP]\n", "    require: {}\n"), 11, "require.dpa",
     "names no requirement"),
])
def test_bad_rules_exit_2_naming_file_line_and_field(
    tmp_path: Path, example_manifest: Path, change: tuple[str, str], line: int, field: str, message: str
) -> None:
    store = tmp_path / "s.sqlite"
    assert flowreg(store, "import", str(example_manifest)).exit_code == 0
    text = RULES.replace(*change)
    assert text != RULES
    policies = write(tmp_path, "policies.yaml", text)
    result = flowreg(store, "import", "--policies", str(policies))
    assert result.exit_code == 2, result.output
    expected = f"{policies}:{line}: policies[0], id 'eea-and-adequate', field '{field}': "
    located = [row for row in result.output.splitlines() if row.strip().startswith(expected)]
    assert located and message in located[0], result.output
    assert SQLiteStore(store).counts().get("Policy") is None  # nothing was written


def test_a_policies_file_holds_only_rules(tmp_path: Path, example_manifest: Path) -> None:
    store = tmp_path / "s.sqlite"
    flowreg(store, "import", str(example_manifest))
    mixed = write(tmp_path, "policies.yaml", RULES + "flows: []\ncountries_of_operation: [JP]\n")
    result = flowreg(store, "import", "--policies", str(mixed))
    assert result.exit_code == 2
    assert f"{mixed}:18: field 'countries_of_operation': a policies file holds only 'policies'" in result.output
    # Rules in the manifest and a policies file beside it: one place, not both.
    both = write(tmp_path, "both.yaml", example_manifest.read_text() + RULES.removeprefix("version: 1\n"))
    result = flowreg(store, "import", str(both), "--policies", str(write(tmp_path, "p.yaml", RULES)))
    assert result.exit_code == 2 and "give house rules either there or in" in result.output


def test_rules_in_a_manifest_or_beside_it_are_stored_logged_and_exported(tmp_path: Path,
                                                                         example_manifest: Path) -> None:
    store = tmp_path / "s.sqlite"
    policies = write(tmp_path, "policies.yaml", RULES)
    result = flowreg(store, "import", str(example_manifest), "--policies", str(policies))
    assert result.exit_code == 0, result.output
    assert "create policies 'eea-and-adequate'" in result.output
    opened = SQLiteStore(store)
    [change] = opened.changes(key="eea-and-adequate")
    assert (change.label, change.operation, change.actor) == ("Policy", "create", "dpo-anna")
    exported = yaml.safe_load(flowreg(store, "export", "manifest").stdout)
    written = manifests.load_policies(policies).fragment.policies
    assert [Policy.model_validate(p) for p in exported["policies"]] == written
    # The export reads back as one manifest, the rules included, and changes nothing.
    backup = write(tmp_path, "backup.yaml", yaml.safe_dump(exported))
    again = flowreg(store, "import", str(backup))
    assert again.exit_code == 0 and "0 created, 0 updated" in again.output


def test_a_rule_typed_alone_is_located_in_the_editor_text() -> None:
    text = "id: r\ntitle: T\nseverity: high\nsource: s\nmatch:\n  cross_border: maybe\nforbid: true\n"
    [problem] = parse_rules(text).problems
    assert (problem.file, problem.line, problem.field) == ("edited rule", 6, "match.cross_border")
    listed = parse_rules("- " + text.replace("\n", "\n  ").replace("maybe", "true"))
    assert [p.id for p in listed.fragment.policies] == ["r"] and listed.problems == []
    with pytest.raises(InvalidInput, match="no house rule given"):
        parse_rules("policies: []\n")


def test_writing_rules_needs_the_policy_permission(sqlite_store: SQLiteStore, service: Service,
                                                   example_manifest: Path, tmp_path: Path) -> None:
    service.import_file(example_manifest)
    policies = write(tmp_path, "policies.yaml", RULES)
    engineer = Service(sqlite_store, principal=Principal("eve", frozenset({Role.ENGINEER})))
    revision = sqlite_store.revision()
    with pytest.raises(PermissionDenied, match="change house rules"):
        engineer.import_manifest(manifests.load_policies(policies))
    with pytest.raises(PermissionDenied, match="change house rules"):
        engineer.save_policies(manifests.load_policies(policies))
    assert sqlite_store.revision() == revision
    dpo = Service(sqlite_store, principal=Principal("anna", frozenset({Role.DPO})))
    dpo.save_policies(manifests.load_policies(policies))
    assert [p.id for p in dpo.registry().policies] == ["eea-and-adequate"]
    # An engineer's replace that would delete the rule is refused inside the write, like an acknowledgement's.
    with pytest.raises(PermissionDenied, match="change house rules"):
        engineer.import_file(example_manifest, replace=True)
    assert sqlite_store.get("Policy", "eea-and-adequate") is not None
    legal = Service(sqlite_store, principal=Principal("lee", frozenset({Role.LEGAL})))
    with pytest.raises(PermissionDenied):
        legal.save_policies(manifests.load_policies(policies))


def test_a_house_rule_finding_can_be_acknowledged_by_its_id() -> None:
    """Finding ids of house rules carry the rule's id (`policy:<id>:<hash>`); acknowledgements accept them."""
    from registry.model import Acknowledgement

    assert Acknowledgement(finding="policy:eea-and-adequate:0123456789ab", reason="DPO memo").finding
    assert Policy.model_fields["source"].is_required()


def test_a_workbook_replace_keeps_the_stored_rules(tmp_path: Path) -> None:
    """A workbook has no sheet for house rules: making the store equal to one leaves the stored rules alone."""
    store = tmp_path / "s.sqlite"
    assert flowreg(store, "seed").exit_code == 0
    rules = write(tmp_path, "policies.yaml", RULES.replace("flow: f1", "flow: f10-hq-mail-campaign"))
    assert flowreg(store, "import", "--policies", str(rules)).exit_code == 0
    opened = SQLiteStore(store)
    kept = sorted(n.key for n in opened.read("Policy"))
    assert "eea-and-adequate" in kept
    workbook = tmp_path / "inventory.xlsx"
    assert flowreg(store, "export", "template", "--from-store", "--out", str(workbook)).exit_code == 0
    planned = flowreg(store, "import", str(workbook), "--replace", "--dry-run")
    assert planned.exit_code == 0 and "0 would be deleted" in planned.output, planned.output
    done = flowreg(store, "import", str(workbook), "--replace")
    assert done.exit_code == 0, done.output
    assert sorted(n.key for n in opened.read("Policy")) == kept
    assert [c for c in opened.changes() if c.label == "Policy" and c.operation != "create"] == []


def test_the_policies_overview_and_a_trial_of_an_edited_rule(service: Service) -> None:
    from datetime import date

    from registry.policies import rule_text

    service.seed()
    day = date(2026, 12, 2)
    views = {v.policy.id: v for v in service.policy_views(day)}
    contract = views["service-providers-under-contract"]
    assert contract.matches == ["received by: processor"]
    assert contract.effect == "must have a receiver under a signed DPA"
    assert [f.problem for f in contract.open] == ["f13-hq-adtech-advertising"]
    assert views["encryption-in-transit"].matches == ["every flow"] and views["encryption-in-transit"].open == []
    # The rule edited to cover recipients too: the trial names what it would open, and writes nothing.
    revision = service.store.revision()
    edited = rule_text(contract.policy).replace("kinds:\n    - processor", "kinds:\n    - processor\n    - recipient")
    trial = service.try_policies(parse_rules(edited), day)
    # The buyer (f16) is contingent with no day yet: it moves no data, so no rule judges it.
    assert sorted(f.problem for f in trial.opened) == ["f14-hq-authority", "f15-hq-fraud"]
    assert trial.closed == [] and len(trial.of_tried()) == 3
    assert service.store.revision() == revision
    # With an exception for f13 until the contract is signed, the trial closes its finding.
    excepted = rule_text(contract.policy) + "exceptions:\n- flow: f13-hq-adtech-advertising\n  reason: DPA in " \
        "signature\n  until: 2027-01-31\n"
    trial = service.try_policies(parse_rules(excepted), day)
    assert [f.problem for f in trial.closed] == ["f13-hq-adtech-advertising"] and trial.opened == []
    service.save_policies(parse_rules(excepted))
    [view] = [v for v in service.policy_views(day) if v.policy.id == contract.policy.id]
    assert view.open == [] and [(e.flow, e.until.isoformat(), e.in_force) for e in view.exceptions] == [
        ("f13-hq-adtech-advertising", "2027-01-31", True)]

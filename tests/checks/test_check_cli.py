"""`flowreg check` and `flowreg ack` as CI and a DPO use them: exit codes, the JSON shape, SARIF, acknowledgements."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import jsonschema
from typer.testing import CliRunner

from graph.sqlite import SQLiteStore
from registry.checks import run_checks
from registry.cli import app
from tests.checks.test_seed_findings import seed_registry

runner = CliRunner()
SEED = Path(__file__).resolve().parents[2] / "seed" / "registry.yaml"


def flowreg(store: Path, *args: str):  # type: ignore[no-untyped-def]
    return runner.invoke(app, list(args), env={"FLOWREG_STORE": str(store), "FLOWREG_ACTOR": "dpo-anna"})


def seeded(tmp_path: Path) -> Path:
    store = tmp_path / "s.sqlite"
    assert flowreg(store, "seed").exit_code == 0
    return store


def test_exit_codes_follow_the_fail_on_threshold(tmp_path: Path) -> None:
    store = seeded(tmp_path)
    assert flowreg(store, "check", "--as-of", "2026-11-24").exit_code == 1  # high findings
    assert flowreg(store, "check", "--as-of", "2026-11-24", "--fail-on", "low").exit_code == 1
    empty = tmp_path / "empty.sqlite"
    assert flowreg(empty, "init").exit_code == 0
    result = flowreg(empty, "check", "--fail-on", "low")
    assert result.exit_code == 0 and "no findings" in result.output


def test_bad_input_exits_2_and_names_the_option(tmp_path: Path) -> None:
    result = flowreg(seeded(tmp_path), "check", "--as-of", "24/11/2026")
    assert result.exit_code == 2 and "--as-of" in result.output


def test_json_has_the_documented_stable_shape(tmp_path: Path) -> None:
    result = flowreg(seeded(tmp_path), "check", "--as-of", "2026-11-24", "--format", "json")
    document = json.loads(result.stdout)
    expected = run_checks(seed_registry(), date(2026, 11, 24))
    assert document["as_of"] == "2026-11-24"
    assert [f["id"] for f in document["findings"]] == [f.id for f in expected]
    for finding in document["findings"]:
        assert {"id", "rule", "severity", "regime", "reference", "reason", "evidence", "acknowledged"} <= set(finding)
        assert {"flows", "path", "safeguards", "countries", "categories"} <= set(finding["evidence"])
    # `problem` is the record at fault, so scripts can group: the flow, or the processor without a DPA.
    problems = {(f["rule"], f["problem"]) for f in document["findings"]}
    assert ("transfer-without-safeguard", "f09-ops-us-ops-in-campaign") in problems
    assert ("processor-without-dpa", "adtech-us") in problems
    assert all(f["problem"] for f in document["findings"])


def test_text_groups_findings_into_one_block_per_problem(tmp_path: Path) -> None:
    output = flowreg(seeded(tmp_path), "check", "--as-of", "2026-12-02").output
    assert output.splitlines()[0] == "as of 2026-12-02: 6 problems (13 findings: 9 high, 4 medium)"
    assert ("HIGH   f09-ops-us-ops-in-campaign Cloud provider's US operations affiliate (example), United States -> "
            "Follow-the-sun operations centre, India (example): no valid transfer tool under EU/EEA GDPR, "
            "UK GDPR, Swiss FADP, Japan APPI") in output.splitlines()
    block = output.split("f09-ops-us-ops-in-campaign Cloud")[1].split("\n\n")[0]
    assert [line.split()[2] for line in block.splitlines() if line.startswith("  - ")] == [
        "[EU/EEA", "[UK", "[Swiss", "[Japan"]
    assert " — -" not in output and "[gdpr]" not in output


def test_sarif_is_2_1_0_and_points_at_the_manifest_lines(tmp_path: Path) -> None:
    result = flowreg(seeded(tmp_path), "check", "--as-of", "2026-11-24", "--format", "sarif",
                     "--manifest", str(SEED))
    sarif = json.loads(result.stdout)
    assert sarif["version"] == "2.1.0" and sarif["$schema"].endswith("sarif-schema-2.1.0.json")
    [run] = sarif["runs"]
    rule_ids = [r["id"] for r in run["tool"]["driver"]["rules"]]
    # The legal rules, then the seed's two house rules.
    assert rule_ids[-2:] == ["policy:encryption-in-transit", "policy:service-providers-under-contract"]
    assert len(rule_ids) == 14
    lines = SEED.read_text(encoding="utf-8").splitlines()
    for result_ in run["results"]:
        assert rule_ids[result_["ruleIndex"]] == result_["ruleId"]
        assert result_["level"] in ("error", "warning", "note") and result_["message"]["text"]
        location = result_["locations"][0]["physicalLocation"]
        assert location["artifactLocation"]["uri"] == str(SEED)
        anchor = result_["locations"][0]["logicalLocations"][0]["name"]
        assert anchor in lines[location["region"]["startLine"] - 1]


def test_sarif_validates_against_the_official_2_1_0_schema(tmp_path: Path) -> None:
    """tests/checks/data/sarif-schema-2.1.0.json is the OASIS schema (oasis-tcs/sarif-spec,
    sarif-2.1/schema/sarif-schema-2.1.0.json), kept unchanged so the test runs offline."""
    schema = json.loads((Path(__file__).parent / "data" / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
    validator = jsonschema.Draft4Validator(schema, format_checker=jsonschema.FormatChecker())
    store = seeded(tmp_path)
    finding = json.loads(flowreg(store, "check", "--as-of", "2026-11-24", "--format", "json").stdout)["findings"][0]
    assert flowreg(store, "ack", finding["id"], "--reason", "accepted", "--as-of", "2026-11-24").exit_code == 0
    for extra in ([], ["--manifest", str(SEED)]):
        sarif = json.loads(flowreg(store, "check", "--as-of", "2026-11-24", "--format", "sarif", *extra).stdout)
        assert [e.message for e in validator.iter_errors(sarif)] == []
        [run] = sarif["runs"]
        # A legal rule links to its law; a house rule is the organisation's own and has no public address.
        assert all(r["helpUri"].startswith("https://") and r["fullDescription"]["text"] for r in
                   run["tool"]["driver"]["rules"] if not r["id"].startswith("policy:"))
        assert all("helpUri" not in r and "house rule" in r["fullDescription"]["text"] for r in
                   run["tool"]["driver"]["rules"] if r["id"].startswith("policy:"))
        assert [r["partialFingerprints"]["flowregFindingId"] for r in run["results"] if "suppressions" in r] == [
            finding["id"]]
    broken = {**sarif, "runs": [{"results": []}]}  # no tool: the schema must catch it
    assert list(validator.iter_errors(broken))


def test_ack_marks_the_finding_keeps_it_listed_and_logs_who(tmp_path: Path) -> None:
    store = seeded(tmp_path)
    before = json.loads(flowreg(store, "check", "--as-of", "2026-11-24", "--format", "json").stdout)["findings"]
    tia = next(f for f in before if f["rule"] == "tia-missing" and f["regime"] == "gdpr" and "f15-hq-fraud" in
                f["evidence"]["flows"])
    acked = flowreg(store, "ack", tia["id"], "--reason", "TIA under way; due per DPO memo 12",
                    "--until", "2027-06-30", "--as-of", "2026-11-24")
    assert acked.exit_code == 0, acked.output
    after = json.loads(flowreg(store, "check", "--as-of", "2026-11-24", "--format", "json").stdout)["findings"]
    assert len(after) == len(before)
    marked = next(f for f in after if f["id"] == tia["id"])
    assert marked["acknowledged"] is True and marked["acknowledgement"]["actor"] == "dpo-anna"
    assert "[acknowledged]" in flowreg(store, "check", "--as-of", "2026-11-24").output
    lapsed = json.loads(flowreg(store, "check", "--as-of", "2027-07-01", "--format", "json").stdout)["findings"]
    assert next(f for f in lapsed if f["id"] == tia["id"])["acknowledged"] is False
    handle = SQLiteStore(store)
    [change] = [c for c in handle.changes() if c.label == "Acknowledgement"]
    handle.close()
    assert change.actor == "dpo-anna" and change.key == tia["id"] and change.operation == "create"


def test_ack_of_an_unknown_finding_or_without_reason_is_refused(tmp_path: Path) -> None:
    store = seeded(tmp_path)
    unknown = flowreg(store, "ack", "excess-disclosure:000000000000", "--reason", "x")
    assert unknown.exit_code == 2 and "no finding" in unknown.output
    blank = flowreg(store, "ack", "excess-disclosure:000000000000", "--reason", "  ")
    assert blank.exit_code == 2


def test_readme_check_example_is_what_check_prints(tmp_path: Path) -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    example = readme.split("On the seed, as of 2026-12-02:\n\n```\n", 1)[1].split("```", 1)[0]
    output = flowreg(seeded(tmp_path), "check", "--as-of", "2026-12-02").output.splitlines()
    shown = [line for line in example.splitlines() if not line.endswith("...")]
    assert len(shown) >= 6 and all(line in output for line in shown)


CI_RULES = """\
policies:
  - id: encrypted-in-transit
    title: Every flow is encrypted in transit
    severity: high
    source: security standard 3.1
    require: {encrypted_in_transit: true}
"""


def test_a_pull_request_adding_a_violating_flow_fails_the_ci_gate(tmp_path: Path, example_manifest: Path) -> None:
    """CI imports the manifest and the house rules into a fresh store and gates on `check --fail-on high`."""
    rules = tmp_path / "policies.yaml"
    rules.write_text(CI_RULES, encoding="utf-8")
    # The example group, based in Germany with EEA entrants only: its one flow is lawful, so the gate passes.
    main = tmp_path / "main.yaml"
    main.write_text(example_manifest.read_text(encoding="utf-8").replace("regions: [EEA, JP, US]", "regions: [EEA]")
                    .replace("country: JP, region: APAC", "country: DE, region: EMEA"), encoding="utf-8")

    def gate(manifest: Path, run: str) -> tuple[int, dict]:  # type: ignore[type-arg]
        store = tmp_path / f"{run}.sqlite"
        assert flowreg(store, "import", str(manifest), "--policies", str(rules)).exit_code == 0
        result = flowreg(store, "check", "--as-of", "2026-11-24", "--fail-on", "high", "--format", "sarif",
                         "--manifest", str(manifest))
        return result.exit_code, json.loads(result.stdout)

    assert gate(main, "main")[0] == 0
    pull_request = tmp_path / "pr.yaml"
    pull_request.write_text(main.read_text(encoding="utf-8") + """\
  - {id: f2-unencrypted, from: hq, to: mailer, subjects: [entrants], categories: [user.contact.email],
     purpose: campaign, safeguards: [scc-mailer], encrypted_in_transit: false, tia: tia/mailer-2024.pdf,
     source: "policy 4-2"}
""", encoding="utf-8")
    code, sarif = gate(pull_request, "pr")
    assert code == 1
    # The law has nothing high against the new flow (the purpose's missing policy section is low): the house rule
    # is what fails it.
    [result] = [r for r in sarif["runs"][0]["results"] if r["level"] == "error"]
    assert result["ruleId"] == "policy:encrypted-in-transit" and result["level"] == "error"
    assert result["properties"]["reference"] == "house rule encrypted-in-transit (security standard 3.1)"
    line = result["locations"][0]["physicalLocation"]["region"]["startLine"]
    assert "f2-unencrypted" in pull_request.read_text(encoding="utf-8").splitlines()[line - 1]


def test_check_with_a_policies_file_judges_its_rules_and_writes_nothing(tmp_path: Path) -> None:
    store = seeded(tmp_path)
    before = SQLiteStore(store).revision()
    rules = tmp_path / "policies.yaml"
    rules.write_text("""\
policies:
  - id: eea-and-adequate
    title: Customer data stays in the EEA and adequate countries
    severity: high
    source: privacy office
    match: {categories: [user.contact], receiver: {kinds: [processor]}}
    destinations: {allow: [EEA, adequate_for: gdpr]}
  - id: service-providers-under-contract
    title: Service providers receive personal data only under a signed contract
    severity: low
    source: policy 4-2
    match: {receiver: {kinds: [processor]}}
    require: {dpa: true}
""", encoding="utf-8")
    result = flowreg(store, "check", "--as-of", "2026-12-02", "--policies", str(rules), "--format", "json")
    assert result.exit_code == 1
    found = {(f["rule"], f["problem"], f["severity"]) for f in json.loads(result.stdout)["findings"]}
    assert {("policy:eea-and-adequate", "f09-ops-us-ops-in-campaign", "high"),
            ("policy:service-providers-under-contract", "f13-hq-adtech-advertising", "low"),
            ("processor-without-dpa", "adtech-us", "high")} <= found
    # The stored rule of the same id was tried with the file's severity; nothing was written.
    assert ("policy:service-providers-under-contract", "f13-hq-adtech-advertising", "high") not in found
    assert SQLiteStore(store).revision() == before
    bad = tmp_path / "bad.yaml"
    bad.write_text(rules.read_text(encoding="utf-8").replace("kinds: [processor]}}", "kinds: [vendor]}}"),
                   encoding="utf-8")
    refused = flowreg(store, "check", "--policies", str(bad))
    assert refused.exit_code == 2
    assert f"{bad}:6: policies[0], id 'eea-and-adequate', field 'match.receiver.kinds.0': 'vendor'" in refused.output


def test_check_warns_when_the_old_encryption_promise_is_judged_by_nothing(tmp_path: Path,
                                                                          example_manifest: Path) -> None:
    store = tmp_path / "s.sqlite"
    legacy = tmp_path / "legacy.yaml"
    legacy.write_text(example_manifest.read_text(encoding="utf-8").replace(
        "organisation: {id: example-group, name: Example Group}",
        "organisation: {id: example-group, name: Example Group, promises_encryption_in_transit: true}"),
        encoding="utf-8")
    assert flowreg(store, "import", str(legacy)).exit_code == 0
    assert "promises_encryption_in_transit is judged by no rule" in flowreg(store, "check").stderr
    rules = tmp_path / "policies.yaml"
    rules.write_text(CI_RULES, encoding="utf-8")
    assert flowreg(store, "import", "--policies", str(rules)).exit_code == 0
    assert "promises_encryption_in_transit" not in flowreg(store, "check").stderr


def test_readme_house_rules_are_the_examples_file_and_their_output_is_what_check_prints(tmp_path: Path) -> None:
    import yaml

    root = Path(__file__).resolve().parents[2]
    readme = (root / "README.md").read_text(encoding="utf-8").split("## House rules", 1)[1]
    rules = yaml.safe_load(readme.split("```yaml\n", 1)[1].split("```", 1)[0])
    examples = root / "examples" / "policies.yaml"
    assert rules["policies"] == yaml.safe_load(examples.read_text(encoding="utf-8"))["policies"]
    shown = readme.split("$ flowreg check --as-of 2026-12-02 --policies examples/policies.yaml\n", 1)[1]
    shown = [line for line in shown.split("```", 1)[0].splitlines() if not line.strip().endswith("...")]
    result = flowreg(seeded(tmp_path), "check", "--as-of", "2026-12-02", "--policies", str(examples))
    assert result.exit_code == 1
    assert len(shown) >= 12 and all(line in result.stdout.splitlines() for line in shown), shown

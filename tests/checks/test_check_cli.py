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
    assert output.splitlines()[0] == "as of 2026-12-02: 7 problems (14 findings: 10 high, 4 medium)"
    assert ("HIGH   f09-ops-us-ops-in-campaign Cloud provider's US operations affiliate (example), United States -> "
            "Follow-the-sun operations centre, India (example), India: no valid transfer tool under EU/EEA GDPR, "
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
    # The 11 legal rules, then the seed's two house rules.
    assert rule_ids[-2:] == ["policy:encryption-in-transit", "policy:service-providers-under-contract"]
    assert len(rule_ids) == 13
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
    appi = next(f for f in before if f["rule"] == "transfer-without-safeguard" and "f14-hq-authority" in
                f["evidence"]["flows"])
    acked = flowreg(store, "ack", appi["id"], "--reason", "Art. 27(1)(ii) applies; documented in DPO memo 12",
                    "--until", "2027-06-30", "--as-of", "2026-11-24")
    assert acked.exit_code == 0, acked.output
    after = json.loads(flowreg(store, "check", "--as-of", "2026-11-24", "--format", "json").stdout)["findings"]
    assert len(after) == len(before)
    marked = next(f for f in after if f["id"] == appi["id"])
    assert marked["acknowledged"] is True and marked["acknowledgement"]["actor"] == "dpo-anna"
    assert "[acknowledged]" in flowreg(store, "check", "--as-of", "2026-11-24").output
    lapsed = json.loads(flowreg(store, "check", "--as-of", "2027-07-01", "--format", "json").stdout)["findings"]
    assert next(f for f in lapsed if f["id"] == appi["id"])["acknowledged"] is False
    handle = SQLiteStore(store)
    [change] = [c for c in handle.changes() if c.label == "Acknowledgement"]
    handle.close()
    assert change.actor == "dpo-anna" and change.key == appi["id"] and change.operation == "create"


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

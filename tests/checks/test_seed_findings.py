"""The seed's problems and findings as of 2026-12-02 are exactly the ones seed/README.md lists and explains."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

from registry.checks import REGIME_LESS, run_checks
from registry.checks.problems import group_problems
from registry.checks.references import load_references
from registry.checks.report import headline
from registry.manifest import load
from registry.model import Registry

ROOT = Path(__file__).resolve().parents[2]
AS_OF = date(2026, 12, 2)


def seed_registry() -> Registry:
    fragment = load(ROOT / "seed" / "registry.yaml").fragment
    return Registry.model_validate(fragment.model_dump(by_alias=True))


def readme_findings() -> set[tuple[str, str | None, tuple[str, ...]]]:
    text = (ROOT / "seed" / "README.md").read_text(encoding="utf-8").split("## Findings", 1)[1].split("\n## ")[0]
    rows = re.findall(r"^\| `([a-z:-]+)` \| *(\w*) *\| ([^|]+) \|", text, flags=re.MULTILINE)
    return {(rule, regime or None, tuple(re.findall(r"`([^`]+)`", flows))) for rule, regime, flows in rows}


def test_seed_findings_match_the_table_in_seed_readme() -> None:
    findings = run_checks(seed_registry(), AS_OF)
    listed = readme_findings()
    section = (ROOT / "seed" / "README.md").read_text(encoding="utf-8").split("## Findings", 1)[1]
    stated = re.search(r"reports (\d+) findings \((\d+) high, (\d+) medium\)", section)
    assert stated and int(stated[1]) == len(listed) == len(findings)
    assert (int(stated[2]), int(stated[3])) == (sum(f.severity == "high" for f in findings),
                                                sum(f.severity == "medium" for f in findings))
    assert {(f.rule, f.regime, tuple(f.evidence.flows)) for f in findings} == listed


def test_seed_headline_counts_problems_and_findings() -> None:
    findings = run_checks(seed_registry(), AS_OF)
    assert headline(findings) == "6 problems (13 findings: 9 high, 4 medium)"
    text = (ROOT / "seed" / "README.md").read_text(encoding="utf-8").split("## Problems", 1)[1].split("\n## ")[0]
    assert "reports 6 problems (13 findings: 9 high, 4 medium)" in text
    problems = group_problems(findings)
    assert sorted(p.id for p in problems) == sorted([
        "f09-ops-us-ops-in-campaign", "f12-hq-support-inquiries", "adtech-us", "f10-hq-mail-campaign",
        "f15-hq-fraud", "f13-hq-adtech-advertising"])
    rows = re.findall(r"^\| [^|`]+ \| (?:flow|processor) ", text, flags=re.MULTILINE)
    assert len(rows) == len(problems)


def test_each_seed_finding_cites_only_its_regimes_law() -> None:
    references = load_references()
    seed = seed_registry()
    for finding in run_checks(seed, AS_OF):
        if finding.rule.startswith("policy:"):
            policy = next(p for p in seed.policies if f"policy:{p.id}" == finding.rule)
            assert finding.regime is None and finding.reference == f"house rule {policy.id} ({policy.source})"
        elif finding.rule in REGIME_LESS:
            assert finding.regime is None
            assert finding.reference == references.cite(finding.rule, ["gdpr", "uk_gdpr", "ch_fadp", "jp_appi"])
        else:
            assert finding.reference == references.row(finding.rule, finding.regime).reference  # type: ignore[arg-type]


def test_every_deliberate_gap_of_the_seed_is_found() -> None:
    flagged = {flow for f in run_checks(seed_registry(), AS_OF) for flow in f.evidence.flows}
    for gap in ("f12-hq-support-inquiries", "f09-ops-us-ops-in-campaign", "f10-hq-mail-campaign",
                "f13-hq-adtech-advertising", "f15-hq-fraud"):
        assert gap in flagged
    for clean in ("f01-hq-lu-campaign", "f02-hq-gb-campaign", "f04-hq-us-advertising", "f14-hq-authority",
                  "f16-hq-acquirer"):
        assert clean not in flagged


def test_the_seeds_disclosures_outside_the_processor_chain_rest_on_what_each_regime_allows() -> None:
    """f14 fits an exception under every regime; without them it is a foreign authority disclosure citing each
    regime's law; f16 is contingent and only judged once a sale has a day."""
    seed = seed_registry()
    authority = seed.flows_by_id["f14-hq-authority"]
    assert authority.safeguards == ["derogation-49e-authority", "appi-27-1-ii-authority"]
    bare = seed.model_copy(update={"flows": [f.model_copy(update={"safeguards": []}) if f is authority else f
                                             for f in seed.flows]})
    found = [f for f in run_checks(bare, AS_OF) if f.problem == authority.id]
    assert {(f.rule, f.regime) for f in found} == {("foreign-authority-disclosure", regime)
                                                  for regime in ("gdpr", "uk_gdpr", "ch_fadp", "jp_appi")}
    assert next(f for f in found if f.regime == "gdpr").reference.startswith("GDPR Art. 48")
    buyer = seed.flows_by_id["f16-hq-acquirer"]
    assert buyer.contingent and buyer.effective is None
    sold = seed.model_copy(update={"flows": [f.model_copy(update={"effective": AS_OF}) if f is buyer else f
                                             for f in seed.flows]})
    assert {f.rule for f in run_checks(sold, AS_OF) if f.problem == buyer.id} == {"transfer-without-safeguard"}

"""The shipped seed registry: it validates, cites the policy, and seed/README.md tells the truth about it."""

from __future__ import annotations

import re
from pathlib import Path

from registry.manifest import parse
from registry.mapping import SECTION_LABELS

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "seed" / "registry.yaml"
SEED_README = (ROOT / "seed" / "README.md").read_text(encoding="utf-8")


def seed_registry():  # type: ignore[no-untyped-def]
    manifest = parse(SEED.read_bytes(), str(SEED))
    assert manifest.problems == []
    return manifest.fragment


def test_counts_table_in_seed_readme_matches_the_manifest() -> None:
    fragment = seed_registry()
    table = dict(re.findall(r"^\| (\w+) \| (\d+) \|$", SEED_README, flags=re.MULTILINE))
    assert set(table) == set(SECTION_LABELS)
    for section in SECTION_LABELS:
        assert len(getattr(fragment, section)) == int(table[section]), section


def test_every_record_cites_a_policy_section() -> None:
    fragment = seed_registry()
    for section in SECTION_LABELS:
        for record in getattr(fragment, section):
            assert record.source and re.fullmatch(r"policy \d+(-\d+)*(, \d+(-\d+)*)*", record.source), (
                section, record.id, record.source)


def test_every_example_record_is_listed_in_seed_readme() -> None:
    fragment = seed_registry()
    examples = {r.id for s in SECTION_LABELS for r in getattr(fragment, s) if r.example}
    assert examples, "the policy leaves lists empty, so the seed must contain examples"
    section = SEED_README.split("## Example records", 1)[1].split("\n## ", 1)[0]
    listed = set(re.findall(r"`([\w.\-]+)`", section))
    assert examples <= listed, sorted(examples - listed)

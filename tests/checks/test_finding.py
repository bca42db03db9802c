"""Findings built without validation are the same models pydantic would validate from the same data."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from registry.checks.finding import EVIDENCE_LISTS, Evidence, Finding, finding_id
from registry.checks.rule import CheckContext
from registry.checks.transfer_without_safeguard import RULE
from registry.model import Registry
from registry.reference import Regime, load_reference

AS_OF = date(2026, 11, 24)
ids = st.lists(st.text(alphabet="abcdefghij-.0123456789", min_size=1, max_size=8), max_size=4)


@given(st.fixed_dictionaries({}, optional={name: ids for name in EVIDENCE_LISTS}), st.sampled_from(list(Regime)))
def test_a_finding_built_by_a_rule_equals_the_validated_model(lists: dict[str, list[str]], regime: Regime) -> None:
    context = CheckContext(Registry(), load_reference(), AS_OF)
    finding = RULE.finding(context, "a reason", regime=regime, **lists)

    validated = Finding.model_validate(finding.model_dump())
    assert finding == validated
    assert finding.model_dump(mode="json") == validated.model_dump(mode="json")
    assert finding.model_dump_json() == validated.model_dump_json()
    assert list(finding.evidence.model_dump()) == [*EVIDENCE_LISTS, "as_of"]
    assert finding.model_copy(update={"acknowledged": True}).acknowledged
    for name in EVIDENCE_LISTS:
        given_values = lists.get(name, [])
        expected = given_values if name in ("flows", "path") else sorted(set(given_values))
        assert getattr(finding.evidence, name) == expected


def test_the_id_depends_on_rule_regime_and_every_evidence_list_but_not_the_day() -> None:
    evidence = Evidence.of(AS_OF, flows=["f1", "f2"], countries=["IN"])
    first = finding_id("rule-a", "gdpr", evidence)
    assert first.startswith("rule-a:") and len(first) == len("rule-a:") + 12
    assert finding_id("rule-a", "gdpr", Evidence.of(date(2030, 1, 1), flows=["f1", "f2"], countries=["IN"])) == first
    assert finding_id("rule-b", "gdpr", evidence) != first
    assert finding_id("rule-a", "uk_gdpr", evidence) != first
    assert finding_id("rule-a", "gdpr", Evidence.of(AS_OF, flows=["f2", "f1"], countries=["IN"])) != first
    for name in EVIDENCE_LISTS:
        lists = {"flows": ["f1", "f2"], "countries": ["IN"]}
        lists[name] = [*lists.get(name, []), "extra"]
        assert finding_id("rule-a", "gdpr", Evidence.of(AS_OF, **lists)) != first


def test_unknown_evidence_is_refused() -> None:
    with pytest.raises(TypeError, match="flow"):
        Evidence.of(AS_OF, flow=["f1"])


def test_a_finding_cannot_be_changed_in_place() -> None:
    finding = RULE.finding(CheckContext(Registry(), load_reference(), AS_OF), "r", regime=Regime.GDPR, flows=["f1"])
    with pytest.raises(ValidationError, match="frozen"):
        finding.reason = "changed"  # type: ignore[misc]

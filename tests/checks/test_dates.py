"""Findings as of a day: the day before and after adequacy decisions, Schrems II and the end of legacy SCCs."""

from __future__ import annotations

from datetime import date

from tests.checks.builders import findings, flagged, processor, registry


def us_flow(*, certified: bool, safeguards: list[dict] | None = None) -> object:  # type: ignore[type-arg]
    return registry(processors=[processor("p", "US", dpf_certified=certified)], safeguards=safeguards,
                    flows=[{"id": "f", "from": "hq", "to": "p",
                            "safeguards": [s["id"] for s in safeguards or []]}])


def test_dpf_adequacy_day_before_and_day_of_the_decision() -> None:
    reg = us_flow(certified=True)
    assert flagged(reg, "transfer-without-safeguard", date(2023, 7, 9)) == {("gdpr", ("f",))}
    assert findings(reg, date(2023, 7, 10)) == []


def test_korea_adequacy_under_the_gdpr_day_before_and_day_of() -> None:
    reg = registry(processors=[processor("p", "KR")], flows=[{"id": "f", "from": "hq", "to": "p"}])
    assert flagged(reg, "transfer-without-safeguard", date(2021, 12, 16)) == {("gdpr", ("f",))}
    assert findings(reg, date(2021, 12, 17)) == []


def test_privacy_shield_until_2020_07_15_and_expired_from_2020_07_16() -> None:
    shield = [{"id": "ps", "kind": "adequacy", "reference": "Privacy Shield certification", "effective": "2017-01-01"}]
    reg = us_flow(certified=True, safeguards=shield)
    assert findings(reg, date(2020, 7, 15)) == []
    assert flagged(reg, "safeguard-expired", date(2020, 7, 16)) == {("gdpr", ("f",))}
    assert flagged(reg, "transfer-without-safeguard", date(2020, 7, 16)) == set()  # one gap, one finding
    assert "ceased to apply on 2020-07-16" in findings(reg, date(2020, 7, 16), "safeguard-expired")[0].reason
    # Once the DPF applies, a certified recipient is covered again.
    assert findings(reg, date(2023, 7, 10)) == []


def test_legacy_sccs_valid_until_2022_12_26_and_expired_from_2022_12_27() -> None:
    legacy = [{"id": "old", "kind": "scc_legacy", "effective": "2019-03-01"}]
    reg = registry(processors=[processor("p", "IN")], safeguards=legacy,
                   flows=[{"id": "f", "from": "hq", "to": "p", "safeguards": ["old"], "tia": "t"}])
    assert findings(reg, date(2022, 12, 26)) == []
    assert flagged(reg, "safeguard-expired", date(2022, 12, 27)) == {("gdpr", ("f",))}
    assert flagged(reg, "transfer-without-safeguard", date(2022, 12, 27)) == set()
    assert "ceased to be valid on 2022-12-27" in findings(reg, date(2022, 12, 27), "safeguard-expired")[0].reason


def test_legacy_sccs_signed_after_2021_09_26_never_counted_and_the_reason_says_so() -> None:
    late = [{"id": "old", "kind": "scc_legacy", "effective": "2021-10-01"}]
    reg = registry(processors=[processor("p", "IN")], safeguards=late,
                   flows=[{"id": "f", "from": "hq", "to": "p", "safeguards": ["old"], "tia": "t"}])
    assert flagged(reg, "safeguard-expired", date(2022, 1, 1)) == {("gdpr", ("f",))}
    assert flagged(reg, "transfer-without-safeguard", date(2022, 1, 1)) == set()
    assert "could not validly be signed on 2021-10-01" in findings(reg, date(2022, 1, 1))[0].reason


def test_a_safeguard_counts_from_its_effective_date_and_before_it_is_not_yet_in_force() -> None:
    scc = [{"id": "s", "kind": "scc_2021", "module": 2, "effective": "2026-01-15"}]
    reg = registry(processors=[processor("p", "IN")], safeguards=scc,
                   flows=[{"id": "f", "from": "hq", "to": "p", "safeguards": ["s"], "tia": "t"}])
    assert flagged(reg, "safeguard-expired", date(2026, 1, 14)) == {("gdpr", ("f",))}
    assert [f.rule for f in findings(reg, date(2026, 1, 14))] == ["safeguard-expired"]
    assert "will take effect only on 2026-01-15" in findings(reg, date(2026, 1, 14))[0].reason
    assert findings(reg, date(2026, 1, 15)) == []

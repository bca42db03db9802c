"""The reference data of issue 13 as the checks use it: Brazil, the European Patent Organisation as a recipient,
the end of the UK's old SCCs, and the warning when the data is older than the day judged."""

from __future__ import annotations

import shutil
from datetime import date, timedelta
from pathlib import Path

import pytest
from pydantic import ValidationError

from graph.sqlite import SQLiteStore
from registry.exports import wording
from registry.manifest import Manifest
from registry.model import Recipient, Registry, Safeguard
from registry.reference import DATA, REVIEW_HORIZON_DAYS, ReferenceDataError, Regime, load_reference, read_reference
from registry.service import Service
from registry.transfers import TransferAnalyser
from tests.checks.builders import findings, processor, registry

REF = load_reference()
# Whichever rule explains it (issue 13 orders them), a transfer without a valid basis gives one of these.
TRANSFER_RULES = {"transfer-without-safeguard", "safeguard-expired", "adequacy-out-of-scope", "derogation-misused",
                  "bcr-outside-group"}


def transfer_gaps(reg: Registry, on: date) -> set[tuple[str | None, str]]:
    """(regime, flow) of every transfer finding on the day."""
    return {(f.regime, flow) for f in findings(reg, on) if f.rule in TRANSFER_RULES for flow in f.evidence.flows}


def verdict_ok(reg: Registry, flow_id: str, regime: Regime, on: date) -> bool:
    analyser = TransferAnalyser(reg, REF, on)
    return analyser.verdict(reg.flows_by_id[flow_id], regime).ok


# Brazil: Commission Implementing Decision (EU) 2026/179 ------------------------------------------------------

def brazil() -> Registry:
    return registry(processors=[processor("br", "BR")], flows=[{"id": "f", "from": "hq", "to": "br"}])


def test_brazil_is_not_adequate_under_the_gdpr_before_its_decision_and_is_after() -> None:
    reg = brazil()
    assert ("gdpr", "f") in transfer_gaps(reg, date(2025, 6, 1))
    assert ("gdpr", "f") not in transfer_gaps(reg, date(2026, 6, 1))
    assert not verdict_ok(reg, "f", Regime.GDPR, date(2025, 6, 1))
    assert verdict_ok(reg, "f", Regime.GDPR, date(2026, 6, 1))


def test_brazils_decision_applies_from_its_recorded_first_day_and_only_under_the_gdpr() -> None:
    decision = REF.adequacy(Regime.GDPR, "BR", date(2026, 6, 1))
    assert decision is not None and "2026/179" in decision.instrument
    assert REF.adequacy(Regime.GDPR, "BR", decision.adopted - timedelta(days=1)) is None
    assert REF.adequacy(Regime.GDPR, "BR", decision.adopted) == decision
    assert "data.europa.eu/eli/dec_impl/2026/179/oj" in decision.source
    for regime in (Regime.UK_GDPR, Regime.CH_FADP, Regime.JP_APPI):
        assert REF.adequacy(regime, "BR", date(2026, 6, 1)) is None


# The European Patent Organisation: the first decision for an international organisation -------------------

def epo_recipient(**more: object) -> dict[str, object]:
    return {"id": "epo", "name": "European Patent Organisation", "kind": "other", "international_organisation": "epo",
            **more}


def to_the_epo(sender_country: str) -> Registry:
    companies = [{"id": "hq", "name": "HQ", "country": sender_country, "region": "R"}]
    subjects = [{"id": "here", "name": "Users", "regions": [sender_country]}]
    return registry(companies=companies, subjects=subjects, recipients=[epo_recipient()],
                    flows=[{"id": "f", "from": "hq", "to": "epo", "subjects": ["here"], "source": "policy 4-2"}])


def test_a_transfer_to_the_european_patent_organisation_is_adequate_under_the_gdpr() -> None:
    reg = to_the_epo("DE")
    on = date(2026, 6, 1)
    analysis = TransferAnalyser(reg, REF, on).analyse(reg.flows_by_id["f"])
    # It leaves the EEA (the organisation is no member state, wherever its seat is) and is adequate.
    assert analysis.destination_countries == ("epo",)
    verdict = analysis.verdicts[Regime.GDPR]
    assert verdict.is_transfer and verdict.ok
    assert verdict.destinations[0].adequacy is not None and "2025/1382" in verdict.destinations[0].adequacy.instrument
    assert transfer_gaps(reg, on) == set()
    # Before the decision applied, the same flow needed a tool.
    assert transfer_gaps(reg, date(2025, 7, 1)) == {("gdpr", "f")}


@pytest.mark.parametrize(("country", "regime"), [("GB", "uk_gdpr"), ("CH", "ch_fadp"), ("JP", "jp_appi")])
def test_no_other_regime_has_a_decision_for_the_organisation(country: str, regime: str) -> None:
    reg = to_the_epo(country)
    on = date(2026, 6, 1)
    assert transfer_gaps(reg, on) == {(regime, "f")}
    assert REF.adequacy(Regime(regime), "epo", on) is None


def test_an_international_organisation_has_a_key_and_no_country() -> None:
    epo = Recipient.model_validate(epo_recipient())
    assert epo.country is None and epo.location == "epo" and epo.where_processed == ["epo"]
    with pytest.raises(ValidationError, match="international organisation has no 'country'"):
        Recipient.model_validate(epo_recipient(country="DE"))
    with pytest.raises(ValidationError, match="needs 'country', or 'international_organisation'"):
        Recipient.model_validate({"id": "r", "name": "R", "kind": "other"})
    with pytest.raises(ValidationError, match="leave 'processing_countries' empty"):
        Recipient.model_validate(epo_recipient(processing_countries=["DE"]))
    with pytest.raises(ValidationError, match=r"not an international organisation key .*did you mean 'epo'"):
        Recipient.model_validate(epo_recipient(international_organisation="EPO"))


def test_an_international_organisation_survives_the_store_and_is_judged_the_same(tmp_path: Path) -> None:
    reg = to_the_epo("DE")
    service = Service(SQLiteStore(tmp_path / "s.sqlite"), actor="test")
    service.import_manifest(Manifest.of(reg, "test"))
    stored = service.registry()
    assert stored.entities["epo"] == reg.entities["epo"]
    assert {(f.rule, f.regime) for f in service.check(date(2026, 6, 1))} == {
        (f.rule, f.regime) for f in findings(reg, date(2026, 6, 1))}


# UK: the old SCCs under the ICO's transitional provisions -----------------------------------------------------

def uk_old_sccs(signed: str) -> Registry:
    companies = [{"id": "hq", "name": "HQ", "country": "GB", "region": "UK"}]
    subjects = [{"id": "uk", "name": "UK users", "regions": ["GB"]}]
    return registry(companies=companies, subjects=subjects, processors=[processor("p", "IN")],
                    safeguards=[{"id": "old", "kind": "scc_legacy", "effective": signed}],
                    flows=[{"id": "f", "from": "hq", "to": "p", "subjects": ["uk"], "safeguards": ["old"],
                            "tia": "TIA-1"}])


def test_uk_old_sccs_hold_the_day_before_their_end_and_not_from_it() -> None:
    reg = uk_old_sccs("2019-05-01")
    assert transfer_gaps(reg, date(2024, 3, 20)) == set()
    assert transfer_gaps(reg, date(2024, 3, 21)) == {("uk_gdpr", "f")}
    assert transfer_gaps(reg, date(2024, 3, 22)) == {("uk_gdpr", "f")}
    assert any(f.rule == "safeguard-expired" and f.regime == "uk_gdpr" for f in findings(reg, date(2024, 3, 22)))


def test_uk_old_sccs_took_contracts_concluded_on_or_before_2022_09_21() -> None:
    assert transfer_gaps(uk_old_sccs("2022-09-21"), date(2023, 1, 1)) == set()
    assert transfer_gaps(uk_old_sccs("2022-09-22"), date(2023, 1, 1)) == {("uk_gdpr", "f")}


def test_every_uk_decision_cites_the_data_use_and_access_act_and_its_commencement() -> None:
    rows = [a for a in REF.adequacies if a.regime is Regime.UK_GDPR]
    assert rows and all("UK GDPR Art. 45A" in a.source and "SI 2026/82" in a.source for a in rows)
    assert all("legislation.gov.uk" in a.source for a in rows)


# APPI: the international-framework route and the routes before 2022 ------------------------------------------

def test_appi_cbpr_certification_is_a_tool_and_the_older_routes_date_from_2017() -> None:
    cbpr = REF.tool(Regime.JP_APPI, "appi_cbpr")
    assert cbpr is not None and "Art. 16(ii)" in cbpr.source
    for kind in ("appi_consent", "appi_equivalent_system", "appi_cbpr"):
        tool = REF.tool(Regime.JP_APPI, kind)
        assert tool is not None and tool.valid_on(date(2020, 1, 1), None) and not tool.valid_on(date(2017, 5, 29), None)
    companies = [{"id": "hq", "name": "HQ", "country": "JP", "region": "APAC"}]
    subjects = [{"id": "jp", "name": "Japanese users", "regions": ["JP"]}]
    reg = registry(companies=companies, subjects=subjects, processors=[processor("p", "US")],
                   safeguards=[{"id": "cbpr", "kind": "appi_cbpr", "reference": "APEC CBPR certificate"}],
                   flows=[{"id": "f", "from": "hq", "to": "p", "subjects": ["jp"], "safeguards": ["cbpr"]}])
    assert transfer_gaps(reg, date(2026, 6, 1)) == set()


def test_korea_notes_what_the_eu_decision_leaves_out() -> None:
    korea = REF.adequacy(Regime.GDPR, "KR", date(2026, 1, 1))
    assert korea is not None and "credit information" in korea.note and "Financial Services Commission" in korea.note


# The review date -----------------------------------------------------------------------------------------------

def test_the_warning_starts_the_day_after_the_horizon() -> None:
    reviewed = REF.reviewed
    assert reviewed is not None
    assert REF.staleness(reviewed + timedelta(days=REVIEW_HORIZON_DAYS)) is None
    warning = REF.staleness(reviewed + timedelta(days=REVIEW_HORIZON_DAYS + 1))
    assert warning == f"reference data reviewed on {reviewed}; decisions since then are not known"
    assert REF.status(reviewed)["warning"] is None and REF.status(reviewed)["reviewed"] == reviewed.isoformat()


@pytest.mark.parametrize(("file", "content", "column", "message"), [
    ("reviewed.csv", "reviewed,source\n02/12/2026,x\n", "reviewed", "not an ISO 8601 date"),
    ("reviewed.csv", "reviewed,source\n2026-12-02,x\n2026-12-03,y\n", "reviewed", "exactly one row"),
    ("reviewed.csv", "reviewed,source\n", "reviewed", "exactly one row"),
    ("reviewed.csv", "reviewed\n2026-12-02\n", "source", "column is missing"),
])
def test_a_bad_review_file_is_refused(tmp_path: Path, file: str, content: str, column: str, message: str) -> None:
    directory = tmp_path / "data"
    shutil.copytree(DATA, directory)
    (directory / file).write_text(content, encoding="utf-8")
    with pytest.raises(ReferenceDataError, match=message) as caught:
        read_reference(directory)
    assert caught.value.file.name == file and caught.value.column == column


@pytest.mark.parametrize(("country", "organisation", "column", "message"), [
    ("", "EPO", "international_organisation", "not an organisation key"),
    ("DE", "epo", "international_organisation", "beside a country"),
    ("", "", "country", "is empty"),
])
def test_an_adequacy_row_names_a_country_or_an_organisation(tmp_path: Path, country: str, organisation: str,
                                                            column: str, message: str) -> None:
    directory = tmp_path / "data"
    shutil.copytree(DATA, directory)
    lines = (directory / "adequacy.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    cells = lines[3].split(",")
    cells[1], cells[2] = country, organisation
    lines[3] = ",".join(cells)
    (directory / "adequacy.csv").write_text("".join(lines), encoding="utf-8")
    with pytest.raises(ReferenceDataError, match=message) as caught:
        read_reference(directory)
    assert (caught.value.file.name, caught.value.line, caught.value.column) == ("adequacy.csv", 4, column)


def test_the_exports_name_the_second_subparagraph_in_words() -> None:
    item = Safeguard.model_validate({"id": "d", "kind": "derogation_49", "letter": "compelling_interests"})
    assert wording.safeguard(item).startswith("Art. 49(1) second subparagraph derogation [d:")
    assert wording.derogation(item, REF).startswith("Art. 49(1) second subparagraph compelling legitimate interests")
    lettered = Safeguard.model_validate({"id": "b", "kind": "derogation_49", "letter": "b"})
    assert wording.safeguard(lettered).startswith("Art. 49(1)(b) derogation")

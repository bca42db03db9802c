"""The shipped transfer-regime facts, their dates at the boundaries, and how bad data files are refused."""

from __future__ import annotations

import csv
import shutil
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import pytest

from registry.model import Processor, Sector
from registry.reference import (
    DATA,
    DisclosureRecipient,
    Domestic,
    ReferenceDataError,
    Regime,
    load_reference,
    read_reference,
)

REF = load_reference()
DAY = timedelta(days=1)


def receiver(**flags: object) -> Processor:
    return Processor.model_validate({"id": "p", "name": "P", "country": "US", **flags})


def test_every_row_of_every_file_names_its_source_and_confidence() -> None:
    files = sorted(DATA.glob("*.csv"))
    assert [f.name for f in files] == ["adequacy.csv", "derogations.csv", "disclosures.csv", "invalidated.csv",
                                       "reviewed.csv", "territories.csv", "tools.csv"]
    for file in files:
        with file.open(encoding="utf-8") as handle:
            rows = list(csv.DictReader(handle))
        assert rows, file.name
        assert all(row["source"].strip() for row in rows), file.name
        if file.name != "reviewed.csv":  # the review's own row is no fact with a confidence
            assert {row["confidence"] for row in rows} <= {"high", "verify"}, file.name


def test_every_fact_names_an_official_address() -> None:
    official = ("data.europa.eu/eli/", "eur-lex.europa.eu/", "legislation.gov.uk/", "fedlex.admin.ch/",
                "ppc.go.jp/", "ico.org.uk/", "edoeb.admin.ch/", "edpb.europa.eu/", "commission.europa.eu/")
    for file in sorted(DATA.glob("*.csv")):
        if file.name == "reviewed.csv":
            continue
        with file.open(encoding="utf-8") as handle:
            for line, row in enumerate(csv.DictReader(handle), start=2):
                assert any(address in row["source"] for address in official), f"{file.name}:{line}"


def test_rows_marked_verify_in_the_facts_carry_the_mark() -> None:
    assert REF.tool(Regime.CH_FADP, "scc_legacy").confidence == "verify"  # type: ignore[union-attr]
    assert {i.confidence for i in REF.invalidated() if i.regime is Regime.CH_FADP} == {"verify"}


def test_eea_is_the_27_member_states_and_iceland_liechtenstein_norway() -> None:
    assert len(REF.eu) == 27 and len(REF.eea) == 30
    assert REF.eea - REF.eu == {"IS", "LI", "NO"}
    assert REF.is_eea("NO") and not REF.is_eu("NO") and REF.is_eu("IE")
    assert "GB" not in REF.eea and "CH" not in REF.eea


def test_territories_and_the_regime_at_home() -> None:
    assert REF.home_regime("DE") is Regime.GDPR and REF.home_regime("NO") is Regime.GDPR
    assert REF.home_regime("GB") is Regime.UK_GDPR
    assert REF.home_regime("CH") is Regime.CH_FADP
    assert REF.home_regime("JP") is Regime.JP_APPI
    assert REF.home_regime("US") is None
    assert REF.territory(Regime.GDPR) == REF.eea
    assert REF.territory(Regime.UK_GDPR) == {"GB"} and REF.territory(Regime.CH_FADP) == {"CH"}
    assert REF.territory(Regime.JP_APPI) == {"JP"}
    assert REF.regimes_for_region("EEA") == {Regime.GDPR}
    assert REF.regimes_for_region("FR") == {Regime.GDPR}
    assert REF.regimes_for_region("GB") == {Regime.UK_GDPR}
    assert REF.regimes_for_region("CH") == {Regime.CH_FADP}
    assert REF.regimes_for_region("JP") == {Regime.JP_APPI}
    assert REF.regimes_for_region("BR") == frozenset()
    for regime in Regime:
        assert all(REF.home_regime(country) is regime for country in REF.territory(regime))


@pytest.mark.parametrize(("on", "instrument"), [
    (date(2015, 10, 5), "Safe Harbour"),
    (date(2015, 10, 6), None),
    (date(2016, 7, 12), "Privacy Shield"),
    (date(2020, 7, 15), "Privacy Shield"),
    (date(2020, 7, 16), None),
    (date(2023, 7, 9), None),
    (date(2023, 7, 10), "Data Privacy Framework"),
])
def test_us_adequacy_under_the_gdpr_across_schrems_and_the_dpf(on: date, instrument: str | None) -> None:
    found = REF.adequacy(Regime.GDPR, "US", on)
    assert (found.instrument if found else None) is None if instrument is None else instrument in found.instrument


def test_adequacy_day_before_and_day_of_a_decision() -> None:
    korea = REF.adequacy_history(Regime.GDPR, "KR")[0]
    assert REF.adequacy(Regime.GDPR, "KR", korea.adopted - DAY) is None
    assert REF.adequacy(Regime.GDPR, "KR", korea.adopted) == korea
    assert REF.adequacy(Regime.UK_GDPR, "KR", date(2022, 12, 18)) is None
    assert REF.adequacy(Regime.UK_GDPR, "KR", date(2022, 12, 19)) is not None


def test_uk_adequacy_under_the_gdpr_its_extension_and_renewal() -> None:
    first, renewal = REF.adequacy_history(Regime.GDPR, "GB")
    assert first.ends == date(2025, 12, 28)  # the extended decision's last day is 2025-12-27
    assert first.in_force(date(2025, 12, 27)) and not first.in_force(date(2025, 12, 28))
    assert REF.adequacy(Regime.GDPR, "GB", date(2021, 6, 27)) is None
    assert REF.adequacy(Regime.GDPR, "GB", date(2021, 6, 28)) == first
    assert REF.adequacy(Regime.GDPR, "GB", date(2025, 12, 18)) == first
    # The renewal was adopted on 2025-12-19, before the first decision lapsed: no day without adequacy.
    assert renewal.adopted == date(2025, 12, 19)
    assert REF.adequacy(Regime.GDPR, "GB", date(2025, 12, 27)) == renewal
    assert REF.adequacy(Regime.GDPR, "GB", date(2025, 12, 28)) == renewal
    assert REF.adequacy(Regime.GDPR, "GB", date(2031, 12, 27)) == renewal
    assert REF.adequacy(Regime.GDPR, "GB", date(2031, 12, 28)) is None


def test_uk_gdpr_adequacy_starts_with_the_regime_on_2021_01_01() -> None:
    carried = {a.country for a in REF.adequate_countries(Regime.UK_GDPR, date(2021, 1, 1))}
    assert carried == REF.eea | {"GI", "AD", "AR", "CA", "FO", "GG", "IM", "IL", "JP", "JE", "NZ", "CH", "UY"}
    assert REF.adequate_countries(Regime.UK_GDPR, date(2020, 12, 31)) == []
    assert all("2021-01-01" in a.note for a in REF.adequate_countries(Regime.UK_GDPR, date(2021, 1, 1)))


def test_swiss_annex_1_starts_with_the_revised_fadp_and_leaves_out_korea_and_japan() -> None:
    listed = {a.country for a in REF.adequate_countries(Regime.CH_FADP, date(2024, 1, 1))}
    assert REF.eea | {"GB", "MC", "GI", "CA", "IL", "NZ"} <= listed
    assert not {"KR", "JP", "US"} & listed
    assert REF.adequate_countries(Regime.CH_FADP, date(2023, 8, 31)) == []
    assert REF.adequacy(Regime.CH_FADP, "US", date(2024, 9, 15)) is not None


def test_scoped_adequacy_covers_only_the_recipients_in_scope() -> None:
    dpf = REF.adequacy(Regime.GDPR, "US", date(2026, 1, 1))
    assert dpf is not None
    assert dpf.covers(receiver(dpf_certified=True)) and not dpf.covers(receiver())
    uk_bridge = REF.adequacy(Regime.UK_GDPR, "US", date(2026, 1, 1))
    assert uk_bridge is not None
    assert uk_bridge.covers(receiver(dpf_certified=True, dpf_uk_extension=True))
    assert not uk_bridge.covers(receiver(dpf_certified=True))
    swiss = REF.adequacy(Regime.CH_FADP, "US", date(2026, 1, 1))
    assert swiss is not None and swiss.covers(receiver(dpf_swiss=True)) and not swiss.covers(receiver())
    assert REF.adequacy(Regime.CH_FADP, "US", date(2024, 9, 14)) is None
    canada = REF.adequacy(Regime.GDPR, "CA", date(2026, 1, 1))
    assert canada is not None
    assert canada.covers(receiver(country="CA")) and not canada.covers(receiver(country="CA", sector=Sector.PUBLIC))
    assert not canada.covers(receiver(country="CA", sector=Sector.NON_PROFIT))
    japan = REF.adequacy(Regime.GDPR, "JP", date(2026, 1, 1))
    assert japan is not None and japan.scope == "private_sector"
    assert japan.covers(receiver(country="JP")) and not japan.covers(receiver(country="JP", sector=Sector.PUBLIC))
    korea = REF.adequacy(Regime.GDPR, "KR", date(2026, 1, 1))
    assert korea is not None and korea.covers(receiver(country="KR", sector=Sector.PUBLIC))


def test_appi_recognises_the_eea_and_the_uk_only() -> None:
    recognised = {a.country for a in REF.adequate_countries(Regime.JP_APPI, date(2026, 1, 1))}
    assert recognised == REF.eea | {"GB"}
    assert REF.adequacy(Regime.JP_APPI, "DE", date(2019, 1, 22)) is None


def test_legacy_sccs_end_on_2022_12_27_and_refuse_contracts_signed_from_2021_09_27() -> None:
    legacy = REF.tool(Regime.GDPR, "scc_legacy")
    assert legacy is not None
    assert legacy.valid_on(date(2022, 12, 26), signed=date(2019, 5, 1))
    assert not legacy.valid_on(date(2022, 12, 27), signed=date(2019, 5, 1))
    assert legacy.valid_on(date(2021, 9, 26), signed=date(2021, 9, 26))
    assert not legacy.valid_on(date(2021, 10, 1), signed=date(2021, 9, 27))
    uk_legacy = REF.tool(Regime.UK_GDPR, "scc_legacy")
    assert uk_legacy is not None
    assert uk_legacy.valid_on(date(2024, 3, 20), signed=date(2019, 5, 1))
    assert not uk_legacy.valid_on(date(2024, 3, 21), signed=date(2019, 5, 1))
    # ICO transitional provisions: contracts concluded on or before 2022-09-21 keep the old clauses.
    assert uk_legacy.valid_on(date(2023, 1, 1), signed=date(2022, 9, 21))
    assert not uk_legacy.valid_on(date(2023, 1, 1), signed=date(2022, 9, 22))
    swiss_legacy = REF.tool(Regime.CH_FADP, "scc_legacy")
    assert swiss_legacy is not None
    assert swiss_legacy.valid_on(date(2022, 12, 31), signed=date(2019, 5, 1))
    assert not swiss_legacy.valid_on(date(2023, 1, 1), signed=date(2019, 5, 1))


def test_tools_per_regime() -> None:
    kinds = {regime: {t.kind for t in REF.tools if t.regime is regime} for regime in Regime}
    assert kinds[Regime.GDPR] == {"scc_2021", "scc_legacy", "bcr", "code_of_conduct", "certification",
                                  "derogation_49"}
    assert kinds[Regime.UK_GDPR] == {"uk_idta", "uk_addendum", "bcr", "derogation_49", "scc_legacy"}
    assert kinds[Regime.CH_FADP] == {"scc_2021", "bcr", "derogation_49", "scc_legacy", "code_of_conduct",
                                     "certification"}  # DPO Art. 12
    assert kinds[Regime.JP_APPI] == {"appi_consent", "appi_equivalent_system", "bcr", "appi_cbpr", "appi_exception"}
    assert REF.tool(Regime.JP_APPI, "scc_2021") is None
    appi_rules = REF.tool(Regime.JP_APPI, "bcr")
    assert appi_rules is not None and appi_rules.intra_group_only and not appi_rules.needs_tia
    addendum = REF.tool(Regime.UK_GDPR, "uk_addendum")
    assert addendum is not None and addendum.requires == "scc_2021"
    bcr = REF.tool(Regime.GDPR, "bcr")
    assert bcr is not None and bcr.intra_group_only and bcr.needs_tia
    assert REF.tool(Regime.GDPR, "derogation_49").occasional_only  # type: ignore[union-attr]
    assert not REF.tool(Regime.GDPR, "scc_2021").valid_on(date(2021, 6, 26), None)  # type: ignore[union-attr]


def test_derogations_and_invalidated_instruments() -> None:
    for regime in (Regime.GDPR, Regime.UK_GDPR):
        letters = [REF.derogation(regime, letter) for letter in "abcdefg"]
        assert all(letters)
        assert {d.letter for d in letters if d and d.occasional_only} == {"b", "c", "e"}  # EDPB Guidelines 2/2018
    swiss = [d for d in REF.derogations if d.regime is Regime.CH_FADP]
    assert {d.letter for d in swiss} == set("abcdefg")
    assert all(d.source.startswith("FADP Art. 17") for d in swiss)
    # FADP Art. 17(1)(b): a contract with the data subject (1), or with a partner in the data subject's interest (2).
    assert REF.derogation(Regime.CH_FADP, "b").source.startswith("FADP Art. 17(1)(b)(1)")  # type: ignore[union-attr]
    assert REF.derogation(Regime.CH_FADP, "c").source.startswith("FADP Art. 17(1)(b)(2)")  # type: ignore[union-attr]
    assert "overriding" in REF.derogation(Regime.CH_FADP, "d").text  # type: ignore[union-attr]
    compelling = REF.derogation(Regime.GDPR, "compelling_interests")
    assert compelling is not None and compelling.occasional_only and not compelling.fits_systematic
    assert "second subparagraph" in compelling.source and "not repetitive" in compelling.text
    assert REF.derogation(Regime.UK_GDPR, "compelling_interests") is None
    assert not any(d.fits_systematic for d in REF.derogations if d.regime is not Regime.JP_APPI)  # Art. 49 and 17
    assert REF.derogation(Regime.JP_APPI, "a") is None
    ends = {i.instrument.split(" (")[0]: i.invalid_from for i in REF.invalidated() if i.regime is Regime.GDPR}
    assert ends["EU-US Privacy Shield"] == date(2020, 7, 16)
    assert ends["Safe Harbour"] == date(2015, 10, 6)


def test_appi_art_27_1_items_lift_art_28_and_items_i_and_iv_are_for_japan_only() -> None:
    items = [d for d in REF.derogations if d.regime is Regime.JP_APPI]
    assert [d.letter for d in items] == ["i", "ii", "iii", "iv"]
    assert all(d.article == f"Art. 27(1)({d.letter})" and "28(1)" in d.source and "faq1-q12-1" in d.source
               for d in items)
    assert {d.letter: d.domestic for d in items} == {"i": Domestic.LAW, "ii": None, "iii": None,
                                                      "iv": Domestic.AUTHORITY}
    # The Act limits none of them to occasional provisions; none was read in the official text.
    assert all(d.fits_systematic and not d.occasional_only and d.confidence == "verify" for d in items)
    assert "not located" in REF.derogation(Regime.JP_APPI, "i").source  # type: ignore[union-attr]
    tool = REF.tool(Regime.JP_APPI, "appi_exception")
    assert tool is not None and not tool.occasional_only and tool.confidence == "verify"
    assert REF.tool(Regime.GDPR, "appi_exception") is None


def test_a_public_interest_must_be_the_regimes_own_and_the_fdpic_is_told_on_request() -> None:
    for regime in (Regime.GDPR, Regime.UK_GDPR):
        public_interest = REF.derogation(regime, "d")
        assert public_interest is not None and public_interest.domestic is Domestic.LAW
        assert "49(4)" in public_interest.source and public_interest.confidence == "verify"
    assert REF.derogation(Regime.CH_FADP, "d").domestic is None  # type: ignore[union-attr]  # Swiss interest unconfirmed
    assert {d.letter for d in REF.derogations if d.duty} == set("cdef")
    assert all("FDPIC" in d.duty and d.regime is Regime.CH_FADP for d in REF.derogations if d.duty)
    assert REF.is_domestic_law(Regime.GDPR, "EU") and REF.is_domestic_law(Regime.GDPR, "NO")
    assert not REF.is_domestic_law(Regime.GDPR, "US") and not REF.is_domestic_law(Regime.GDPR, None)
    assert REF.is_domestic_law(Regime.UK_GDPR, "GB") and not REF.is_domestic_law(Regime.UK_GDPR, "EU")
    assert REF.is_domestic_law(Regime.JP_APPI, "JP") and not REF.is_domestic_law(Regime.JP_APPI, "US")


def test_each_regime_says_what_a_foreign_authority_and_a_buyer_abroad_need() -> None:
    for regime in Regime:
        for recipient in DisclosureRecipient:
            rule = REF.disclosure(regime, recipient)
            assert rule is not None and rule.text and rule.confidence == "verify", (regime, recipient)
    assert "Art. 48" in REF.disclosure(Regime.GDPR, DisclosureRecipient.AUTHORITY).text  # type: ignore[union-attr]
    uk = REF.disclosure(Regime.UK_GDPR, DisclosureRecipient.AUTHORITY)
    assert uk is not None and "no Art. 48" in uk.text and "44A" in uk.text
    assert "17(2)" in REF.disclosure(Regime.CH_FADP, DisclosureRecipient.AUTHORITY).text  # type: ignore[union-attr]
    buyer = REF.disclosure(Regime.JP_APPI, DisclosureRecipient.ACQUIRER)
    assert buyer is not None and "27(5)(ii)" in buyer.text and "Art. 28(2)" in buyer.text
    assert "Rules Art. 16" in buyer.text and "Rules Art. 15" in buyer.text


@pytest.mark.parametrize(("file", "column", "bad", "message"), [
    ("adequacy.csv", "country", "XX", "not an ISO 3166-1"),
    ("adequacy.csv", "adopted", "28/06/2021", "not an ISO 8601 date"),
    ("adequacy.csv", "scope", "some", "is not one of"),
    ("tools.csv", "needs_tia", "yes", "not true or false"),
    ("derogations.csv", "letter", "h", "not a letter"),
    ("derogations.csv", "fits_systematic", "", "is empty"),
    ("derogations.csv", "domestic", "foreign", "is not one of"),
    ("disclosures.csv", "recipient", "buyer", "is not one of"),
    ("tools.csv", "kind", "scc2021", "not a safeguard kind"),
    ("tools.csv", "confidence", "maybe", "not high or verify"),
    ("territories.csv", "country", "UK", "not an ISO 3166-1"),
    ("invalidated.csv", "source", " ", "is empty"),
    ("adequacy.csv", "ends", "2000-01-01", "is not after the adoption date"),
])
def test_a_malformed_file_names_file_line_and_column(tmp_path: Path, file: str, column: str, bad: str,
                                                     message: str) -> None:
    directory = tmp_path / "data"
    shutil.copytree(DATA, directory)
    with (directory / file).open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    rows[2][column] = bad
    with (directory / file).open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    with pytest.raises(ReferenceDataError, match=message) as caught:
        read_reference(directory)
    assert caught.value.file.name == file and caught.value.line == 4 and caught.value.column == column
    assert f"{file}:4" in str(caught.value)


def rewrite(file: Path, edit: Callable[[list[str]], list[str]]) -> None:
    lines = file.read_text(encoding="utf-8").splitlines(keepends=True)
    file.write_text("".join(edit(lines)), encoding="utf-8")


@pytest.mark.parametrize(("file", "edit", "line", "message"), [
    ("tools.csv", lambda lines: [lines[0].replace("needs_tia", "needs_tla"), *lines[1:]], 1, "column is missing"),
    ("adequacy.csv", lambda lines: [lines[0].replace("\n", ",extra\n"), *lines[1:]], 1, "column is unknown"),
    ("derogations.csv", lambda lines: [*lines[:3], lines[3].replace(",true,", ",true"), *lines[4:]], 4,
     "cells for 10 columns"),
    ("tools.csv", lambda lines: [*lines, lines[1]], None, "repeats line 2"),
    ("territories.csv", lambda lines: [*lines, lines[5]], None, "repeats line 6"),
])
def test_a_malformed_file_structure_names_file_and_line(tmp_path: Path, file: str,
                                                        edit: Callable[[list[str]], list[str]], line: int | None,
                                                        message: str) -> None:
    directory = tmp_path / "data"
    shutil.copytree(DATA, directory)
    rewrite(directory / file, edit)
    rows = len((directory / file).read_text(encoding="utf-8").splitlines())
    with pytest.raises(ReferenceDataError, match=message) as caught:
        read_reference(directory)
    assert caught.value.file.name == file and caught.value.line == (line or rows)
    assert str(caught.value).startswith(f"{file}:{line or rows}")


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    directory = tmp_path / "data"
    shutil.copytree(DATA, directory)
    (directory / "derogations.csv").unlink()
    with pytest.raises(ReferenceDataError, match=r"derogations\.csv:0: file is missing"):
        read_reference(directory)


def test_a_copy_of_the_shipped_files_loads_to_the_same_facts_and_the_shipped_load_is_cached(tmp_path: Path) -> None:
    directory = tmp_path / "data"
    shutil.copytree(DATA, directory)
    assert read_reference(directory) == REF
    assert load_reference() is REF

"""The shipped transfer-regime facts, their dates at the boundaries, and how bad data files are refused."""

from __future__ import annotations

import csv
import shutil
from datetime import date, timedelta
from pathlib import Path

import pytest

from registry.model import Processor, Sector
from registry.reference import DATA, ReferenceDataError, Regime, load_reference, read_reference

REF = load_reference()
DAY = timedelta(days=1)


def receiver(**flags: object) -> Processor:
    return Processor.model_validate({"id": "p", "name": "P", "country": "US", **flags})


def test_every_row_of_every_file_names_its_source() -> None:
    for file in DATA.glob("*.csv"):
        with file.open(encoding="utf-8") as handle:
            rows = list(csv.DictReader(handle))
        assert rows, file.name
        assert all(row["source"].strip() for row in rows), file.name


def test_eea_is_the_27_member_states_and_iceland_liechtenstein_norway() -> None:
    assert len(REF.eea) == 30
    assert {"IS", "LI", "NO", "DE", "IE"} <= REF.eea
    assert "GB" not in REF.eea and "CH" not in REF.eea


def test_territories_and_the_regime_at_home() -> None:
    assert REF.home_regime("DE") is Regime.GDPR and REF.home_regime("NO") is Regime.GDPR
    assert REF.home_regime("GB") is Regime.UK_GDPR
    assert REF.home_regime("CH") is Regime.CH_FADP
    assert REF.home_regime("JP") is Regime.JP_APPI
    assert REF.home_regime("US") is None
    assert REF.territory(Regime.GDPR) == REF.eea
    assert REF.regimes_for_region("EEA") == {Regime.GDPR}
    assert REF.regimes_for_region("FR") == {Regime.GDPR}
    assert REF.regimes_for_region("JP") == {Regime.JP_APPI}
    assert REF.regimes_for_region("BR") == frozenset()


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


def test_uk_adequacy_under_the_gdpr_and_its_extension() -> None:
    first = REF.adequacy_history(Regime.GDPR, "GB")[0]
    assert first.ends == date(2025, 12, 28)
    assert REF.adequacy(Regime.GDPR, "GB", date(2021, 6, 27)) is None
    assert REF.adequacy(Regime.GDPR, "GB", date(2025, 12, 27)) == first
    renewal = REF.adequacy(Regime.GDPR, "GB", date(2025, 12, 28))
    assert renewal is not None and renewal.confidence == "verify"


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


def test_tools_per_regime() -> None:
    assert REF.tool(Regime.GDPR, "scc_2021") is not None
    assert REF.tool(Regime.JP_APPI, "scc_2021") is None
    addendum = REF.tool(Regime.UK_GDPR, "uk_addendum")
    assert addendum is not None and addendum.requires == "scc_2021"
    bcr = REF.tool(Regime.GDPR, "bcr")
    assert bcr is not None and bcr.intra_group_only and bcr.needs_tia
    assert REF.tool(Regime.GDPR, "derogation_49").occasional_only  # type: ignore[union-attr]
    assert not REF.tool(Regime.GDPR, "scc_2021").valid_on(date(2021, 6, 26), None)  # type: ignore[union-attr]


def test_derogations_and_invalidated_instruments() -> None:
    assert REF.derogation(Regime.GDPR, "e") is not None
    assert REF.derogation(Regime.GDPR, "b").occasional_only  # type: ignore[union-attr]
    assert REF.derogation(Regime.JP_APPI, "a") is None
    ends = {i.instrument.split(" (")[0]: i.invalid_from for i in REF.invalidated() if i.regime is Regime.GDPR}
    assert ends["EU-US Privacy Shield"] == date(2020, 7, 16)
    assert ends["Safe Harbour"] == date(2015, 10, 6)


@pytest.mark.parametrize(("file", "column", "bad", "message"), [
    ("adequacy.csv", "country", "XX", "not an ISO 3166-1"),
    ("adequacy.csv", "adopted", "28/06/2021", "not an ISO 8601 date"),
    ("adequacy.csv", "scope", "some", "is not one of"),
    ("tools.csv", "needs_tia", "yes", "not true or false"),
    ("derogations.csv", "letter", "h", "not a letter"),
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

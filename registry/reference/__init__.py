"""Transfer regimes as data: territories, adequacy decisions, transfer tools, derogations and exceptions, and what
each regime asks of a disclosure to a foreign authority or to a buyer of the business, with dates.

The facts live in CSV files under `data/`, one row per fact, each with its legal source; this module only
loads and validates them and answers questions about them. Nothing here decides a case: the rules do.
"""

from __future__ import annotations

import csv
import functools
import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Protocol, TypeVar

import pycountry

from registry.labels import REGIME_LABELS, regime_label
from registry.model import UNION_LAW, SafeguardKind

DATA = Path(__file__).with_name("data")
EEA_REGION = "EEA"
# How long after its review the data is trusted without a warning: decisions adopted since are not in it.
REVIEW_HORIZON_DAYS = 180
_ORGANISATION_KEY = re.compile(r"^[a-z][a-z0-9_-]{1,63}$")  # as registry.model.OrganisationKey


class Regime(StrEnum):
    GDPR = "gdpr"
    UK_GDPR = "uk_gdpr"
    CH_FADP = "ch_fadp"
    JP_APPI = "jp_appi"


REGIME_NAMES: dict[Regime, str] = {regime: REGIME_LABELS[regime.value] for regime in Regime}


def regime_name(regime: Regime | str | None) -> str:
    """The regime's name for people ("EU/EEA GDPR"); "" for none, and an unknown id as it is."""
    return regime_label(regime)


# Each regime's own territory outside the EEA: a flow that stays inside it is no transfer for that regime.
_HOME_COUNTRIES: dict[Regime, frozenset[str]] = {
    Regime.UK_GDPR: frozenset({"GB"}),
    Regime.CH_FADP: frozenset({"CH"}),
    Regime.JP_APPI: frozenset({"JP"}),
}


class AdequacyScope(StrEnum):
    """Whom an adequacy decision covers in the destination country."""

    ALL = "all"
    DPF_CERTIFIED = "dpf_certified"  # EU-US DPF: organisations on the DPF List
    DPF_UK_EXTENSION = "dpf_uk_extension"  # UK-US data bridge
    DPF_SWISS = "dpf_swiss"  # Swiss-US DPF
    COMMERCIAL = "commercial"  # Canada: organisations subject to PIPEDA
    PRIVATE_SECTOR = "private_sector"  # Japan: businesses under the APPI
    SAFE_HARBOUR = "safe_harbour"  # historic: no entity can be in it any more
    PRIVACY_SHIELD = "privacy_shield"  # historic: no entity can be in it any more


class Recipient(Protocol):
    """What a scope check needs to know about the receiving entity (registry.model.Entity has it)."""

    @property
    def sector(self) -> str: ...
    @property
    def dpf_certified(self) -> bool: ...
    @property
    def dpf_uk_extension(self) -> bool: ...
    @property
    def dpf_swiss(self) -> bool: ...


_SCOPE_TESTS: dict[AdequacyScope, Callable[[Recipient], bool]] = {
    AdequacyScope.ALL: lambda recipient: True,
    AdequacyScope.DPF_CERTIFIED: lambda recipient: recipient.dpf_certified,
    AdequacyScope.DPF_UK_EXTENSION: lambda recipient: recipient.dpf_uk_extension,
    AdequacyScope.DPF_SWISS: lambda recipient: recipient.dpf_swiss,
    AdequacyScope.COMMERCIAL: lambda recipient: recipient.sector == "commercial",
    AdequacyScope.PRIVATE_SECTOR: lambda recipient: recipient.sector != "public",
    # The registry has no flag for these certifications; before their invalidation nobody relies on them here.
    AdequacyScope.SAFE_HARBOUR: lambda recipient: recipient.dpf_certified,
    AdequacyScope.PRIVACY_SHIELD: lambda recipient: recipient.dpf_certified,
}


class ReferenceDataError(ValueError):
    """A reference data file is malformed; names the file, line and column."""

    def __init__(self, file: Path, line: int, column: str, message: str) -> None:
        where = f"{file.name}:{line}: column {column!r}" if column else f"{file.name}:{line}"
        super().__init__(f"{where}: {message}")
        self.file, self.line, self.column = file, line, column


@dataclass(frozen=True)
class Adequacy:
    regime: Regime
    country: str  # an ISO country code, or an international organisation's key (lower case, e.g. "epo")
    instrument: str
    adopted: date
    ends: date | None  # first day it no longer applies
    scope: AdequacyScope
    note: str
    confidence: str
    source: str

    def in_force(self, on: date) -> bool:
        return self.adopted <= on and (self.ends is None or on < self.ends)

    def covers(self, recipient: Recipient) -> bool:
        return _SCOPE_TESTS[self.scope](recipient)

    @property
    def international_organisation(self) -> bool:
        return self.country != self.country.upper()


class Lapse(StrEnum):
    """Why a tool's validity window leaves a contract out on a day."""

    NOT_YET = "not_yet"  # before the tool existed
    ENDED = "ended"  # the tool was invalidated or its transition ended
    CLOSED = "closed"  # signed after the tool closed to new contracts


@dataclass(frozen=True)
class Tool:
    """A transfer tool a regime accepts, keyed by the safeguard kind that records it."""

    regime: Regime
    kind: str
    name: str
    in_force: date | None
    new_contracts_until: date | None  # a contract signed on or after this day is not valid
    valid_until: date | None  # first day it is invalid, whenever it was signed
    requires: str | None  # another safeguard kind that must accompany it (UK Addendum: the EU SCCs)
    needs_tia: bool  # contractual tools need a transfer impact assessment where the destination is not adequate
    intra_group_only: bool  # BCRs bind only the group members
    occasional_only: bool  # derogations
    source: str
    confidence: str

    def lapse(self, on: date, signed: date | None) -> tuple[Lapse, str] | None:
        """Why a contract under this tool, signed on `signed`, does not count on `on` (None: it does)."""
        if self.in_force and on < self.in_force:
            return Lapse.NOT_YET, f"{self.name} applies from {self.in_force}"
        if self.valid_until and on >= self.valid_until:
            return Lapse.ENDED, f"{self.name} ceased to be valid on {self.valid_until}"
        if self.new_contracts_until and signed and signed >= self.new_contracts_until:
            return Lapse.CLOSED, (f"signed {signed}, after {self.name} closed to new contracts "
                                  f"({self.new_contracts_until})")
        return None

    def valid_on(self, on: date, signed: date | None) -> bool:
        return self.lapse(on, signed) is None


@dataclass(frozen=True)
class Invalidated:
    instrument: str
    regime: Regime
    valid_from: date | None
    invalid_from: date
    source: str
    confidence: str = "high"


class Domestic(StrEnum):
    """What an exception needs to be the regime's own."""

    LAW = "law"  # the law it rests on (GDPR and UK GDPR Art. 49(4); APPI Art. 27(1)(i))
    AUTHORITY = "authority"  # the authority it cooperates with (APPI Art. 27(1)(iv): a Japanese state organ)


@dataclass(frozen=True)
class Derogation:
    """One Art. 49(1) letter, its UK or Swiss counterpart, or an APPI Art. 27(1) item (which Art. 28(1) also
    exempts); `letter` is the key a safeguard's `letter` or `item` names.

    `occasional_only` is what the guidance says of the letter itself (EDPB 2/2018: (b), (c), (e));
    `fits_systematic` is what the rules act on: no Art. 49 derogation carries a systematic flow. The loader
    refuses a letter that is occasional-only yet fits systematic flows.
    """

    regime: Regime
    letter: str
    text: str
    occasional_only: bool
    source: str
    fits_systematic: bool = False
    confidence: str = "high"
    article: str = ""  # where it sits, as a finding names it: "Art. 49(1)(d)", "Art. 17(1)(c)(1)"
    domestic: Domestic | None = None  # what must be the regime's own for it to apply
    duty: str = ""  # what relying on it obliges the sender to do (FADP Art. 17(2): tell the FDPIC on request)


class DisclosureRecipient(StrEnum):
    """Recipients outside a processor chain whose disclosure a regime treats in its own way."""

    AUTHORITY = "authority"  # a foreign public authority asking for data
    ACQUIRER = "acquirer"  # a buyer of the business


@dataclass(frozen=True)
class DisclosureRule:
    """What a regime says of a disclosure to a foreign authority, or of a transfer to a buyer abroad: what
    carries it and what must be in place first."""

    regime: Regime
    recipient: DisclosureRecipient
    text: str
    confidence: str
    source: str


@dataclass(frozen=True)
class Reference:
    eea: frozenset[str]
    adequacies: tuple[Adequacy, ...]
    tools: tuple[Tool, ...]
    invalidations: tuple[Invalidated, ...]
    derogations: tuple[Derogation, ...]
    eu: frozenset[str] = frozenset()
    reviewed: date | None = None  # the day every row was last checked against its source
    reviewed_source: str = ""
    disclosures: tuple[DisclosureRule, ...] = ()
    _adequacy_index: dict[tuple[Regime, str], list[Adequacy]] = field(init=False, repr=False, compare=False)
    _tool_index: dict[tuple[Regime, str], Tool] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        adequacy_index: dict[tuple[Regime, str], list[Adequacy]] = defaultdict(list)
        for row in sorted(self.adequacies, key=lambda a: a.adopted):
            adequacy_index[(row.regime, row.country)].append(row)
        object.__setattr__(self, "_adequacy_index", dict(adequacy_index))
        object.__setattr__(self, "_tool_index", {(tool.regime, tool.kind): tool for tool in self.tools})

    def territory(self, regime: Regime | str) -> frozenset[str]:
        regime = Regime(regime)
        return self.eea if regime is Regime.GDPR else _HOME_COUNTRIES[regime]

    def home_regime(self, country: str) -> Regime | None:
        if country in self.eea:
            return Regime.GDPR
        return next((regime for regime, home in _HOME_COUNTRIES.items() if country in home), None)

    def regimes_for_region(self, region: str) -> frozenset[Regime]:
        """The regimes that protect people living in `region` (a country code, or EEA)."""
        if region == EEA_REGION:
            return frozenset({Regime.GDPR})
        regime = self.home_regime(region)
        return frozenset({regime}) if regime else frozenset()

    def is_eea(self, country: str) -> bool:
        return country in self.eea

    def is_eu(self, country: str) -> bool:
        return country in self.eu

    def adequacy_history(self, regime: Regime, country: str) -> list[Adequacy]:
        return list(self._adequacy_index.get((regime, country), ()))

    def adequacy(self, regime: Regime, country: str, on: date) -> Adequacy | None:
        """The decision in force on `on`, the latest adopted one if several overlap."""
        in_force = [a for a in self._adequacy_index.get((regime, country), ()) if a.in_force(on)]
        return in_force[-1] if in_force else None

    def adequate_countries(self, regime: Regime, on: date) -> list[Adequacy]:
        found = (self.adequacy(regime, country, on) for (r, country) in self._adequacy_index if r is regime)
        return sorted((a for a in found if a), key=lambda a: a.country)

    def tool(self, regime: Regime, kind: str) -> Tool | None:
        return self._tool_index.get((regime, kind))

    def invalidated(self) -> list[Invalidated]:
        return list(self.invalidations)

    def derogation(self, regime: Regime, letter: str) -> Derogation | None:
        return next((d for d in self.derogations if d.regime is regime and d.letter == letter), None)

    def disclosure(self, regime: Regime, recipient: DisclosureRecipient) -> DisclosureRule | None:
        return next((d for d in self.disclosures if d.regime is regime and d.recipient is recipient), None)

    def is_domestic_law(self, regime: Regime, origin: str | None) -> bool:
        """Is `origin` (a country code, or EU for Union law) the regime's own law? Under the GDPR, Union law
        and the law of an EEA state are."""
        if origin is None:
            return False
        return (regime is Regime.GDPR and origin == UNION_LAW) or origin in self.territory(regime)

    def staleness(self, on: date) -> str | None:
        """The warning due when judging `on` more than REVIEW_HORIZON_DAYS after the data was reviewed."""
        if self.reviewed is None or (on - self.reviewed).days <= REVIEW_HORIZON_DAYS:
            return None
        return f"reference data reviewed on {self.reviewed}; decisions since then are not known"

    def status(self, on: date) -> dict[str, object]:
        """What a report says of the reference data it was judged with (JSON-ready)."""
        return {"reviewed": self.reviewed.isoformat() if self.reviewed else None,
                "warning": self.staleness(on)}


Row = TypeVar("Row")


class _Reader:
    """Typed cell access for one CSV row, raising ReferenceDataError that names file, line and column."""

    def __init__(self, file: Path, line: int, cells: dict[str, str]) -> None:
        self.file, self.line, self.cells = file, line, cells

    def fail(self, column: str, message: str) -> ReferenceDataError:
        return ReferenceDataError(self.file, self.line, column, message)

    def text(self, column: str, required: bool = True) -> str:
        value = (self.cells.get(column) or "").strip()
        if required and not value:
            raise self.fail(column, "is empty")
        return value

    def date(self, column: str, required: bool = False) -> date | None:
        value = self.text(column, required)
        if not value:
            return None
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise self.fail(column, f"{value!r} is not an ISO 8601 date (YYYY-MM-DD)") from None

    def flag(self, column: str) -> bool:
        value = self.text(column)
        if value not in ("true", "false"):
            raise self.fail(column, f"{value!r} is not true or false")
        return value == "true"

    def country(self, column: str) -> str:
        value = self.text(column)
        if pycountry.countries.get(alpha_2=value) is None:
            raise self.fail(column, f"{value!r} is not an ISO 3166-1 alpha-2 country code")
        return value

    def choice(self, column: str, enum: type[StrEnum]) -> StrEnum:
        value = self.text(column)
        try:
            return enum(value)
        except ValueError:
            allowed = ", ".join(member.value for member in enum)
            raise self.fail(column, f"{value!r} is not one of {allowed}") from None

    def kind(self, column: str, required: bool = True) -> str:
        value = self.text(column, required)
        if value and value not in SafeguardKind.__members__.values():
            allowed = ", ".join(member.value for member in SafeguardKind)
            raise self.fail(column, f"{value!r} is not a safeguard kind ({allowed})")
        return value

    def confidence(self) -> str:
        value = self.text("confidence")
        if value not in ("high", "verify"):
            raise self.fail("confidence", f"{value!r} is not high or verify")
        return value


def _rows(file: Path, columns: Iterable[str], build: Callable[[_Reader], Row],
          key: Callable[[Row], object] | None = None) -> tuple[Row, ...]:
    """Every row of `file` built by `build`; `key` names what must be unique (a second row for it is an error)."""
    columns = tuple(columns)
    if not file.is_file():
        raise ReferenceDataError(file, 0, "", "file is missing")
    with file.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        header = reader.fieldnames or []
        missing = [c for c in columns if c not in header]
        if missing:
            raise ReferenceDataError(file, 1, missing[0], "column is missing from the header")
        unknown = [c for c in header if c not in columns]
        if unknown:
            raise ReferenceDataError(file, 1, unknown[0], "column is unknown (a typo would be silently ignored)")
        rows: list[Row] = []
        seen: dict[object, int] = {}
        for line, cells in enumerate(reader, start=2):
            # A short row (a lost comma) leaves cells None; a long one piles extras under the None key.
            if None in cells or any(value is None for value in cells.values()):
                count = len(columns) + len(cells.get(None) or ()) - sum(v is None for v in cells.values())
                raise ReferenceDataError(file, line, columns[-1], f"row has {count} cells for {len(columns)} columns")
            row = build(_Reader(file, line, cells))
            if key is not None:
                identity = key(row)
                if identity in seen:
                    raise ReferenceDataError(file, line, columns[0], f"{identity} repeats line {seen[identity]}")
                seen[identity] = line
            rows.append(row)
        return tuple(rows)


def _adequacy(row: _Reader) -> Adequacy:
    adopted = row.date("adopted", required=True)
    ends = row.date("ends")
    assert adopted is not None
    if ends and ends <= adopted:
        raise row.fail("ends", f"{ends} is not after the adoption date {adopted}")
    organisation = row.text("international_organisation", required=False)
    if organisation and row.text("country", required=False):
        raise row.fail("international_organisation", "is given beside a country: a decision is for one or the other")
    if organisation and not _ORGANISATION_KEY.match(organisation):
        raise row.fail("international_organisation",
                       f"{organisation!r} is not an organisation key (lower case letters, digits, - or _, e.g. epo)")
    return Adequacy(
        regime=Regime(row.choice("regime", Regime)), country=organisation or row.country("country"),
        instrument=row.text("instrument"), adopted=adopted, ends=ends,
        scope=AdequacyScope(row.choice("scope", AdequacyScope)), note=row.text("note", required=False),
        confidence=row.confidence(), source=row.text("source"))


def _tool(row: _Reader) -> Tool:
    return Tool(
        regime=Regime(row.choice("regime", Regime)), kind=row.kind("kind"), name=row.text("name"),
        in_force=row.date("in_force"), new_contracts_until=row.date("new_contracts_until"),
        valid_until=row.date("valid_until"), requires=row.kind("requires", required=False) or None,
        needs_tia=row.flag("needs_tia"), intra_group_only=row.flag("intra_group_only"),
        occasional_only=row.flag("occasional_only"), source=row.text("source"), confidence=row.confidence())


def _invalidated(row: _Reader) -> Invalidated:
    invalid_from = row.date("invalid_from", required=True)
    assert invalid_from is not None
    valid_from = row.date("valid_from")
    if valid_from and invalid_from <= valid_from:
        raise row.fail("invalid_from", f"{invalid_from} is not after {valid_from}")
    return Invalidated(instrument=row.text("instrument"), regime=Regime(row.choice("regime", Regime)),
                       valid_from=valid_from, invalid_from=invalid_from, source=row.text("source"),
                       confidence=row.confidence())


def _derogation(row: _Reader) -> Derogation:
    regime = Regime(row.choice("regime", Regime))
    letter = row.text("letter")
    if regime is Regime.JP_APPI and letter not in APPI_ITEMS:
        raise row.fail("letter", f"{letter!r} is not an item i-iv of APPI Art. 27(1)")
    if regime is not Regime.JP_APPI and letter not in DEROGATION_LETTERS:
        raise row.fail("letter", f"{letter!r} is not a letter a-g of Art. 49(1) nor compelling_interests "
                                 "(its second subparagraph)")
    occasional_only, fits_systematic = row.flag("occasional_only"), row.flag("fits_systematic")
    if occasional_only and fits_systematic:
        # The rules read only fits_systematic; a letter the guidance limits to occasional transfers cannot fit.
        raise row.fail("fits_systematic", "is true for a letter marked occasional_only")
    domestic = row.choice("domestic", Domestic) if row.text("domestic", required=False) else None
    return Derogation(regime=regime, letter=letter, text=row.text("text"),
                      occasional_only=occasional_only, source=row.text("source"),
                      fits_systematic=fits_systematic, confidence=row.confidence(), article=row.text("article"),
                      domestic=Domestic(domestic) if domestic else None, duty=row.text("duty", required=False))


DEROGATION_LETTERS = (*"abcdefg", "compelling_interests")
APPI_ITEMS = ("i", "ii", "iii", "iv")


def _disclosure(row: _Reader) -> DisclosureRule:
    return DisclosureRule(regime=Regime(row.choice("regime", Regime)),
                          recipient=DisclosureRecipient(row.choice("recipient", DisclosureRecipient)),
                          text=row.text("text"), confidence=row.confidence(), source=row.text("source"))


def _reviewed(row: _Reader) -> tuple[date, str]:
    reviewed = row.date("reviewed", required=True)
    assert reviewed is not None
    return reviewed, row.text("source")


def _territory(row: _Reader) -> tuple[str, str]:
    row.text("source")
    row.confidence()
    group = row.text("group")
    if group not in ("eu", "eea"):
        raise row.fail("group", f"{group!r} is not eu or eea")
    return row.country("country"), group


def read_reference(directory: Path) -> Reference:
    """Load and validate every reference file in `directory`; a bad row raises ReferenceDataError."""
    territories = _rows(directory / "territories.csv", ("country", "group", "confidence", "source"), _territory,
                        key=lambda t: t[0])
    reviews = _rows(directory / "reviewed.csv", ("reviewed", "source"), _reviewed)
    if len(reviews) != 1:
        raise ReferenceDataError(directory / "reviewed.csv", 2 + min(len(reviews), 1), "reviewed",
                                 f"needs exactly one row (the day of the last review), found {len(reviews)}")
    return Reference(
        reviewed=reviews[0][0], reviewed_source=reviews[0][1],
        eea=frozenset(country for country, _ in territories),
        eu=frozenset(country for country, group in territories if group == "eu"),
        adequacies=_rows(directory / "adequacy.csv", ("regime", "country", "international_organisation", "instrument",
                                                       "adopted", "ends", "scope", "note", "confidence", "source"),
                         _adequacy,
                         key=lambda a: (a.regime.value, a.country, a.adopted)),
        tools=_rows(directory / "tools.csv", ("regime", "kind", "name", "in_force", "new_contracts_until",
                                               "valid_until", "requires", "needs_tia", "intra_group_only",
                                               "occasional_only", "source", "confidence"), _tool,
                    key=lambda t: (t.regime.value, t.kind)),
        invalidations=_rows(directory / "invalidated.csv", ("instrument", "regime", "valid_from", "invalid_from",
                                                             "confidence", "source"), _invalidated,
                            key=lambda i: (i.regime.value, i.instrument)),
        derogations=_rows(directory / "derogations.csv", ("regime", "letter", "article", "text", "occasional_only",
                                                           "fits_systematic", "domestic", "duty", "confidence",
                                                           "source"), _derogation,
                          key=lambda d: (d.regime.value, d.letter)),
        disclosures=_rows(directory / "disclosures.csv", ("regime", "recipient", "text", "confidence", "source"),
                          _disclosure, key=lambda d: (d.regime.value, d.recipient.value)),
    )


@functools.cache
def load_reference() -> Reference:
    """The reference data shipped with flowreg, loaded once per process."""
    return read_reference(DATA)

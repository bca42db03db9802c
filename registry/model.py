"""The registry's language: pydantic models of every record and reference (docs/design.md §2 and §3)."""

from __future__ import annotations

import bisect
import re
import sys
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import replace
from datetime import date, datetime
from enum import StrEnum
from functools import cache, cached_property
from typing import Annotated, Literal, Self, get_args, get_origin

import pycountry
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    StringConstraints,
    Tag,
    ValidationError,
    model_validator,
)

from registry.errors import Problem
from registry.suggest import country_code, did_you_mean

# Codes people write that ISO 3166-1 spells differently: the error suggests the right one.
_COUNTRY_SUGGESTIONS = {"UK": "GB", "EL": "GR", "EN": "GB"}
EEA_REGION = "EEA"


class FieldError(ValueError):
    """A check across fields of one record, aimed at the field the user has to change."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class IntegrityError(ValueError):
    """Cross-record problems of a whole registry, kept structured for the manifest's report."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(p.render() for p in problems))
        self.problems = problems


def _check_country(code: str) -> str:
    suggestion = _COUNTRY_SUGGESTIONS.get(code.upper())
    if suggestion:
        raise ValueError(
            f"{code!r} is not an ISO 3166-1 alpha-2 country code; did you mean {suggestion!r}?"
        )
    if pycountry.countries.get(alpha_2=code.upper()) is None or len(code) != 2:
        meant = country_code(code)
        hint = " (two capital letters, e.g. 'JP', 'DE', 'US')"
        if meant:
            hint = f" (two capital letters); did you mean {meant!r} ({country_name(meant)})?"
        raise ValueError(f"{code!r} is not an ISO 3166-1 alpha-2 country code{hint}")
    if code != code.upper():
        raise ValueError(f"country codes are written in capitals; did you mean {code.upper()!r}?")
    return sys.intern(code)


def _check_region(region: str) -> str:
    if region == EEA_REGION:
        return region
    try:
        return _check_country(region)
    except ValueError as error:
        raise ValueError(f"{error} (or 'EEA' for the European Economic Area)") from None


# What a safeguard's `law_of` names for the law of the European Union rather than of one country.
UNION_LAW = "EU"


def _check_law_origin(origin: str) -> str:
    if origin == UNION_LAW:
        return origin
    try:
        return _check_country(origin)
    except ValueError as error:
        raise ValueError(f"{error} (or 'EU' for Union law)") from None


def is_international_organisation(place: str) -> bool:
    """Is this place an international organisation's key (lower case) rather than an ISO country code?"""
    return place != place.upper()


@cache
def country_name(code: str) -> str:
    """The ISO short name of a country code the model has already validated (an organisation's key as it is).
    Kept per code: reasons name the parties' countries, a look-up in pycountry each (25,000 a check of S)."""
    if is_international_organisation(code):
        return f"international organisation {code}"
    country = pycountry.countries.get(alpha_2=code)
    if country is None:
        return code
    return getattr(country, "common_name", None) or country.name


def country_label(code: str) -> str:
    """How people read a country code in tables and records: "Japan (JP)"; "international organisation epo"."""
    if is_international_organisation(code):
        return country_name(code)
    return f"{country_name(code)} ({code})"


CountryCode = Annotated[str, AfterValidator(_check_country)]
Region = Annotated[str, AfterValidator(_check_region)]
LawOrigin = Annotated[str, AfterValidator(_check_law_origin)]
# Characters a terminal, an editor or a spreadsheet interprets rather than shows: C0/C1 controls (ESC starts a
# terminal escape, CR overwrites a line), bidi embeddings, overrides and isolates (they reorder what a reader
# sees), and the Unicode line and paragraph separators. Free text may keep tab and newline; nothing else may.
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_LINE_SEPARATORS = frozenset("\u2028\u2029")
_FREE_TEXT_ALLOWED = frozenset("\t\n")


def unsafe_character(text: str, *, free_text: bool = False) -> str | None:
    """The first character of `text` that would act rather than show on a terminal or in a file, if any."""
    for char in text:
        if char in _FREE_TEXT_ALLOWED and free_text:
            continue
        if unicodedata.category(char) == "Cc" or char in _BIDI_CONTROLS or char in _LINE_SEPARATORS:
            return char
    return None


def unsafe_text_problem(text: str, *, free_text: bool) -> str:
    char = unsafe_character(text, free_text=free_text) or "?"
    name = unicodedata.name(char, f"U+{ord(char):04X}")
    allowed = " (tab and newline are allowed)" if free_text else ""
    return (f"contains the control character {char!r} ({name}); control characters, bidi controls and line "
            f"separators are not allowed here{allowed}")


# The same sets as patterns, so that pydantic-core checks every text field without a call into Python on each
# (`validation_problems` words the error with `unsafe_text_problem`).
_UNSAFE_CLASS = "\\x7f-\\x9f\u202a-\u202e\u2066-\u2069\u2028\u2029"
SHORT_TEXT_PATTERN = f"^[^\\x00-\\x1f{_UNSAFE_CLASS}]*$"
FREE_TEXT_PATTERN = f"^[^\\x00-\\x08\\x0b-\\x1f{_UNSAFE_CLASS}]*$"


ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._-]*$")


def id_problem(value: str) -> str:
    """Why `value` is not an id, with the form to write where there is one: its NFKC normalisation (fullwidth
    and compatibility forms become ASCII) lowercased, without invisible characters, spaces as hyphens."""
    normalised = unicodedata.normalize("NFKC", value)
    visible = "".join(c for c in normalised if unicodedata.category(c) not in ("Cf", "Cc"))
    candidate = re.sub(r"\s+", "-", visible.strip()).lower()
    hint = f"; did you mean {candidate!r}?" if candidate != value and ID_PATTERN.match(candidate) else ""
    return (f"{value!r} is not an id: ids are lowercase ASCII letters, digits, '.', '_' and '-', starting with a "
            f"letter or digit{hint}")


# Ids are lowercase ASCII, so that look-alike ids (Cyrillic letters, zero-width spaces, fullwidth forms) can never
# be separate records that read the same; anything else is refused with its NFKC form as the suggestion
# (`validation_problems` words the error). The check stays a pattern in pydantic-core: a Python validator on
# every id made validating a million ids about 10x slower. Ids are interned: a registry read from a store would
# otherwise hold a separate copy of an id for every record that names it, and the check looks them up in dicts
# and sets millions of times, where one shared string compares by identity (L from the store: check 29 s -> 24 s).
Identifier = Annotated[str, StringConstraints(min_length=1, max_length=256, pattern=ID_PATTERN.pattern),
                       AfterValidator(sys.intern)]
CategoryId = Annotated[
    str, StringConstraints(max_length=256, pattern=r"^[a-z0-9][a-z0-9_-]*(\.[a-z0-9][a-z0-9_-]*)*$"),
    AfterValidator(sys.intern),
]
# An international organisation's key (the European Patent Organisation is "epo"): lower case, so it never reads
# as an ISO country code; the reference data keys adequacy decisions for organisations by it.
_ORGANISATION_KEY = re.compile(r"^[a-z][a-z0-9_-]{1,63}$")


def _check_organisation_key(key: str) -> str:
    if not _ORGANISATION_KEY.match(key):
        hint = f"; did you mean {key.lower()!r}?" if _ORGANISATION_KEY.match(key.lower()) else ""
        raise ValueError(f"{key!r} is not an international organisation key (lower case letters, digits, - or _, "
                         f"e.g. 'epo'){hint}")
    return sys.intern(key)


OrganisationKey = Annotated[str, AfterValidator(_check_organisation_key)]
# A finding's id as `flowreg check` prints it: the rule, a colon and 12 hex digits of the evidence's hash; a house
# rule's findings name the rule as `policy:<its id>`.
FindingId = Annotated[str, StringConstraints(
    max_length=256, pattern=r"^(?:policy:[a-z0-9][a-z0-9._-]*|[a-z0-9][a-z0-9-]*):[0-9a-f]{12}$")]
# Short text (names, references, contacts) is one line; free text (notes, reasons) may have tabs and newlines.
Name = Annotated[str, StringConstraints(min_length=1, max_length=1000, pattern=SHORT_TEXT_PATTERN)]
Text = Annotated[str, StringConstraints(max_length=10_000, pattern=SHORT_TEXT_PATTERN)]
FreeText = Annotated[str, StringConstraints(max_length=10_000, pattern=FREE_TEXT_PATTERN)]

# Dates a registry can hold: a contract signed before 1900 or ending after 2999 is a typo, and the far ends of
# Python's range (year 1, year 9999) break date arithmetic (the dashboard adds 90 days) and spreadsheets.
EARLIEST_DATE = date(1900, 1, 1)
LATEST_DATE = date(2999, 12, 31)


def check_date_range(day: date) -> date:
    if not EARLIEST_DATE <= (day.date() if isinstance(day, datetime) else day) <= LATEST_DATE:
        raise ValueError(f"{day.isoformat()} is outside the dates a registry holds ({EARLIEST_DATE} to {LATEST_DATE})")
    return day


Day = Annotated[date, AfterValidator(check_date_range)]
Moment = Annotated[datetime, AfterValidator(check_date_range)]

_ISO_DURATION = re.compile(
    r"^P(?!$)(?:(?P<years>\d+)Y)?(?:(?P<months>\d+)M)?(?:(?P<weeks>\d+)W)?(?:(?P<days>\d+)D)?$"
)


# The longest retention a registry takes: past it a period is a typo, and a number of thousands of digits would
# not even convert to an int (Python refuses past 4,300 digits), crashing every check of the store.
MAX_RETENTION_DAYS = 1000 * 365.25


def _check_retention(text: str) -> str:
    match = _ISO_DURATION.match(text)
    if match is None:
        return text  # a rule in words ("until the account is closed")
    if any(len(part) > 7 for part in match.groups() if part) or retention_days(text) > MAX_RETENTION_DAYS:  # type: ignore[operator]
        raise ValueError(f"{text[:40]!r} is longer than 1,000 years; write the period as an ISO 8601 duration such "
                         f"as P7Y, or the rule in words")
    return text


Retention = Annotated[Text, AfterValidator(_check_retention)]


def retention_days(retention: str | None) -> float | None:
    """An ISO 8601 date duration (P3Y, P18M, P30D) in days, or None for free text such as a rule."""
    if retention is None:
        return None
    match = _ISO_DURATION.match(retention)
    if not match:
        return None
    parts = {key: int(value or 0) for key, value in match.groupdict().items()}
    return parts["years"] * 365.25 + parts["months"] * 30.44 + parts["weeks"] * 7 + parts["days"]


class Role(StrEnum):
    CONTROLLER = "controller"
    JOINT_CONTROLLER = "joint_controller"
    PROCESSOR = "processor"


class Sector(StrEnum):
    """Some adequacy decisions cover only part of an economy (Canada: commercial activity)."""

    COMMERCIAL = "commercial"
    PUBLIC = "public"
    NON_PROFIT = "non_profit"


class RecipientKind(StrEnum):
    LAW_ENFORCEMENT = "law_enforcement"
    REGULATOR = "regulator"
    AUTHORITY = "authority"  # a court or another public authority (tax, customs, a ministry)
    ACQUIRER = "acquirer"
    AUDITOR = "auditor"
    FRAUD_PREVENTION = "fraud_prevention"
    OTHER = "other"


# Public authorities: what one of them asks for abroad is no transfer basis by itself (GDPR Art. 48).
AUTHORITY_KINDS = frozenset({RecipientKind.LAW_ENFORCEMENT, RecipientKind.REGULATOR, RecipientKind.AUTHORITY})


class Sensitivity(StrEnum):
    STANDARD = "standard"
    SPECIAL = "special"  # GDPR Art. 9
    CRIMINAL = "criminal"  # GDPR Art. 10


class LegalBasis(StrEnum):
    """GDPR Art. 6(1)(a)-(f)."""

    CONSENT = "consent"
    CONTRACT = "contract"
    LEGAL_OBLIGATION = "legal_obligation"
    VITAL_INTERESTS = "vital_interests"
    PUBLIC_TASK = "public_task"
    LEGITIMATE_INTERESTS = "legitimate_interests"


class SafeguardKind(StrEnum):
    ADEQUACY = "adequacy"
    SCC_2021 = "scc_2021"
    SCC_LEGACY = "scc_legacy"
    BCR = "bcr"
    UK_IDTA = "uk_idta"
    UK_ADDENDUM = "uk_addendum"
    APPI_CONSENT = "appi_consent"
    APPI_EQUIVALENT_SYSTEM = "appi_equivalent_system"
    APPI_CBPR = "appi_cbpr"  # recipient certified under an international framework (APEC CBPR)
    APPI_EXCEPTION = "appi_exception"  # a case of APPI Art. 27(1), which Art. 28(1) also exempts
    DEROGATION_49 = "derogation_49"
    CODE_OF_CONDUCT = "code_of_conduct"
    CERTIFICATION = "certification"


class Frequency(StrEnum):
    SYSTEMATIC = "systematic"
    OCCASIONAL = "occasional"


SccModule = Literal[1, 2, 3, 4]
# Art. 49(1) points (a)-(g), and its second subparagraph: a transfer on compelling legitimate interests.
DerogationLetter = Literal["a", "b", "c", "d", "e", "f", "g", "compelling_interests"]
# APPI Art. 27(1) items (i)-(iv): laws and regulations; life, body or property; public health or children;
# cooperation with a state organ. The later items concern academic research and carry no disclosure abroad here.
AppiItem = Literal["i", "ii", "iii", "iv"]


class Strict(BaseModel):
    """Unknown keys are errors, never ignored; records are values (compare by content)."""

    model_config = ConfigDict(extra="forbid", frozen=True, validate_by_alias=True, validate_by_name=True)


class Record(Strict):
    id: Identifier
    source: Text | None = None  # where the privacy policy declares it, e.g. "policy 4-2"
    example: bool = False  # invented to fill a list the policy leaves empty
    note: FreeText | None = None


class Organisation(Record):
    name: Name
    contact: Text | None = None
    dpo: Text | None = None
    representative: Text | None = None
    # Read for registries written before house rules, judged by nothing: a promise of the organisation's own is a
    # house rule now (`policies`, with `require: {encrypted_in_transit: true}`), and `flowreg check` says so.
    promises_encryption_in_transit: bool = False


class Entity(Record):
    """Anything that sends or receives personal data."""

    name: Name
    country: CountryCode
    # Where the data is hosted or accessed; empty means only where the entity is located.
    processing_countries: list[CountryCode] = []
    sector: Sector = Sector.COMMERCIAL
    contact: Text | None = None
    dpf_certified: bool = False  # on the EU-US Data Privacy Framework List
    dpf_uk_extension: bool = False  # certified under the UK Extension (UK-US data bridge)
    dpf_swiss: bool = False  # certified under the Swiss-US DPF

    @property
    def where_processed(self) -> list[str]:
        """Where its data is processed: countries, or an international organisation's key (no country's law
        reaches data held by the organisation, so a flow to it leaves every regime's territory)."""
        return self.processing_countries or [self.location]

    @property
    def location(self) -> str:
        """Its country code, or the key of the international organisation it is."""
        return self.country


class GroupCompany(Entity):
    region: Name
    bcr_bound: bool = False
    role: Role = Role.CONTROLLER


class Processor(Entity):
    dpa_signed: Day | None = None
    parent: Identifier | None = None  # the processor this one is a sub-processor of


class Recipient(Entity):
    kind: RecipientKind
    # A recipient may be an international organisation instead of a body in a country (GDPR Art. 4(26)).
    country: CountryCode | None = None  # type: ignore[assignment]
    international_organisation: OrganisationKey | None = None

    @model_validator(mode="before")
    @classmethod
    def _authorities_are_public(cls, data: object) -> object:
        # Adequacy decisions limited to the private or commercial sector (Japan, Canada) must not cover a
        # public authority just because nobody wrote its sector down.
        kind = data.get("kind") if isinstance(data, dict) else None
        if isinstance(kind, str) and kind in AUTHORITY_KINDS and data.get("sector") is None:  # type: ignore[union-attr]
            return {**data, "sector": Sector.PUBLIC.value}
        return data

    @model_validator(mode="after")
    def _country_or_organisation(self) -> Self:
        if self.is_authority and self.sector is not Sector.PUBLIC:
            raise FieldError("sector", f"a recipient of kind {self.kind.value!r} is a public authority: its "
                                       f"sector is 'public' (or leave 'sector' out), not {self.sector.value!r}")
        if self.international_organisation is None and self.country is None:
            raise FieldError("country", "a recipient needs 'country', or 'international_organisation' "
                                        "(the organisation's key, e.g. 'epo') when it is one")
        if self.international_organisation is not None and self.country is not None:
            raise FieldError("international_organisation",
                             "an international organisation has no 'country': give one of the two")
        if self.international_organisation is not None and self.processing_countries:
            raise FieldError("processing_countries", "an international organisation's data is processed by the "
                                                     "organisation: leave 'processing_countries' empty")
        return self

    @property
    def location(self) -> str:
        return self.international_organisation or self.country  # type: ignore[return-value]

    @property
    def is_authority(self) -> bool:
        return self.kind in AUTHORITY_KINDS


class DataSubjectGroup(Record):
    name: Name
    regions: list[Region] = Field(min_length=1)


class DataCategory(Record):
    id: CategoryId
    name: Name
    sensitivity: Sensitivity = Sensitivity.STANDARD

    @property
    def parent(self) -> str | None:
        return self.id.rpartition(".")[0] or None


class Purpose(Record):
    name: Name
    # A parent key (user.contact) stands for every category below it.
    necessary_categories: list[CategoryId] = []
    legal_basis: LegalBasis
    retention: Retention | None = None  # the longest period declared for it: ISO 8601 duration or rule


class Safeguard(Record):
    kind: SafeguardKind
    module: SccModule | None = None
    letter: DerogationLetter | None = None
    item: AppiItem | None = None
    # Whose law the exception rests on: the law recognising an Art. 49(1)(d) public interest (Art. 49(4)), or
    # the "laws and regulations" of an APPI Art. 27(1)(i) case; a country code, or EU for Union law.
    law_of: LawOrigin | None = None
    reference: Text | None = None
    effective: Day | None = None
    expires: Day | None = None
    parties: list[Identifier] = []

    @model_validator(mode="after")
    def _kind_details(self) -> Self:
        if self.kind is SafeguardKind.SCC_2021 and self.module is None:
            raise FieldError("module", "SCCs 2021 need 'module' (1 C2C, 2 C2P, 3 P2P, 4 P2C)")
        if self.kind is not SafeguardKind.SCC_2021 and self.module is not None:
            raise FieldError("module", f"'module' applies only to scc_2021, not to {self.kind.value}")
        if self.kind is SafeguardKind.DEROGATION_49 and self.letter is None:
            raise FieldError("letter", "an Art. 49 derogation needs 'letter' (a-g of Art. 49(1), or "
                                      "compelling_interests for its second subparagraph)")
        if self.kind is not SafeguardKind.DEROGATION_49 and self.letter is not None:
            raise FieldError("letter", f"'letter' applies only to derogation_49, not to {self.kind.value}")
        if self.kind is SafeguardKind.APPI_EXCEPTION and self.item is None:
            raise FieldError("item", "an APPI exception needs 'item' (i-iv of APPI Art. 27(1): i laws and "
                                     "regulations, ii life, body or property, iii public health or children, "
                                     "iv cooperation with a state organ)")
        if self.kind is not SafeguardKind.APPI_EXCEPTION and self.item is not None:
            raise FieldError("item", f"'item' applies only to appi_exception, not to {self.kind.value}")
        if self.law_of is not None and (self.letter, self.item) not in (("d", None), (None, "i")):
            raise FieldError("law_of", "'law_of' applies only to an Art. 49(1)(d) derogation (the law recognising "
                                       "the public interest) or an APPI Art. 27(1)(i) exception (the law the "
                                       "disclosure is based on)")
        if self.effective and self.expires and self.expires < self.effective:
            raise FieldError("expires", f"'expires' ({self.expires}) is before 'effective' ({self.effective})")
        return self


class Flow(Record):
    sender: Identifier = Field(alias="from")
    receiver: Identifier = Field(alias="to")
    subjects: list[Identifier] = Field(min_length=1)
    categories: list[CategoryId] = Field(min_length=1)
    purpose: Identifier
    safeguards: list[Identifier] = []
    frequency: Frequency = Frequency.SYSTEMATIC
    encrypted_in_transit: bool | None = None
    encrypted_at_rest: bool | None = None
    tia: Text | None = None  # transfer impact assessment (document reference)
    supplementary_measures: list[Text] = []
    start: Day | None = None
    end: Day | None = None
    # A flow that happens only on an event (a sale of the business): no live transfer before `effective`, the
    # day the event takes effect; while no day is recorded, never.
    contingent: bool = False
    effective: Day | None = None
    retention: Retention | None = None

    @model_validator(mode="after")
    def _dates_and_ends(self) -> Self:
        if self.start and self.end and self.end < self.start:
            raise FieldError("end", f"'end' ({self.end}) is before 'start' ({self.start})")
        if self.effective is not None and not self.contingent:
            raise FieldError("effective", "'effective' is the day a contingent flow goes live: set 'contingent: "
                                          "true' as well, or leave it out ('start' is the day a flow began)")
        if self.sender == self.receiver:
            raise FieldError("to", f"'from' and 'to' are both {self.sender!r}: a flow joins two parties")
        return self

    def live_on(self, day: date) -> bool:
        """Does the flow happen on `day`? A contingent one only from its effective day."""
        return not self.contingent or (self.effective is not None and day >= self.effective)


class Acknowledgement(Strict):
    """A DPO's decision to accept a finding for now; the finding stays visible, marked as such."""

    finding: FindingId
    reason: Annotated[FreeText, StringConstraints(min_length=1)]
    until: Day | None = None
    actor: Text | None = None
    at: Moment | None = None
    # What a manifest claimed when the acknowledgement was imported from it: provenance, not the record's author.
    imported_actor: Text | None = None
    imported_at: Moment | None = None

    @property
    def id(self) -> str:
        return self.finding


# -- House rules: the organisation's own data-flow policies, judged with the law (issue 19) ------------------------

PolicySeverity = Literal["high", "medium", "low"]
# registry.reference.Regime's values (that module reads this one, so it cannot be imported here; a test holds the two
# to the same keys).
RegimeKey = Literal["gdpr", "uk_gdpr", "ch_fadp", "jp_appi"]
# What a sender or receiver is: its kind of record, a processor working for another, or a recipient's own kind.
PARTY_KINDS: tuple[str, ...] = ("group_company", "processor", "sub_processor", "recipient",
                                *(kind.value for kind in RecipientKind))


def _check_party_kind(kind: str) -> str:
    if kind not in PARTY_KINDS:
        raise ValueError(f"{kind!r} is not a kind of sender or receiver ({', '.join(PARTY_KINDS)})"
                         + did_you_mean(kind, PARTY_KINDS))
    return kind


def _check_duration(text: str) -> str:
    if _ISO_DURATION.match(text) is None:
        raise ValueError(f"{text[:40]!r} is not an ISO 8601 duration such as P3Y, P18M or P90D")
    return _check_retention(text)


PartyKind = Annotated[str, AfterValidator(_check_party_kind)]
Duration = Annotated[Text, AfterValidator(_check_duration)]


class PartyMatch(Strict):
    """Which senders (or receivers) a house rule is about: every key given must hold, each by any of its values."""

    kinds: list[PartyKind] = []
    roles: list[Role] = []  # a group company's role; a processor is a processor, a recipient a controller
    countries: list[Region] = []  # where it processes data: country codes, or EEA
    entities: list[Identifier] = []


class PolicyMatch(Strict):
    """The flows a house rule judges: every key given must hold, each by any of its values; none given: every flow."""

    categories: list[CategoryId] = []  # carried at, below or above one of these keys (user.contact: all contact data)
    sensitivities: list[Sensitivity] = []  # carries a category of one of these sensitivities
    subjects: list[Identifier] = []  # data subject groups
    purposes: list[Identifier] = []
    sender: PartyMatch = PartyMatch()
    receiver: PartyMatch = PartyMatch()
    regimes: list[RegimeKey] = []  # judged by one of these regimes (the sender's, or its people's)
    cross_border: bool | None = None  # the receiver processes data where the sender does not


class AdequateFor(Strict):
    """A destination term: any country (or organisation) adequate for the regime on the day, for this receiver."""

    adequate_for: RegimeKey


class OrganisationTerm(Strict):
    """A destination term: the international organisation of this key (a recipient that is one, such as epo)."""

    international_organisation: OrganisationKey


def _term_kind(term: object) -> str:
    if isinstance(term, OrganisationTerm) or (isinstance(term, dict) and "international_organisation" in term):
        return "<organisation>"
    return "<adequacy>" if isinstance(term, dict | AdequateFor) else "<place>"


# Union branches are tagged "<...>" so that an error names the term, not the branch (validation_problems drops them).
DestinationTerm = Annotated[Annotated[Region, Tag("<place>")] | Annotated[AdequateFor, Tag("<adequacy>")]
                            | Annotated[OrganisationTerm, Tag("<organisation>")], Discriminator(_term_kind)]


class DestinationRule(Strict):
    """Where the matched flows' data may be processed: country codes, EEA, `adequate_for: <regime>`, or
    `international_organisation: <key>`."""

    allow: list[DestinationTerm] = Field(min_length=1)


class PolicyRequirement(Strict):
    """What every matched flow must have; each key given is one requirement."""

    dpa: Literal[True] | None = None  # the receiver is a processor with a DPA signed by the day
    encrypted_in_transit: Literal[True] | None = None
    tia: Literal[True] | None = None  # a transfer impact assessment is recorded on the flow
    safeguard_kinds: list[SafeguardKind] = []  # lists a safeguard of one of these kinds, in force on the day
    max_retention: Duration | None = None  # the flow's retention (else its purpose's) at most this long
    max_chain_depth: Annotated[int, Field(ge=1, le=100)] | None = None  # 1: a processor, 2: its sub-processor...

    @model_validator(mode="after")
    def _something(self) -> Self:
        if all(value is None or value == [] for value in self.__dict__.values()):
            raise FieldError("dpa", "'require' names no requirement: give dpa, encrypted_in_transit, tia, "
                                    "safeguard_kinds, max_retention or max_chain_depth")
        return self


class PolicyException(Strict):
    """One flow the rule does not judge until a day: an exception ends, so someone decides again."""

    flow: Identifier
    reason: Annotated[FreeText, StringConstraints(min_length=1)]
    until: Day  # the last day the exception holds


_EFFECTS = ("forbid", "destinations", "require")


class Policy(Record):
    """A house rule: the organisation's own policy over its flows, judged with the law by the same check."""

    title: Name
    severity: PolicySeverity
    source: Annotated[Text, StringConstraints(min_length=1)]  # the policy section or owner it comes from
    match: PolicyMatch = PolicyMatch()
    forbid: Literal[True] | None = None  # the match itself is the violation
    destinations: DestinationRule | None = None
    require: PolicyRequirement | None = None
    exceptions: list[PolicyException] = []
    fix: Text | None = None  # what to do about a violation, when the generated advice is not enough

    @model_validator(mode="after")
    def _one_effect(self) -> Self:
        given = [name for name in _EFFECTS if getattr(self, name) is not None]
        if len(given) != 1:
            raise FieldError(given[1] if len(given) > 1 else "forbid",
                             "a house rule has exactly one of 'forbid: true', 'destinations: {allow: [...]}' or "
                             "'require: {...}'" + (f"; this one has {' and '.join(given)}" if given else ""))
        return self


# Sections of a manifest in the order they are written, and the model of each item.
SECTIONS: dict[str, type[Strict]] = {
    "group_companies": GroupCompany,
    "processors": Processor,
    "recipients": Recipient,
    "data_subject_groups": DataSubjectGroup,
    "data_categories": DataCategory,
    "purposes": Purpose,
    "safeguards": Safeguard,
    "flows": Flow,
    "policies": Policy,
    "acknowledgements": Acknowledgement,
}
ENTITY_SECTIONS = ("group_companies", "processors", "recipients")
AnyEntity = GroupCompany | Processor | Recipient


class RegistryFragment(Strict):
    """Some or all sections of a registry; references may point at records stored elsewhere."""

    version: Literal[1] = 1
    organisation: Organisation | None = None
    countries_of_operation: list[CountryCode] = []
    group_companies: list[GroupCompany] = []
    processors: list[Processor] = []
    recipients: list[Recipient] = []
    data_subject_groups: list[DataSubjectGroup] = []
    data_categories: list[DataCategory] = []
    purposes: list[Purpose] = []
    safeguards: list[Safeguard] = []
    flows: list[Flow] = []
    policies: list[Policy] = []
    acknowledgements: list[Acknowledgement] = []

    def section(self, name: str) -> list[Strict]:
        return getattr(self, name)


class Registry(RegistryFragment):
    """A whole registry: every reference resolves and every id is unique."""

    @model_validator(mode="after")
    def _integrity(self) -> Self:
        problems = duplicate_problems(self) + reference_problems(self)
        if problems:
            raise IntegrityError(problems)
        return self

    @cached_property
    def entities(self) -> dict[str, AnyEntity]:
        return {e.id: e for name in ENTITY_SECTIONS for e in self.section(name)}  # type: ignore[misc]

    @cached_property
    def processors_by_id(self) -> dict[str, Processor]:
        return {p.id: p for p in self.processors}

    @cached_property
    def categories_by_id(self) -> dict[str, DataCategory]:
        return {c.id: c for c in self.data_categories}

    @cached_property
    def purposes_by_id(self) -> dict[str, Purpose]:
        return {p.id: p for p in self.purposes}

    @cached_property
    def safeguards_by_id(self) -> dict[str, Safeguard]:
        return {s.id: s for s in self.safeguards}

    @cached_property
    def subject_groups_by_id(self) -> dict[str, DataSubjectGroup]:
        return {g.id: g for g in self.data_subject_groups}

    @cached_property
    def flows_by_id(self) -> dict[str, Flow]:
        return {f.id: f for f in self.flows}

    def with_changes(self, upserts: Mapping[str, Iterable[Strict]], deletes: Mapping[str, Iterable[str]], *,
                     organisation: Organisation | Literal[False] | None = False,
                     countries_of_operation: Iterable[str] | None = None) -> Registry:
        """This registry after a store write: records upserted and deleted by id (`organisation` False: kept).

        Not validated again: the store has just accepted the write, having checked every reference. Sections
        stay ordered by id, as `mapping.from_nodes` reads them, and the id indexes already built are patched
        rather than rebuilt, so one registration costs about the records it changes, not the registry.
        """
        data = dict(self.__dict__)
        if organisation is not False:
            data["organisation"] = organisation
        if countries_of_operation is not None:
            data["countries_of_operation"] = sorted(countries_of_operation)
        changed: dict[str, tuple[dict[str, Strict], set[str]]] = {}
        for name in SECTIONS:
            put = {r.id: r for r in upserts.get(name, ())}  # type: ignore[attr-defined]
            gone = set(deletes.get(name, ())) - set(put)
            if not put and not gone:
                continue
            changed[name] = (put, gone)
            records: list[Strict] = list(data[name])
            for key in sorted(put.keys() | gone):
                at = bisect.bisect_left(records, key, key=_record_id)
                present = at < len(records) and _record_id(records[at]) == key
                if key in gone:
                    if present:
                        del records[at]
                elif present:
                    records[at] = put[key]
                else:
                    records.insert(at, put[key])
            data[name] = records
        fields = {name: data[name] for name in type(self).model_fields}
        patched = Registry.model_construct(**fields)
        for index, sections in _ID_INDEXES.items():
            built = self.__dict__.get(index)
            if built is None or not any(name in changed for name in sections):
                if built is not None:
                    patched.__dict__[index] = built
                continue
            copy = dict(built)
            for name in sections:
                put, gone = changed.get(name, ({}, set()))
                for key in gone:
                    copy.pop(key, None)
                copy.update(put)
            patched.__dict__[index] = copy
        return patched

    def merged_with(self, fragment: RegistryFragment) -> Registry:
        """This registry with the fragment's records upserted by id (raises ValidationError)."""
        data: dict[str, object] = {"version": 1}
        data["organisation"] = fragment.organisation or self.organisation
        data["countries_of_operation"] = list(
            dict.fromkeys(self.countries_of_operation + fragment.countries_of_operation)
        )
        for name in SECTIONS:
            merged = {r.id: r for r in self.section(name)}  # type: ignore[attr-defined]
            merged.update({r.id: r for r in fragment.section(name)})  # type: ignore[attr-defined]
            data[name] = list(merged.values())
        return Registry.model_validate(data)


def share_field_sets(fragment: RegistryFragment) -> None:
    """One set of field names per combination the records give, not one per record: pydantic keeps which fields
    were set in a set of its own per model, up to a fifth of a loaded registry's or a parsed manifest's memory.
    Safe because records are frozen: pydantic never changes the set in place (model_copy copies it first)."""
    shared: dict[frozenset[str], set[str]] = {}
    for section in SECTIONS:
        for record in fragment.section(section):
            given = record.__pydantic_fields_set__
            object.__setattr__(record, "__pydantic_fields_set__", shared.setdefault(frozenset(given), given))


def _record_id(record: Strict) -> str:
    return record.id  # type: ignore[attr-defined, no-any-return]


# Registry's cached id indexes and the sections each is built from.
_ID_INDEXES: dict[str, tuple[str, ...]] = {
    "entities": ENTITY_SECTIONS, "processors_by_id": ("processors",), "categories_by_id": ("data_categories",),
    "purposes_by_id": ("purposes",), "safeguards_by_id": ("safeguards",),
    "subject_groups_by_id": ("data_subject_groups",), "flows_by_id": ("flows",),
}


def duplicate_problems(fragment: RegistryFragment) -> list[Problem]:
    """Ids used twice in one section, or by two entities of different kinds."""
    return duplicate_id_problems(
        (name, index, record.id)  # type: ignore[attr-defined]
        for name in SECTIONS
        for index, record in enumerate(fragment.section(name))
    )


def duplicate_id_problems(ids: Iterable[tuple[str, int, str]]) -> list[Problem]:
    """The same, over (section, index, id) triples: a manifest checks its raw ids before validation."""
    problems: list[Problem] = []
    seen: set[tuple[str, str]] = set()
    entity_owner: dict[str, str] = {}
    for name, index, record_id in ids:
        if (name, record_id) in seen:
            problems.append(Problem(f"duplicate id {record_id!r} in {name}", section=name,
                                    index=index, record_id=record_id, field="id"))
        seen.add((name, record_id))
        if name in ENTITY_SECTIONS:
            owner = entity_owner.setdefault(record_id, name)
            if owner != name:
                problems.append(Problem(
                    f"id {record_id!r} is already used in {owner}; senders and receivers share one id space",
                    section=name, index=index, record_id=record_id, field="id"))
    return problems


# Reference problems that get a "did you mean" (a closeness search each); the rest are listed plainly.
MAX_ID_SUGGESTIONS = 50


def _field_names(model: type[BaseModel]) -> set[str]:
    return {info.alias or name for name, info in model.model_fields.items()}


def _model_at(model: type[BaseModel] | None, path: Iterable[str | int]) -> type[BaseModel] | None:
    """The model a nested key belongs to (a house rule's `match.sender`), following fields and skipping list
    positions; None where the path leaves the models."""
    for part in path:
        if model is None or isinstance(part, int):
            continue
        info = model.model_fields.get(str(part))
        if info is None:
            return None
        model = next((candidate for candidate in _inner_types(info.annotation)
                      if isinstance(candidate, type) and issubclass(candidate, BaseModel)), None)
    return model


def _inner_types(annotation: object) -> list[object]:
    """The types inside Optional, list and Annotated: where a nested model hides in a field's annotation."""
    origin = get_origin(annotation)
    if origin is None:
        return [annotation]
    if origin is Annotated:
        return _inner_types(get_args(annotation)[0])
    return [inner for arg in get_args(annotation) for inner in _inner_types(arg)]


def _category_resolves(category: str, known: set[str]) -> bool:
    return category in known or any(k.startswith(category + ".") for k in known)


def record_ids(fragment: RegistryFragment) -> dict[str, set[str]]:
    """The ids a fragment holds, by section ("organisation" included)."""
    ids = {name: {r.id for r in fragment.section(name)} for name in SECTIONS}  # type: ignore[attr-defined]
    ids["organisation"] = {fragment.organisation.id} if fragment.organisation else set()
    return ids


def reference_problems(registry: RegistryFragment, known: Mapping[str, set[str]] | None = None) -> list[Problem]:
    """Every reference by id that points at nothing, naming the record and the field.

    `known` holds, by section, the ids the references may point at; by default the registry's own.
    """
    known = known if known is not None else record_ids(registry)
    entity_ids = set().union(*(known.get(name, set()) for name in ENTITY_SECTIONS))
    processor_ids = known.get("processors", set())
    category_ids = known.get("data_categories", set())
    purpose_ids = known.get("purposes", set())
    safeguard_ids = known.get("safeguards", set())
    group_ids = known.get("data_subject_groups", set())
    party_ids = entity_ids | known.get("organisation", set())
    problems: list[Problem] = []

    suggested = 0

    def dangling(section: str, index: int, record_id: str, field: str, value: str, kind: str,
                 candidates: set[str] = frozenset()) -> None:  # type: ignore[assignment]
        nonlocal suggested
        hint = ""
        if suggested < MAX_ID_SUGGESTIONS:  # a file of thousands of bad references gets its report in time
            suggested += 1
            hint = did_you_mean(value, candidates)
        problems.append(Problem(f"{value!r} is not a known {kind}{hint}", section=section, index=index,
                                record_id=record_id, field=field))

    for index, p in enumerate(registry.processors):
        if p.parent is not None and p.parent not in processor_ids:
            dangling("processors", index, p.id, "parent", p.parent, "processor id", processor_ids)
        if p.parent == p.id:
            problems.append(Problem("a processor cannot be its own sub-processor", section="processors",
                                    index=index, record_id=p.id, field="parent"))
    for index, purpose in enumerate(registry.purposes):
        for category in purpose.necessary_categories:
            if not _category_resolves(category, category_ids):
                dangling("purposes", index, purpose.id, "necessary_categories", category, "data category id",
                         category_ids)
    for index, s in enumerate(registry.safeguards):
        for party in s.parties:
            if party not in party_ids:
                dangling("safeguards", index, s.id, "parties", party, "organisation or entity id", party_ids)
    for index, f in enumerate(registry.flows):
        if f.sender is not None and f.sender not in entity_ids:
            dangling("flows", index, f.id, "from", f.sender, "group company, processor or recipient id", entity_ids)
        if f.receiver is not None and f.receiver not in entity_ids:
            dangling("flows", index, f.id, "to", f.receiver, "group company, processor or recipient id", entity_ids)
        for subject in f.subjects:
            if subject not in group_ids:
                dangling("flows", index, f.id, "subjects", subject, "data subject group id", group_ids)
        for category in f.categories:
            if category not in category_ids:
                dangling("flows", index, f.id, "categories", category, "data category id", category_ids)
        if f.purpose is not None and f.purpose not in purpose_ids:
            dangling("flows", index, f.id, "purpose", f.purpose, "purpose id", purpose_ids)
        for safeguard in f.safeguards:
            if safeguard not in safeguard_ids:
                dangling("flows", index, f.id, "safeguards", safeguard, "safeguard id", safeguard_ids)
    flow_ids = known.get("flows", set())
    for index, policy in enumerate(getattr(registry, "policies", ())):  # a raw record's namespace has none
        match = policy.match
        for category in match.categories:
            if not _category_resolves(category, category_ids):
                dangling("policies", index, policy.id, "match.categories", category, "data category id",
                         category_ids)
        for field, values, kind, candidates in (
                ("match.subjects", match.subjects, "data subject group id", group_ids),
                ("match.purposes", match.purposes, "purpose id", purpose_ids),
                ("match.sender.entities", match.sender.entities, "group company, processor or recipient id",
                 entity_ids),
                ("match.receiver.entities", match.receiver.entities, "group company, processor or recipient id",
                 entity_ids)):
            for value in values:
                if value not in candidates:
                    dangling("policies", index, policy.id, field, value, kind, candidates)
        for number, exception in enumerate(policy.exceptions):
            if exception.flow not in flow_ids:
                dangling("policies", index, policy.id, f"exceptions.{number}.flow", exception.flow, "flow id",
                         flow_ids)
    return problems


def validation_problems(error: ValidationError, model: type[BaseModel] | None = None) -> list[Problem]:
    """Pydantic's errors as Problems located by section, index and field (`model`: the one validated, for
    suggesting a known key in place of an unknown one)."""
    problems: list[Problem] = []
    for item in error.errors():
        cause = (item.get("ctx") or {}).get("error")
        if isinstance(cause, IntegrityError):
            problems += cause.problems
            continue
        # A tagged union's branch ("<place>") is no field of the input.
        loc = [part for part in item["loc"] if not (isinstance(part, str) and part.startswith("<"))]
        section = str(loc.pop(0)) if loc and loc[0] in SECTIONS else None
        index = loc.pop(0) if section and loc and isinstance(loc[0], int) else None
        if isinstance(cause, FieldError):
            loc.append(cause.field)
        field = ".".join(str(part) for part in loc) or None
        message = item["msg"].removeprefix("Value error, ")
        pattern = (item.get("ctx") or {}).get("pattern") if item["type"] == "string_pattern_mismatch" else None
        if pattern == ID_PATTERN.pattern:
            message = id_problem(str(item["input"]))
        elif pattern in (SHORT_TEXT_PATTERN, FREE_TEXT_PATTERN):
            message = unsafe_text_problem(str(item["input"]), free_text=pattern == FREE_TEXT_PATTERN)
        elif item["type"] == "extra_forbidden":
            owner = _model_at(SECTIONS.get(section or "") or (model if section is None else None), loc[:-1])
            known = _field_names(owner) if owner else set()
            message = "unknown key (not part of the manifest format)" + did_you_mean(str(loc[-1]), known)
        elif item["type"] in ("date_parsing", "date_from_datetime_parsing", "date_from_datetime_inexact", "date_type"):
            message = f"{item['input']!r} is not a date: write YYYY-MM-DD, e.g. 2026-01-31"
        elif item["type"] == "missing":
            message = "required key is missing"
        problems.append(Problem(message, section=section, index=index, field=field))
    return problems


# The reference fields of each section as a manifest names them, and the attribute reference_problems reads.
_REFERENCE_FIELDS: dict[str, dict[str, str]] = {
    "processors": {"parent": "parent"},
    "purposes": {"necessary_categories": "necessary_categories"},
    "safeguards": {"parties": "parties"},
    "flows": {"from": "sender", "to": "receiver", "subjects": "subjects", "categories": "categories",
              "purpose": "purpose", "safeguards": "safeguards"},
}


def raw_reference_problems(invalid: Mapping[str, list[tuple[int, dict[str, object]]]],
                           known: Mapping[str, set[str]]) -> list[Problem]:
    """Dangling references of records that failed their own validation, taken from the mapping as written.

    Only string ids (and lists of them) are looked at: a value of the wrong type already has its own problem.
    """
    from types import SimpleNamespace

    def reference(value: object) -> str | None:
        return value if isinstance(value, str) else None

    def references(value: object) -> list[str]:
        return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []

    spaces: dict[str, list[SimpleNamespace]] = {name: [] for name in _REFERENCE_FIELDS}
    positions: dict[str, list[int]] = {name: [] for name in _REFERENCE_FIELDS}
    for section, fields in _REFERENCE_FIELDS.items():
        for index, item in invalid.get(section, []):
            record_id = item.get("id")
            if not isinstance(record_id, str):
                continue  # no id to name it by: its own problems locate it
            values = {attribute: (references(item.get(key)) if key in _LIST_REFERENCES else reference(item.get(key)))
                      for key, attribute in fields.items()}
            spaces[section].append(SimpleNamespace(id=record_id, **values))
            positions[section].append(index)
    problems = reference_problems(SimpleNamespace(**spaces), known)  # type: ignore[arg-type]
    located: list[Problem] = []
    for problem in problems:
        if problem.section in positions and problem.index is not None:
            problem = replace(problem, index=positions[problem.section][problem.index])
        located.append(problem)
    return located


_LIST_REFERENCES = {"necessary_categories", "parties", "subjects", "categories", "safeguards"}

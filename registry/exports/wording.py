"""How registry records read in a legal record: parties, countries, safeguards, bases and periods in words."""

from __future__ import annotations

import re

from registry.labels import law_label
from registry.model import (
    AnyEntity,
    GroupCompany,
    LegalBasis,
    Organisation,
    Processor,
    Recipient,
    Role,
    Safeguard,
    SafeguardKind,
    country_label,
)
from registry.reference import Reference, Regime

LEGAL_BASES: dict[LegalBasis, str] = {
    LegalBasis.CONSENT: "Art. 6(1)(a) consent",
    LegalBasis.CONTRACT: "Art. 6(1)(b) contract",
    LegalBasis.LEGAL_OBLIGATION: "Art. 6(1)(c) legal obligation",
    LegalBasis.VITAL_INTERESTS: "Art. 6(1)(d) vital interests",
    LegalBasis.PUBLIC_TASK: "Art. 6(1)(e) public task",
    LegalBasis.LEGITIMATE_INTERESTS: "Art. 6(1)(f) legitimate interests",
}

SAFEGUARD_KINDS: dict[SafeguardKind, str] = {
    SafeguardKind.ADEQUACY: "adequacy decision",
    SafeguardKind.SCC_2021: "standard contractual clauses 2021",
    SafeguardKind.SCC_LEGACY: "standard contractual clauses before 2021",
    SafeguardKind.BCR: "binding corporate rules",
    SafeguardKind.UK_IDTA: "UK International Data Transfer Agreement",
    SafeguardKind.UK_ADDENDUM: "UK Addendum to the SCCs",
    SafeguardKind.APPI_CONSENT: "APPI Art. 28 consent",
    SafeguardKind.APPI_EQUIVALENT_SYSTEM: "APPI Art. 28 equivalent system",
    SafeguardKind.APPI_CBPR: "APPI Art. 28 international framework certification (APEC CBPR)",
    SafeguardKind.APPI_EXCEPTION: "APPI Art. 27(1) exception",
    SafeguardKind.DEROGATION_49: "Art. 49 derogation",
    SafeguardKind.CODE_OF_CONDUCT: "code of conduct",
    SafeguardKind.CERTIFICATION: "certification",
}
SCC_MODULES = {1: "controller to controller", 2: "controller to processor", 3: "processor to processor",
               4: "processor to controller"}
_DURATION = re.compile(r"^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?$")
_UNITS = ("year", "month", "week", "day")


def countries(codes: list[str] | tuple[str, ...]) -> list[str]:
    return [country_label(code) for code in codes]


def party_kind(entity: AnyEntity) -> str:
    if isinstance(entity, GroupCompany):
        return "group company (processor)" if entity.role is Role.PROCESSOR else "group company"
    if isinstance(entity, Processor):
        return "sub-processor" if entity.parent else "processor"
    if isinstance(entity, Recipient):
        return entity.kind.value.replace("_", " ")
    return "party"


def contact(entity: AnyEntity | Organisation, organisation: Organisation | None = None) -> str:
    """Name, where it is established and how to reach it; a missing contact is said, not hidden.

    A group company without its own contact is reached through the organisation's."""
    where = f", {country_label(entity.location)}" if not isinstance(entity, Organisation) else ""
    reach = entity.contact
    if reach is None and isinstance(entity, GroupCompany) and organisation and organisation.contact:
        reach = f"through {organisation.name}: {organisation.contact}"
    return f"{entity.name}{where}; contact: {reach or 'not recorded'}"


def recipient(entity: AnyEntity) -> str:
    return f"{party_kind(entity)}: {entity.name} ({', '.join(entity.where_processed)})"


def safeguard(item: Safeguard) -> str:
    """Kind with module or letter, then the document and the dates: what a lawyer pulls from the file."""
    kind = SAFEGUARD_KINDS[item.kind]
    if item.module is not None:
        kind += f" module {item.module} ({SCC_MODULES[item.module]})"
    if item.letter is not None:
        kind = f"{derogation_point(item.letter)} derogation"
    if item.item is not None:
        kind = f"APPI Art. 27(1)({item.item}) exception"
    if item.law_of is not None:
        kind += f" on {law_label(item.law_of)} law"
    details = [item.reference or "no document recorded"]
    if item.effective:
        details.append(f"from {item.effective.isoformat()}")
    if item.expires:
        details.append(f"until {item.expires.isoformat()}")
    return f"{kind} [{item.id}: {', '.join(details)}]"


def safeguard_kind(item: Safeguard) -> str:
    if item.module is not None:
        return f"{item.kind.value} module {item.module}"
    if item.letter is not None or item.item is not None:
        return f"{item.kind.value} ({item.letter or item.item})"
    return item.kind.value


def derogation_point(letter: str) -> str:
    """Where a derogation letter sits in Art. 49(1): a point (a)-(g), or the second subparagraph."""
    return "Art. 49(1) second subparagraph" if letter == "compelling_interests" else f"Art. 49(1)({letter})"


def derogation(item: Safeguard, reference: Reference) -> str:
    found = reference.derogation(Regime.GDPR, item.letter or "")
    text = derogation_point(item.letter or "") + (f" {found.text}" if found else "")
    return f"{text} [{item.id}: {item.reference or 'no document recorded'}]"


def retention(text: str | None) -> str:
    """An ISO 8601 period with its reading ("P3Y (3 years)"); a rule in words stays as written."""
    if not text:
        return "not recorded"
    match = _DURATION.match(text)
    if not match or not any(match.groups()):
        return text
    parts = [f"{int(n)} {unit}{'' if int(n) == 1 else 's'}" for n, unit in zip(match.groups(), _UNITS, strict=True)
             if n is not None]
    return f"{text} ({', '.join(parts)})"

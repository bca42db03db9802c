"""How registry records read in a legal record: parties, countries, safeguards, bases and periods in words
(the vocabulary itself is registry.labels)."""

from __future__ import annotations

import re
from functools import lru_cache

from registry.labels import (
    NOT_RECORDED,
    SAFEGUARD_KIND_LABELS,
    SCC_MODULE_LABELS,
    label,
    law_label,
    sentence_label,
)
from registry.model import (
    AnyEntity,
    GroupCompany,
    Organisation,
    Processor,
    Recipient,
    Role,
    Safeguard,
    country_label,
)
from registry.reference import Reference, Regime

_DURATION = re.compile(r"^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?$")
_UNITS = ("year", "month", "week", "day")


_country = lru_cache(maxsize=1024)(country_label)  # an export names the same few countries on most of its rows


def countries(codes: list[str] | tuple[str, ...]) -> list[str]:
    return [_country(code) for code in codes]


def party_kind(entity: AnyEntity) -> str:
    if isinstance(entity, GroupCompany):
        return "group company (processor)" if entity.role is Role.PROCESSOR else "group company"
    if isinstance(entity, Processor):
        return "sub-processor" if entity.parent else "processor"
    if isinstance(entity, Recipient):
        return sentence_label(entity.kind)
    return "party"


def contact(entity: AnyEntity | Organisation, organisation: Organisation | None = None) -> str:
    """Name, where it is established and how to reach it; a missing contact is said, not hidden.

    A group company without its own contact is reached through the organisation's."""
    where = f", {country_label(entity.location)}" if not isinstance(entity, Organisation) else ""
    reach = entity.contact
    if reach is None and isinstance(entity, GroupCompany) and organisation and organisation.contact:
        reach = f"through {organisation.name}: {organisation.contact}"
    return f"{entity.name}{where}; contact: {reach or NOT_RECORDED}"


def recipient(entity: AnyEntity) -> str:
    return f"{party_kind(entity)}: {entity.name} ({', '.join(entity.where_processed)})"


def safeguard(item: Safeguard) -> str:
    """Kind with module or letter, then the document and the dates: what a lawyer pulls from the file."""
    kind = SAFEGUARD_KIND_LABELS[item.kind]
    if item.module is not None:
        kind += f" module {item.module} ({SCC_MODULE_LABELS[item.module]})"
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
    """The kind with its module, letter or item, as a cell shows it: "2021 EU standard contractual clauses
    module 3", "Art. 49(1)(e) derogation", "APPI Art. 27(1)(ii) exception"."""
    if item.letter is not None:
        return f"{derogation_point(item.letter)} derogation"
    if item.item is not None:
        return f"APPI Art. 27(1)({item.item}) exception"
    kind = label(item.kind)
    return f"{kind} module {item.module}" if item.module is not None else kind


def derogation_point(letter: str) -> str:
    """Where a derogation letter sits in Art. 49(1): a point (a)-(g), or the second subparagraph."""
    return "Art. 49(1) second subparagraph" if letter == "compelling_interests" else f"Art. 49(1)({letter})"


def derogation(item: Safeguard, reference: Reference) -> str:
    found = reference.derogation(Regime.GDPR, item.letter or "")
    text = derogation_point(item.letter or "") + (f" {found.text}" if found else "")
    return f"{text} [{item.id}: {item.reference or 'no document recorded'}]"


@lru_cache(maxsize=1024)
def retention(text: str | None) -> str:
    """An ISO 8601 period with its reading ("P3Y (3 years)"); a rule in words stays as written."""
    if not text:
        return NOT_RECORDED
    match = _DURATION.match(text)
    if not match or not any(match.groups()):
        return text
    parts = [f"{int(n)} {unit}{'' if int(n) == 1 else 's'}" for n, unit in zip(match.groups(), _UNITS, strict=True)
             if n is not None]
    return f"{text} ({', '.join(parts)})"

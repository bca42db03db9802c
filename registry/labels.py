"""What people read for the registry's machine keys: one place, next to the models.

Machine keys (`gdpr`, `joint_controller`, rule ids, record ids) stay in files, JSON and evidence; text output,
the dashboard and the exports show these labels instead. Each closed set of the model has its mapping below, in
the form a sentence uses ("joint controller"); `label` gives any member as a table cell shows it ("Joint
controller"), and `cell` any value, empty ones as "not recorded" rather than "None".
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from enum import Enum

from registry.model import (
    UNION_LAW,
    Entity,
    Frequency,
    GroupCompany,
    LegalBasis,
    Processor,
    Recipient,
    RecipientKind,
    Role,
    Sector,
    Sensitivity,
    country_name,
)

# What an empty value reads as where a person looks for it (a DPA date, a contact); a table may show "" instead.
NOT_RECORDED = "not recorded"

# Keyed by the regime's machine key; registry.reference.Regime is a StrEnum of the same keys.
REGIME_LABELS: dict[str, str] = {
    "gdpr": "EU/EEA GDPR",
    "uk_gdpr": "UK GDPR",
    "ch_fadp": "Swiss FADP",
    "jp_appi": "Japan APPI",
}

# What each rule says is wrong, as the start of a problem's summary ("no valid transfer tool under UK GDPR").
RULE_SUMMARIES: dict[str, str] = {
    "transfer-without-safeguard": "no valid transfer tool",
    "safeguard-expired": "the transfer tool relied on is not in force",
    "adequacy-out-of-scope": "the adequacy decision relied on does not cover the receiver",
    "bcr-outside-group": "BCRs relied on for a party they do not bind",
    "derogation-misused": "a derogation relied on for a systematic transfer",
    "foreign-authority-disclosure": "a disclosure to a foreign authority on its request alone",
    "onward-transfer-gap": "onward transfer without a valid tool",
    "tia-missing": "no transfer impact assessment",
    "processor-without-dpa": "no data processing agreement",
    "excess-disclosure": "more data than the purpose needs",
    "retention-exceeded": "kept longer than declared",
    "undeclared-flow": "not disclosed in the privacy policy",
}


def rule_summary(rule: str) -> str:
    """What a rule says is wrong, to start a problem's summary; a house rule (`policy:<id>`) by its id."""
    if rule.startswith("policy:"):
        return f"breaks house rule {rule.removeprefix('policy:')}"
    return RULE_SUMMARIES.get(rule, rule)


def regime_label(regime: str | None) -> str:
    """The regime's name for people ("EU/EEA GDPR"); "" for none, and an unknown key as it is."""
    if regime is None:
        return ""
    return REGIME_LABELS.get(str(regime), str(regime))


def regimes_label(regimes: Iterable[str]) -> str:
    """Regimes in the catalogue's order, joined for a sentence: "EU/EEA GDPR, UK GDPR, Japan APPI"."""
    order = list(REGIME_LABELS)
    keys = sorted(set(map(str, regimes)), key=lambda r: (order.index(r) if r in order else len(order), r))
    return ", ".join(regime_label(r) for r in keys)


def countries_label(codes: Iterable[str]) -> str:
    """Country names for a sentence: "India", "India and Philippines", "India, Philippines and Viet Nam"."""
    names = [country_name(c) for c in codes]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1] if names else ""


def law_label(origin: str) -> str:
    """Whose law a safeguard's `law_of` names, before "law": "United States", "EU"."""
    return "EU" if origin == UNION_LAW else country_name(origin)


def entity_label(entity: Entity) -> str:
    """The entity's name and where it processes data: "Follow-the-sun operations centre (example), India"; a name
    that already names every country it processes in stands alone ("Follow-the-sun operations centre, India
    (example)", not "..., India (example), India")."""
    if entity.where_processed and all(country_name(code) in entity.name for code in entity.where_processed):
        return entity.name
    return f"{entity.name}, {countries_label(entity.where_processed)}"


# -- Every closed set of the model, in a sentence's words (tests hold each to every member of its set) ----------

SAFEGUARD_KIND_LABELS: dict[str, str] = {
    "adequacy": "adequacy decision",
    "scc_2021": "2021 EU standard contractual clauses",
    "scc_legacy": "pre-2021 standard contractual clauses",
    "bcr": "binding corporate rules",
    "uk_idta": "UK International Data Transfer Agreement",
    "uk_addendum": "UK Addendum to the EU standard contractual clauses",
    "appi_consent": "APPI consent",
    "appi_equivalent_system": "APPI equivalent-system contract",
    "appi_cbpr": "APEC CBPR certification (APPI)",
    "appi_exception": "APPI Art. 27(1) exception",
    "derogation_49": "Art. 49 derogation",
    "code_of_conduct": "code of conduct",
    "certification": "certification",
}


def safeguard_kind_label(kind: str) -> str:
    return SAFEGUARD_KIND_LABELS.get(str(kind), str(kind))


ROLE_LABELS: dict[str, str] = {
    Role.CONTROLLER: "controller",
    Role.JOINT_CONTROLLER: "joint controller",
    Role.PROCESSOR: "processor",
}
SECTOR_LABELS: dict[str, str] = {
    Sector.COMMERCIAL: "commercial",
    Sector.PUBLIC: "public sector",
    Sector.NON_PROFIT: "non-profit",
}
RECIPIENT_KIND_LABELS: dict[str, str] = {
    RecipientKind.LAW_ENFORCEMENT: "law enforcement authority",
    RecipientKind.REGULATOR: "regulator",
    RecipientKind.AUTHORITY: "public authority",
    RecipientKind.ACQUIRER: "buyer of the business",
    RecipientKind.AUDITOR: "auditor",
    RecipientKind.FRAUD_PREVENTION: "fraud prevention service",
    RecipientKind.OTHER: "other recipient",
}
SENSITIVITY_LABELS: dict[str, str] = {
    Sensitivity.STANDARD: "standard",
    Sensitivity.SPECIAL: "special category (GDPR Art. 9)",
    Sensitivity.CRIMINAL: "criminal convictions and offences (GDPR Art. 10)",
}
LEGAL_BASIS_LABELS: dict[str, str] = {
    LegalBasis.CONSENT: "Art. 6(1)(a) consent",
    LegalBasis.CONTRACT: "Art. 6(1)(b) contract",
    LegalBasis.LEGAL_OBLIGATION: "Art. 6(1)(c) legal obligation",
    LegalBasis.VITAL_INTERESTS: "Art. 6(1)(d) vital interests",
    LegalBasis.PUBLIC_TASK: "Art. 6(1)(e) public task",
    LegalBasis.LEGITIMATE_INTERESTS: "Art. 6(1)(f) legitimate interests",
}
FREQUENCY_LABELS: dict[str, str] = {
    Frequency.SYSTEMATIC: "systematic",
    Frequency.OCCASIONAL: "occasional",
}
# A finding's severity (registry.checks.finding.Severity) and a house rule's (model.PolicySeverity).
SEVERITY_LABELS: dict[str, str] = {"high": "high", "medium": "medium", "low": "low"}
SCC_MODULE_LABELS: dict[int, str] = {1: "controller to controller", 2: "controller to processor",
                                     3: "processor to processor", 4: "processor to controller"}
DEROGATION_LETTER_LABELS: dict[str, str] = {
    "a": "Art. 49(1)(a) explicit consent",
    "b": "Art. 49(1)(b) performance of a contract with the data subject",
    "c": "Art. 49(1)(c) contract in the data subject's interest",
    "d": "Art. 49(1)(d) important reasons of public interest",
    "e": "Art. 49(1)(e) legal claims",
    "f": "Art. 49(1)(f) vital interests",
    "g": "Art. 49(1)(g) public register",
    "compelling_interests": "Art. 49(1) second subparagraph (compelling legitimate interests)",
}
APPI_ITEM_LABELS: dict[str, str] = {
    "i": "APPI Art. 27(1)(i) laws and regulations",
    "ii": "APPI Art. 27(1)(ii) life, body or property",
    "iii": "APPI Art. 27(1)(iii) public health or children",
    "iv": "APPI Art. 27(1)(iv) cooperation with a state organ",
}
# What a house rule's `kinds` name: a kind of record, a processor working for another, or a recipient's kind.
PARTY_KIND_LABELS: dict[str, str] = {
    "group_company": "group company", "processor": "processor", "sub_processor": "sub-processor",
    "recipient": "recipient", **RECIPIENT_KIND_LABELS,
}
# Who may do what in the dashboard and CLI (registry.access.Role), by the role's key.
ACCESS_ROLE_LABELS: dict[str, str] = {
    "viewer": "viewer", "dpo": "DPO", "legal": "legal", "engineer": "engineer", "admin": "administrator",
}

# Whom an adequacy decision covers (registry.reference.AdequacyScope), as "covering ...".
ADEQUACY_SCOPE_LABELS: dict[str, str] = {
    "all": "every organisation", "dpf_certified": "organisations on the EU-US DPF List",
    "dpf_uk_extension": "organisations on the UK Extension to the EU-US DPF",
    "dpf_swiss": "organisations on the Swiss-US DPF List", "commercial": "commercial organisations",
    "private_sector": "the private sector", "safe_harbour": "Safe Harbour organisations",
    "privacy_shield": "Privacy Shield organisations",
}

# Each StrEnum the registry shows people, by its qualified name: the enums of registry.checks and
# registry.access are named rather than imported, as those modules read this one.
ENUM_LABELS: dict[str, Mapping[str, str]] = {
    "registry.model.Role": ROLE_LABELS,
    "registry.model.Sector": SECTOR_LABELS,
    "registry.model.RecipientKind": RECIPIENT_KIND_LABELS,
    "registry.model.Sensitivity": SENSITIVITY_LABELS,
    "registry.model.LegalBasis": LEGAL_BASIS_LABELS,
    "registry.model.SafeguardKind": SAFEGUARD_KIND_LABELS,
    "registry.model.Frequency": FREQUENCY_LABELS,
    "registry.reference.Regime": REGIME_LABELS,
    "registry.reference.AdequacyScope": ADEQUACY_SCOPE_LABELS,
    "registry.checks.finding.Severity": SEVERITY_LABELS,
    "registry.access.Role": ACCESS_ROLE_LABELS,
}


def _qualified(enum_type: type) -> str:
    return f"{enum_type.__module__}.{enum_type.__qualname__}"


def sentence_label(value: Enum | None) -> str:
    """A member's words inside a sentence ("joint controller"); "" for None. An enum without labels is a bug
    that the model's test catches; its value is shown with spaces rather than failing a page."""
    if value is None:
        return ""
    labels = ENUM_LABELS.get(_qualified(type(value)), {})
    return labels.get(value.value, str(value.value).replace("_", " "))


def capitalised(words: str) -> str:
    """Words as a label or a sentence's start: the first letter upper case, the rest as written ("EU-US DPF")."""
    return words[:1].upper() + words[1:]


def label(value: Enum | None, *, empty: str = NOT_RECORDED) -> str:
    """A member as a table cell or heading shows it ("Joint controller", "APPI equivalent-system contract");
    `empty` for None."""
    if value is None:
        return empty
    return capitalised(sentence_label(value))


def party_kind_label(kind: str) -> str:
    """A house rule's party kind in words ("sub-processor", "law enforcement authority")."""
    return PARTY_KIND_LABELS.get(kind, kind.replace("_", " "))


def yes_no(value: bool | None, *, empty: str = NOT_RECORDED) -> str:
    return empty if value is None else "yes" if value else "no"


def is_empty(value: object) -> bool:
    """None, blank text, an empty list, or a missing number (NaN, as pandas fills a gap)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return True
    return isinstance(value, str | list | tuple | set | frozenset) and not (value.strip() if isinstance(value, str)
                                                                           else value)


def cell(value: object, *, empty: str = NOT_RECORDED) -> str:
    """Any value as a person reads it in a table or a sentence: a member by its label, a day as YYYY-MM-DD, a
    flag as yes or no, a list joined with commas, and an empty value as `empty`, never "None" or "nan"."""
    if is_empty(value):
        return empty
    if isinstance(value, Enum):
        return label(value, empty=empty)
    if isinstance(value, bool):
        return yes_no(value)
    if isinstance(value, datetime):
        return f"{value:%Y-%m-%d %H:%M}"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list | tuple | set | frozenset):
        return ", ".join(cell(item, empty="") for item in value if not is_empty(item))
    return str(value)


# The Data Privacy Framework lists an entity may be on, by the model's field: the list's name and the regime whose
# adequacy decision it makes apply (registry.reference.AdequacyScope names the same three).
DPF_LISTS: dict[str, tuple[str, str]] = {
    "dpf_certified": ("EU-US Data Privacy Framework", "gdpr"),
    "dpf_uk_extension": ("UK Extension to the EU-US DPF", "uk_gdpr"),
    "dpf_swiss": ("Swiss-US Data Privacy Framework", "ch_fadp"),
}


def dpf_lists_label(entity: Entity, *, empty: str = "none") -> str:
    """The DPF lists the entity is on, by name: "EU-US Data Privacy Framework, Swiss-US Data Privacy Framework"."""
    return ", ".join(name for field, (name, _) in DPF_LISTS.items() if getattr(entity, field)) or empty


def roles_label(roles: Iterable[Enum]) -> str:
    """A user's roles for a sentence: "DPO, Engineer"; "no role" for none."""
    return ", ".join(sorted(label(role) for role in roles)) or "no role"


def entity_kind_label(entity: Entity) -> str:
    """What kind of party it is: "Group company", "Processor", "Sub-processor" or "Recipient"."""
    if isinstance(entity, GroupCompany):
        return "Group company"
    if isinstance(entity, Processor):
        return "Sub-processor" if entity.parent else "Processor"
    return "Recipient"


def entity_role_label(entity: Entity) -> str:
    """The part it plays in its flows: a group company's role, a recipient's kind, or "Processor"."""
    if isinstance(entity, GroupCompany):
        return label(entity.role)
    if isinstance(entity, Recipient):
        return label(entity.kind)
    return entity_kind_label(entity)

"""What people read for the registry's machine keys: one place, next to the models.

Machine keys (`gdpr`, rule ids, record ids) stay in files, JSON and evidence; text output, the dashboard and
the exports show these labels instead.
"""

from __future__ import annotations

from collections.abc import Iterable

from registry.model import UNION_LAW, Entity, GroupCompany, Processor, Recipient, country_name

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
    """The entity's name and where it processes data: "Follow-the-sun operations centre (example), India"."""
    return f"{entity.name}, {countries_label(entity.where_processed)}"


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


# Entities' kinds and roles, for the graph explorer's legend and hover text.
ROLE_LABELS: dict[str, str] = {
    "controller": "Controller",
    "joint_controller": "Joint controller",
    "processor": "Processor",
}

RECIPIENT_KIND_LABELS: dict[str, str] = {
    "law_enforcement": "Law-enforcement authority",
    "regulator": "Regulator",
    "authority": "Public authority",
    "acquirer": "Acquirer",
    "auditor": "Auditor",
    "fraud_prevention": "Fraud-prevention service",
    "other": "Other recipient",
}


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
        return ROLE_LABELS.get(str(entity.role), str(entity.role))
    if isinstance(entity, Recipient):
        return RECIPIENT_KIND_LABELS.get(str(entity.kind), str(entity.kind))
    return "Sub-processor" if isinstance(entity, Processor) and entity.parent else "Processor"

"""Small registries built in code for rule tests: a controller in one country, and helpers to add the rest."""

from __future__ import annotations

from datetime import date
from typing import Any

from registry.checks import Finding, run_checks
from registry.model import Registry

AS_OF = date(2026, 11, 24)


def registry(
    *,
    flows: list[dict[str, Any]],
    companies: list[dict[str, Any]] | None = None,
    processors: list[dict[str, Any]] | None = None,
    recipients: list[dict[str, Any]] | None = None,
    safeguards: list[dict[str, Any]] | None = None,
    subjects: list[dict[str, Any]] | None = None,
    purposes: list[dict[str, Any]] | None = None,
    promises_encryption: bool = True,
    policies: list[dict[str, Any]] | None = None,
    categories: list[dict[str, Any]] | None = None,
) -> Registry:
    """A valid registry; flows default to EEA subjects, the campaign purpose, email only, encrypted, declared."""
    categories = [{"id": c, "name": c} for c in ("user.contact.email", "user.contact.phone", "user.advertising.ad_id")
                  ] + (categories or [])
    return Registry.model_validate({
        "organisation": {"id": "org", "name": "Org", "promises_encryption_in_transit": promises_encryption},
        "group_companies": companies if companies is not None else [
            {"id": "hq", "name": "HQ", "country": "DE", "region": "EMEA", "bcr_bound": True}],
        "processors": processors or [],
        "recipients": recipients or [],
        "data_subject_groups": subjects or [{"id": "eea", "name": "EEA users", "regions": ["EEA"]}],
        "data_categories": categories,
        "purposes": purposes or [{"id": "campaign", "name": "Campaign", "legal_basis": "contract",
                                  "necessary_categories": ["user.contact"], "retention": "P3Y",
                                  "source": "policy 3-1"}],
        "safeguards": safeguards or [],
        "flows": [{"subjects": ["eea"], "categories": ["user.contact.email"], "purpose": "campaign",
                   "encrypted_in_transit": True, "source": "policy 4-2", **flow} for flow in flows],
        "policies": [{"title": "A house rule", "severity": "high", "source": "privacy office", **policy}
                     for policy in policies or []],
    })


def processor(id: str, country: str, **more: Any) -> dict[str, Any]:
    return {"id": id, "name": id, "country": country, "dpa_signed": "2015-01-01", **more}


def scc(id: str, module: int = 2, effective: str = "2024-01-01", **more: Any) -> dict[str, Any]:
    return {"id": id, "kind": "scc_2021", "module": module, "effective": effective, **more}


def findings(reg: Registry, as_of: date = AS_OF, rule: str | None = None) -> list[Finding]:
    found = run_checks(reg, as_of)
    return [f for f in found if rule is None or f.rule == rule]


def flagged(reg: Registry, rule: str, as_of: date = AS_OF) -> set[tuple[str | None, tuple[str, ...]]]:
    """(regime, flows) of each finding of one rule: what a test usually asserts on."""
    return {(f.regime, tuple(f.evidence.flows)) for f in findings(reg, as_of, rule)}

"""What several pages show of one record: a regime's name, a flow's row, a safeguard's row with its status."""

from __future__ import annotations

from datetime import date, timedelta

from registry.calendar import lapses_on
from registry.labels import cell, countries_label, label, law_label, regime_label, yes_no
from registry.model import Flow, Safeguard
from registry.snapshot import Snapshot

# The Overview's "Coming up" looks this far ahead, and a safeguard the calendar lets lapse inside it expires soon.
COMING_UP_DAYS = 90
EXPIRED = "expired"
EXPIRING = f"expires within {COMING_UP_DAYS} days"


def flow_row(snapshot: Snapshot, flow: Flow) -> dict[str, object]:
    """The flow in words: its id to copy, then parties, countries, data categories and purpose by name."""
    registry = snapshot.registry
    entities, categories = registry.entities, registry.categories_by_id
    purpose = registry.purposes_by_id.get(flow.purpose)
    flagged = snapshot.flagged_flows.get(flow.id)
    return {
        "flow": flow.id, "from": entities[flow.sender].name, "to": entities[flow.receiver].name,
        "sender countries": countries_label(entities[flow.sender].where_processed),
        "receiver countries": countries_label(entities[flow.receiver].where_processed),
        "categories": ", ".join(categories[c].name if c in categories else c for c in flow.categories),
        "purpose": purpose.name if purpose else flow.purpose,
        "safeguards": ", ".join(flow.safeguards), "frequency": label(flow.frequency),
        "encrypted in transit": yes_no(flow.encrypted_in_transit),
        "tia": cell(flow.tia, empty=""), "worst open finding": label(flagged, empty=""),
    }


def safeguard_row(snapshot: Snapshot, safeguard: Safeguard) -> dict[str, object]:
    """The safeguard in words: its kind with module, letter or item, and its parties by name."""
    detail = (f" module {safeguard.module}" if safeguard.module else
              f" letter {safeguard.letter}" if safeguard.letter else
              f" item {safeguard.item}" if safeguard.item else "")
    if safeguard.law_of:
        detail += f" on {law_label(safeguard.law_of)} law"
    parties = snapshot.registry.entities
    organisation = snapshot.registry.organisation
    names = [parties[p].name if p in parties else organisation.name if organisation and organisation.id == p else p
             for p in safeguard.parties]
    return {
        "safeguard": safeguard.id, "kind": label(safeguard.kind) + detail,
        "effective": safeguard.effective, "expires": safeguard.expires,
        "status": safeguard_status(snapshot, safeguard), "reference": cell(safeguard.reference, empty=""),
        "parties": ", ".join(names),
    }


def safeguard_status(snapshot: Snapshot, safeguard: Safeguard) -> str:
    """The safeguard's own dates, then its tool's validity window under each regime (the rules' calendar)."""
    validity = snapshot.safeguard_validity(safeguard)
    if validity.not_yet_effective:
        return "not yet effective"
    if validity.expired:
        return EXPIRED
    if validity.lapsed:
        return f"{EXPIRED} under " + "; ".join(f"{regime_label(r)}: {why}" for r, why in validity.lapsed.items())
    if expires_soon(safeguard, snapshot.as_of):
        return EXPIRING
    return "in force"


def expires_soon(safeguard: Safeguard, as_of: date) -> bool:
    """Does it lapse on a day the forecast from `as_of` covers (registry.calendar), so that "Coming up" names it
    when a problem opens then?"""
    lapses = lapses_on(safeguard)
    return lapses is not None and as_of < lapses <= as_of + timedelta(days=COMING_UP_DAYS)

"""What the engine knows on a day: the adequacy decisions, transfer tools, derogations and exceptions in force, and
what each regime asks of a disclosure to a foreign authority or a buyer, per regime.

`flowreg reference` prints this, so a DPO can see which facts a `check` of that day is judged with, and where
each comes from.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from registry.reference import (
    Adequacy,
    Derogation,
    DisclosureRecipient,
    DisclosureRule,
    Reference,
    Regime,
    Tool,
    regime_name,
)


@dataclass(frozen=True)
class RegimeListing:
    regime: Regime
    decisions: tuple[Adequacy, ...]  # in force on the day, for the destination asked about (or all)
    ended: tuple[Adequacy, ...]  # decisions for the destination asked about that no longer apply
    tools: tuple[Tool, ...]  # in force on the day
    derogations: tuple[Derogation, ...]  # and the APPI Art. 27(1) items
    disclosures: tuple[DisclosureRule, ...]


@dataclass(frozen=True)
class Listing:
    on: date
    destination: str | None  # a country code or an international organisation's key; None: every destination
    regimes: tuple[RegimeListing, ...]
    reviewed: date | None
    warning: str | None


def listing(reference: Reference, on: date, regime: Regime | None = None, destination: str | None = None) -> Listing:
    """The facts in force on `on`, for one regime or all, about one destination or all."""
    found = []
    for each in [regime] if regime else list(Regime):
        if destination is None:
            decisions = tuple(reference.adequate_countries(each, on))
            ended: tuple[Adequacy, ...] = ()
        else:
            current = reference.adequacy(each, destination, on)
            decisions = (current,) if current else ()
            ended = tuple(a for a in reference.adequacy_history(each, destination) if a.ends and a.ends <= on)
        tools = tuple(t for t in reference.tools if t.regime is each and t.lapse(on, None) is None)
        derogations = tuple(d for d in reference.derogations if d.regime is each)
        disclosures = tuple(d for d in reference.disclosures if d.regime is each)
        found.append(RegimeListing(each, decisions, ended, tools, derogations, disclosures))
    return Listing(on, destination, tuple(found), reference.reviewed, reference.staleness(on))


_RECIPIENTS = {DisclosureRecipient.AUTHORITY: "a foreign authority",
               DisclosureRecipient.ACQUIRER: "a buyer of the business"}


def _dates(start: date | None, end: date | None) -> str:
    since = f"from {start}" if start else "no start date"
    return f"{since}, last day {date.fromordinal(end.toordinal() - 1)}" if end else since


def render_text(found: Listing) -> str:
    where = f" for {found.destination}" if found.destination else ""
    lines = [f"reference data in force on {found.on}{where} (reviewed {found.reviewed or 'never'})"]
    if found.warning:
        lines.append(f"warning: {found.warning}")
    for each in found.regimes:
        lines.append(f"\n{regime_name(each.regime)} ({each.regime.value})")
        lines.append("  adequacy decisions:")
        if not each.decisions:
            lines.append(f"    none in force{where}")
        for decision in each.decisions:
            lines.append(f"    {decision.country}: {decision.instrument}; {_dates(decision.adopted, decision.ends)}; "
                         f"scope {decision.scope.value}; confidence {decision.confidence}")
            if decision.note:
                lines.append(f"      note: {decision.note}")
            lines.append(f"      source: {decision.source}")
        for decision in each.ended:
            lines.append(f"    ended: {decision.instrument}; {_dates(decision.adopted, decision.ends)}")
        lines.append("  transfer tools:")
        for tool in each.tools:
            closed = f"; no new contracts from {tool.new_contracts_until}" if tool.new_contracts_until else ""
            lines.append(f"    {tool.kind}: {tool.name}; {_dates(tool.in_force, tool.valid_until)}{closed}; "
                         f"confidence {tool.confidence}")
            lines.append(f"      source: {tool.source}")
        lines.append("  derogations and exceptions:")
        for derogation in each.derogations:
            occasional = "; occasional transfers only" if derogation.occasional_only else ""
            domestic = f"; the {derogation.domestic.value} must be the regime's own" if derogation.domestic else ""
            lines.append(f"    ({derogation.letter}) {derogation.article}: {derogation.text}{occasional}{domestic}; "
                         f"confidence {derogation.confidence}")
            if derogation.duty:
                lines.append(f"      duty: {derogation.duty}")
            lines.append(f"      source: {derogation.source}")
        for rule in each.disclosures:
            lines.append(f"  disclosure to {_RECIPIENTS[rule.recipient]}: {rule.text}; confidence {rule.confidence}")
            lines.append(f"    source: {rule.source}")
    return "\n".join(lines) + "\n"


def _adequacy(decision: Adequacy) -> dict[str, object]:
    return {"destination": decision.country, "international_organisation": decision.international_organisation,
            "instrument": decision.instrument, "from": decision.adopted.isoformat(),
            "ends": decision.ends.isoformat() if decision.ends else None, "scope": decision.scope.value,
            "note": decision.note, "confidence": decision.confidence, "source": decision.source}


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def document(found: Listing) -> dict[str, object]:
    """The listing as a JSON-ready document; dates are ISO strings, `ends`/`valid_until` the first day gone."""
    return {
        "as_of": found.on.isoformat(), "destination": found.destination,
        "reference_data": {"reviewed": _iso(found.reviewed), "warning": found.warning},
        "regimes": [{
            "regime": each.regime.value, "name": regime_name(each.regime),
            "adequacy": [_adequacy(d) for d in each.decisions],
            "ended_adequacy": [_adequacy(d) for d in each.ended],
            "tools": [{"kind": t.kind, "name": t.name, "in_force": _iso(t.in_force),
                       "new_contracts_until": _iso(t.new_contracts_until), "valid_until": _iso(t.valid_until),
                       "requires": t.requires, "intra_group_only": t.intra_group_only,
                       "occasional_only": t.occasional_only, "confidence": t.confidence, "source": t.source}
                      for t in each.tools],
            "derogations": [{"letter": d.letter, "article": d.article, "text": d.text,
                             "occasional_only": d.occasional_only, "fits_systematic": d.fits_systematic,
                             "domestic": d.domestic.value if d.domestic else None, "duty": d.duty or None,
                             "confidence": d.confidence, "source": d.source}
                            for d in each.derogations],
            "disclosures": [{"recipient": d.recipient.value, "text": d.text, "confidence": d.confidence,
                             "source": d.source} for d in each.disclosures],
        } for each in found.regimes],
    }

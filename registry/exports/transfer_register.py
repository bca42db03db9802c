"""The transfer register: one row per cross-border flow and regime that treats it as a transfer.

A flow judged by several regimes gets one row per regime, because each regime has its own third
countries, adequacy decisions and transfer tools, so the safeguard relied on and the status differ (the
same contract can be valid under the APPI and expired under the GDPR). A cross-border flow that no judging
regime treats as a transfer (Japan to the EEA judged only by the GDPR, say) still gets one row, with no
regime, so the register lists every cross-border flow. Which flows are cross-border and how each regime
judges them comes from registry.transfers, the same analysis the rules use. A contingent flow (a handover to a
buyer of the business) is listed before its effective day too, as the transfer it would be, with what must be in
place by then.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date

from registry.checks.finding import Finding, worst_open
from registry.exports.findings import FindingsByFlow, rule_ids
from registry.exports.table import Column, Kind, Record, Row, Rows, Table, Tail
from registry.exports.wording import countries, retention, safeguard_kind
from registry.labels import label
from registry.model import Recipient, RecipientKind, Registry, SafeguardKind, country_label
from registry.reference import DisclosureRecipient, Reference, regime_name
from registry.transfers import Destination, FlowAnalysis, RegimeVerdict, SafeguardStatus

COLUMNS = (
    Column("flow", "Flow", width=26),
    Column("regime", "Regime", width=14),
    Column("sender", "Sender", width=28),
    Column("sender_countries", "Sender country", Kind.LIST, width=16),
    Column("receiver", "Receiver", width=28),
    Column("receiver_country", "Receiver country", width=16),
    Column("receiver_processing_countries", "Receiver processing countries", Kind.LIST, width=18),
    Column("third_countries", "Third countries under this regime", Kind.LIST, width=18),
    Column("adequacy", "Adequacy decision", Kind.LIST, width=30),
    Column("subjects", "Data subjects", Kind.LIST, width=26),
    Column("categories", "Data categories", Kind.LIST, width=34),
    Column("purpose", "Purpose", width=28),
    Column("frequency", "Frequency", width=11),
    Column("safeguards", "Safeguards", Kind.LIST, width=24),
    Column("safeguard_kinds", "Safeguard kind (module or letter)", Kind.LIST, width=24),
    Column("references", "Reference documents", Kind.LIST, width=34),
    Column("effective", "Effective", Kind.DATE, width=12),
    Column("expires", "Expires", Kind.DATE, width=12),
    Column("safeguard_validity", "Safeguard validity as of date", Kind.LIST, width=34),
    Column("tia", "TIA reference", width=26),
    Column("supplementary_measures", "Supplementary measures", Kind.LIST, width=30),
    Column("encrypted_in_transit", "Encrypted in transit", Kind.BOOL, width=11),
    Column("encrypted_at_rest", "Encrypted at rest", Kind.BOOL, width=11),
    Column("retention", "Retention", width=20),
    Column("status", "Status", width=28),
    Column("to_put_in_place", "To put in place", Kind.LIST, width=40),
    Column("acknowledged", "Acknowledged", Kind.LIST, width=20),
    Column("source", "Source", width=14),
)


def relied_on(verdict: RegimeVerdict) -> list[SafeguardStatus]:
    """The flow's safeguards that mean something under this regime: its transfer tools (valid or not) and
    any adequacy it declares where a decision for the destination exists; the rest belong to other regimes."""
    adequacy_exists = any(d.adequacy is not None for d in verdict.destinations)
    return [s for s in verdict.safeguards
            if s.tool is not None or (s.safeguard.kind is SafeguardKind.ADEQUACY and adequacy_exists)]


def _adequacy(destination: Destination) -> str:
    decision = destination.adequacy
    if decision is None:
        ended = destination.historic_adequacy
        return f"{destination.country}: none" + (f" ({ended.instrument} ended {ended.ends})" if ended else "")
    scope = "recipient in scope" if destination.adequacy_in_scope else f"recipient outside its scope ({decision.scope})"
    return f"{destination.country}: {decision.instrument}, {scope}"


def _validity(status: SafeguardStatus) -> str:
    if status.tool is None:
        return f"{status.safeguard.id}: documents an adequacy decision"
    return f"{status.safeguard.id}: {'valid' if status.valid else status.problem}"


def _contingency(analysis: FlowAnalysis) -> list[str]:
    """What the status says of a contingent flow that is not live on the day."""
    if analysis.live:
        return []
    effective = analysis.flow.effective
    return [f"contingent: not live until {effective}" if effective else "contingent: no effective day recorded"]


def to_put_in_place(analysis: FlowAnalysis, verdict: RegimeVerdict | None, statuses: list[SafeguardStatus],
                    reference: Reference) -> list[str]:
    """What the sender must have in place under this regime: for a buyer of the business abroad, what the
    regime asks before the handover (while it is not live, or lacks a basis); for an exception relied on, the
    duty it brings (FADP Art. 17(2): tell the FDPIC on request)."""
    needed: list[str] = []
    receiver = analysis.receiver
    buyer = isinstance(receiver, Recipient) and receiver.kind is RecipientKind.ACQUIRER
    if verdict is not None and analysis.flow.contingent and buyer and (not analysis.live or verdict.gap):
        rule = reference.disclosure(verdict.regime, DisclosureRecipient.ACQUIRER)
        if rule is not None:
            needed.append(rule.text)
    needed += [s.exception.duty for s in statuses if s.valid and s.exception is not None and s.exception.duty]
    return list(dict.fromkeys(needed))


def _row(analysis: FlowAnalysis, verdict: RegimeVerdict | None, registry: Registry,
         related: list[Finding], reference: Reference) -> Row:
    flow = analysis.flow
    statuses = relied_on(verdict) if verdict else []
    safeguards = [s.safeguard for s in statuses]
    effective = [s.effective for s in safeguards if s.effective]
    expires = [s.expires for s in safeguards if s.expires]
    purpose = registry.purposes_by_id[flow.purpose]
    third = [d.country for d in verdict.destinations] if verdict else list(analysis.destination_countries)
    acknowledged = rule_ids(f for f in related if f.acknowledged)
    return {  # in the order of COLUMNS: the walk takes the values as the row's cells
        "flow": flow.id,
        "regime": regime_name(verdict.regime) if verdict else None,
        "sender": analysis.sender.name,
        "sender_countries": countries(analysis.sender_countries),
        "receiver": analysis.receiver.name,
        "receiver_country": country_label(analysis.receiver.location),
        "receiver_processing_countries": countries(analysis.receiver_countries),
        "third_countries": countries(third),
        "adequacy": [_adequacy(d) for d in verdict.destinations] if verdict else [],
        "subjects": [registry.subject_groups_by_id[s].name for s in flow.subjects],
        "categories": list(flow.categories),
        "purpose": purpose.name,
        "frequency": label(flow.frequency),
        "safeguards": [s.id for s in safeguards],
        "safeguard_kinds": [safeguard_kind(s) for s in safeguards],
        "references": list(dict.fromkeys(s.reference for s in safeguards if s.reference)),
        # Several instruments together (SCCs plus the UK Addendum) hold from the last one's start to the
        # first one's end.
        "effective": max(effective) if effective else None,
        "expires": min(expires) if expires else None,
        "safeguard_validity": [_validity(s) for s in statuses],
        "tia": flow.tia,
        "supplementary_measures": list(flow.supplementary_measures),
        "encrypted_in_transit": flow.encrypted_in_transit,
        "encrypted_at_rest": flow.encrypted_at_rest,
        "retention": retention(flow.retention or purpose.retention),
        "status": "; ".join([*_contingency(analysis), *rule_ids(related)]) or "ok",
        "to_put_in_place": to_put_in_place(analysis, verdict, statuses, reference),
        "acknowledged": acknowledged,
        "source": flow.source,
    }


def transfers_table(analyses: Sequence[FlowAnalysis], findings: Sequence[Finding], registry: Registry,
                    as_of: date, reference: Reference) -> Table:
    """`analyses` as TransferAnalyser.analyse_all gives them for `as_of`; `findings` for the same day."""
    index = FindingsByFlow(findings)
    crossing = [analysis for analysis in analyses if analysis.is_cross_border]

    def walk() -> Iterator[Record]:
        for analysis in crossing:
            verdicts: list[RegimeVerdict | None] = list(analysis.transfers_when_live) or [None]
            for verdict in verdicts:
                related = index.of([analysis.flow.id], verdict.regime.value if verdict else None)
                row = _row(analysis, verdict, registry, related, reference)
                yield tuple(row.values()), Tail.EMPTY[worst_open(related)]

    count = sum(len(analysis.transfers_when_live) or 1 for analysis in crossing)
    return Table("transfers", f"Transfer register as of {as_of.isoformat()}", COLUMNS, Rows(count, walk))

"""The record of processing activities (GDPR Art. 30), one row per processing activity.

Art. 30(1): one row per (controller, purpose), for every group company acting as controller or joint
controller, over the flows it sends or receives for that purpose. Art. 30(2): one row per (processor,
controller served, purpose) over the flows the processor receives; the controller served is found by
following the flows of that purpose back to a controller (a sub-processor serves the controller its
parent serves). For service providers outside the group the rows record what the group knows; the
processor's own record is its own duty.

Column headings follow the ICO's controller documentation template where it has the column; the rest
are Art. 30 items the template folds into its header block (DPO, representative) or facts the registry
adds (flows, source, open findings).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from registry.checks.finding import Finding, worst_open
from registry.exports import wording
from registry.exports.findings import FindingsByFlow, rule_ids
from registry.exports.table import Column, Kind, Record, Rows, Table, Tail
from registry.labels import LEGAL_BASIS_LABELS, sentence_label
from registry.model import (
    AnyEntity,
    Flow,
    GroupCompany,
    Processor,
    Recipient,
    Registry,
    Role,
    SafeguardKind,
    Sensitivity,
)
from registry.reference import Reference, regime_name
from registry.transfers import FlowAnalysis

CONTROLLER_RECORD = "Art. 30(1) controller"
PROCESSOR_RECORD = "Art. 30(2) processor"

COLUMNS = (
    Column("activity", "Activity", width=30),
    Column("record", "Record", width=20),
    Column("controller", "Name and contact details of controller", width=34),
    Column("processor", "Name and contact details of processor", width=34),
    Column("joint_controllers", "Name and contact details of joint controller (if applicable)", Kind.LIST,
           width=34),
    Column("dpo", "Data protection officer", width=20),
    Column("representative", "Representative", width=20),
    Column("purpose", "Purpose of processing", width=30),
    Column("lawful_basis", "Article 6 lawful basis for processing personal data", width=22),
    Column("individuals", "Categories of individuals", Kind.LIST, width=30),
    Column("personal_data", "Categories of personal data", Kind.LIST, width=40),
    Column("special_data", "Special category or criminal offence data", Kind.LIST, width=16),
    Column("recipients", "Categories of recipients", Kind.LIST, width=40),
    Column("processor_contracts", "Link to contract with processor", Kind.LIST, width=34),
    Column("third_countries",
           "Names of third countries or international organisations that personal data are transferred to "
           "(if applicable)", Kind.LIST, width=26),
    Column("transfer_safeguards", "Safeguards for transfers to third countries (documentation)", Kind.LIST,
           width=50),
    Column("exceptional_safeguards",
           "Safeguards for exceptional transfers of personal data to third countries or international "
           "organisations (if applicable)", Kind.LIST, width=34),
    Column("retention", "Retention schedule (if possible)", Kind.LIST, width=30),
    Column("security", "General description of technical and organisational security measures (if possible)",
           Kind.LIST, width=44),
    Column("location", "Location of personal data", Kind.LIST, width=22),
    Column("flows", "Flows", Kind.LIST, width=26),
    Column("source", "Source", width=16),
    Column("open_findings", "Open findings", Kind.LIST, width=26),
)


def is_controller(entity: AnyEntity) -> bool:
    """A group company deciding purposes, or an outside recipient (which decides its own)."""
    if isinstance(entity, GroupCompany):
        return entity.role is not Role.PROCESSOR
    return isinstance(entity, Recipient)


def is_processor(entity: AnyEntity) -> bool:
    return isinstance(entity, Processor) or (isinstance(entity, GroupCompany) and entity.role is Role.PROCESSOR)


@dataclass
class _Context:
    registry: Registry
    reference: Reference
    analyses: dict[str, FlowAnalysis]
    index: FindingsByFlow
    received: dict[str, list[Flow]] = field(default_factory=dict)  # by receiver, in id order
    sent: dict[str, list[Flow]] = field(default_factory=dict)  # by sender, in id order
    # The same flows grouped once by party and purpose, so no row or walk filters a party's flows again.
    sent_for: dict[tuple[str, str], list[Flow]] = field(default_factory=dict)  # by (sender, purpose), in id order
    senders: dict[tuple[str, str], list[str]] = field(default_factory=dict)  # by (receiver, purpose)
    _behind: dict[tuple[str, str], frozenset[str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for flow in sorted(self.registry.flows, key=lambda f: f.id):
            self.received.setdefault(flow.receiver, []).append(flow)
            self.sent.setdefault(flow.sender, []).append(flow)
            self.sent_for.setdefault((flow.sender, flow.purpose), []).append(flow)
            self.senders.setdefault((flow.receiver, flow.purpose), []).append(flow.sender)

    def controllers_behind(self, entity_id: str, purpose: str) -> frozenset[str]:
        """The controllers on whose behalf `entity_id` holds data for `purpose`: those reached by following the
        flows of that purpose upstream through parties that are not controllers themselves.

        One search per party and purpose, remembered: a party already answered ends the search there, since
        what it reaches is all it adds (a cycle of flows changes nothing: reaching is reaching)."""
        entities = self.registry.entities
        if is_controller(entities[entity_id]):
            return frozenset({entity_id})
        cached = self._behind.get((entity_id, purpose))
        if cached is not None:
            return cached
        found: set[str] = set()
        seen = {entity_id}
        waiting = [entity_id]
        while waiting:
            for sender in self.senders.get((waiting.pop(), purpose), []):
                if sender in seen:
                    continue
                seen.add(sender)
                if is_controller(entities[sender]):
                    found.add(sender)
                elif (answered := self._behind.get((sender, purpose))) is not None:
                    found |= answered
                else:
                    waiting.append(sender)
        self._behind[(entity_id, purpose)] = frozenset(found)
        return self._behind[(entity_id, purpose)]


def _names(items: Sequence[str]) -> list[str]:
    return sorted(dict.fromkeys(items))


def _group(registry: Registry, group_id: str) -> str:
    group = registry.subject_groups_by_id[group_id]
    return f"{group.name} ({', '.join(group.regions)})"


def _controller(context: _Context, controller: str) -> str:
    entities = context.registry.entities
    return wording.contact(entities[controller], context.registry.organisation) if controller in entities \
        else controller


@dataclass(frozen=True, slots=True)
class _Sent:
    """The cells that follow from what the record's holder sends for the purpose alone: one per holder and
    purpose, whatever controller a row names."""

    recipients: list[str]
    contracts: list[str]
    third: list[str]
    documented: list[str]
    exceptional: list[str]
    retention: list[str]


def _sent(context: _Context, processor: str | None, purpose_id: str, sent: list[Flow]) -> _Sent:
    registry, reference = context.registry, context.reference
    entities = registry.entities
    purpose = registry.purposes_by_id[purpose_id]
    transfers = [f for f in sent if context.analyses[f.id].transfer_verdicts]
    third = _names([d.country for f in transfers for v in context.analyses[f.id].transfer_verdicts
                    for d in v.destinations])
    documented: list[str] = []
    exceptional: list[str] = []
    for flow in transfers:
        receiver = entities[flow.receiver]
        items = [wording.safeguard(registry.safeguards_by_id[s]) for s in flow.safeguards]
        adequacy = _names([f"{regime_name(v.regime)} adequacy: {d.adequacy.instrument}"
                           for v in context.analyses[flow.id].transfer_verdicts for d in v.destinations
                           if d.adequate and d.adequacy is not None])
        documented.append(f"{flow.id} to {receiver.name} ({', '.join(receiver.where_processed)}): "
                          + "; ".join(items + adequacy or ["no safeguard recorded"]))
        exceptional += [f"{flow.id}: {wording.derogation(registry.safeguards_by_id[s], reference)}"
                        for s in flow.safeguards
                        if registry.safeguards_by_id[s].kind is SafeguardKind.DEROGATION_49]

    retention = [f"purpose: {wording.retention(purpose.retention)}"] if purpose.retention else []
    retention += [f"{f.id} ({entities[f.receiver].name}): {wording.retention(f.retention)}"
                  for f in sent if f.retention and f.retention != purpose.retention]

    contracts = []
    for receiver_id in _names([f.receiver for f in sent] + ([processor] if processor else [])):
        receiver = entities[receiver_id]
        if isinstance(receiver, Processor):
            signed = f"DPA signed {receiver.dpa_signed.isoformat()}" if receiver.dpa_signed else (
                "no Art. 28 contract recorded")
            contracts.append(f"{receiver.name}: {signed}")
        elif is_processor(receiver):
            contracts.append(f"{receiver.name}: intra-group processing terms (no DPA date in the registry)")
    return _Sent(_names([wording.recipient(entities[f.receiver]) for f in sent]), contracts,
                 wording.countries(third), documented, exceptional, retention or ["not recorded"])


def _tail(context: _Context, controller: str, processor: str | None, purpose_id: str, received: list[Flow],
          sent: list[Flow], facts: _Sent) -> Tail:
    """Every cell of an activity's row after the controller's: a processor's row does not depend on which
    controller it names (`controller` only finds a controller's joint controllers)."""
    registry = context.registry
    organisation = registry.organisation
    entities = registry.entities
    purpose = registry.purposes_by_id[purpose_id]
    holder = processor or controller
    flows = sorted({f.id: f for f in received + sent}.values(), key=lambda f: f.id)

    joint: list[str] = []
    if processor is None:
        for flow in flows:
            other = entities[flow.receiver if flow.sender == controller else flow.sender]
            pair = (entities[controller], other)
            if other.id != controller and isinstance(other, GroupCompany) and is_controller(other) and any(
                    isinstance(e, GroupCompany) and e.role is Role.JOINT_CONTROLLER for e in pair):
                joint.append(wording.contact(other, organisation))

    categories = _names([c for f in flows for c in f.categories])
    by_id = registry.categories_by_id

    security: list[str] = []
    in_transit = sum(f.encrypted_in_transit is True for f in flows)
    at_rest = sum(f.encrypted_at_rest is True for f in flows)
    if flows:
        security += [f"encrypted in transit: {in_transit} of {len(flows)} flows",
                     f"encrypted at rest: {at_rest} of {len(flows)} flows"]
    security += _names([m for f in flows for m in f.supplementary_measures])
    security += _names([f"transfer impact assessment: {f.tia}" for f in flows if f.tia])

    location = _names([c for f in flows for c in (*entities[f.sender].where_processed,
                                                  *entities[f.receiver].where_processed)]
                      or entities[holder].where_processed)
    related = context.index.of([f.id for f in flows])
    return Tail((
        wording.contact(entities[processor], organisation) if processor else None,
        _names(joint),
        organisation.dpo if organisation else None,
        organisation.representative if organisation else None,
        purpose.name,
        LEGAL_BASIS_LABELS[purpose.legal_basis] if processor is None else None,
        _names([_group(registry, s) for f in flows for s in f.subjects]),
        [by_id[c].name for c in categories],
        [f"{by_id[c].name} ({sentence_label(by_id[c].sensitivity)})" for c in categories
         if by_id[c].sensitivity is not Sensitivity.STANDARD],
        facts.recipients,
        facts.contracts,
        facts.third,
        facts.documented,
        facts.exceptional,
        facts.retention,
        security,
        wording.countries(location),
        [f.id for f in flows],
        purpose.source,
        rule_ids(f for f in related if not f.acknowledged),
    ), worst_open(related))


def _controller_records(context: _Context) -> Iterator[Record]:
    registry = context.registry
    # Ordered by id, never by manifest order: the same registry read from any store exports the same bytes.
    for company in sorted(registry.group_companies, key=lambda c: c.id):
        if not is_controller(company):
            continue
        purposes: dict[str, tuple[list[Flow], list[Flow]]] = defaultdict(lambda: ([], []))
        for flow in context.received.get(company.id, []):
            purposes[flow.purpose][0].append(flow)
        for flow in context.sent.get(company.id, []):
            purposes[flow.purpose][1].append(flow)
        for purpose_id in sorted(purposes):
            received, sent = purposes[purpose_id]
            facts = _sent(context, None, purpose_id, sent)
            yield ((f"{company.id}/{purpose_id}", CONTROLLER_RECORD, _controller(context, company.id)),
                   _tail(context, company.id, None, purpose_id, received, sent, facts))


def _processors(registry: Registry) -> list[AnyEntity]:
    return sorted((e for e in registry.entities.values() if is_processor(e)), key=lambda e: e.id)


def _served(context: _Context, processor: str) -> dict[tuple[str, str], list[Flow]]:
    """The flows `processor` receives by (controller served, purpose)."""
    served: dict[tuple[str, str], list[Flow]] = defaultdict(list)
    for flow in context.received.get(processor, []):
        for controller in sorted(context.controllers_behind(flow.sender, flow.purpose)) or ["not recorded"]:
            served[(controller, flow.purpose)].append(flow)
    return served


def _processor_records(context: _Context) -> Iterator[Record]:
    """Art. 30(2) rows, one per (processor, controller, purpose). A processor serving many controllers for a
    purpose receives the same flows on behalf of most of them, so the row after the controller is made once per
    (purpose, flows received) and only the activity and controller are made per row."""
    contacts: dict[str, str] = {}
    for processor in _processors(context.registry):
        facts: dict[str, _Sent] = {}
        tails: dict[tuple[str, tuple[str, ...]], Tail] = {}
        for (controller, purpose_id), received in sorted(_served(context, processor.id).items()):
            tail = tails.get((purpose_id, key := tuple(f.id for f in received)))
            if tail is None:
                sent = context.sent_for.get((processor.id, purpose_id), [])
                if purpose_id not in facts:
                    facts[purpose_id] = _sent(context, processor.id, purpose_id, sent)
                tail = tails[(purpose_id, key)] = _tail(context, controller, processor.id, purpose_id, received,
                                                        sent, facts[purpose_id])
            if controller not in contacts:
                contacts[controller] = _controller(context, controller)
            yield (f"{processor.id}/{controller}/{purpose_id}", PROCESSOR_RECORD, contacts[controller]), tail


def ropa_table(registry: Registry, analyses: Sequence[FlowAnalysis], findings: Sequence[Finding],
               reference: Reference) -> Table:
    context = _Context(registry, reference, {a.flow.id: a for a in analyses}, FindingsByFlow(findings))
    controllers = sum(len({f.purpose for f in (*context.received.get(c.id, []), *context.sent.get(c.id, []))})
                      for c in registry.group_companies if is_controller(c))
    processors = sum(len(_served(context, p.id)) for p in _processors(registry))

    def walk() -> Iterator[Record]:
        yield from _controller_records(context)
        yield from _processor_records(context)

    return Table("ropa", "Record of processing activities (GDPR Art. 30)", COLUMNS,
                 Rows(controllers + processors, walk))

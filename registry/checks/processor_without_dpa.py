"""processor-without-dpa: a processor receives personal data with no Art. 28 contract in force."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

from registry.checks.finding import Finding, Severity
from registry.checks.rule import CheckContext, Rule, Subject
from registry.labels import entity_label
from registry.model import Processor
from registry.reference import Regime


def evaluate(rule: Rule, context: CheckContext) -> Iterator[Finding]:
    received: dict[str, list[str]] = defaultdict(list)
    judged: dict[str, set[Regime]] = defaultdict(set)
    # A re-check judges the processors it was given, each with every flow it receives.
    received_flows = context.registry.flows if context.scope is None else context.scope.received
    for flow in received_flows:
        receiver = context.registry.entities[flow.receiver]
        if isinstance(receiver, Processor) and (receiver.dpa_signed is None or receiver.dpa_signed > context.as_of):
            received[receiver.id].append(flow.id)
            judged[receiver.id] |= context.analyser.judging_regimes(flow)
    for processor_id, flows in sorted(received.items()):
        processor = context.registry.processors_by_id[processor_id]
        state = "has no signed DPA" if processor.dpa_signed is None else f"signs its DPA only on {processor.dpa_signed}"
        count = "one flow" if len(flows) == 1 else f"{len(flows)} flows"
        yield rule.finding(
            context, f"The processor {entity_label(processor)} receives personal data ({count}) but {state}.",
            judged_by=judged[processor_id], problem=processor_id,
            flows=sorted(flows), entities=[processor_id], countries=list(processor.where_processed))


def about(finding: Finding) -> str:
    """The processor: its finding counts every flow it receives, so a change to any of them judges it again."""
    return Subject.PROCESSOR.of(finding.evidence.entities[0])


RULE = Rule(
    id="processor-without-dpa", severity=Severity.HIGH,
    title="processor receives data with no Art. 28 contract",
    fix="Sign a data processing agreement with the terms the cited articles require, then record the day it was "
        "signed on the processor (`flowreg processor add --dpa-signed`, or dpa_signed in a manifest or workbook).",
    judge=evaluate, about=about, regime_less=True)

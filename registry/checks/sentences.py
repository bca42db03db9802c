"""The words of transfer findings: parties by name, why each safeguard fails, and the fix that fits the case.

Reasons name parties and countries (ids stay in the evidence), and each is one sentence.
"""

from __future__ import annotations

from datetime import date

from registry.labels import entity_label, law_label, regime_label, safeguard_kind_label
from registry.model import AnyEntity, Flow, GroupCompany, Processor, Registry, SafeguardKind
from registry.reference import Regime
from registry.transfers import Defect, SafeguardStatus


def party(registry: Registry, entity_id: str) -> str:
    return entity_label(registry.entities[entity_id])


def flow_parties(registry: Registry, flow: Flow) -> str:
    """"Rakuten Group, Inc., Japan -> Cloud hosting provider, Japan region (example)"."""
    return f"{party(registry, flow.sender)} -> {party(registry, flow.receiver)}"


def tool_name(status: SafeguardStatus) -> str:
    """The tool as a reason names it; a derogation or exception by where it sits ("Art. 27(1)(i) exception")."""
    if status.exception is not None:
        return f"{status.exception.article} {'derogation' if status.exception.regime is Regime.GDPR else 'exception'}"
    return status.tool.name if status.tool is not None else safeguard_kind_label(status.safeguard.kind.value)


# Whose law an exception that must rest on the regime's own law may rest on (GDPR and UK GDPR Art. 49(4), APPI
# Art. 27(1)(i)), and whose authorities one for cooperating with the state may serve (APPI Art. 27(1)(iv)).
_OWN_LAW = {Regime.GDPR: "Union or Member State law", Regime.UK_GDPR: "UK law", Regime.CH_FADP: "Swiss law",
            Regime.JP_APPI: "Japanese law"}
_OWN_ORGANS = {Regime.JP_APPI: "a Japanese state organ or local government"}


def why_fails(status: SafeguardStatus, on: date, regime: Regime) -> str:
    """Why one safeguard does not count, as a clause after its name; worded without a verb that must agree with
    the name, since tool names are singular or plural ("... ceased to be valid on ...")."""
    safeguard, tool, defect = status.safeguard, status.tool, status.defect
    if defect is Defect.NOT_YET:
        if safeguard.effective and on < safeguard.effective:
            return f"will take effect only on {safeguard.effective}"
        return f"will apply only from {tool.in_force}" if tool and tool.in_force else "will apply only later"
    if defect is Defect.EXPIRED:
        if tool and tool.valid_until and on >= tool.valid_until:
            return f"ceased to be valid on {tool.valid_until}"
        return f"expired after {safeguard.expires}" if safeguard.expires else "expired"
    if defect is Defect.CLOSED and tool is not None:
        return (f"could not validly be signed on {safeguard.effective}, as new contracts on them ended on "
                f"{tool.new_contracts_until}")
    if defect is Defect.ALONE and tool is not None and tool.requires:
        return f"can count only beside valid {safeguard_kind_label(tool.requires)}"
    if defect is Defect.NOT_A_TOOL and safeguard.kind is SafeguardKind.ADEQUACY:
        return "it lists does not exist"  # follows "the adequacy decision"; a scoped or ended one has its own rule
    if defect is Defect.NOT_A_TOOL:
        return f"cannot serve as a transfer tool under {regime_label(regime)}"
    if defect is Defect.NO_COUNTERPART:
        return f"cannot rely on Art. 49(1)({safeguard.letter}), which has no counterpart under {regime_label(regime)}"
    if defect is Defect.OUTSIDE_GROUP:
        return "can bind only group companies bound by them"
    if defect is Defect.SYSTEMATIC:
        return "can cover occasional transfers only, and this flow is systematic"
    if defect is Defect.FOREIGN_LAW and safeguard.law_of is None:
        return f"records no law it rests on, and only {_OWN_LAW[regime]} counts"
    if defect is Defect.FOREIGN_LAW and safeguard.law_of is not None:
        return f"rests on {law_label(safeguard.law_of)} law, where only {_OWN_LAW[regime]} counts"
    if defect is Defect.FOREIGN_ORGAN:
        return f"covers cooperation with {_OWN_ORGANS.get(regime, 'its own state organs')}, not a foreign authority"
    return status.problem or "cannot count"


def each_failing(statuses: tuple[SafeguardStatus, ...], on: date, regime: Regime) -> str:
    """"the X ceased to be valid on ... and the Y ..."; a safeguard's id only tells apart two of the same kind."""
    names = [tool_name(s) for s in statuses]
    parts = [f"the {name}{f' ({s.safeguard.id})' if names.count(name) > 1 else ''} {why_fails(s, on, regime)}"
             for name, s in zip(names, statuses, strict=True)]
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


_TOOLS = {
    Regime.GDPR: "sign the 2021 SCCs ({module}) with {party}",
    Regime.UK_GDPR: "sign the UK IDTA, or the UK Addendum beside the 2021 SCCs, with {party}",
    Regime.CH_FADP: "sign the 2021 SCCs with the Swiss adaptations ({module}) with {party}",
    Regime.JP_APPI: "sign an equivalent-system contract (PPC Enforcement Rules Art. 16) with {party}, or obtain the "
                    "data subjects' informed consent to the transfer",
}


def _is_processor(entity: AnyEntity) -> bool:
    return isinstance(entity, Processor) or (isinstance(entity, GroupCompany) and entity.role.value == "processor")


def scc_module(sender: AnyEntity, receiver: AnyEntity) -> str:
    """The SCC module for the two parties' roles: 1 C2C, 2 C2P, 3 P2P, 4 P2C."""
    number = {(False, False): 1, (False, True): 2, (True, True): 3, (True, False): 4}[
        (_is_processor(sender), _is_processor(receiver))]
    return f"module {number}"


def tool_fix(registry: Registry, flow: Flow, regime: Regime) -> str:
    """Who must sign what: the sender with its own receiver, which for a sub-processor is a step down the chain."""
    sender, receiver = registry.entities[flow.sender], registry.entities[flow.receiver]
    if isinstance(receiver, Processor) and receiver.parent == sender.id:
        tool = _TOOLS[regime].format(module=scc_module(sender, receiver), party="it")
        return (f"{sender.name}, which engaged {receiver.name} as its sub-processor, must {tool} (the controller's "
                "contract does not cover this hop) and record it on the flow, or stop the transfer.")
    party_text = f"the processor {receiver.name}" if isinstance(receiver, Processor) else receiver.name
    tool = _TOOLS[regime].format(module=scc_module(sender, receiver), party=party_text)
    return f"{tool[0].upper()}{tool[1:]} and record it on the flow, or stop the transfer."

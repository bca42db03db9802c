"""House rules: the organisation's own data-flow policies (a registry's `policies`), judged with the law.

Each policy becomes a rule `policy:<id>` of the catalogue of the registry that holds it (`house_rules`), so the
same check, report, exports, dashboard and incremental re-check carry its findings. A house rule judges flows:
its `match` selects them (every key given must hold, each by any of its values), and its one effect says what is
wrong with a selected flow: `forbid` (being selected is the violation), `destinations` (the receiver processes the
data somewhere the rule does not allow) or `require` (the flow lacks what the rule asks). One finding per rule and
flow, naming every requirement the flow misses; a flow under one of the rule's exceptions is not judged until the
exception's last day has passed. House rules never take part in the one-gap-one-finding precedence of the legal
rules: a house-rule finding sits beside the legal findings about the same flow and hides none of them.

Matching costs a few set look-ups per flow: the answers about parties and categories are kept per check, since
thousands of flows share each.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from typing import Any

from registry.checks.finding import Evidence, Finding, Severity, constructed, finding_id
from registry.checks.rule import CheckContext, KeptState, Rule, Scope, Subject
from registry.labels import countries_label, safeguard_kind_label
from registry.model import (
    AdequateFor,
    AnyEntity,
    Flow,
    GroupCompany,
    OrganisationTerm,
    PartyMatch,
    Policy,
    PolicyRequirement,
    Processor,
    Recipient,
    Registry,
    Role,
    retention_days,
)
from registry.reference import EEA_REGION, Regime
from registry.transfers import FlowAnalysis

PREFIX = "policy:"


def rule_id(policy_id: str) -> str:
    """The catalogue's id of a house rule: `policy:<the policy's id>`."""
    return f"{PREFIX}{policy_id}"


def is_house_rule(rule: str) -> bool:
    return rule.startswith(PREFIX)


def reference_of(policy: Policy) -> str:
    """What a house-rule finding cites: the rule and where it comes from, "house rule eea-only (policy 4-2)"."""
    return f"house rule {policy.id} ({policy.source})"


@dataclass(frozen=True)
class HouseRule(Rule):
    """A rule built from a policy of the registry: it cites the policy, not the law."""

    policy: Policy | None = None

    @property
    def reference(self) -> str:
        assert self.policy is not None
        return reference_of(self.policy)

    @property
    def help_uri(self) -> str:
        return ""  # the organisation's own policy has no public address


def house_rules(registry: Registry) -> tuple[HouseRule, ...]:
    """The registry's policies as rules of its catalogue, in id order."""
    return tuple(house_rule(policy) for policy in sorted(registry.policies, key=lambda p: p.id))


def house_rule(policy: Policy) -> HouseRule:
    chain = policy.require is not None and policy.require.max_chain_depth is not None
    return HouseRule(id=rule_id(policy.id), title=policy.title, severity=Severity(policy.severity),
                     judge=evaluate, fix=policy.fix or GENERAL_FIX, keeps=DEPTHS if chain else None, policy=policy)


GENERAL_FIX = ("Bring the flow within the house rule, or have the rule's owner record an exception for it, with its "
               "reason and last day.")


# -- what a rule selects -----------------------------------------------------------------------------------------

def party_kinds(entity: AnyEntity) -> frozenset[str]:
    """The kinds a house rule's `kinds` can name for an entity (registry.model.PARTY_KINDS)."""
    if isinstance(entity, Processor):
        return frozenset({"processor", "sub_processor"}) if entity.parent else frozenset({"processor"})
    if isinstance(entity, Recipient):
        return frozenset({"recipient", entity.kind.value})
    return frozenset({"group_company"})


def party_role(entity: AnyEntity) -> Role:
    """A group company's declared role; a processor processes for others, a recipient decides for itself."""
    if isinstance(entity, GroupCompany):
        return entity.role
    return Role.PROCESSOR if isinstance(entity, Processor) else Role.CONTROLLER


def in_places(places: Iterable[str], terms: Iterable[str], eea: frozenset[str]) -> bool:
    """Is any of `places` (countries, or an organisation's key) one of `terms` (country codes, or EEA)?"""
    wanted = set(terms)
    return any(place in wanted or (EEA_REGION in wanted and place in eea) for place in places)


def party_matches(match: PartyMatch, entity: AnyEntity, eea: frozenset[str]) -> bool:
    return ((not match.entities or entity.id in match.entities)
            and (not match.kinds or not party_kinds(entity).isdisjoint(match.kinds))
            and (not match.roles or party_role(entity) in match.roles)
            and (not match.countries or in_places(entity.where_processed, match.countries, eea)))


def _above_or_below(category: str, keys: frozenset[str]) -> bool:
    """Is `category` one of `keys`, below one of them, or above one (a flow carrying `user.contact` carries the
    email address a rule about `user.contact.email` means)?"""
    parts = category.split(".")
    if any(".".join(parts[:end]) in keys for end in range(1, len(parts) + 1)):
        return True
    return any(key.startswith(category + ".") for key in keys)


def _ancestors(category: str) -> list[str]:
    parts = category.split(".")
    return [".".join(parts[:end]) for end in range(1, len(parts))]


class FlowIndex:
    """The live flows of a check's scope by each value a rule can match (purpose, group of people, category, sender,
    receiver, judging regime, crossing a border): built once per check and shared by every house rule, so that a
    rule's selection is a few set unions and intersections instead of a test of every flow."""

    def __init__(self, analyses: Iterable[FlowAnalysis]) -> None:
        self.live: set[str] = set()
        self.cross_border: set[str] = set()
        self.by_purpose: dict[str, set[str]] = defaultdict(set)
        self.by_subject: dict[str, set[str]] = defaultdict(set)
        self.by_category: dict[str, set[str]] = defaultdict(set)
        self.by_sender: dict[str, set[str]] = defaultdict(set)
        self.by_receiver: dict[str, set[str]] = defaultdict(set)
        self.by_regime: dict[Regime, set[str]] = defaultdict(set)
        self.parties: dict[str, AnyEntity] = {}
        self.analyses: dict[str, FlowAnalysis] = {}
        self.position: dict[str, int] = {}
        for position, analysis in enumerate(analyses):
            # A contingent flow moves no data before its day: a house rule judges it from then, as the law does.
            if not analysis.live:
                continue
            flow = analysis.flow
            flow_id = flow.id
            self.live.add(flow_id)
            self.analyses[flow_id], self.position[flow_id] = analysis, position
            if analysis.is_cross_border:
                self.cross_border.add(flow_id)
            self.by_purpose[flow.purpose].add(flow_id)
            for group in flow.subjects:
                self.by_subject[group].add(flow_id)
            for category in flow.categories:
                self.by_category[category].add(flow_id)
            self.by_sender[flow.sender].add(flow_id)
            self.by_receiver[flow.receiver].add(flow_id)
            self.parties[flow.sender], self.parties[flow.receiver] = analysis.sender, analysis.receiver
            for regime in analysis.judging:
                self.by_regime[regime].add(flow_id)

    @classmethod
    def of(cls, context: CheckContext) -> FlowIndex:
        return cls(context.analyses)


def _union(index: dict[Any, set[str]], keys: Iterable[Any]) -> set[str]:
    found: set[str] = set()
    for key in keys:
        found |= index.get(key, set())
    return found


class Selector:
    """The flows a policy's `match` selects, worked out over the check's FlowIndex: each key the match gives is the
    union of the flows filed under its values (the categories it means are worked out once over the registry's
    categories, which are all a flow can name), and the selection is the intersection of the keys'."""

    def __init__(self, policy: Policy, context: CheckContext) -> None:
        match, registry = policy.match, context.registry
        eea = context.reference.eea
        index = context.shared(FlowIndex.of)
        categories = registry.categories_by_id
        keys = frozenset(match.categories)
        wanted = frozenset(match.sensitivities)
        selected = set(index.live)
        if match.purposes:
            selected &= _union(index.by_purpose, match.purposes)
        if match.subjects:
            selected &= _union(index.by_subject, match.subjects)
        if keys:
            selected &= _union(index.by_category, (c for c in categories if _above_or_below(c, keys)))
        if wanted:
            # A category of a listed sensitivity, and every key above one (carrying a parent carries its children).
            selected &= _union(index.by_category, {c for c, record in categories.items()
                                                   if record.sensitivity in wanted for c in (c, *_ancestors(c))})
        if match.cross_border is not None:
            selected &= index.cross_border if match.cross_border else index.live - index.cross_border
        for which, filed in ((match.sender, index.by_sender), (match.receiver, index.by_receiver)):
            if which != PartyMatch():
                selected &= _union(filed, (e for e in filed if party_matches(which, index.parties[e], eea)))
        if match.regimes:
            selected &= _union(index.by_regime, (Regime(r) for r in match.regimes))
        self.selected = frozenset(selected)

    def selects(self, analysis: FlowAnalysis) -> bool:
        return analysis.flow.id in self.selected


# -- what is wrong with a selected flow --------------------------------------------------------------------------

@dataclass(frozen=True)
class Violation:
    """What one flow misses of one rule: the reason's clauses, the fixes that go with them, the places at fault."""

    clauses: tuple[str, ...]
    fixes: tuple[str, ...]
    countries: tuple[str, ...] = ()


class Destinations:
    """Where a rule's `destinations` let the data go, worked out once per rule: places named outright (countries,
    organisations), the EEA, and the regimes whose adequate countries count (judged per receiver on the day)."""

    def __init__(self, policy: Policy, context: CheckContext) -> None:
        assert policy.destinations is not None
        self.reference, self.as_of = context.reference, context.as_of
        self.named = frozenset(t.international_organisation if isinstance(t, OrganisationTerm) else t
                               for t in policy.destinations.allow if not isinstance(t, AdequateFor))
        self.eea = EEA_REGION in self.named
        self.regimes = tuple(Regime(t.adequate_for) for t in policy.destinations.allow if isinstance(t, AdequateFor))

    def allows(self, place: str, receiver: AnyEntity) -> bool:
        """Is `place` (where the receiver processes data) allowed on the day?"""
        if place in self.named or (self.eea and self.reference.is_eea(place)):
            return True
        for regime in self.regimes:
            if place in self.reference.territory(regime):
                return True
            decision = self.reference.adequacy(regime, place, self.as_of)
            if decision is not None and decision.covers(receiver):
                return True
        return False


def processor_depths(registry: Registry) -> dict[str, int]:
    """How far down a chain of sub-processing each processor works: 1 for one the controller engages, 2 for its
    sub-processor... (a parent chain that loops counts each processor once)."""
    depths: dict[str, int] = {}
    parents = {p.id: p.parent for p in registry.processors}
    for start in parents:
        chain: list[str] = []
        current: str | None = start
        while current is not None and current not in depths and current not in chain:
            chain.append(current)
            current = parents.get(current)
        depth = depths.get(current, 0) if current is not None else 0
        for processor in reversed(chain):
            depth += 1
            depths[processor] = depth
    return depths


# One requirement's verdict on a flow: None when met, else the reason's clause and the fix that goes with it.
Check = Callable[[FlowAnalysis], tuple[str, str] | None]


def requirement_checks(require: PolicyRequirement, context: CheckContext) -> list[Check]:
    """A check for each requirement the rule gives, in the order the reason names them."""
    as_of, registry = context.as_of, context.registry
    checks: list[Check] = []

    def dpa(analysis: FlowAnalysis) -> tuple[str, str] | None:
        receiver = analysis.receiver
        if not isinstance(receiver, Processor):
            return ("the receiver is no processor, so no DPA binds it",
                    "Send the data only to a processor under a DPA, or narrow the rule's match.")
        if receiver.dpa_signed is not None and receiver.dpa_signed <= as_of:
            return None
        return ("the receiver has no signed DPA" if receiver.dpa_signed is None
                else f"the receiver signs its DPA only on {receiver.dpa_signed}",
                f"Sign a data processing agreement with {receiver.name}, then record the day it was signed on the "
                f"processor (`flowreg processor add --dpa-signed`, or dpa_signed in a manifest or workbook).")

    def encrypted(analysis: FlowAnalysis) -> tuple[str, str] | None:
        state = analysis.flow.encrypted_in_transit
        if state is True:
            return None
        return ("it is not encrypted in transit" if state is False else "it does not record encryption in transit",
                "Encrypt the channel (TLS 1.2+ or equivalent) and set encrypted_in_transit: true.")

    def assessed(analysis: FlowAnalysis) -> tuple[str, str] | None:
        if analysis.flow.tia:
            return None
        return ("it records no transfer impact assessment",
                "Carry out a transfer impact assessment and record its reference in the flow's tia.")

    kinds = frozenset(require.safeguard_kinds)
    kinds_label = " or ".join(safeguard_kind_label(k.value) for k in require.safeguard_kinds)

    def tooled(analysis: FlowAnalysis) -> tuple[str, str] | None:
        for safeguard_id in analysis.flow.safeguards:
            s = registry.safeguards_by_id[safeguard_id]
            if s.kind in kinds and (s.effective is None or s.effective <= as_of) and (
                    s.expires is None or as_of <= s.expires):
                return None
        return (f"it lists no {kinds_label} in force",
                f"Put a {kinds_label} in place and list it among the flow's safeguards.")

    longest = require.max_retention
    longest_days = retention_days(longest) or 0.0

    def kept(analysis: FlowAnalysis) -> tuple[str, str] | None:
        flow = analysis.flow
        retention = flow.retention or registry.purposes_by_id[flow.purpose].retention
        days = retention_days(retention)
        if days is None:
            return (f"it states no retention period to compare with {longest}" if retention is None else
                    f"its retention is a rule in words, not a period within {longest}",
                    f"Record the retention as an ISO 8601 period of at most {longest}.")
        if days > longest_days:
            return (f"it keeps the data for {retention}, longer than {longest}",
                    f"Shorten the retention to at most {longest}.")
        return None

    deepest = require.max_chain_depth

    def shallow(analysis: FlowAnalysis) -> tuple[str, str] | None:
        depth = context.state(DEPTHS).depths.get(analysis.receiver.id, 0)
        if deepest is None or depth <= deepest:
            return None
        return (f"the receiver works {depth} levels down a chain of sub-processing, deeper than {deepest}",
                "Have a processor nearer the controller do the work, or take the sub-processor on directly.")

    for given, check in ((require.dpa, dpa), (require.encrypted_in_transit, encrypted), (require.tia, assessed),
                         (kinds, tooled), (longest, kept), (deepest, shallow)):
        if given:
            checks.append(check)
    return checks


class Judge:
    """What is wrong with the flows one rule selects, with what it works out per receiver kept for its every flow."""

    def __init__(self, rule: HouseRule, context: CheckContext) -> None:
        assert rule.policy is not None
        self.rule, self.policy, self.context = rule, rule.policy, context
        self.selector = Selector(self.policy, context)
        self.excepted = frozenset(e.flow for e in self.policy.exceptions if context.as_of <= e.until)
        self.checks = requirement_checks(self.policy.require, context) if self.policy.require else []
        self.destinations = Destinations(self.policy, context) if self.policy.destinations else None
        self.forbidden = Violation(("the rule forbids such flows",), (
            f"Stop the flow, or ask the rule's owner ({self.policy.source}) for an exception with its reason and last "
            "day.",))
        self._destinations: dict[str, Violation | None] = {}
        self.reference = reference_of(self.policy)

    def outside(self, receiver: AnyEntity) -> Violation | None:
        """Where the receiver processes data that the rule's destinations do not allow, as the violation of its
        every flow (None: nowhere)."""
        if receiver.id in self._destinations:
            return self._destinations[receiver.id]
        assert self.destinations is not None
        outside = tuple(p for p in receiver.where_processed if not self.destinations.allows(p, receiver))
        found = self._destinations[receiver.id] = Violation(
            (f"the receiver processes it in {countries_label(outside)}, where the rule does not allow it",),
            ("Have the data processed only where the rule allows (or, for an adequacy term, by a receiver the "
             "decision covers), or ask the rule's owner for an exception with its reason and last day.",),
            outside) if outside else None
        return found

    def violation(self, analysis: FlowAnalysis) -> Violation | None:
        """What the selected flow misses of the rule, None when nothing."""
        policy = self.policy
        if policy.forbid:
            return self.forbidden
        if policy.destinations is not None:
            return self.outside(analysis.receiver)
        missed = [found for check in self.checks if (found := check(analysis)) is not None]
        if not missed:
            return None
        return Violation(tuple(clause for clause, _ in missed), tuple(fix for _, fix in missed))

    def finding(self, analysis: FlowAnalysis, found: Violation) -> Finding:
        flow, policy, rule, context = analysis.flow, self.policy, self.rule, self.context
        proof = Evidence.of(context.as_of, flows=[flow.id], entities=[flow.sender, flow.receiver],
                            countries=found.countries)
        reason = (f"The flow from {context.party(flow.sender)} to {context.party(flow.receiver)} breaks the house rule "
                  f"\"{policy.title}\": {'; '.join(found.clauses)}.")
        return constructed(Finding, {
            "id": finding_id(rule.id, None, proof), "rule": rule.id, "severity": rule.severity, "regime": None,
            "reference": self.reference, "reason": reason, "fix": policy.fix or " ".join(found.fixes),
            "evidence": proof, "problem": flow.id, "acknowledged": False, "acknowledgement": None})


def evaluate(rule: Rule, context: CheckContext) -> Iterator[Finding]:
    assert isinstance(rule, HouseRule)
    judge = Judge(rule, context)
    selected, violation = judge.selector.selected - judge.excepted, judge.violation
    index = context.shared(FlowIndex.of)
    for flow_id in sorted(selected, key=index.position.__getitem__):  # live flows only, in the check's order
        analysis = index.analyses[flow_id]
        found = violation(analysis)
        if found is not None:
            yield judge.finding(analysis, found)


# -- kept state: how deep each processor works, followed change by change -----------------------------------------

class ChainDepths:
    """Each processor's depth in its chain of sub-processing, and the flows each receives: a change to one
    processor's parent moves every processor below it, whose flows a re-check must judge again."""

    def __init__(self, registry: Registry) -> None:
        self.depths = processor_depths(registry)
        self.received: dict[str, set[str]] = defaultdict(set)
        self.receiver_of: dict[str, str] = {}
        for flow in registry.flows:
            self._file(flow)

    def _file(self, flow: Flow) -> None:
        self.received[flow.receiver].add(flow.id)
        self.receiver_of[flow.id] = flow.receiver

    @classmethod
    def of(cls, context: CheckContext) -> ChainDepths:
        return cls(context.registry)

    def refresh(self, context: CheckContext) -> Scope:
        scope = context.scope
        assert scope is not None  # a full check builds the depths instead
        registry = context.registry
        for flow_id in scope.changed:
            old = self.receiver_of.pop(flow_id, None)
            if old is not None:
                self.received[old].discard(flow_id)
            flow = registry.flows_by_id.get(flow_id)
            if flow is not None:
                self._file(flow)
        depths = processor_depths(registry)
        moved = {p for p in depths.keys() | self.depths.keys() if depths.get(p) != self.depths.get(p)}
        self.depths = depths
        judged = {f.id for f in scope.flows}
        more = sorted({f for p in moved for f in self.received.get(p, ())} - judged)
        if not more:
            return scope
        flows = registry.flows_by_id
        return replace(scope, flows=tuple(sorted((*scope.flows, *(flows[f] for f in more)), key=lambda f: f.id)),
                       subjects=scope.subjects | {Subject.FLOW.of(f) for f in more})


DEPTHS: KeptState[ChainDepths] = KeptState(build=ChainDepths.of, refresh=ChainDepths.refresh)


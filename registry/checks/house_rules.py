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

from registry.checks.finding import Evidence, Finding, Severity, constructed, finding_id
from registry.checks.rule import CheckContext, KeptState, Rule, Scope, Subject
from registry.checks.sentences import party
from registry.labels import countries_label, safeguard_kind_label
from registry.model import (
    AdequateFor,
    AnyEntity,
    Flow,
    GroupCompany,
    OrganisationTerm,
    PartyMatch,
    Policy,
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


def policy_id(rule: str) -> str:
    return rule.removeprefix(PREFIX)


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


class Selector:
    """The flows a policy's `match` selects, with the answers about parties and categories kept: a check asks
    about the same few thousand entities and categories for every one of 100,000 flows."""

    def __init__(self, policy: Policy, context: CheckContext) -> None:
        match, registry = policy.match, context.registry
        self.match, self.registry, self.eea = match, registry, context.reference.eea
        self._parties: dict[tuple[str, str], bool] = {}
        self._categories: dict[str, bool] = {}
        self._sensitivity: dict[str, bool] = {}
        self.purposes = frozenset(match.purposes)
        self.subjects = frozenset(match.subjects)
        self.regimes = frozenset(Regime(r) for r in match.regimes)
        self.category_keys = frozenset(match.categories)
        self.sensitivities = frozenset(match.sensitivities)
        # Only the keys a rule gives are tested, cheapest first.
        tests: list[Callable[[FlowAnalysis], bool]] = []
        if self.purposes:
            tests.append(lambda a: a.flow.purpose in self.purposes)
        if self.subjects:
            tests.append(lambda a: not self.subjects.isdisjoint(a.flow.subjects))
        if match.cross_border is not None:
            tests.append(lambda a: a.is_cross_border is match.cross_border)
        if match.sender != PartyMatch():
            tests.append(lambda a: self._party("sender", a.sender, match.sender))
        if match.receiver != PartyMatch():
            tests.append(lambda a: self._party("receiver", a.receiver, match.receiver))
        if self.category_keys:
            tests.append(lambda a: any(self._category(c) for c in a.flow.categories))
        if self.sensitivities:
            tests.append(lambda a: any(self._sensitive(c) for c in a.flow.categories))
        if self.regimes:
            tests.append(lambda a: not self.regimes.isdisjoint(a.judging))
        self.tests = tuple(tests)

    def selects(self, analysis: FlowAnalysis) -> bool:
        return all(test(analysis) for test in self.tests)

    def _party(self, side: str, entity: AnyEntity, match: PartyMatch) -> bool:
        key = (side, entity.id)
        found = self._parties.get(key)
        if found is None:
            found = self._parties[key] = party_matches(match, entity, self.eea)
        return found

    def _category(self, category: str) -> bool:
        """Does carrying `category` meet the rule's `categories`?"""
        found = self._categories.get(category)
        if found is None:
            found = self._categories[category] = _above_or_below(category, self.category_keys)
        return found

    def _sensitive(self, category: str) -> bool:
        """Is `category` of a listed sensitivity, or a parent key over one (it carries its children)?"""
        found = self._sensitivity.get(category)
        if found is None:
            known = self.registry.categories_by_id
            record = known.get(category)
            found = self._sensitivity[category] = (record is not None and record.sensitivity in self.sensitivities) \
                or any(c.startswith(category + ".") and r.sensitivity in self.sensitivities for c, r in known.items())
        return found


# -- what is wrong with a selected flow --------------------------------------------------------------------------

@dataclass(frozen=True)
class Violation:
    """What one flow misses of one rule: the reason's clauses, the fixes that go with them, the places at fault."""

    clauses: tuple[str, ...]
    fixes: tuple[str, ...]
    countries: tuple[str, ...] = ()


def allowed_place(place: str, receiver: AnyEntity, policy: Policy, context: CheckContext) -> bool:
    """Is `place` (where the receiver processes data) allowed by the rule's destinations on the day?"""
    assert policy.destinations is not None
    reference = context.reference
    for term in policy.destinations.allow:
        if isinstance(term, AdequateFor):
            regime = Regime(term.adequate_for)
            if place in reference.territory(regime):
                return True
            decision = reference.adequacy(regime, place, context.as_of)
            if decision is not None and decision.covers(receiver):
                return True
        elif isinstance(term, OrganisationTerm):
            if term.international_organisation == place:
                return True
        elif term == place or (term == EEA_REGION and reference.is_eea(place)):
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


def violation(policy: Policy, analysis: FlowAnalysis, context: CheckContext) -> Violation | None:
    """What the selected flow misses of the rule, None when nothing."""
    flow, receiver = analysis.flow, analysis.receiver
    if policy.forbid:
        return Violation(("the rule forbids such flows",),
                         (f"Stop the flow, or ask the rule's owner ({policy.source}) for an exception with its "
                          "reason and last day.",))
    if policy.destinations is not None:
        outside = tuple(p for p in receiver.where_processed if not allowed_place(p, receiver, policy, context))
        if not outside:
            return None
        return Violation((f"the receiver processes it in {countries_label(outside)}, where the rule does not allow "
                          "it",),
                         ("Have the data processed only where the rule allows (or, for an adequacy term, by a "
                          "receiver the decision covers), or ask the rule's owner for an exception with its reason "
                          "and last day.",),
                         outside)
    require = policy.require
    assert require is not None
    clauses: list[str] = []
    fixes: list[str] = []
    as_of = context.as_of
    if require.dpa and not (isinstance(receiver, Processor) and receiver.dpa_signed is not None
                            and receiver.dpa_signed <= as_of):
        if not isinstance(receiver, Processor):
            clauses.append("the receiver is no processor, so no DPA binds it")
            fixes.append("Send the data only to a processor under a DPA, or narrow the rule's match.")
        else:
            clauses.append("the receiver has no signed DPA" if receiver.dpa_signed is None
                           else f"the receiver signs its DPA only on {receiver.dpa_signed}")
            fixes.append(f"Sign a data processing agreement with {receiver.name} and record it in dpa_signed.")
    if require.encrypted_in_transit and flow.encrypted_in_transit is not True:
        clauses.append("it is not encrypted in transit" if flow.encrypted_in_transit is False
                       else "it does not record encryption in transit")
        fixes.append("Encrypt the channel (TLS 1.2+ or equivalent) and set encrypted_in_transit: true.")
    if require.tia and not flow.tia:
        clauses.append("it records no transfer impact assessment")
        fixes.append("Carry out a transfer impact assessment and record its reference in the flow's tia.")
    if require.safeguard_kinds and not any(
            s.kind in require.safeguard_kinds and (s.effective is None or s.effective <= as_of)
            and (s.expires is None or as_of <= s.expires)
            for s in (context.registry.safeguards_by_id[i] for i in flow.safeguards)):
        kinds = " or ".join(safeguard_kind_label(k.value) for k in require.safeguard_kinds)
        clauses.append(f"it lists no {kinds} in force")
        fixes.append(f"Put a {kinds} in place and list it among the flow's safeguards.")
    if require.max_retention is not None:
        retention = flow.retention or context.registry.purposes_by_id[flow.purpose].retention
        days = retention_days(retention)
        if days is None:
            clauses.append(f"it states no retention period to compare with {require.max_retention}"
                           if retention is None else
                           f"its retention is a rule in words, not a period within {require.max_retention}")
            fixes.append(f"Record the retention as an ISO 8601 period of at most {require.max_retention}.")
        elif days > (retention_days(require.max_retention) or 0):
            clauses.append(f"it keeps the data for {retention}, longer than {require.max_retention}")
            fixes.append(f"Shorten the retention to at most {require.max_retention}.")
    if require.max_chain_depth is not None:
        depth = context.state(DEPTHS).depths.get(receiver.id, 0)
        if depth > require.max_chain_depth:
            clauses.append(f"the receiver works {depth} levels down a chain of sub-processing, deeper than "
                           f"{require.max_chain_depth}")
            fixes.append("Have a processor nearer the controller do the work, or take the sub-processor on "
                         "directly.")
    return Violation(tuple(clauses), tuple(fixes)) if clauses else None


def evaluate(rule: Rule, context: CheckContext) -> Iterator[Finding]:
    assert isinstance(rule, HouseRule) and rule.policy is not None
    policy = rule.policy
    selector = Selector(policy, context)
    excepted = {e.flow for e in policy.exceptions if context.as_of <= e.until}
    for analysis in context.analyses:
        if analysis.flow.id in excepted or not selector.selects(analysis):
            continue
        found = violation(policy, analysis, context)
        if found is not None:
            yield _finding(rule, policy, analysis, found, context)


def _finding(rule: HouseRule, policy: Policy, analysis: FlowAnalysis, found: Violation,
             context: CheckContext) -> Finding:
    flow = analysis.flow
    registry = context.registry
    proof = Evidence.of(context.as_of, flows=[flow.id], entities=[flow.sender, flow.receiver],
                        countries=found.countries)
    reason = (f"The flow from {party(registry, flow.sender)} to {party(registry, flow.receiver)} breaks the house "
              f"rule \"{policy.title}\": {'; '.join(found.clauses)}.")
    fix = policy.fix or " ".join(found.fixes)
    return constructed(Finding, {
        "id": finding_id(rule.id, None, proof), "rule": rule.id, "severity": rule.severity, "regime": None,
        "reference": reference_of(policy), "reason": reason, "fix": fix, "evidence": proof, "problem": flow.id,
        "acknowledged": False, "acknowledgement": None})


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


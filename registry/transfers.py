"""Which regimes judge a flow, whether it is a transfer for each, and what makes it lawful (or not) that day.

The domain's analysis, not a rule's: the transfer rules, the onward-transfer search, both export tables and
the dashboard share it, so that all of them agree on what a transfer is (docs/design.md §2).
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any

from registry.model import AnyEntity, Flow, Frequency, GroupCompany, Recipient, Registry, Safeguard, SafeguardKind
from registry.reference import Adequacy, Derogation, Domestic, Lapse, Reference, Regime, Tool


class Defect(StrEnum):
    """Why a safeguard does not count for a regime on a day."""

    NOT_A_TOOL = "not_a_tool"  # this kind of safeguard is no transfer tool under the regime
    NOT_YET = "not_yet"  # before its own effective date, or before the tool existed
    EXPIRED = "expired"  # past its own end, or the tool was invalidated
    CLOSED = "closed"  # signed after the tool closed to new contracts
    ALONE = "alone"  # needs a companion safeguard that is missing (UK Addendum without SCCs)
    OUTSIDE_GROUP = "outside_group"  # BCRs with a party they do not bind
    SYSTEMATIC = "systematic"  # a derogation carrying a systematic flow
    NO_COUNTERPART = "no_counterpart"  # a derogation letter the regime does not have
    FOREIGN_LAW = "foreign_law"  # an exception resting on a law not the regime's own, or on none recorded
    FOREIGN_ORGAN = "foreign_organ"  # cooperation with the regime's own state organs, relied on for a foreign one


@dataclass(frozen=True, slots=True)
class SafeguardStatus:
    """One safeguard of a flow, as one regime sees it on one day."""

    safeguard: Safeguard
    tool: Tool | None  # None: this kind of safeguard is no transfer tool for the regime
    defect: Defect | None
    problem: str | None  # why it does not count, in plain words
    exception: Derogation | None = None  # the letter or item relied on, for a derogation or an APPI exception

    @property
    def valid(self) -> bool:
        return self.defect is None


@dataclass(frozen=True, slots=True)
class Destination:
    """One country a flow's data goes to that lies outside a regime's territory."""

    country: str
    adequacy: Adequacy | None  # decision in force on the day, in scope or not
    adequacy_in_scope: bool
    historic_adequacy: Adequacy | None  # a decision that has ended (Privacy Shield), if any

    @property
    def adequate(self) -> bool:
        return self.adequacy is not None and self.adequacy_in_scope


class Gap(StrEnum):
    """Why a transfer has no valid basis under a regime: the id of the one rule that reports it.

    The order is the precedence (issue 13): the most specific explanation wins, so one gap is one finding.
    """

    # To a public authority outside the regime: its request alone is no basis (GDPR Art. 48), and whatever else
    # is relied on (an exception that does not fit, a systematic derogation) is named in the same finding.
    FOREIGN_AUTHORITY = "foreign-authority-disclosure"
    DEROGATION_MISUSED = "derogation-misused"  # an Art. 49 derogation carrying a systematic flow
    BCR_OUTSIDE_GROUP = "bcr-outside-group"  # BCRs relied on for a party they do not bind
    ADEQUACY_OUT_OF_SCOPE = "adequacy-out-of-scope"  # adequacy listed, but its decision leaves the receiver out
    SAFEGUARD_EXPIRED = "safeguard-expired"  # a tool past its end, invalidated, closed or not yet in force
    NO_SAFEGUARD = "transfer-without-safeguard"  # no tool of this regime, or only incomplete ones


# A tool with one of these defects was relied on but has lapsed in time; ALONE joins them when its companion
# is listed but lapsed itself (a UK Addendum beside expired EU SCCs).
_DATED = frozenset({Defect.EXPIRED, Defect.NOT_YET, Defect.CLOSED})


@dataclass(frozen=True, slots=True)
class TransferGap:
    """The one verdict on a transfer without a valid basis under one regime: which rule explains it, the
    destinations left unprotected, and the safeguards that fail (each with why)."""

    rule: Gap
    destinations: tuple[Destination, ...]  # unprotected: neither adequate for the receiver nor covered by a tool
    failing: tuple[SafeguardStatus, ...]  # the defective safeguards behind `rule`, in the flow's order
    ended_adequacy: Destination | None = None  # safeguard-expired through an adequacy decision that ended

    @property
    def countries(self) -> list[str]:
        return sorted(d.country for d in self.destinations)


@dataclass(frozen=True, slots=True)
class RegimeVerdict:
    regime: Regime
    destinations: tuple[Destination, ...]  # receiver countries outside the regime's territory
    safeguards: tuple[SafeguardStatus, ...]
    to_foreign_authority: bool = False  # the receiver is a public authority outside the regime's territory
    # Worked out on construction rather than on first use: a check reads them for every verdict, tens of
    # thousands, and a cached property's first read costs several times a plain attribute's (a lock each). Slots:
    # a check of L keeps a few hundred thousand of these objects (verdicts, statuses, analyses) for the exports.
    valid_tools: tuple[SafeguardStatus, ...] = field(init=False)
    # Destinations neither adequate for this receiver nor covered by a valid tool.
    unprotected: tuple[Destination, ...] = field(init=False)
    relies_on_adequacy: bool = field(init=False)  # the flow lists an `adequacy` safeguard: it says that is its basis
    # None when the transfer has a valid basis (or is none); else the single most specific explanation. Every
    # transfer rule reads this, so a (flow, regime) gives at most one transfer finding.
    gap: TransferGap | None = field(init=False)

    def __post_init__(self) -> None:
        valid_tools = tuple(s for s in self.safeguards if s.tool is not None and s.valid)
        unprotected = () if valid_tools else tuple(d for d in self.destinations if not d.adequate)
        set_field = object.__setattr__
        set_field(self, "valid_tools", valid_tools)
        set_field(self, "unprotected", unprotected)
        set_field(self, "relies_on_adequacy", any(s.safeguard.kind is SafeguardKind.ADEQUACY for s in self.safeguards))
        set_field(self, "gap", self._gap() if unprotected else None)

    @property
    def is_transfer(self) -> bool:
        return bool(self.destinations)

    @property
    def ok(self) -> bool:
        return not self.unprotected

    def _gap(self) -> TransferGap:
        """The single most specific explanation of the unprotected destinations (issue 13's precedence)."""
        unprotected = self.unprotected
        if self.to_foreign_authority:
            return TransferGap(Gap.FOREIGN_AUTHORITY, unprotected, self.safeguards)
        for defect, rule in ((Defect.SYSTEMATIC, Gap.DEROGATION_MISUSED),
                             (Defect.OUTSIDE_GROUP, Gap.BCR_OUTSIDE_GROUP)):
            failing = tuple(s for s in self.safeguards if s.defect is defect)
            if failing:
                return TransferGap(rule, unprotected, failing)
        if self.relies_on_adequacy:
            scoped_out = tuple(d for d in unprotected if d.adequacy is not None and not d.adequacy_in_scope)
            if scoped_out:
                claims = tuple(s for s in self.safeguards if s.safeguard.kind is SafeguardKind.ADEQUACY)
                return TransferGap(Gap.ADEQUACY_OUT_OF_SCOPE, scoped_out, claims)
        lapsed = tuple(s for s in self.safeguards if s.defect in _DATED or (
            s.defect is Defect.ALONE and s.tool is not None and s.tool.requires is not None
            and any(o.safeguard.kind.value == s.tool.requires for o in self.safeguards)))
        ended = next((d for d in unprotected if d.adequacy is None and d.historic_adequacy is not None), None) \
            if self.relies_on_adequacy else None
        if lapsed or ended is not None:
            return TransferGap(Gap.SAFEGUARD_EXPIRED, unprotected, lapsed, ended)
        return TransferGap(Gap.NO_SAFEGUARD, unprotected, self.safeguards)  # each says why it does not count


@dataclass(frozen=True, slots=True)
class FlowAnalysis:
    flow: Flow
    sender: AnyEntity
    receiver: AnyEntity
    sender_countries: tuple[str, ...]
    receiver_countries: tuple[str, ...]
    judging: frozenset[Regime]  # the sender's regime(s) and those of the data subjects' regions
    verdicts: dict[Regime, RegimeVerdict]  # for every judging regime
    adequacy_claims: tuple[str, ...]  # the flow's safeguards of kind adequacy: it says it relies on adequacy
    live: bool = True  # False: a contingent flow before its effective day, which moves no data yet
    # The regimes for which the flow is a transfer, judged as of the day, whether or not it is live yet (worked
    # out on construction: every rule reads it of every flow).
    transfers_when_live: list[RegimeVerdict] = field(init=False)
    # Where the receiver processes data that the sender does not (cross_border_destinations).
    destination_countries: tuple[str, ...] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "transfers_when_live", [v for v in self.verdicts.values() if v.destinations])
        object.__setattr__(self, "destination_countries",
                           tuple(c for c in self.receiver_countries if c not in self.sender_countries))

    @property
    def is_cross_border(self) -> bool:
        return bool(self.destination_countries)

    @property
    def transfer_verdicts(self) -> list[RegimeVerdict]:
        """The transfers the rules judge: none for a contingent flow before its effective day."""
        return self.transfers_when_live if self.live else []


def cross_border_destinations(sender: AnyEntity, receiver: AnyEntity) -> tuple[str, ...]:
    """Where the receiver processes data that the sender does not (docs/design.md §2: a flow is a transfer
    when the two sides' processing countries differ); empty for a flow that stays in the sender's countries."""
    sender_countries = sender.where_processed
    return tuple(c for c in receiver.where_processed if c not in sender_countries)


_LAPSE_DEFECTS = {Lapse.NOT_YET: Defect.NOT_YET, Lapse.ENDED: Defect.EXPIRED, Lapse.CLOSED: Defect.CLOSED}


def date_defect(safeguard: Safeguard, tool: Tool | None, on: date) -> tuple[Defect, str] | None:
    """What the calendar says of a safeguard on `on`: its own effective and expiry dates, then the validity
    window of its tool (when one is given); None when both allow it."""
    if safeguard.effective and on < safeguard.effective:
        return Defect.NOT_YET, f"takes effect on {safeguard.effective}"
    lapse = tool.lapse(on, safeguard.effective) if tool else None
    if lapse and lapse[0] is Lapse.NOT_YET:
        return Defect.NOT_YET, lapse[1]
    if safeguard.expires and on > safeguard.expires:
        return Defect.EXPIRED, f"expired on {safeguard.expires}"
    return (_LAPSE_DEFECTS[lapse[0]], lapse[1]) if lapse else None


def lapsed_tools(safeguard: Safeguard, reference: Reference, on: date) -> dict[Regime, str]:
    """For each regime that accepts this kind of safeguard but whose validity window leaves it out on `on`
    (legacy SCCs after their end, say): why. The safeguard's own dates are `date_defect`'s."""
    found: dict[Regime, str] = {}
    for regime in Regime:
        tool = reference.tool(regime, safeguard.kind.value)
        lapse = tool.lapse(on, safeguard.effective) if tool else None
        if lapse is not None:
            found[regime] = lapse[1]
    return found


@dataclass(frozen=True)
class SafeguardValidity:
    """What the calendar says of one safeguard on one day, whatever flow relies on it: its own dates first,
    then each regime's validity window for its kind of tool (a 2019 SCC without an end date is no longer
    valid anywhere after the legacy clauses ended)."""

    not_yet_effective: bool  # its own effective date is still to come
    expired: bool  # its own expiry date has passed
    lapsed: dict[Regime, str]  # regime -> why its window for this kind of tool leaves the safeguard out

    @property
    def in_force(self) -> bool:
        return not (self.not_yet_effective or self.expired or self.lapsed)


def safeguard_validity(safeguard: Safeguard, reference: Reference, on: date) -> SafeguardValidity:
    own = date_defect(safeguard, None, on)
    return SafeguardValidity(not_yet_effective=own is not None and own[0] is Defect.NOT_YET,
                             expired=own is not None and own[0] is Defect.EXPIRED,
                             lapsed=lapsed_tools(safeguard, reference, on))


def bound_by_bcr(entity: AnyEntity) -> bool:
    return isinstance(entity, GroupCompany) and entity.bcr_bound


def is_authority(entity: AnyEntity) -> bool:
    return isinstance(entity, Recipient) and entity.is_authority


# The analysis's tables of results, each by what the result depends on.
_TABLES = ("_verdicts", "_analyses", "_judging", "_abroad", "_own")


class TransferAnalyser:
    """Judges flows against the reference data as of one day; results are cached per (flow, regime)."""

    def __init__(self, registry: Registry, reference: Reference, as_of: date) -> None:
        self.registry, self.reference, self.as_of = registry, reference, as_of
        # A verdict depends on nothing else about the flow, and many flows share their parties and contracts.
        self._verdicts: dict[tuple[Regime, str, str, tuple[str, ...], Frequency], RegimeVerdict] = {}
        self._analyses: dict[str, FlowAnalysis] = {}
        # Both depend on who sends or receives (and whose data it is), not on the flow: thousands of flows share each.
        self._judging: dict[tuple[str, tuple[str, ...]], frozenset[Regime]] = {}
        self._abroad: dict[tuple[Regime, str], tuple[tuple[Destination, ...], bool]] = {}
        self._own: dict[tuple[Regime, str], tuple[Tool | None, SafeguardStatus | None]] = {}
        # A re-check's analysis (`following`) reads what the first check judged from it, except what went stale.
        self._base: TransferAnalyser | None = None
        self._stale: dict[str, set[Hashable]] = {table: set() for table in _TABLES}

    def following(self, registry: Registry, flows: Iterable[Flow], records: Iterable[str]) -> TransferAnalyser:
        """The same day's analysis of `registry`, which differs from this one's only in `flows` (each changed flow
        as it was and is, and every flow naming a changed record) and in the entities and safeguards `records`.
        Every result none of them touches is read from the analysis the first check made (the base), which
        stays as it was for whoever still reads it (a fork, an export): copying or dropping it instead would make
        a re-check after a one-record write cost in proportion to the registry. What went stale since the base
        accumulates from update to update, and only results made since the base are copied."""
        other = TransferAnalyser(registry, self.reference, self.as_of)
        other._base = self._base if self._base is not None else self
        stale = {table: set(keys) for table, keys in self._stale.items()}
        for flow in flows:
            stale["_analyses"].add(flow.id)
            stale["_judging"].add((flow.sender, tuple(flow.subjects)))
            for regime in Regime:  # an onward chain asks a flow's verdict under regimes that do not judge it
                stale["_verdicts"].add((regime, flow.sender, flow.receiver, tuple(flow.safeguards), flow.frequency))
        for record in records:
            for regime in Regime:
                stale["_abroad"].add((regime, record))
                stale["_own"].add((regime, record))
        other._stale = stale
        if self._base is not None:  # results made since the base that still hold
            for table, keys in stale.items():
                setattr(other, table, {key: value for key, value in getattr(self, table).items() if key not in keys})
        return other

    def _kept(self, table: str, key: Hashable) -> Any:
        """The base's result for `key` in `table` when it still holds (None: judge it here). Callers ask only when
        there is a base: a full check's analysis has none and misses tens of thousands of times."""
        if key in self._stale[table]:
            return None
        return getattr(self._base, table).get(key)

    def judging_regimes(self, flow: Flow) -> frozenset[Regime]:
        """The regime of each country the sender processes in, and of each region the flow's subjects live in."""
        key = (flow.sender, tuple(flow.subjects))
        found = self._judging.get(key)
        if found is None:
            if self._base is not None:
                found = self._kept("_judging", key)
            if found is None:
                found = self._judging[key] = self._judging_regimes(flow)
        return found

    def _judging_regimes(self, flow: Flow) -> frozenset[Regime]:
        sender = self.registry.entities[flow.sender]
        regimes = {r for c in sender.where_processed if (r := self.reference.home_regime(c))}
        for group_id in flow.subjects:
            for region in self.registry.subject_groups_by_id[group_id].regions:
                regimes |= self.reference.regimes_for_region(region)
        return frozenset(regimes)

    def analyse(self, flow: Flow) -> FlowAnalysis:
        found = self._analyses.get(flow.id)
        if found is None and self._base is not None:
            found = self._kept("_analyses", flow.id)
        if found is None:
            sender, receiver = self.registry.entities[flow.sender], self.registry.entities[flow.receiver]
            judging = self.judging_regimes(flow)
            found = FlowAnalysis(
                flow=flow, sender=sender, receiver=receiver, sender_countries=tuple(sender.where_processed),
                receiver_countries=tuple(receiver.where_processed), judging=judging,
                verdicts={regime: self.verdict(flow, regime) for regime in sorted(judging)},
                adequacy_claims=tuple(s.id for s in self._safeguards(flow) if s.kind is SafeguardKind.ADEQUACY),
                live=self.live(flow))
            self._analyses[flow.id] = found
        return found

    def live(self, flow: Flow) -> bool:
        """Does the flow move data on the day? A contingent one only from its effective day."""
        return flow.live_on(self.as_of)

    def analyse_all(self) -> list[FlowAnalysis]:
        """Every flow of the registry, judged as of the day, in id order."""
        return [self.analyse(flow) for flow in sorted(self.registry.flows, key=lambda f: f.id)]

    def verdict(self, flow: Flow, regime: Regime) -> RegimeVerdict:
        """How `regime` judges `flow`, whether or not the regime would judge it directly (onward chains)."""
        key = (regime, flow.sender, flow.receiver, tuple(flow.safeguards), flow.frequency)
        cached = self._verdicts.get(key)
        if cached is None:
            if self._base is not None:
                cached = self._kept("_verdicts", key)
            if cached is None:
                cached = self._verdicts[key] = self._judge(flow, regime)
        return cached

    def _judge(self, flow: Flow, regime: Regime) -> RegimeVerdict:
        entities = self.registry.entities
        sender, receiver = entities[flow.sender], entities[flow.receiver]
        outside, to_foreign_authority = self._outside(regime, receiver)
        sender_countries = sender.where_processed
        destinations = tuple(d for d in outside if d.country not in sender_countries)
        listed = self._safeguards(flow)
        statuses = tuple(self._status(flow, regime, s, sender, receiver, listed) for s in listed)
        return RegimeVerdict(regime=regime, destinations=destinations, safeguards=statuses,
                             to_foreign_authority=to_foreign_authority)

    def exposed(self, flow: Flow, regime: Regime) -> bool:
        """Does the flow send data where `regime` has no adequacy decision covering its receiver? Only then can
        the regime's verdict on it find a gap (`RegimeVerdict.ok` is false only then): a test that costs a
        look-up, where judging the flow's safeguards costs a verdict."""
        entities = self.registry.entities
        sender_countries = entities[flow.sender].where_processed
        return any(not d.adequate and d.country not in sender_countries
                   for d in self._outside(regime, entities[flow.receiver])[0])

    def _foreign_authority(self, regime: Regime, receiver: AnyEntity) -> bool:
        return is_authority(receiver) and receiver.location not in self.reference.territory(regime)

    def _outside(self, regime: Regime, receiver: AnyEntity) -> tuple[tuple[Destination, ...], bool]:
        """The receiver's processing countries outside the regime's territory, each with its adequacy on the day
        (a flow's destinations are those of them its sender does not process in too), and whether the receiver
        is a public authority outside the territory: both the same for every flow to the receiver."""
        key = (regime, receiver.id)
        found = self._abroad.get(key)
        if found is None and self._base is not None:
            found = self._kept("_abroad", key)
        if found is None:
            territory = self.reference.territory(regime)
            destinations: list[Destination] = []
            for country in receiver.where_processed:
                if country in territory:
                    continue
                adequacy = self.reference.adequacy(regime, country, self.as_of)
                ended = [a for a in self.reference.adequacy_history(regime, country)
                         if a.ends is not None and a.ends <= self.as_of]
                destinations.append(Destination(
                    country=country, adequacy=adequacy,
                    adequacy_in_scope=bool(adequacy and adequacy.covers(receiver)),
                    historic_adequacy=ended[-1] if ended else None))
            found = self._abroad[key] = (tuple(destinations), self._foreign_authority(regime, receiver))
        return found

    def _safeguards(self, flow: Flow) -> list[Safeguard]:
        return [self.registry.safeguards_by_id[s] for s in flow.safeguards]

    def _companion_valid(self, companion: Safeguard, regime: Regime) -> bool:
        """Is the contract another tool needs beside it (the EU SCCs under the UK Addendum) in force on the day?

        The companion need not be a tool of the regime by itself; it is judged by its own dates and by the
        validity window of its kind where some regime defines it (the UK Addendum amends the EU SCCs).
        """
        kind = companion.kind.value
        tool = self.reference.tool(regime, kind) or next(
            (t for r in Regime if (t := self.reference.tool(r, kind)) is not None), None)
        return date_defect(companion, tool, self.as_of) is None

    def _listed(self, regime: Regime, safeguard: Safeguard) -> tuple[Tool | None, SafeguardStatus | None]:
        """What `regime` says of `safeguard` whichever flow lists it: its tool, and its status when the kind is no
        tool of the regime or the calendar leaves it out (None: that depends on the flow). Kept per safeguard:
        every flow of a contract asks the same."""
        key = (regime, safeguard.id)
        found = self._own.get(key)
        if found is None and self._base is not None:
            found = self._kept("_own", key)
        if found is None:
            tool = self.reference.tool(regime, safeguard.kind)  # a kind equals its value
            if tool is None:
                status: SafeguardStatus | None = SafeguardStatus(
                    safeguard, None, Defect.NOT_A_TOOL, f"{safeguard.kind.value} is no transfer tool under "
                                                        f"{regime.value}")
            else:
                dated = date_defect(safeguard, tool, self.as_of)
                status = SafeguardStatus(safeguard, tool, *dated) if dated is not None else None
            found = self._own[key] = (tool, status)
        return found

    def _status(self, flow: Flow, regime: Regime, safeguard: Safeguard, sender: AnyEntity,
                receiver: AnyEntity, listed: list[Safeguard]) -> SafeguardStatus:
        """Whether `safeguard`, one of the flow's `listed` safeguards, counts for `regime` on the day, and if not,
        why."""
        tool, known = self._listed(regime, safeguard)
        if known is not None:
            return known
        assert tool is not None  # a safeguard of no tool is known not to count
        if tool.requires and not any(other.kind == tool.requires and self._companion_valid(other, regime)
                                     for other in listed):
            return SafeguardStatus(safeguard, tool, Defect.ALONE, f"needs a valid {tool.requires} safeguard beside it")
        if tool.intra_group_only and not (bound_by_bcr(sender) and bound_by_bcr(receiver)):
            outsider = receiver if not bound_by_bcr(receiver) else sender
            return SafeguardStatus(safeguard, tool, Defect.OUTSIDE_GROUP,
                                   f"{outsider.id} is not a group company bound by the BCRs")
        # A derogation's letter, or an APPI exception's item: its row in the reference data.
        key = safeguard.letter or safeguard.item
        if not key:
            if tool.occasional_only and flow.frequency != "occasional":
                return SafeguardStatus(safeguard, tool, Defect.SYSTEMATIC,
                                       "a derogation cannot carry a systematic flow")
            return SafeguardStatus(safeguard, tool, None, None)
        derogation = self.reference.derogation(regime, key)
        if derogation is None:
            return SafeguardStatus(safeguard, tool, Defect.NO_COUNTERPART,
                                   f"Art. 49(1)({key}) has no counterpart under {regime.value}")
        # The letter's own rule refines the tool's.
        if not derogation.fits_systematic and flow.frequency != "occasional":
            return SafeguardStatus(safeguard, tool, Defect.SYSTEMATIC, "a derogation cannot carry a systematic flow",
                                   derogation)
        if derogation.domestic is Domestic.LAW and not self.reference.is_domestic_law(regime, safeguard.law_of):
            return SafeguardStatus(safeguard, tool, Defect.FOREIGN_LAW,
                                   f"rests on {safeguard.law_of or 'no recorded'} law, not {regime.value}'s own",
                                   derogation)
        if derogation.domestic is Domestic.AUTHORITY and self._outside(regime, receiver)[1]:
            return SafeguardStatus(safeguard, tool, Defect.FOREIGN_ORGAN,
                                   f"covers the regime's own authorities, not {receiver.id}", derogation)
        return SafeguardStatus(safeguard, tool, None, None, derogation)

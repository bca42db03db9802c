"""Properties of house rules over random registries (issue 19): a rule that allows everything never fires; a
`forbid` rule fires exactly on the flows its match selects, worked out here without the rule's code; an exception
silences its flow, and only it, through its last day."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pycountry
from hypothesis import given
from hypothesis import strategies as st

from registry.checks import run_checks
from registry.model import PARTY_KINDS, GroupCompany, Policy, Processor, Recipient, Registry
from registry.reference import Regime, load_reference
from registry.transfers import TransferAnalyser
from tests.strategies import COUNTRIES, registries

AS_OF = date(2026, 11, 24)
RULE = "policy:r"


def with_rule(registry: Registry, **rule: Any) -> Registry:
    policy = Policy.model_validate({"id": "r", "title": "T", "severity": "medium", "source": "s", **rule})
    return registry.model_copy(update={"policies": [policy]})


def fired(registry: Registry, as_of: date = AS_OF) -> set[str]:
    return {f.evidence.flows[0] for f in run_checks(registry, as_of) if f.rule == RULE}


@given(registries())
def test_a_rule_that_allows_every_place_never_fires(registry: Registry) -> None:
    organisations = [{"international_organisation": r.international_organisation}
                     for r in registry.recipients if r.international_organisation]
    everywhere = [c.alpha_2 for c in pycountry.countries] + organisations
    assert fired(with_rule(registry, destinations={"allow": everywhere})) == set()
    assert fired(with_rule(registry, destinations={"allow": ["EEA", *everywhere]},
                           match={"cross_border": True})) == set()


def _ancestors(category: str) -> list[str]:
    parts = category.split(".")
    return [".".join(parts[:end]) for end in range(1, len(parts))]


@st.composite
def registries_and_matches(draw: st.DrawFn) -> tuple[Registry, dict[str, Any]]:
    registry = draw(registries())
    categories = sorted({c.id for c in registry.data_categories} | {a for c in registry.data_categories
                                                                    for a in _ancestors(c.id)})
    entities = sorted(registry.entities)

    def some(values: list[str], *, max_size: int = 3) -> list[str]:
        return draw(st.lists(st.sampled_from(values), min_size=1, max_size=max_size, unique=True))

    def party() -> dict[str, Any]:
        found: dict[str, Any] = {}
        if draw(st.booleans()):
            found["kinds"] = some(list(PARTY_KINDS))
        if draw(st.booleans()):
            found["roles"] = some(["controller", "joint_controller", "processor"])
        if draw(st.booleans()):
            found["countries"] = some([*COUNTRIES, "EEA"])
        if draw(st.booleans()):
            found["entities"] = some(entities)
        return found

    match: dict[str, Any] = {}
    if draw(st.booleans()):
        match["categories"] = some(categories)
    if draw(st.booleans()):
        match["sensitivities"] = some(["standard", "special", "criminal"], max_size=2)
    if draw(st.booleans()):
        match["subjects"] = some([g.id for g in registry.data_subject_groups])
    if draw(st.booleans()):
        match["purposes"] = some([p.id for p in registry.purposes])
    if draw(st.booleans()):
        match["sender"] = party()
    if draw(st.booleans()):
        match["receiver"] = party()
    if draw(st.booleans()):
        match["regimes"] = some([r.value for r in Regime], max_size=2)
    if draw(st.booleans()):
        match["cross_border"] = draw(st.booleans())
    return registry, match


def _kinds(entity: Any) -> set[str]:
    if isinstance(entity, GroupCompany):
        return {"group_company"}
    if isinstance(entity, Processor):
        return {"processor", "sub_processor"} if entity.parent is not None else {"processor"}
    assert isinstance(entity, Recipient)
    return {"recipient", entity.kind.value}


def _role(entity: Any) -> str:
    if isinstance(entity, GroupCompany):
        return entity.role.value
    return "processor" if isinstance(entity, Processor) else "controller"


def _party_selected(entity: Any, match: dict[str, Any], eea: frozenset[str]) -> bool:
    places = entity.processing_countries or [entity.location]
    terms = match.get("countries")
    return ((not match.get("kinds") or bool(_kinds(entity) & set(match["kinds"])))
            and (not match.get("roles") or _role(entity) in match["roles"])
            and (not terms or any(p in terms or ("EEA" in terms and p in eea) for p in places))
            and (not match.get("entities") or entity.id in match["entities"]))


def selected(registry: Registry, match: dict[str, Any]) -> set[str]:
    """The flows `match` selects, by the manifest's documented meaning, from the registry's records."""
    reference = load_reference()
    judging = TransferAnalyser(registry, reference, AS_OF).judging_regimes
    sensitivity = {c.id: c.sensitivity.value for c in registry.data_categories}
    chosen = set()
    for flow in registry.flows:
        if not flow.live_on(AS_OF):
            continue  # a contingent flow moves no data before its day: no rule judges it
        sender, receiver = registry.entities[flow.sender], registry.entities[flow.receiver]
        carried = flow.categories
        keys = match.get("categories")
        if keys and not any(c == k or c.startswith(k + ".") or k.startswith(c + ".") for c in carried for k in keys):
            continue
        wanted = match.get("sensitivities")
        if wanted and not any(sensitivity.get(other) in wanted for c in carried for other in sensitivity
                              if other == c or other.startswith(c + ".")):
            continue
        if match.get("subjects") and not set(flow.subjects) & set(match["subjects"]):
            continue
        if match.get("purposes") and flow.purpose not in match["purposes"]:
            continue
        if not _party_selected(sender, match.get("sender", {}), reference.eea):
            continue
        if not _party_selected(receiver, match.get("receiver", {}), reference.eea):
            continue
        if match.get("regimes") and not {r.value for r in judging(flow)} & set(match["regimes"]):
            continue
        sender_places = sender.processing_countries or [sender.location]
        crossing = bool(set(receiver.processing_countries or [receiver.location]) - set(sender_places))
        if "cross_border" in match and crossing is not match["cross_border"]:
            continue
        chosen.add(flow.id)
    return chosen


@given(registries_and_matches())
def test_forbid_fires_exactly_on_the_flows_its_match_selects(case: tuple[Registry, dict[str, Any]]) -> None:
    registry, match = case
    assert fired(with_rule(registry, match=match, forbid=True)) == selected(registry, match)


@given(registries(), st.data())
def test_an_exception_silences_only_its_flow_and_only_through_its_day(registry: Registry, data: st.DataObject) -> None:
    every = {f.id for f in registry.flows}
    if not every:
        return
    excepted = data.draw(st.sampled_from(sorted(every)))
    until = data.draw(st.dates(min_value=date(2025, 1, 1), max_value=date(2028, 12, 31)))
    ruled = with_rule(registry, forbid=True, exceptions=[{"flow": excepted, "reason": "r", "until": until}])

    def live(day: date) -> set[str]:  # a contingent flow is judged only from its day
        return {f.id for f in registry.flows if f.live_on(day)}

    before = until - timedelta(days=data.draw(st.integers(0, 400)))
    after = until + timedelta(days=data.draw(st.integers(1, 400)))
    assert fired(ruled, until) == live(until) - {excepted}
    assert fired(ruled, before) == live(before) - {excepted}
    assert fired(ruled, after) == live(after)

"""The forecast agrees with `check`: the findings it says are open on a day are those a full check that day
leaves open, for generated registries (with acknowledgements that lapse) and random days."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from registry.calendar import Calendar, EventKind
from registry.checks import apply_acknowledgements, run_checks
from registry.forecast import forecast
from registry.model import Acknowledgement, Registry
from registry.reference import load_reference
from tests.checks.test_properties import registries as dated_registries
from tests.strategies import registries as any_registries

REFERENCE = load_reference()


def open_on(registry: Registry, day: date) -> set[str]:
    """What `check --as-of day` leaves open: listed and not acknowledged."""
    findings = apply_acknowledgements(run_checks(registry, day, REFERENCE), registry.acknowledgements, day)
    return {f.id for f in findings if not f.acknowledged}


@st.composite
def acknowledged(draw: st.DrawFn, registry: Registry, on: date) -> Registry:
    """`registry` with some of the findings of `on` acknowledged, a few of them until a day that passes."""
    ids = sorted({f.id for f in run_checks(registry, on, REFERENCE)})
    chosen = draw(st.lists(st.sampled_from(ids), unique=True, max_size=4)) if ids else []
    acknowledgements = [Acknowledgement(finding=finding, reason="accepted for now",
                                        until=draw(st.none() | st.dates(on, on + timedelta(days=800))))
                        for finding in chosen]
    return registry.model_copy(update={"acknowledgements": acknowledgements})


@st.composite
def contingent(draw: st.DrawFn, registry: Registry, on: date) -> Registry:
    """`registry` with some flows contingent (a sale of the business), going live around `on`."""
    flows = [flow.model_copy(update={"contingent": True, "effective": draw(st.none() | st.dates(
        on - timedelta(days=100), on + timedelta(days=900)))}) if draw(st.integers(0, 3)) == 0 else flow
        for flow in registry.flows]
    return registry.model_copy(update={"flows": flows})


@st.composite
def cases(draw: st.DrawFn) -> tuple[Registry, date, int]:
    if draw(st.booleans()):
        registry, as_of = draw(dated_registries())
    else:
        registry = draw(any_registries(max_records=5))
        as_of = draw(st.dates(date(2014, 1, 1), date(2030, 12, 31)))
    registry = draw(contingent(registry, as_of))
    registry = draw(acknowledged(registry, as_of + timedelta(days=draw(st.integers(0, 400)))))
    return registry, as_of, draw(st.integers(0, 3_000))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(cases(), st.data())
def test_the_forecast_says_open_what_check_finds_open_on_any_day(case: tuple[Registry, date, int],
                                                                  data: st.DataObject) -> None:
    registry, as_of, days = case
    result = forecast(registry, REFERENCE, as_of, days)
    # Every day on which something may change, the day before it, and a few days anywhere in the window.
    turning = {d for event_day in {e.day for e in result.events} for d in (event_day, event_day - timedelta(days=1))}
    anywhere = data.draw(st.lists(st.dates(as_of, result.until), max_size=3))
    for day in sorted({as_of, result.until, *anywhere, *(d for d in turning if as_of <= d <= result.until)}):
        assert result.open_on(day) == open_on(registry, day), day


def test_the_seed_forecast_names_the_expiring_contracts_and_the_day_after_their_last() -> None:
    from registry import manifest as manifests
    from registry.service import seed_manifest_path

    fragment = manifests.load(seed_manifest_path()).fragment
    registry = Registry.model_validate(fragment.model_dump())
    result = forecast(registry, REFERENCE, date(2026, 12, 3), 90)
    assert {turn.day for turn in result.opening} == {date(2027, 3, 1)}
    assert {turn.finding.problem for turn in result.opening} == {"f10-hq-mail-campaign", "f11-hq-mail-promoter"}
    assert {record for turn in result.opening for record in turn.renew} == {"scc-mail-m2", "uk-addendum-mail"}
    assert all(cause.kind is EventKind.SAFEGUARD_EXPIRES for turn in result.opening for cause in turn.causes)
    assert result.open_on(date(2027, 3, 3)) == open_on(registry, date(2027, 3, 3))


def test_the_calendar_holds_every_dated_fact_inside_the_window_only() -> None:
    registry = Registry.model_validate({
        "processors": [{"id": "p", "name": "P", "country": "US", "dpa_signed": "2027-01-10"}],
        "safeguards": [{"id": "s", "kind": "scc_2021", "module": 2, "effective": "2027-01-05",
                        "expires": "2027-01-31"}],
        "acknowledgements": [{"finding": "processor-without-dpa:000000000000", "reason": "r", "until": "2027-01-20"}]})
    calendar = Calendar(registry, REFERENCE)
    events = [(e.day, e.kind) for e in calendar.events(date(2027, 1, 1), date(2027, 2, 1)) if e.record]
    assert events == [(date(2027, 1, 5), EventKind.SAFEGUARD_EFFECTIVE), (date(2027, 1, 10), EventKind.DPA_SIGNED),
                      (date(2027, 1, 21), EventKind.ACKNOWLEDGEMENT_LAPSES),
                      (date(2027, 2, 1), EventKind.SAFEGUARD_EXPIRES)]
    assert calendar.events(date(2027, 2, 1), date(2027, 2, 1)) == []
    # The reference data's dates: the UK decision's renewal ends on 2031-12-28, the legacy SCCs on 2022-12-27.
    kinds = {(e.kind, e.regime, e.country or e.tool) for e in calendar.events(date(2022, 12, 26), date(2031, 12, 28))}
    assert (EventKind.ADEQUACY_ENDS, "gdpr", "GB") in kinds
    assert (EventKind.TOOL_ENDS, "gdpr", "scc_legacy") in kinds

"""Each model refuses bad input with a message that names the field."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from pydantic import ValidationError

from registry.model import (
    DataCategory,
    Flow,
    Processor,
    Registry,
    Safeguard,
    retention_days,
    validation_problems,
)


def problems_of(model: type, data: dict[str, Any]) -> list[tuple[str | None, str]]:
    with pytest.raises(ValidationError) as caught:
        model.model_validate(data)
    return [(p.field, p.message) for p in validation_problems(caught.value)]


FLOW = {"id": "f", "from": "a", "to": "b", "subjects": ["s"], "categories": ["c.d"], "purpose": "p"}


@pytest.mark.parametrize(
    ("code", "hint"),
    [("XX", "two capital letters"), ("uk", "did you mean 'GB'"), ("UK", "did you mean 'GB'"),
     ("de", "did you mean 'DE'"), ("DEU", "two capital letters"), ("EL", "did you mean 'GR'")],
)
def test_bad_country_is_refused_with_a_suggestion(code: str, hint: str) -> None:
    [(field, message)] = problems_of(Processor, {"id": "p", "name": "P", "country": code})
    assert field == "country"
    assert hint in message


def test_processing_countries_are_checked_one_by_one() -> None:
    [(field, message)] = problems_of(Processor, {"id": "p", "name": "P", "country": "DE",
                                                 "processing_countries": ["FR", "uk"]})
    assert field == "processing_countries.1"
    assert "'GB'" in message


def test_unknown_key_is_an_error_not_ignored() -> None:
    [(field, message)] = problems_of(Processor, {"id": "p", "name": "P", "country": "DE", "dpa": "2024"})
    assert field == "dpa"
    assert "unknown key" in message


def test_scc_without_module_names_module() -> None:
    [(field, message)] = problems_of(Safeguard, {"id": "s", "kind": "scc_2021"})
    assert field == "module"
    assert "module" in message


@pytest.mark.parametrize("module", [0, 5, "two"])
def test_scc_module_is_one_to_four(module: object) -> None:
    [(field, _)] = problems_of(Safeguard, {"id": "s", "kind": "scc_2021", "module": module})
    assert field == "module"


def test_module_on_other_kinds_is_refused() -> None:
    [(field, message)] = problems_of(Safeguard, {"id": "s", "kind": "bcr", "module": 2})
    assert field == "module"
    assert "only to scc_2021" in message


def test_derogation_needs_a_letter_a_to_g() -> None:
    assert problems_of(Safeguard, {"id": "s", "kind": "derogation_49"})[0][0] == "letter"
    assert problems_of(Safeguard, {"id": "s", "kind": "derogation_49", "letter": "h"})[0][0] == "letter"
    assert Safeguard(id="s", kind="derogation_49", letter="e").letter == "e"


def test_an_appi_exception_needs_an_item_i_to_iv_and_no_other_kind_takes_one() -> None:
    [(field, message)] = problems_of(Safeguard, {"id": "s", "kind": "appi_exception"})
    assert field == "item" and "i-iv of APPI Art. 27(1)" in message
    assert problems_of(Safeguard, {"id": "s", "kind": "appi_exception", "item": "v"})[0][0] == "item"
    [(field, message)] = problems_of(Safeguard, {"id": "s", "kind": "derogation_49", "letter": "d", "item": "i"})
    assert field == "item" and "only to appi_exception" in message
    assert Safeguard(id="s", kind="appi_exception", item="ii").item == "ii"


@pytest.mark.parametrize("data", [
    {"kind": "derogation_49", "letter": "e"}, {"kind": "appi_exception", "item": "ii"},
    {"kind": "scc_2021", "module": 1},
])
def test_law_of_belongs_to_a_public_interest_derogation_or_appi_item_i_only(data: dict[str, Any]) -> None:
    [(field, message)] = problems_of(Safeguard, {"id": "s", "law_of": "JP", **data})
    assert field == "law_of" and "Art. 49(1)(d)" in message and "Art. 27(1)(i)" in message


def test_law_of_is_a_country_code_or_eu() -> None:
    assert Safeguard(id="s", kind="derogation_49", letter="d", law_of="EU").law_of == "EU"
    assert Safeguard(id="s", kind="appi_exception", item="i", law_of="JP").law_of == "JP"
    [(field, message)] = problems_of(Safeguard, {"id": "s", "kind": "derogation_49", "letter": "d", "law_of": "UK"})
    assert field == "law_of" and "'GB'" in message and "'EU' for Union law" in message


def test_effective_belongs_to_a_contingent_flow_which_is_live_from_that_day() -> None:
    [(field, message)] = problems_of(Flow, {**FLOW, "effective": "2027-01-01"})
    assert field == "effective" and "contingent" in message
    flow = Flow.model_validate({**FLOW, "contingent": True, "effective": "2027-01-01"})
    assert not flow.live_on(date(2026, 12, 31)) and flow.live_on(date(2027, 1, 1))
    assert not Flow.model_validate({**FLOW, "contingent": True}).live_on(date(2999, 1, 1))  # no day: never
    assert Flow.model_validate(FLOW).live_on(date(2000, 1, 1))


def test_safeguard_expiring_before_it_starts_is_refused() -> None:
    [(field, message)] = problems_of(
        Safeguard, {"id": "s", "kind": "bcr", "effective": "2024-01-02", "expires": "2024-01-01"})
    assert field == "expires"
    assert "before" in message


def test_flow_ending_before_it_starts_is_refused() -> None:
    [(field, message)] = problems_of(Flow, {**FLOW, "start": "2025-05-01", "end": "2025-04-30"})
    assert field == "end"
    assert "before 'start'" in message


def test_dates_are_dates() -> None:
    [(field, _)] = problems_of(Processor, {"id": "p", "name": "P", "country": "DE", "dpa_signed": "soon"})
    assert field == "dpa_signed"


def test_flow_uses_manifest_names_from_and_to() -> None:
    flow = Flow.model_validate(FLOW)
    assert (flow.sender, flow.receiver) == ("a", "b")
    assert flow.model_dump(by_alias=True)["from"] == "a"


def test_category_ids_are_a_dotted_taxonomy() -> None:
    assert DataCategory(id="user.contact.email", name="Email").parent == "user.contact"
    [(field, _)] = problems_of(DataCategory, {"id": "User Email", "name": "Email"})
    assert field == "id"


def test_ids_are_lowercase_ascii_and_blank_padded_or_odd_ones_are_refused() -> None:
    for bad in (" p", "p'; DROP TABLE nodes; --`ü", "P1", "p\u200b1", "\uff50\uff11"):
        assert problems_of(Processor, {"id": bad, "name": "P", "country": "DE"})[0][0] == "id"
    assert Processor(id="cloud-host.eu_2", name="P", country="DE").id == "cloud-host.eu_2"


def minimal_registry(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "group_companies": [{"id": "hq", "name": "HQ", "country": "JP", "region": "APAC"}],
        "processors": [{"id": "p", "name": "P", "country": "US"}],
        "data_subject_groups": [{"id": "s", "name": "S", "regions": ["EEA"]}],
        "data_categories": [{"id": "c.d", "name": "C"}],
        "purposes": [{"id": "purpose", "name": "P", "legal_basis": "contract", "necessary_categories": ["c"]}],
        "safeguards": [{"id": "scc", "kind": "scc_2021", "module": 2, "parties": ["hq", "p"]}],
        "flows": [{**FLOW, "from": "hq", "to": "p", "purpose": "purpose", "subjects": ["s"],
                   "safeguards": ["scc"]}],
    }
    data.update(changes)
    return data


def registry_problems(data: dict[str, Any]) -> list[tuple[str | None, str | None, str]]:
    with pytest.raises(ValidationError) as caught:
        Registry.model_validate(data)
    return [(p.section, p.field, p.message) for p in validation_problems(caught.value)]


def test_a_consistent_registry_validates() -> None:
    registry = Registry.model_validate(minimal_registry())
    assert registry.entities["p"].country == "US"
    assert registry.flows_by_id["f"].purpose == "purpose"


@pytest.mark.parametrize(
    ("flow_change", "field"),
    [({"to": "ghost"}, "to"), ({"from": "ghost"}, "from"), ({"purpose": "ghost"}, "purpose"),
     ({"categories": ["c.ghost"]}, "categories"), ({"subjects": ["ghost"]}, "subjects"),
     ({"safeguards": ["ghost"]}, "safeguards")],
)
def test_dangling_reference_names_the_field(flow_change: dict[str, Any], field: str) -> None:
    data = minimal_registry()
    data["flows"] = [{**data["flows"][0], **flow_change}]
    [(section, named, message)] = registry_problems(data)
    assert (section, named) == ("flows", field)
    assert "'ghost'" in message or "'c.ghost'" in message


def test_dangling_parent_party_and_necessary_category() -> None:
    data = minimal_registry(
        processors=[{"id": "p", "name": "P", "country": "US", "parent": "nobody"}],
        safeguards=[{"id": "scc", "kind": "scc_2021", "module": 2, "parties": ["stranger"]}],
        purposes=[{"id": "purpose", "name": "P", "legal_basis": "contract", "necessary_categories": ["x.y"]}],
    )
    found = {(section, field) for section, field, _ in registry_problems(data)}
    assert found == {("processors", "parent"), ("safeguards", "parties"), ("purposes", "necessary_categories")}


def test_duplicate_ids_are_refused() -> None:
    data = minimal_registry(data_categories=[{"id": "c.d", "name": "C"}, {"id": "c.d", "name": "again"}])
    [(section, field, message)] = registry_problems(data)
    assert (section, field) == ("data_categories", "id")
    assert "duplicate id 'c.d'" in message


def test_senders_and_receivers_share_one_id_space() -> None:
    data = minimal_registry(recipients=[{"id": "p", "name": "Police", "country": "JP", "kind": "law_enforcement"}])
    [(section, _, message)] = registry_problems(data)
    assert section == "recipients"
    assert "already used in processors" in message


@pytest.mark.parametrize(("text", "days"), [("P3Y", 1095.75), ("P30D", 30), ("P1Y6M", 365.25 + 6 * 30.44),
                                            ("until the cookie expires", None), ("P", None), (None, None)])
def test_retention_durations(text: str | None, days: float | None) -> None:
    if days is None:
        assert retention_days(text) is None
    else:
        assert retention_days(text) == pytest.approx(days)

"""Every closed set of the model has people's words for every member: a new value without a label fails here."""

from __future__ import annotations

import inspect
from datetime import date
from enum import StrEnum
from typing import get_args

import pytest

from registry import access, model
from registry.checks.finding import Severity
from registry.labels import (
    APPI_ITEM_LABELS,
    DEROGATION_LETTER_LABELS,
    DPF_LISTS,
    ENUM_LABELS,
    NOT_RECORDED,
    PARTY_KIND_LABELS,
    REGIME_LABELS,
    SCC_MODULE_LABELS,
    SEVERITY_LABELS,
    cell,
    dpf_lists_label,
    label,
    party_kind_label,
    sentence_label,
)
from registry.reference import AdequacyScope, Regime


def model_enums() -> list[type[StrEnum]]:
    """Every StrEnum the model defines, found rather than listed, so that a new one is covered too."""
    return [value for value in vars(model).values()
            if inspect.isclass(value) and issubclass(value, StrEnum) and value.__module__ == model.__name__]


SHOWN_ENUMS = [*model_enums(), Regime, AdequacyScope, Severity, access.Role]


def test_the_model_has_the_enums_this_test_expects_to_find() -> None:
    found = {enum.__name__ for enum in model_enums()}
    assert {"Role", "Sector", "RecipientKind", "Sensitivity", "LegalBasis", "SafeguardKind", "Frequency"} <= found


@pytest.mark.parametrize("enum", SHOWN_ENUMS, ids=lambda enum: f"{enum.__module__}.{enum.__name__}")
def test_every_member_of_every_enum_has_a_label(enum: type[StrEnum]) -> None:
    for member in enum:
        words = sentence_label(member)
        assert "_" not in words and words.strip(), (member, words)
        # The label is written down for the member, not derived from its key.
        assert member.value in ENUM_LABELS[f"{enum.__module__}.{enum.__qualname__}"], member
        assert label(member)[:1].isupper() or label(member)[:1].isdigit()


@pytest.mark.parametrize(("values", "labels"), [
    (get_args(model.DerogationLetter), DEROGATION_LETTER_LABELS),
    (get_args(model.AppiItem), APPI_ITEM_LABELS),
    (get_args(model.SccModule), SCC_MODULE_LABELS),
    (get_args(model.PolicySeverity), SEVERITY_LABELS),
    (get_args(model.RegimeKey), REGIME_LABELS),
    (model.PARTY_KINDS, PARTY_KIND_LABELS),
], ids=["derogation letter", "APPI item", "SCC module", "house rule severity", "regime", "party kind"])
def test_every_machine_key_of_the_model_has_a_label(values: tuple[object, ...], labels: dict[object, str]) -> None:
    assert set(values) == set(labels)
    assert all("_" not in words for words in labels.values())


def test_the_words_people_read() -> None:
    assert label(model.Role.JOINT_CONTROLLER) == "Joint controller"
    assert label(model.SafeguardKind.APPI_EQUIVALENT_SYSTEM) == "APPI equivalent-system contract"
    assert label(Regime.CH_FADP) == "Swiss FADP"
    assert sentence_label(model.RecipientKind.LAW_ENFORCEMENT) == "law enforcement authority"
    assert label(access.Role.DPO) == "DPO"
    assert party_kind_label("sub_processor") == "sub-processor"


@pytest.mark.parametrize("empty", [None, "", "  ", [], float("nan")])
def test_an_empty_value_reads_as_not_recorded_never_none_or_nan(empty: object) -> None:
    assert cell(empty) == NOT_RECORDED
    assert cell(empty, empty="") == ""
    assert label(None) == NOT_RECORDED


def test_a_cell_shows_values_as_people_write_them() -> None:
    assert cell(date(2026, 1, 31)) == "2026-01-31"
    assert cell(True) == "yes" and cell(False) == "no"
    assert cell([model.Frequency.OCCASIONAL, None, "x"]) == "Occasional, x"
    assert cell(model.Sector.NON_PROFIT) == "Non-profit"


def test_every_dpf_list_the_model_knows_has_its_name_and_regime() -> None:
    fields = {name for name in model.Entity.model_fields if name.startswith("dpf_")}
    assert fields == set(DPF_LISTS)
    assert {regime for _, regime in DPF_LISTS.values()} <= set(REGIME_LABELS)
    entity = model.Processor(id="p", name="P", country="US", dpf_uk_extension=True, dpf_swiss=True)
    assert dpf_lists_label(entity) == "UK Extension to the EU-US DPF, Swiss-US Data Privacy Framework"
    assert dpf_lists_label(model.Processor(id="q", name="Q", country="US")) == "none"

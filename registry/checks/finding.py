"""What a rule reports: a finding with its rule, severity, regime, legal reference, reason and evidence."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from datetime import date
from enum import StrEnum
from typing import TypeVar

from pydantic import BaseModel, ConfigDict

from registry.model import Acknowledgement


class Severity(StrEnum):
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"

    @property
    def rank(self) -> int:
        return _RANKS[self]


_RANKS = {Severity.HIGH: 3, Severity.MEDIUM: 2, Severity.LOW: 1}


class Evidence(BaseModel):
    """What a lawyer needs to verify a finding: the records involved and the day it was judged."""

    model_config = ConfigDict(frozen=True)

    flows: list[str] = []  # in path order for onward transfers
    path: list[str] = []  # entity ids from the first sender to the last receiver
    safeguards: list[str] = []
    countries: list[str] = []
    categories: list[str] = []
    entities: list[str] = []
    purposes: list[str] = []
    as_of: date

    def identity(self) -> dict[str, Sequence[str]]:
        """Everything but the date: the same problem found on another day keeps its id (read-only views: a
        check hashes one per finding)."""
        fields = self.__dict__
        return {name: fields[name] for name in EVIDENCE_LISTS}

    @classmethod
    def of(cls, as_of: date, **lists: Iterable[str]) -> Evidence:
        """Evidence with each list in a canonical order: sorted and without repeats, except the ordered chain
        (`flows`, `path`), so that the same problem always gets the same id."""
        if not lists.keys() <= _EVIDENCE_NAMES:
            raise TypeError(f"unknown evidence {sorted(lists.keys() - _EVIDENCE_NAMES)}")
        get = lists.get
        values: dict[str, object] = {
            name: [] if not (given := get(name)) else list(given) if name in ORDERED else sorted(set(given))
            for name in EVIDENCE_LISTS}
        values["as_of"] = as_of
        # Built without validation: rules only pass strings, and a full check makes one per finding.
        return constructed(cls, values)


EVIDENCE_LISTS = ("flows", "path", "safeguards", "countries", "categories", "entities", "purposes")
_EVIDENCE_NAMES = frozenset(EVIDENCE_LISTS)
ORDERED = frozenset({"flows", "path"})  # a chain's order is part of the evidence

Model = TypeVar("Model", bound=BaseModel)


_EVERY_FIELD: dict[type[BaseModel], set[str]] = {}


def constructed(cls: type[Model], values: dict[str, object]) -> Model:
    """A model of `values` (every field, in declaration order) without validation: what pydantic's
    `model_construct` does for a model without aliases, defaults to fill, extras or private attributes, at about
    a quarter of its cost. A full check of a large registry builds two per finding, hundreds of thousands."""
    model = cls.__new__(cls)
    object.__setattr__(model, "__dict__", values)
    # One set of the field names per class, shared: a set per model cost 1.4 KB a finding (half a finding's own
    # size). Safe for frozen models, whose set pydantic never changes in place (model_copy copies it first).
    fields_set = _EVERY_FIELD.get(cls)
    if fields_set is None:
        fields_set = _EVERY_FIELD[cls] = set(cls.model_fields)
    object.__setattr__(model, "__pydantic_fields_set__", fields_set)
    object.__setattr__(model, "__pydantic_extra__", None)
    object.__setattr__(model, "__pydantic_private__", None)
    return model


class Finding(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: str
    rule: str
    severity: Severity
    regime: str | None
    reference: str
    reason: str
    fix: str
    evidence: Evidence
    problem: str = ""  # id of the record at fault (a flow; the processor, recipient or purpose): findings group by it
    acknowledged: bool = False
    acknowledgement: Acknowledgement | None = None

    @property
    def sort_key(self) -> tuple[int, bool, str, str, str]:
        """Worst first; within a severity the law before the house rules (`policy:<id>`), then by rule."""
        return (-_RANKS[self.severity], self.rule.startswith("policy:"), self.rule, self.regime or "", self.id)


def worst(severities: Iterable[Severity]) -> Severity | None:
    """The highest severity, None for none."""
    return max(severities, key=_RANKS.__getitem__, default=None)


def worst_open(findings: Iterable[Finding]) -> Severity | None:
    """The highest severity among findings nobody has acknowledged: what a flagged row or arc shows."""
    return worst(f.severity for f in findings if not f.acknowledged)


def finding_id(rule: str, regime: str | None, evidence: Evidence) -> str:
    """`<rule>:<12 hex>` from the rule, the regime and the evidence without its date."""
    # Ids never contain the separators (they are record ids, country codes and category keys).
    fields = evidence.__dict__  # what identity() gives, read in place: a check makes one id per finding
    content = "\x1e".join([rule, regime or "", *["\x1f".join([name, *fields[name]]) for name in EVIDENCE_LISTS]])
    return f"{rule}:{hashlib.sha256(content.encode()).hexdigest()[:12]}"

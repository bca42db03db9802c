"""The Register processor form's logic: form values -> a validated RegistryFragment, problems -> the widget
they belong to, and the findings a registration introduces. No Streamlit here, so tests call it directly."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from pydantic import ValidationError

from registry.checks.finding import Finding
from registry.errors import InvalidInput, Problem
from registry.model import RegistryFragment, validation_problems
from registry.service import ImportResult, Service

SOURCE = "dashboard: register processor"
PROCESSOR_FIELDS = ("id", "name", "country", "processing_countries", "dpa_signed", "dpf_certified", "parent",
                    "source")
SAFEGUARD_FIELDS = ("id", "kind", "module", "letter", "reference", "effective", "expires")
FLOW_FIELDS = ("id", "direction", "counterpart", "subjects", "categories", "purpose", "safeguards", "frequency",
               "encrypted_in_transit", "tia", "source")
GENERAL = ("general", None, "")  # problems no widget owns


@dataclass
class FormValues:
    processor: dict[str, Any]
    safeguards: list[dict[str, Any]] = field(default_factory=list)
    # direction "in": the counterpart sends to the new processor; "out": the processor sends to the counterpart
    flows: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class Registration:
    result: ImportResult
    introduced: list[Finding]


def _clean(record: Mapping[str, Any]) -> dict[str, Any]:
    """Blank text and empty optional values are 'not given', as in a manifest that leaves a key out."""
    cleaned: dict[str, Any] = {}
    for key, value in record.items():
        if isinstance(value, str):
            value = value.strip()
        if value in ("", None) or (isinstance(value, list) and not value):
            continue
        cleaned[key] = value
    return cleaned


def _flow_record(flow: Mapping[str, Any], processor_id: str) -> dict[str, Any]:
    values = _clean(flow)
    counterpart = values.pop("counterpart", "")
    direction = values.pop("direction", "in")
    sender, receiver = (counterpart, processor_id) if direction == "in" else (processor_id, counterpart)
    values["from"], values["to"] = sender, receiver
    if "id" not in values and counterpart and processor_id:
        values["id"] = f"f-{sender}-{receiver}-{values.get('purpose', 'flow')}"
    return values


def build_fragment(values: FormValues) -> RegistryFragment:
    """The processor with its safeguards and flows, validated by the registry's own models (InvalidInput)."""
    processor = _clean(values.processor)
    processor.setdefault("dpf_certified", False)
    document = {
        "processors": [processor],
        "safeguards": [_clean(s) for s in values.safeguards],
        "flows": [_flow_record(f, processor.get("id", "")) for f in values.flows],
    }
    try:
        return RegistryFragment.model_validate(document)
    except ValidationError as error:
        raise InvalidInput(validation_problems(error), summary="invalid processor") from None


def introduced_findings(before: Iterable[Finding], after: Iterable[Finding]) -> list[Finding]:
    """Findings present after a change and not before it (ids are stable across runs)."""
    known = {f.id for f in before}
    return [f for f in after if f.id not in known]


def register(service: Service, values: FormValues, as_of: date) -> Registration:
    """Validate, write through the service (change log, permissions) and diff the check before and after."""
    fragment = build_fragment(values)
    before = service.check(as_of)
    result = service.register(fragment, source=SOURCE)
    return Registration(result, introduced_findings(before, service.check(as_of)))


WidgetKey = tuple[str, int | None, str]


def widget_of(problem: Problem, values: FormValues) -> WidgetKey:
    """The (section, index, field) of the form widget a problem belongs to."""
    root = (problem.field or "").split(".")[0]
    if problem.section == "processors" and root in PROCESSOR_FIELDS:
        return ("processor", None, root)
    if problem.section == "safeguards" and problem.index is not None and root in SAFEGUARD_FIELDS:
        return ("safeguards", problem.index, root)
    if problem.section == "flows" and problem.index is not None and problem.index < len(values.flows):
        direction = values.flows[problem.index].get("direction", "in")
        own_side = "to" if direction == "in" else "from"
        if root == own_side:
            return ("processor", None, "id")
        if root in ("from", "to"):
            return ("flows", problem.index, "counterpart")
        if root in FLOW_FIELDS:
            return ("flows", problem.index, root)
    return GENERAL


def problems_by_widget(problems: Iterable[Problem], values: FormValues) -> dict[WidgetKey, list[str]]:
    placed: dict[WidgetKey, list[str]] = defaultdict(list)
    for problem in problems:
        key = widget_of(problem, values)
        placed[key].append(problem.message if key != GENERAL else problem.render())
    return dict(placed)

"""The Register processor form's logic: form values -> a validated RegistryFragment, problems -> the widget
they belong to, in plain words that name the field, and the findings a registration introduces. No Streamlit here,
so tests call it directly."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from pydantic import ValidationError

from registry.checks.finding import Finding
from registry.errors import InvalidInput, Problem
from registry.labels import DPF_LISTS
from registry.model import RegistryFragment, validation_problems
from registry.service import ImportResult, Service

SOURCE = "dashboard: register processor"
PROCESSOR_FIELDS = ("id", "name", "country", "processing_countries", "dpa_signed", *DPF_LISTS, "parent", "source")
SAFEGUARD_FIELDS = ("id", "kind", "module", "letter", "reference", "effective", "expires")
FLOW_FIELDS = ("id", "direction", "counterpart", "subjects", "categories", "purpose", "safeguards", "frequency",
               "encrypted_in_transit", "tia", "source")
GENERAL = ("general", None, "")  # problems no widget owns

# What an id may hold, as registry.model.ID_PATTERN allows it.
ID_RULE = "lowercase letters, digits, dots, dashes or underscores, starting with a letter or digit"
# What to do when a required field is left empty, by (section, field) as the form names them; the form checks
# these itself, so that a person reads what to do rather than the validator's words for a missing key.
REQUIRED: dict[tuple[str, str], str] = {
    ("processor", "id"): f"Give the processor an id: {ID_RULE} (e.g. mail-delivery-eu).",
    ("processor", "name"): "Give the processor's legal name.",
    ("processor", "country"): "Choose the country where the processor is established (or type its ISO code).",
    ("safeguards", "id"): f"Give the safeguard an id: {ID_RULE} (e.g. scc-mail-m2).",
    ("safeguards", "kind"): "Choose the kind of safeguard.",
    ("flows", "counterpart"): "Choose the party the data goes to or comes from.",
    ("flows", "subjects"): "Choose at least one group of people the data is about.",
    ("flows", "categories"): "Choose at least one data category the flow carries.",
    ("flows", "purpose"): "Choose the purpose the data is sent for.",
}
# Field names as the form's labels say them, to name the field in a message the model words for a manifest.
FIELD_NAMES: dict[str, str] = {
    "id": "Id", "name": "Legal name", "country": "Country of establishment",
    "processing_countries": "Processing countries", "dpa_signed": "Art. 28 DPA signed on", "parent": "Sub-processor of",
    "source": "Declared in", "kind": "Kind", "module": "SCC module", "letter": "Art. 49 letter",
    "reference": "Document", "effective": "Effective", "expires": "Expires", "counterpart": "Party",
    "from": "Party", "to": "Party", "subjects": "About (data subjects)", "categories": "Data categories",
    "purpose": "Purpose", "safeguards": "Safeguards", "frequency": "Frequency", "tia": "Transfer impact assessment",
    **{key: name for key, (name, _) in DPF_LISTS.items()},
}
# Phrases of the validation library that must not reach a person, and what to say instead.
_LIBRARY_PHRASES: tuple[tuple[str, str], ...] = (
    ("required key is missing", "this field is required"),
    ("String should have at least 1 character", "this field is required"),
    ("List should have at least 1 item", "choose at least one"),
    ("String should have at most", "too long: at most"),
    ("Input should be", "choose one of the offered values; it should be"),
)


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


def _flow_record(flow: Mapping[str, Any], processor_id: str) -> tuple[dict[str, Any], bool]:
    """The flow as a manifest writes it, and whether its id was made up here (the form's flow id is optional)."""
    values = _clean(flow)
    counterpart = values.pop("counterpart", "")
    direction = values.pop("direction", "in")
    sender, receiver = (counterpart, processor_id) if direction == "in" else (processor_id, counterpart)
    values["from"], values["to"] = sender, receiver
    generated = "id" not in values
    if generated:
        values["id"] = f"f-{sender or 'sender'}-{receiver or 'receiver'}-{values.get('purpose', 'flow')}"
    return values, generated


def missing_problems(values: FormValues) -> list[Problem]:
    """The required fields left empty, each with what to do, located as the model would locate them."""
    problems: list[Problem] = []
    processor = _clean(values.processor)
    problems += [Problem(REQUIRED[("processor", key)], section="processors", index=0, field=key)
                 for key in ("id", "name", "country") if key not in processor]
    for index, safeguard in enumerate(values.safeguards):
        cleaned = _clean(safeguard)
        problems += [Problem(REQUIRED[("safeguards", key)], section="safeguards", index=index, field=key)
                     for key in ("id", "kind") if key not in cleaned]
    for index, flow in enumerate(values.flows):
        cleaned = _clean(flow)
        problems += [Problem(REQUIRED[("flows", key)], section="flows", index=index, field=key)
                     for key in ("counterpart", "subjects", "categories", "purpose") if key not in cleaned]
    return problems


def plain(problem: Problem) -> Problem:
    """A problem in words a person acts on: led by the field's name as the form labels it, with the validation
    library's phrases replaced."""
    message = problem.message
    for phrase, words in _LIBRARY_PHRASES:
        if message.startswith(phrase):
            message = words + message.removeprefix(phrase)
            break
    name = FIELD_NAMES.get((problem.field or "").split(".")[0])
    if name is None:
        return replace(problem, message=message)
    ending = "" if message.endswith((".", "?", "!", ")")) else "."
    return replace(problem, message=f"{name}: {message}{ending}")


def build_fragment(values: FormValues) -> RegistryFragment:
    """The processor with its safeguards and flows, validated by the registry's own models (InvalidInput).

    Every problem is reported at once: the empty required fields with what to do, then what the models find in
    the rest (not their words for the fields already reported empty)."""
    processor = _clean(values.processor)
    for dpf_list in DPF_LISTS:
        processor.setdefault(dpf_list, False)
    flows = [_flow_record(f, processor.get("id", "")) for f in values.flows]
    document = {
        "processors": [processor],
        "safeguards": [_clean(s) for s in values.safeguards],
        "flows": [record for record, _ in flows],
    }
    missing = missing_problems(values)
    reported = {(p.section, p.index, p.field) for p in missing}
    try:
        fragment = RegistryFragment.model_validate(document)
    except ValidationError as error:
        found = validation_problems(error)
        if any(p.section == "processors" and p.field == "id" for p in found):
            reported |= {("flows", index, side) for index, (record, _) in enumerate(flows)
                         for side in ("from", "to") if record[side] == processor.get("id")}
        said = [plain(p) for p in found if not _already_said(p, reported, flows)]
        raise InvalidInput(missing + said, summary="invalid processor") from None
    if missing:
        raise InvalidInput(missing, summary="invalid processor")
    return fragment


def _already_said(problem: Problem, reported: set[tuple[str | None, int | None, str | None]],
                  flows: list[tuple[dict[str, Any], bool]]) -> bool:
    """A problem of a field already reported empty, of a flow's made-up id, or of a flow's side left empty (the
    processor's id or the party, each reported at its own field): nothing to add."""
    key = (problem.field or "").split(".")[0]
    if (problem.section, problem.index, key) in reported:
        return True
    if problem.section == "flows" and problem.index is not None and problem.index < len(flows):
        record, generated = flows[problem.index]
        return (key == "id" and generated) or (key in ("from", "to") and not record[key])
    return False


def introduced_findings(before: Iterable[Finding], after: Iterable[Finding]) -> list[Finding]:
    """Findings present after a change and not before it (ids are stable across runs)."""
    known = {f.id for f in before}
    return [f for f in after if f.id not in known]


def register(service: Service, values: FormValues, as_of: date) -> Registration:
    """Validate, write through the service (change log, permissions) and diff the check before and after."""
    fragment = build_fragment(values)
    before = service.check(as_of)
    try:
        result = service.register(fragment, source=SOURCE)
    except InvalidInput as error:  # references the store does not hold: the party, a safeguard, a purpose
        raise InvalidInput([plain(p) for p in error.problems], summary=error.summary) from None
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
        message = problem.message if key != GENERAL else problem.render()
        if message not in placed[key]:  # the processor's bad id is also each flow's bad side: said once
            placed[key].append(message)
    return dict(placed)

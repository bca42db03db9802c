"""What-if scenarios: a small YAML (or JSON) file of hypothetical changes to the reference data and the
registry, applied in memory and never written.

```yaml
version: 1
title: The EU-US Data Privacy Framework falls
adequacy:          # an adequacy decision revoked (adequate: false) or added (adequate: true) from a day
  - {regime: gdpr, country: US, adequate: false, from: 2027-03-01}
invalidate_tools:  # a tool kind invalid from a day, under one regime or (without regime) every one
  - {kind: scc_2021, regime: gdpr, from: 2027-03-01}
drop_processors:   # a processor gone, with its flows
  - {id: mail-us}
add_flows:         # flows as a manifest writes them
  - {id: f99, from: hq, to: ops-in, subjects: [members], categories: [user.contact.email], purpose: campaign}
```

Revoking a decision from the day it ends (its `ends`), or later, means it is not renewed: the scenario is then
compared with the decision renewed. The file is read as strictly as a manifest (registry.manifest: unknown
keys, repeated keys, anchors refused), and every problem, of the file or against the registry and the reference
data (an unknown regime, country, kind or record id), is reported at once with its file, line and field
(exit 2).
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, Field, TypeAdapter, ValidationError

from registry.calendar import Calendar, Event, EventKind
from registry.errors import InvalidInput, Problem
from registry.files import read_input
from registry.labels import regime_label, safeguard_kind_label, sentence_label
from registry.manifest import SourceMap, read_document
from registry.model import (
    CountryCode,
    Day,
    Flow,
    FreeText,
    GroupCompany,
    Identifier,
    Name,
    OrganisationKey,
    Registry,
    RegistryFragment,
    SafeguardKind,
    Strict,
    country_name,
    is_international_organisation,
    record_ids,
    reference_problems,
    validation_problems,
)
from registry.reference import Adequacy, AdequacyScope, Reference, Regime
from registry.suggest import did_you_mean

MAX_SCENARIO_BYTES = 1024 * 1024  # a scenario is a handful of lines; a flow added takes three
_COUNTRY = TypeAdapter(CountryCode)
_ORGANISATION = TypeAdapter(OrganisationKey)


def _check_place(value: str) -> str:
    """A country code, or an international organisation's key (lower case): what an adequacy decision is for."""
    try:
        adapter = _ORGANISATION if is_international_organisation(value) and len(value) > 2 else _COUNTRY
        return adapter.validate_python(value)
    except ValidationError as error:
        raise ValueError(error.errors()[0]["msg"].removeprefix("Value error, ")) from None


Place = Annotated[str, AfterValidator(_check_place)]


class AdequacyChange(Strict):
    """An adequacy decision revoked (`adequate: false`) or adopted (`adequate: true`) from a day."""

    regime: Regime
    country: Place
    adequate: bool
    from_: Day = Field(alias="from")
    scope: AdequacyScope = AdequacyScope.ALL  # whom an adopted decision covers

    def describe(self) -> str:
        """The change in words (a revocation from the day a decision ends, or later, is its not being renewed:
        the scenario is then compared with the decision renewed)."""
        place = country_name(self.country)
        if self.adequate:
            scope = "" if self.scope is AdequacyScope.ALL else f" (covering {sentence_label(self.scope)})"
            return f"an {regime_label(self.regime)} adequacy decision for {place} applies from {self.from_}{scope}"
        return f"the {regime_label(self.regime)} adequacy decision for {place} is revoked from {self.from_}"


class ToolChange(Strict):
    """A transfer tool invalid from a day, under one regime or every regime that has it."""

    kind: SafeguardKind
    regime: Regime | None = None
    from_: Day = Field(alias="from")

    def describe(self) -> str:
        under = f"under {regime_label(self.regime)}" if self.regime else "under every regime"
        return f"the {safeguard_kind_label(self.kind.value)} are invalid {under} from {self.from_}"


class DroppedProcessor(Strict):
    id: Identifier

    def describe(self) -> str:
        return f"processor {self.id} is dropped, with its flows"


SECTIONS: dict[str, type[Strict]] = {"adequacy": AdequacyChange, "invalidate_tools": ToolChange,
                                     "drop_processors": DroppedProcessor, "add_flows": Flow}


class Scenario(Strict):
    version: Literal[1] = 1
    title: Name
    description: FreeText | None = None
    adequacy: list[AdequacyChange] = Field(default_factory=list)
    invalidate_tools: list[ToolChange] = Field(default_factory=list)
    drop_processors: list[DroppedProcessor] = Field(default_factory=list)
    add_flows: list[Flow] = Field(default_factory=list)

    @property
    def days(self) -> list[date]:
        """The days its changes take effect."""
        return sorted({c.from_ for c in self.adequacy} | {c.from_ for c in self.invalidate_tools})


@dataclass(frozen=True)
class ScenarioFile:
    """A scenario as read from its file, with where each record stands and the problems found reading it."""

    scenario: Scenario
    sources: SourceMap
    problems: list[Problem]
    positions: dict[str, list[int]]  # the file index of each valid item, by section

    @property
    def file(self) -> str:
        return self.sources.file

    def problem(self, message: str, section: str, index: int, field: str) -> Problem:
        """A problem with an item of the scenario, located in the file."""
        return self.sources.locate(Problem(message, section=section, index=self.positions[section][index],
                                           field=field))


def prepared() -> dict[str, Path]:
    """The example scenarios shipped with flowreg (examples/what-if/ in a checkout, inside `registry` in an
    installed wheel), by title."""
    folder = Path(__file__).resolve().parent.parent / "examples" / "what-if"
    if not folder.is_dir():
        folder = Path(str(resources.files("registry") / "_what_if"))
    found = {}
    for path in sorted(folder.glob("*.yaml")) if folder.is_dir() else ():
        found[load(path).scenario.title] = path
    return found


def load(path: str | Path) -> ScenarioFile:
    return parse(read_input(path, MAX_SCENARIO_BYTES, what="scenarios"), str(path))


def parse(data: bytes, file: str) -> ScenarioFile:
    """Read a scenario and validate each of its items on its own; unreadable input raises InvalidInput."""
    sources = SourceMap(file)
    try:
        document = read_document(data, file, sources, SECTIONS)
    except InvalidInput as error:  # the reader words its summary for manifests
        raise InvalidInput(error.problems, summary=f"invalid scenario {file}") from None
    if not isinstance(document, dict):
        raise InvalidInput([Problem("a scenario is a mapping with keys such as title, adequacy, drop_processors",
                                    file=file)], summary=f"invalid scenario {file}")
    head, items, problems = dict(document), {}, []
    positions: dict[str, list[int]] = {}
    for section, model in SECTIONS.items():
        given = head.pop(section, None)
        if given is None:
            continue
        if not isinstance(given, list):
            problems.append(Problem(f"{section} is a list", section=section))
            continue
        for index, item in enumerate(given):
            if isinstance(item, dict) and isinstance(item.get("id"), str):
                sources.ids[(section, index)] = item["id"]
            try:
                items.setdefault(section, []).append(model.model_validate(item))
                positions.setdefault(section, []).append(index)
            except ValidationError as error:
                problems += [dataclasses.replace(p, section=section, index=index)
                             for p in _scenario_problems(validation_problems(error, model))]
    try:
        scenario = Scenario.model_validate(head).model_copy(update=items)
    except ValidationError as error:
        problems += _scenario_problems(validation_problems(error, Scenario))
        scenario = Scenario(title="(invalid)").model_copy(update=items)
    return ScenarioFile(scenario, sources, [sources.locate(p) for p in problems], positions)


def _scenario_problems(problems: list[Problem]) -> list[Problem]:
    """The model's problems said of a scenario (an unknown key is not part of the scenario's format)."""
    return [dataclasses.replace(p, message=p.message.replace("the manifest format", "the scenario format"))
            for p in problems]


@dataclass(frozen=True)
class Change:
    """One change of a scenario, as the cause of what it opens and closes: its words and the records whose
    verdicts it may change."""

    description: str
    records: Mapping[str, frozenset[str]]

    def document(self) -> dict[str, object]:
        return {"kind": "scenario", "description": self.description}

    def __hash__(self) -> int:
        return hash(self.description)


@dataclass(frozen=True)
class Applied:
    """A scenario applied in memory: the registry and reference data it gives, and what differs."""

    scenario: Scenario
    file: str
    registry: Registry
    reference: Reference
    # What the scenario is compared with: the reference data as it is, except that a decision the scenario does
    # not renew is renewed here (ends never), so the comparison says what not renewing it does.
    baseline: Reference
    changed: dict[str, set[str]]  # records the scenario changes, by manifest section
    due: dict[str, set[str]]  # records whose verdicts the changed reference data may change
    changes: tuple[Change, ...]


def apply(loaded: ScenarioFile, registry: Registry, reference: Reference) -> Applied:
    """The scenario applied to `registry` and `reference`, in memory. Raises InvalidInput with every problem
    of the file and every change that names what does not exist (located by file, line and field)."""
    scenario = loaded.scenario
    problems = list(loaded.problems) + _problems(loaded, registry, reference)
    if problems:
        problems.sort(key=lambda p: (p.line or 0, p.section or "", p.index or 0, p.field or ""))
        raise InvalidInput(problems, summary=f"invalid scenario {loaded.file}")
    calendar = Calendar(registry, reference)
    adequacies = list(reference.adequacies)
    tools = list(reference.tools)
    changes: list[Change] = []
    due: dict[str, set[str]] = defaultdict(set)
    baseline = list(reference.adequacies)
    for change in scenario.adequacy:
        adequacies = _adequacy_changed(adequacies, change, loaded.file)
        renewed = _renewed(baseline, change)
        description = change.describe()
        if renewed != baseline:
            ends = next(r.ends for r in baseline if r not in renewed)
            description = (f"the {regime_label(change.regime)} adequacy decision for {country_name(change.country)} "
                           f"is not renewed: it ends on {ends} (compared with it renewed)")
            baseline = renewed
        records = calendar.concerned(Event(change.from_, EventKind.ADEQUACY_ENDS, regime=change.regime,
                                           country=change.country))
        changes.append(Change(description, _frozen(records)))
        _merge(due, records)
    for change in scenario.invalidate_tools:
        tools = [dataclasses.replace(t, valid_until=min(t.valid_until or change.from_, change.from_))
                 if t.kind == change.kind.value and change.regime in (None, t.regime) else t for t in tools]
        records = calendar.concerned(Event(change.from_, EventKind.TOOL_ENDS, tool=change.kind.value))
        changes.append(Change(change.describe(), _frozen(records)))
        _merge(due, records)
    changed_registry, changed = _registry_changed(registry, scenario, changes)
    altered = dataclasses.replace(reference, adequacies=tuple(adequacies), tools=tuple(tools))
    unchanged = reference if baseline == list(reference.adequacies) else \
        dataclasses.replace(reference, adequacies=tuple(baseline))
    return Applied(scenario, loaded.file, changed_registry, altered, unchanged, changed, dict(due), tuple(changes))


def _adequacy_changed(rows: list[Adequacy], change: AdequacyChange, file: str) -> list[Adequacy]:
    day = change.from_
    mine = [r for r in rows if r.regime is change.regime and r.country == change.country]
    kept = [r for r in rows if r not in mine]
    if change.adequate:
        kept += [r for r in mine if r.adopted != day]
        kept.append(Adequacy(regime=change.regime, country=change.country, instrument=f"what-if scenario {file}",
                             adopted=day, ends=None, scope=change.scope, note="hypothetical", confidence="verify",
                             source=f"what-if scenario {file}"))
        return kept
    for row in mine:  # a decision adopted from that day on never applies; one in force then ends that day
        if row.adopted < day:
            kept.append(dataclasses.replace(row, ends=min(row.ends or day, day)))
    return kept


def _renewed(rows: list[Adequacy], change: AdequacyChange) -> list[Adequacy]:
    """`rows` with the decision that `change` does not renew (its latest, ending on or before the change's day)
    renewed: the world the scenario is compared with."""
    if change.adequate:
        return rows
    mine = [r for r in rows if r.regime is change.regime and r.country == change.country]
    latest = max(mine, key=lambda r: r.adopted, default=None)
    if latest is None or latest.ends is None or latest.ends > change.from_:
        return rows
    return [dataclasses.replace(r, ends=None) if r is latest else r for r in rows]


def _registry_changed(registry: Registry, scenario: Scenario,
                      changes: list[Change]) -> tuple[Registry, dict[str, set[str]]]:
    dropped = {d.id for d in scenario.drop_processors}
    gone_flows = {f.id for f in registry.flows if f.sender in dropped or f.receiver in dropped}
    orphans = [p.model_copy(update={"parent": None}) for p in registry.processors
               if p.parent in dropped and p.id not in dropped]
    unbound = [s.model_copy(update={"parties": [p for p in s.parties if p not in dropped]})
               for s in registry.safeguards if dropped & set(s.parties)]
    for processor in scenario.drop_processors:
        flows = {f.id for f in registry.flows if processor.id in (f.sender, f.receiver)}
        changes.append(Change(processor.describe(), _frozen({"processors": {processor.id}, "flows": flows})))
    for flow in scenario.add_flows:
        changes.append(Change(f"flow {flow.id} is added ({flow.sender} -> {flow.receiver})",
                              _frozen({"flows": {flow.id}})))
    changed = {"processors": dropped | {p.id for p in orphans}, "safeguards": {s.id for s in unbound},
               "flows": gone_flows | {f.id for f in scenario.add_flows}}
    upserts: dict[str, list[Any]] = {"processors": orphans, "safeguards": unbound, "flows": list(scenario.add_flows)}
    deletes = {"processors": sorted(dropped), "flows": sorted(gone_flows)}
    return registry.with_changes(upserts, deletes), {k: v for k, v in changed.items() if v}


def _frozen(records: Mapping[str, Iterable[str]]) -> dict[str, frozenset[str]]:
    return {section: frozenset(ids) for section, ids in records.items()}


def _merge(into: dict[str, set[str]], records: Mapping[str, Iterable[str]]) -> None:
    for section, ids in records.items():
        into[section] |= set(ids)


def _problems(loaded: ScenarioFile, registry: Registry, reference: Reference) -> list[Problem]:
    """What the scenario names that does not exist, or cannot change as it says."""
    scenario, problems = loaded.scenario, []
    for index, change in enumerate(scenario.adequacy):
        if change.country in reference.territory(change.regime):
            problems.append(loaded.problem(f"{change.country} lies inside the territory of "
                                           f"{regime_label(change.regime)}: no adequacy decision applies there",
                                           "adequacy", index, "country"))
        elif not change.adequate and not reference.adequacy_history(change.regime, change.country):
            problems.append(loaded.problem(
                f"{regime_label(change.regime)} has never had an adequacy decision for {change.country}: there "
                "is nothing to revoke or leave unrenewed", "adequacy", index, "country"))
    for index, tool in enumerate(scenario.invalidate_tools):
        regimes = [tool.regime] if tool.regime else list(Regime)
        if not any(reference.tool(regime, tool.kind.value) for regime in regimes):
            under = f"under {regime_label(tool.regime)}" if tool.regime else "under any regime"
            problems.append(loaded.problem(f"{tool.kind.value} is no transfer tool {under}", "invalidate_tools",
                                           index, "kind"))
    processors = registry.processors_by_id
    for index, dropped in enumerate(scenario.drop_processors):
        if dropped.id not in processors:
            other = registry.entities.get(dropped.id)
            what = "group company" if isinstance(other, GroupCompany) else "recipient"
            why = (f"{dropped.id!r} is a {what}, not a processor" if other is not None else
                   f"no processor {dropped.id!r} in the registry" + did_you_mean(dropped.id, set(processors)))
            problems.append(loaded.problem(why, "drop_processors", index, "id"))
    problems += _flow_problems(loaded, registry)
    return problems


def _flow_problems(loaded: ScenarioFile, registry: Registry) -> list[Problem]:
    """Added flows must be new and name records of the registry (not a dropped processor) or of the scenario."""
    scenario = loaded.scenario
    known = record_ids(registry)
    known["processors"] = known["processors"] - {d.id for d in scenario.drop_processors}
    known["flows"] = known["flows"] | {f.id for f in scenario.add_flows}
    problems = [loaded.problem(f"flow {flow.id!r} is already in the registry: a scenario adds new flows",
                               "add_flows", index, "id")
                for index, flow in enumerate(scenario.add_flows) if flow.id in registry.flows_by_id]
    for problem in reference_problems(RegistryFragment(flows=scenario.add_flows), known):
        if problem.index is not None:
            problems.append(loaded.problem(problem.message, "add_flows", problem.index, problem.field or ""))
    return problems

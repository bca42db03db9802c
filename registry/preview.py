"""What an import would change, computed in memory: records created, updated (with the fields), deleted, and the
findings that would open and close. The dry run prints it; the real import prints the same after writing."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from registry.checks import run_checks
from registry.checks.finding import Finding
from registry.model import SECTIONS, Registry, RegistryFragment

# Lines listed per kind of change before "... and N more": a 20,000-flow import stays readable.
LISTED = 50


@dataclass(frozen=True)
class RecordChange:
    section: str  # "organisation" or a manifest section
    record_id: str
    operation: str  # create, update, delete
    fields: tuple[str, ...] = ()  # the fields an update changes, as the manifest names them


@dataclass(frozen=True)
class ImportPlan:
    changes: list[RecordChange]
    unchanged: int
    countries: list[str]  # countries of operation added (+JP) and removed (-JP)
    opened: list[Finding]
    closed: list[Finding]
    as_of: date
    after: Registry = field(repr=False, compare=False)

    def judged(self, before: list[Finding], after: list[Finding]) -> ImportPlan:
        """This plan with the findings that open (in `after` only) and close (in `before` only)."""
        before_ids, after_ids = {f.id for f in before}, {f.id for f in after}
        return replace(self, opened=[f for f in after if f.id not in before_ids],
                       closed=[f for f in before if f.id not in after_ids])

    def count(self, operation: str) -> int:
        return sum(change.operation == operation for change in self.changes)

    def render(self, file: str, *, done: bool, headline: str | None = None) -> str:
        """The plan for people; `headline` replaces the counts line (the import's own, once it is done)."""
        verb = "" if done else "would be "
        lines = [headline or f"{file}: {self.count('create')} {verb}created, {self.count('update')} {verb}updated, "
                             f"{self.count('delete')} {verb}deleted, {self.unchanged} unchanged"]
        if self.countries:
            lines.append(f"  countries of operation: {' '.join(self.countries)}")
        for operation in ("create", "update", "delete"):
            changes = [c for c in self.changes if c.operation == operation]
            for change in changes[:LISTED]:
                fields = f": {', '.join(change.fields)}" if change.fields else ""
                lines.append(f"  {operation} {change.section} {change.record_id!r}{fields}")
            if len(changes) > LISTED:
                lines.append(f"  ... and {len(changes) - LISTED} more to {operation}")
        opened = "opened" if done else "would open"
        closed = "closed" if done else "would close"
        lines.append(f"findings as of {self.as_of}: {len(self.opened)} {opened}, {len(self.closed)} {closed}")
        for word, findings in (("open ", self.opened), ("close", self.closed)):
            for finding in findings[:LISTED]:
                lines.append(f"  {word} {finding.severity.value:<6} {finding.id}  {finding.reason}")
            if len(findings) > LISTED:
                lines.append(f"  ... and {len(findings) - LISTED} more")
        if not done:
            lines.append("dry run: nothing was written")
        return "\n".join(lines) + "\n"


def _dump(record: Any) -> dict[str, Any]:
    return record.model_dump(mode="json", by_alias=True)  # type: ignore[no-any-return]


def _changed_fields(before: Any, after: Any) -> tuple[str, ...]:
    old, new = _dump(before), _dump(after)
    return tuple(key for key in new if old.get(key) != new[key])


def after_import(current: Registry, fragment: RegistryFragment, *, replace: bool) -> Registry:
    """The registry the store would hold after the import (not validated again: the import has just checked
    every reference against the fragment and the store)."""
    data: dict[str, Any] = {"version": 1}
    if replace:
        data["organisation"] = fragment.organisation
        data["countries_of_operation"] = sorted(set(fragment.countries_of_operation))
    else:
        data["organisation"] = fragment.organisation or current.organisation
        data["countries_of_operation"] = sorted(set(current.countries_of_operation)
                                                | set(fragment.countries_of_operation))
    for name in SECTIONS:
        merged = {} if replace else {r.id: r for r in current.section(name)}  # type: ignore[attr-defined]
        merged.update({r.id: r for r in fragment.section(name)})  # type: ignore[attr-defined]
        data[name] = [merged[key] for key in sorted(merged)]
    return Registry.model_construct(**data)


def plan_import(current: Registry, fragment: RegistryFragment, *, replace: bool, as_of: date,
                before: list[Finding] | None = None, judge: bool = True) -> ImportPlan:
    """The plan of importing `fragment` into a store holding `current`; `before` are current's findings if known.
    `judge` False leaves the findings out (the import itself judges them after writing, incrementally)."""
    after = after_import(current, fragment, replace=replace)
    changes: list[RecordChange] = []
    unchanged = 0
    old_org, new_org = current.organisation, after.organisation
    if new_org is not None and (old_org is None or old_org.id != new_org.id):
        changes.append(RecordChange("organisation", new_org.id, "create"))
    elif new_org is not None and old_org is not None:
        fields = _changed_fields(old_org, new_org)
        if fields:
            changes.append(RecordChange("organisation", new_org.id, "update", fields))
        elif fragment.organisation is not None:
            unchanged += 1
    if old_org is not None and (new_org is None or new_org.id != old_org.id):
        changes.append(RecordChange("organisation", old_org.id, "delete"))
    countries = ([f"+{code}" for code in sorted(set(after.countries_of_operation)
                                                - set(current.countries_of_operation))]
                 + [f"-{code}" for code in sorted(set(current.countries_of_operation)
                                                  - set(after.countries_of_operation))])
    for name in SECTIONS:
        stored = {r.id: r for r in current.section(name)}  # type: ignore[attr-defined]
        given = {r.id: r for r in fragment.section(name)}  # type: ignore[attr-defined]
        for key, record in given.items():
            old = stored.get(key)
            if old is None:
                changes.append(RecordChange(name, key, "create"))
            elif old != record:
                changes.append(RecordChange(name, key, "update", _changed_fields(old, record)))
            else:
                unchanged += 1
        if replace:
            changes += [RecordChange(name, key, "delete") for key in sorted(stored.keys() - given.keys())]
    plan = ImportPlan(changes, unchanged, countries, opened=[], closed=[], as_of=as_of, after=after)
    if not judge:
        return plan
    return plan.judged(before if before is not None else run_checks(current, as_of), run_checks(after, as_of))

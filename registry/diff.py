"""What changed between two judgements of the registry: two days, or two revisions on one day.

Problems (findings grouped by the record at fault, registry.checks.problems) are opened, closed or changed;
each finding that opened, closed or changed names what caused it: the record changes in the change log, or the
dated facts (a contract expiring, a decision ending) of the calendar between the two days. Open means listed
and not acknowledged, as in the forecast: acknowledging a finding closes it, its acknowledgement lapsing
opens it again. Both judgements come from one full check and one incremental update (CheckState.update), so a
diff costs little more than a check.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from enum import StrEnum
from typing import Protocol

from graph.store import Change
from registry.calendar import Calendar, Event
from registry.checks.finding import Finding, worst
from registry.checks.incremental import CheckState
from registry.checks.problems import record_label, records_behind
from registry.checks.report import finding_document, finding_name
from registry.history import Replay
from registry.mapping import LABEL_SECTIONS, apply_changes, changed_records
from registry.model import Registry
from registry.reference import Reference
from registry.terminal import printable


class Status(StrEnum):
    OPENED = "opened"  # open after, not before
    CLOSED = "closed"  # open before, not after
    CHANGED = "changed"  # a problem open on both sides whose findings differ; a finding whose reason does


class Cause(Protocol):
    """Something that explains a finding opening or closing: a calendar event or a change-log entry."""

    @property
    def description(self) -> str: ...

    def document(self) -> dict[str, object]: ...


@dataclass(frozen=True)
class RecordChange:
    """A change-log entry as the cause of a finding opening or closing (one entry, one cause: by its number)."""

    change: Change = field(hash=False, compare=False)
    seq: int = 0

    @property
    def description(self) -> str:
        change = self.change
        context = f" ({change.context})" if change.context else ""
        return (f"entry {change.seq}, {change.at:%Y-%m-%dT%H:%M:%SZ}: {change.actor} {change.operation}d "
                f"{change.label} {change.key}{context}")

    def document(self) -> dict[str, object]:
        change = self.change
        return {"kind": "record_change", "seq": change.seq, "at": change.at.isoformat(), "actor": change.actor,
                "operation": change.operation, "section": LABEL_SECTIONS.get(change.label, change.label),
                "record": change.key, "context": change.context, "description": self.description}


@dataclass(frozen=True)
class FindingChange:
    status: Status
    before: Finding | None  # as judged on the first side (None: not open there)
    after: Finding | None  # as judged on the second side (None: not open there)
    causes: tuple[Cause, ...]

    @property
    def finding(self) -> Finding:
        found = self.after or self.before
        assert found is not None  # a change has at least one side
        return found

    def document(self) -> dict[str, object]:
        return {"status": self.status.value, "finding": finding_document(self.finding),
                "reason_before": self.before.reason if self.before else None,
                "causes": [cause.document() for cause in self.causes]}


@dataclass(frozen=True)
class ProblemChange:
    problem: str  # the record at fault
    label: str
    status: Status
    findings: tuple[FindingChange, ...]  # those that opened, closed or changed, in report order

    @property
    def severity(self) -> str:
        found = worst(change.finding.severity for change in self.findings)
        assert found is not None
        return found.value

    def document(self) -> dict[str, object]:
        return {"problem": self.problem, "label": self.label, "status": self.status.value,
                "severity": self.severity, "findings": [change.document() for change in self.findings]}


@dataclass(frozen=True)
class Side:
    """One side of a diff: the day judged and the change-log revision of the registry judged."""

    as_of: date
    revision: int

    def document(self) -> dict[str, object]:
        return {"as_of": self.as_of.isoformat(), "revision": self.revision}


@dataclass(frozen=True)
class Diff:
    before: Side
    after: Side
    problems: tuple[ProblemChange, ...]  # opened, then closed, then changed; worst first within each

    def count(self, status: Status) -> int:
        return sum(problem.status is status for problem in self.problems)

    def document(self) -> dict[str, object]:
        """For JSON, a stable shape: every key always present."""
        return {"from": self.before.document(), "to": self.after.document(),
                "summary": {status.value: self.count(status) for status in Status},
                "problems": [problem.document() for problem in self.problems]}


def between_days(registry: Registry, reference: Reference, first: date, second: date, revision: int,
                 start: CheckState | None = None) -> Diff:
    """The registry judged on `first` and on `second`; causes are the calendar's events in between. `start`: the
    check of `registry` on `first` to start from (a fork: it is brought to `second`), else one is made."""
    calendar = Calendar(registry, reference)
    state = start or CheckState(registry, reference, first)
    before = _open(state.findings)
    events = calendar.events(min(first, second), max(first, second))
    state.update(registry, {}, as_of=second, due=calendar.due(events))
    return Diff(Side(first, revision), Side(second, revision),
                compare(before, _open(state.findings), lambda f: calendar.explaining(f, events), registry))


def between_revisions(changes: Sequence[Change], revision: int, reference: Reference, as_of: date) -> Diff:
    """The registry as it was at `revision` against the one the whole log `changes` builds, both judged on
    `as_of`; causes are the change-log entries after `revision` that touch a record the finding rests on."""
    replay = Replay()
    replay.advance([c for c in changes if c.seq <= revision])
    then = replay.registry
    later = [c for c in changes if c.seq > revision]
    now = apply_changes(then, {(c.label, c.key): c for c in later}.values()) if later else then
    state = CheckState(then, reference, as_of)
    before = _open(state.findings)
    state.update(now, changed_records(later))
    by_record: dict[str, list[Change]] = defaultdict(list)
    for change in later:
        by_record[change.key].append(change)

    def explain(finding: Finding) -> tuple[Cause, ...]:
        behind = records_behind(finding, then, now)
        found = sorted({c.seq: c for record in behind for c in by_record.get(record, ())}.items())
        return tuple(RecordChange(change, change.seq) for _, change in found)

    last = changes[-1].seq if changes else 0
    return Diff(Side(as_of, replay.revision), Side(as_of, max(last, revision)),
                compare(before, _open(state.findings), explain, now, then))


def _open(findings: Sequence[Finding]) -> dict[str, Finding]:
    return {f.id: f for f in findings if not f.acknowledged}


def compare(before: Mapping[str, Finding], after: Mapping[str, Finding],
            explain: Callable[[Finding], tuple[Cause, ...]], *registries: Registry) -> tuple[ProblemChange, ...]:
    """The problems whose open findings differ between `before` and `after` (open findings by id)."""
    changed: dict[str, list[FindingChange]] = defaultdict(list)
    for key in sorted(before.keys() | after.keys()):
        was, now = before.get(key), after.get(key)
        if was is not None and now is not None:
            if was.reason == now.reason:
                continue
            status = Status.CHANGED
        else:
            status = Status.OPENED if was is None else Status.CLOSED
        finding = now or was
        assert finding is not None
        changed[finding.problem or finding.id].append(FindingChange(status, was, now, explain(finding)))
    open_before = {f.problem or f.id for f in before.values()}
    open_after = {f.problem or f.id for f in after.values()}
    problems = []
    for problem, findings in changed.items():
        # A finding whose own records did not change (an onward chain that now runs another way) was moved by
        # what changed its siblings: the chain it replaced, say.
        shared = tuple(dict.fromkeys(cause for change in findings for cause in change.causes))
        findings = [replace(change, causes=shared) if not change.causes else change for change in findings]
        status = Status.CHANGED if problem in open_before and problem in open_after else \
            Status.OPENED if problem in open_after else Status.CLOSED
        label = next((record_label(r, problem) for r in registries if _holds(r, problem)), problem)
        findings.sort(key=lambda change: change.finding.sort_key)
        problems.append(ProblemChange(problem, label, status, tuple(findings)))
    order = list(Status)
    return tuple(sorted(problems, key=lambda p: (order.index(p.status), -p.findings[0].finding.severity.rank,
                                                 p.problem)))


def _holds(registry: Registry, record: str) -> bool:
    return record in registry.flows_by_id or record in registry.entities or record in registry.purposes_by_id


_MARKS = {Status.OPENED: "+", Status.CLOSED: "-", Status.CHANGED: "~"}


def counted(problems: Sequence[ProblemChange]) -> str:
    """"1 problem opened, 0 problems closed, 2 problems changed": the headline a diff and a what-if share."""
    counts = {status: sum(problem.status is status for problem in problems) for status in Status}
    return ", ".join(f"{n} problem{'' if n == 1 else 's'} {status.value}" for status, n in counts.items())


def problem_lines(problems: Sequence[ProblemChange], *, earlier_reasons: bool = True) -> list[str]:
    """Each problem that opened, closed or changed, then its findings with their causes, as text; with
    `earlier_reasons`, a finding whose reason changed also shows the reason it had before."""
    lines: list[str] = []
    for problem in problems:
        lines += ["", printable(f"{problem.status.value.upper():8} {problem.severity.upper():6} {problem.label}")]
        for change in problem.findings:
            finding = change.finding
            lines.append(printable(f"  {_MARKS[change.status]} {finding_name(finding)}"))
            lines.append(printable(f"      {finding.reason}"))
            if earlier_reasons and change.status is Status.CHANGED and change.before is not None:
                lines.append(printable(f"      was: {change.before.reason}"))
            for cause in change.causes:
                when = f"{cause.day}: " if isinstance(cause, Event) else ""
                lines.append(printable(f"      because: {when}{cause.description}"))
    return lines


def render_text(diff: Diff) -> str:
    before, after = diff.before, diff.after
    if before.revision == after.revision:
        head = f"diff {before.as_of} -> {after.as_of} (registry at revision {after.revision})"
    else:
        head = f"diff revision {before.revision} -> {after.revision} (both judged as of {after.as_of})"
    return "\n".join([f"{head}: {counted(diff.problems)}", *problem_lines(diff.problems)]) + "\n"

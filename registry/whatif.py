"""What a scenario does to the registry: the problems it opens and closes against the unchanged registry on a
day, and, for each transfer that loses part of its basis (an adequacy decision, a tool), whether what is left
on the flow still carries it (its fallback).

The unchanged registry is judged in full, the scenario's by one incremental update of that check (only the
records the scenario concerns are judged again: CheckState.update with its reference data), so a what-if costs
little more than a check. Nothing is written.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from registry.checks.finding import Finding, Severity
from registry.checks.incremental import CheckState
from registry.checks.problems import record_label, records_behind
from registry.diff import ProblemChange, Status, compare, counted, problem_lines
from registry.exports.table import Column, Kind, Table
from registry.labels import countries_label, regime_label, safeguard_kind_label
from registry.model import Flow, Registry
from registry.reference import Regime
from registry.scenario import Applied, Change
from registry.terminal import printable
from registry.transfers import RegimeVerdict, TransferAnalyser


@dataclass(frozen=True)
class Basis:
    """One thing a transfer rests on: an adequacy decision for a destination, or a valid tool on the flow."""

    kind: str  # "adequacy" or "safeguard"
    id: str  # the destination's country, or the safeguard's id
    label: str

    def document(self) -> dict[str, str]:
        return {"kind": self.kind, "id": self.id, "label": self.label}


@dataclass(frozen=True)
class LostBasis:
    """A transfer (a flow under one regime) that had a lawful basis and loses part of it."""

    flow: Flow
    label: str  # the flow with its parties
    regime: Regime
    lost: tuple[Basis, ...]
    left: tuple[Basis, ...]  # what still stands on the day
    carried: bool  # the flow still has a lawful basis: its fallback carries it

    def document(self) -> dict[str, object]:
        return {"flow": self.flow.id, "label": self.label, "regime": self.regime.value,
                "sender": self.flow.sender, "receiver": self.flow.receiver,
                "lost": [b.document() for b in self.lost], "fallback": [b.document() for b in self.left],
                "carried": self.carried}


@dataclass(frozen=True)
class WhatIf:
    applied: Applied
    as_of: date
    problems: tuple[ProblemChange, ...]  # opened, closed, changed against the unchanged registry
    lost: tuple[LostBasis, ...]  # flow by flow, regime by regime

    def count(self, status: Status) -> int:
        return sum(problem.status is status for problem in self.problems)

    @property
    def without_fallback(self) -> list[LostBasis]:
        return [lost for lost in self.lost if not lost.carried]

    def document(self) -> dict[str, object]:
        """For JSON, a stable shape: every key always present."""
        scenario = self.applied.scenario
        return {"scenario": {"file": self.applied.file, "title": scenario.title,
                             "changes": [change.description for change in self.applied.changes]},
                "as_of": self.as_of.isoformat(),
                "summary": {**{status.value: self.count(status) for status in Status},
                            "losing_basis": len(self.lost), "without_fallback": len(self.without_fallback)},
                "problems": [problem.document() for problem in self.problems],
                "losing_basis": [lost.document() for lost in self.lost]}


_PROBLEM_COLUMNS = (Column("status", "Status", width=10), Column("problem", "Problem (record at fault)", width=40),
                    Column("severity", "Severity", width=10), Column("rule", "Rule", width=26),
                    Column("regime", "Regime", width=14), Column("finding", "Finding id", width=36),
                    Column("reason", "Reason", width=80), Column("because", "Because", width=60))
_BASIS_COLUMNS = (Column("flow", "Flow", width=40), Column("regime", "Regime", width=14),
                  Column("sender", "Sender", width=24), Column("receiver", "Receiver", width=24),
                  Column("lost", "Loses", kind=Kind.LIST, width=40),
                  Column("fallback", "Still on the flow", kind=Kind.LIST, width=40),
                  Column("carried", "Carried by its fallback", kind=Kind.BOOL, width=12))


def tables(result: WhatIf) -> tuple[Table, Table]:
    """The result as two tables for CSV or XLSX: the findings that open, close or change, and the transfers
    that lose part of their basis (an opening finding's row is flagged by its severity)."""
    rows, flags = [], []
    for problem in result.problems:
        for change in problem.findings:
            finding = change.finding
            rows.append({"status": change.status.value, "problem": problem.label, "severity": finding.severity.value,
                         "rule": finding.rule, "regime": regime_label(finding.regime) or "-", "finding": finding.id,
                         "reason": finding.reason, "because": "; ".join(c.description for c in change.causes)})
            flags.append(finding.severity if change.status is Status.OPENED else None)
    basis = [{"flow": lost.label, "regime": regime_label(lost.regime), "sender": lost.flow.sender,
              "receiver": lost.flow.receiver, "lost": [b.label for b in lost.lost],
              "fallback": [b.label for b in lost.left], "carried": lost.carried} for lost in result.lost]
    return (Table("what-if-problems", "Problems", _PROBLEM_COLUMNS, tuple(rows), tuple(flags)),
            Table("what-if-basis", "Transfers losing a basis", _BASIS_COLUMNS, tuple(basis),
                  tuple(None if lost.carried else Severity.HIGH for lost in result.lost)))


def what_if(registry: Registry, applied: Applied, as_of: date, start: CheckState | None = None) -> WhatIf:
    """The scenario `applied` against the unchanged `registry` (with the scenario's baseline reference data:
    the data as it is, or with a decision the scenario leaves unrenewed renewed), both judged on `as_of`.
    `start`: that check of the unchanged registry (a fork: it is brought to the scenario), else one is made."""
    state = start or CheckState(registry, applied.baseline, as_of)
    before = {f.id: f for f in state.findings if not f.acknowledged}
    unchanged = state.analyser
    state.update(applied.registry, applied.changed, due=applied.due, reference=applied.reference)
    after = {f.id: f for f in state.findings if not f.acknowledged}
    changes = applied.changes

    def explain(finding: Finding) -> tuple[Change, ...]:
        behind = records_behind(finding, registry, applied.registry)
        return tuple(c for c in changes if any(not ids.isdisjoint(behind) for ids in c.records.values()))

    problems = compare(before, after, explain, applied.registry, registry)
    return WhatIf(applied, as_of, problems, tuple(_lost(registry, applied, unchanged, state.analyser)))


def _lost(registry: Registry, applied: Applied, unchanged: TransferAnalyser,
          changed: TransferAnalyser) -> list[LostBasis]:
    """Every transfer that was lawful and loses part of its basis, with what is left of it."""
    due, found = applied.due, []
    entities = set().union(*(due.get(s, set()) for s in ("group_companies", "processors", "recipients")))
    safeguards = due.get("safeguards", set())
    for flow in applied.registry.flows:
        before = registry.flows_by_id.get(flow.id)
        if before is None or not ({flow.sender, flow.receiver} & entities or safeguards & set(flow.safeguards)):
            continue
        was, now = unchanged.analyse(before), changed.analyse(flow)
        for regime, verdict in was.verdicts.items():
            if not verdict.is_transfer or not verdict.ok:
                continue
            after = now.verdicts[regime]
            had, has = _basis(verdict), _basis(after)
            lost = tuple(b for b in had if b not in has)
            if lost:
                found.append(LostBasis(flow, record_label(applied.registry, flow.id), regime, lost, has, after.ok))
    return found


def _basis(verdict: RegimeVerdict) -> tuple[Basis, ...]:
    adequate = tuple(Basis("adequacy", d.country, f"adequacy ({countries_label([d.country])})")
                     for d in verdict.destinations if d.adequate)
    tools = tuple(Basis("safeguard", s.safeguard.id, f"{s.safeguard.id} ({safeguard_kind_label(s.safeguard.kind)})")
                  for s in verdict.valid_tools)
    return adequate + tools


def render_text(result: WhatIf) -> str:
    applied = result.applied
    lines = [printable(f"what if: {applied.scenario.title} ({applied.file}), as of {result.as_of}")]
    lines += [printable(f"  - {change.description}") for change in applied.changes]
    lines.append(counted(result.problems))
    # A scenario's causes are its own changes, and the unchanged registry's reasons are not repeated.
    lines += problem_lines(result.problems, earlier_reasons=False)
    missing = result.without_fallback
    lines += ["", f"transfers that lose part of their basis: {len(result.lost)}, {len(missing)} without a fallback"]
    for lost in result.lost:
        what = ", ".join(b.label for b in lost.lost)
        if lost.carried:
            left = f"still carried by {', '.join(b.label for b in lost.left)}"
        else:
            left = "NO FALLBACK: " + (f"what is left ({', '.join(b.label for b in lost.left)}) does not cover "
                                      "every destination" if lost.left else "nothing else on the flow carries it")
        lines.append(printable(f"  {lost.label} [{regime_label(lost.regime)}]: loses {what}; {left}"))
    return "\n".join(lines) + "\n"

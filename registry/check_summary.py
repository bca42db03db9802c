"""The day's check in a few numbers: what the dashboard's Overview draws first, kept with the store.

A new dashboard process would otherwise read the whole registry and restore the persisted check (at size L, 5 s
and 7 s) before it could draw a count. The summary is saved beside the persisted check (registry.persisted_check)
whenever that is saved, under the same key: the store revision, the as-of day and the version of the judging. A
reader takes it only on an exact match of all three, reading the store's revision and one small blob, never the
registry; any write or another day leaves it unused. Like the check, it is a cache, never trusted: a blob that is
damaged or of another format or version is ignored. Saving it is not a registry change.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date
from typing import Any

from graph.store import GraphStore
from registry.checks.finding import Severity
from registry.checks.problems import group_problems
from registry.collector import collector_paused
from registry.persisted_check import judging_version, seal, unseal
from registry.snapshot import Snapshot

SLOT = "summary"
FORMAT = 1


@dataclass(frozen=True)
class CheckSummary:
    """What the Overview's headline says of one (store revision, as-of day)."""

    organisation: str  # its name, "" when the registry names none
    counts: dict[str, int]  # "Entities", "Processors", "Countries", "Flows", "Cross-border transfers"
    by_severity: dict[str, int]  # open findings, every severity, worst first
    acknowledged: int  # findings acknowledged
    open_problems: int  # records at fault with at least one open finding (registry.checks.problems)
    problems_by_severity: dict[str, int]  # open problems by their worst open finding, every severity
    problems_by_rule: dict[str, int]  # open problems with an open finding of the rule, most first
    countries_reached: list[tuple[str, int]]  # country, flows whose receiver processes data there; most first


@collector_paused()
def summarise(snapshot: Snapshot) -> CheckSummary:
    """The summary of `snapshot`'s registry and findings (the dashboard's Overview model is this too)."""
    registry = snapshot.registry
    reached: Counter[str] = Counter()
    for flow in registry.flows:
        for code in registry.entities[flow.receiver].where_processed:
            reached[code] += 1
    for flow in registry.flows:
        for code in registry.entities[flow.sender].where_processed:
            reached.setdefault(code, 0)
    open_findings = [f for f in snapshot.findings if not f.acknowledged]
    severity_counts = Counter(f.severity.value for f in open_findings)
    open_problems = group_problems(open_findings)  # counted, not shown: no labels to build
    problem_counts = Counter(p.severity.value for p in open_problems)
    rule_counts = Counter(rule for p in open_problems for rule in {f.rule for f in p.findings})
    return CheckSummary(
        organisation=registry.organisation.name if registry.organisation else "",
        counts={
            "Entities": len(registry.entities),
            "Processors": len(registry.processors),
            "Countries": len(reached),
            "Flows": len(registry.flows),
            "Cross-border transfers": len(snapshot.cross_border),
        },
        by_severity={s.value: severity_counts.get(s.value, 0) for s in Severity},
        acknowledged=len(snapshot.findings) - len(open_findings),
        open_problems=len(open_problems),
        problems_by_severity={s.value: problem_counts.get(s.value, 0) for s in Severity},
        problems_by_rule=dict(sorted(rule_counts.items(), key=lambda kv: (-kv[1], kv[0]))),
        countries_reached=sorted(reached.items(), key=lambda kv: (-kv[1], kv[0])),
    )


def save(store: GraphStore, revision: int, as_of: date, summary: CheckSummary) -> int:
    """Keep `summary`, of the store at `revision` judged as of `as_of`; returns the size kept, in bytes."""
    blob = seal({"format": FORMAT, "revision": revision, "as_of": as_of.isoformat(), "version": judging_version()},
                {"organisation": summary.organisation, "counts": summary.counts, "by_severity": summary.by_severity,
                 "acknowledged": summary.acknowledged, "open_problems": summary.open_problems,
                 "problems_by_severity": summary.problems_by_severity,
                 "problems_by_rule": list(summary.problems_by_rule.items()),  # a list: the order is kept
                 "countries_reached": summary.countries_reached})
    store.save_derived(SLOT, blob)
    return len(blob)


def kept(store: GraphStore, as_of: date, revision: int | None = None) -> CheckSummary | None:
    """The summary kept for the store at `revision` (default: its revision now) as of `as_of`; None when none
    is kept for exactly that, or what is kept is damaged or of another format or judging version."""
    blob = store.derived(SLOT)
    opened = unseal(blob) if blob is not None else None
    if opened is None:
        return None
    header, document = opened
    if revision is None:
        revision = store.revision()
    if (header.get("format") != FORMAT or header.get("version") != judging_version()
            or header.get("revision") != revision or header.get("as_of") != as_of.isoformat()):
        return None
    try:
        return _summary(document)
    except (ValueError, TypeError, KeyError, AttributeError):
        return None


def _summary(document: Any) -> CheckSummary:
    """The summary `save` wrote; raises ValueError (or TypeError, KeyError) on anything of another shape."""
    def counts(value: Any) -> dict[str, int]:
        if not isinstance(value, dict) or not all(isinstance(k, str) and type(v) is int for k, v in value.items()):
            raise ValueError("counts that are not names and whole numbers")
        return dict(value)

    def pairs(value: Any) -> list[tuple[str, int]]:
        found = [(key, count) for key, count in value]
        if not all(isinstance(key, str) and type(count) is int for key, count in found):
            raise ValueError("pairs that are not a name and a whole number")
        return found

    organisation, acknowledged, open_problems = (document["organisation"], document["acknowledged"],
                                                 document["open_problems"])
    if not isinstance(organisation, str) or type(acknowledged) is not int or type(open_problems) is not int:
        raise ValueError("a field of another type")
    return CheckSummary(organisation, counts(document["counts"]), counts(document["by_severity"]), acknowledged,
                        open_problems, counts(document["problems_by_severity"]),
                        dict(pairs(document["problems_by_rule"])), pairs(document["countries_reached"]))

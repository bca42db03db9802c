"""The day's check kept with the store, so that a new process need not judge the whole registry again.

A check's findings are saved beside the registry (GraphStore.save_derived), keyed by the store revision they
judge, their as-of day and the version of what judged them (the reference data and the code of the rules). A new
process reads them back (`restore`) instead of running the full check:

- same revision and day: the findings as they were;
- a later revision: the registry as it was at the stored one is the registry now with the records written
  since put back as the change log says they were; its check is restored, then brought to the registry now by
  the incremental re-check (CheckState.update) with the records those entries changed;
- another day: the same update, with the records the calendar's events between the two days concern
  (registry.calendar); none between them means the same findings.

It is a cache, never trusted: a blob that is damaged, of another format or version, or of a revision the store
does not have is ignored and the check runs in full. Saving it is not a registry change: no change-log entry and
no permission beyond opening the store (docs/design.md §7).
"""

from __future__ import annotations

import functools
import hashlib
import json
import zlib
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any

from graph.store import Change, GraphStore
from registry.calendar import Calendar
from registry.checks.finding import EVIDENCE_LISTS, Evidence, Finding, Severity, constructed
from registry.checks.incremental import CheckState
from registry.collector import collector_paused
from registry.mapping import apply_changes, changed_records
from registry.model import Registry
from registry.reference import Reference

SLOT = "check"  # one slot: the check the last process judged (a new day or revision starts from it)
FORMAT = 2
# A row per finding: its fields, its evidence lists, then what it is about. The fields that repeat across findings
# (a rule's reference, a fix, a chain's path...) are kept once in a table of values and cited by position: at
# 20,000 flows that halves the text to parse (most of a load) and the bytes kept.
_COLUMNS = ("id", "rule", "severity", "regime", "reference", "reason", "fix", "problem", *EVIDENCE_LISTS, "subject")
_SHARED = frozenset({"rule", "severity", "regime", "reference", "fix", "path", "safeguards", "countries",
                     "categories", "purposes"})
_SHARED_AT = tuple(i for i, name in enumerate(_COLUMNS) if name in _SHARED)
assert _COLUMNS == ("id", "rule", "severity", "regime", "reference", "reason", "fix", "problem", "flows", "path",
                    "safeguards", "countries", "categories", "entities", "purposes", "subject"), \
    "_filed reads rows by these positions"


@dataclass(frozen=True)
class Key:
    """What a persisted check judged: the store revision, the as-of day, the version of the judging."""

    revision: int
    as_of: date
    version: str


@functools.cache
def judging_version() -> str:
    """A digest of the reference data and the code that judges (the `registry` package): a check persisted by
    another version of either is judged again, whatever the version number says."""
    digest = hashlib.sha256()
    package = Path(__file__).resolve().parent
    files = sorted(package.rglob("*.py")) + sorted(package.rglob("*.csv"))  # the reference data and citations
    for path in files:
        digest.update(str(path.relative_to(package)).encode())
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()[:32]


def encode(key: Key, check: CheckState) -> bytes:
    """A header line (the key, the row count and the payload's digest), then the table of shared values and the
    finding rows as JSON, zlib'd. Acknowledgements are left out: they are records of the registry, marked again
    on restoring."""
    values: list[Any] = []
    at: dict[Any, int] = {}

    def shared(value: Any) -> int:
        hashable = tuple(value) if isinstance(value, list) else value
        if hashable not in at:
            at[hashable] = len(values)
            values.append(value)
        return at[hashable]

    rows = []
    for finding, subject in check.filed():
        evidence = finding.evidence
        row: list[Any] = [finding.id, finding.rule, finding.severity.value, finding.regime, finding.reference,
                          finding.reason, finding.fix, finding.problem,
                          *(getattr(evidence, name) for name in EVIDENCE_LISTS), subject]
        for i in _SHARED_AT:
            row[i] = shared(row[i])
        rows.append(row)
    return seal({"format": FORMAT, "revision": key.revision, "as_of": key.as_of.isoformat(), "version": key.version,
                 "rows": len(rows)}, {"values": values, "rows": rows})


def seal(header: dict[str, Any], document: object) -> bytes:
    """A blob kept with the store: the header as a JSON line, with the SHA-256 of the payload added, then the
    document as zlib'd JSON (the persisted check, and registry.persisted_results' forecast and trend)."""
    payload = zlib.compress(json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode(), 6)
    header = {**header, "sha256": hashlib.sha256(payload).hexdigest()}
    return json.dumps(header, separators=(",", ":")).encode() + b"\n" + payload


def unseal(blob: bytes) -> tuple[dict[str, Any], Any] | None:
    """The header and document of a sealed blob; None when it is damaged (its digest does not match, or it does not
    parse). The digest catches damage; a blob forged with a matching digest needs write access to the store,
    which could change the registry too. Whether its format and version are the reader's is the reader's check."""
    try:
        head, _, payload = blob.partition(b"\n")
        header = json.loads(head)
        if not isinstance(header, dict) or hashlib.sha256(payload).hexdigest() != header["sha256"]:
            return None
        return header, json.loads(zlib.decompress(payload))
    except (ValueError, TypeError, KeyError, zlib.error):
        return None


@collector_paused(keep=True)  # the findings live as long as the check: out of the collector's sight
def decode(blob: bytes, as_of: date) -> tuple[Key, list[tuple[Finding, str]]] | None:
    """The key of `blob` and its findings, their evidence dated `as_of` (a finding's id does not depend on the
    day), each with what it is about; None when it is damaged or of another format (`unseal`)."""
    opened = unseal(blob)
    if opened is None or opened[0].get("format") != FORMAT:
        return None
    header, document = opened
    try:
        key = Key(int(header["revision"]), date.fromisoformat(header["as_of"]), str(header["version"]))
        values, rows = document["values"], document["rows"]
        if not isinstance(values, list) or not isinstance(rows, list) or len(rows) != header["rows"]:
            return None
        severities = [_SEVERITIES.get(value) if isinstance(value, str) else None for value in values]
        return key, _filed(rows, values, severities, as_of)
    except (ValueError, TypeError, KeyError, IndexError, AttributeError, zlib.error):
        return None


def _filed(rows: list[Any], values: list[Any], severities: list[Severity | None],
           as_of: date) -> list[tuple[Finding, str]]:
    """The findings of `rows`, each with what it is about; raises ValueError (or TypeError, IndexError) on a row
    of another shape. One loop with the row unpacked: the findings of a fresh `flowreg check` at size M are
    31,779, and a call per row was a fifth of reading them back."""
    filed: list[tuple[Finding, str]] = []
    add = filed.append
    for row in rows:
        (finding_id, rule, severity_at, regime, reference, reason, fix, problem, flows, path, safeguards, countries,
         categories, entities, purposes, subject) = row  # a row of another length raises ValueError
        severity = severities[severity_at]
        if severity is None:
            raise ValueError("a severity that is none")
        # Lists are copied: no two findings share one.
        evidence = constructed(Evidence, {
            "flows": flows, "path": list(values[path]), "safeguards": list(values[safeguards]),
            "countries": list(values[countries]), "categories": list(values[categories]), "entities": entities,
            "purposes": list(values[purposes]), "as_of": as_of})
        add((constructed(Finding, {
            "id": finding_id, "rule": values[rule], "severity": severity, "regime": values[regime],
            "reference": values[reference], "reason": reason, "fix": values[fix], "evidence": evidence,
            "problem": problem, "acknowledged": False, "acknowledgement": None}), subject))
    return filed


_SEVERITIES = {severity.value: severity for severity in Severity}


def _registry_at(registry: Registry, since: list[Change]) -> Registry:
    """`registry` with each record the entries `since` changed put back as it was before the first of them."""
    first: dict[tuple[str, str], Change] = {}
    for change in since:
        first.setdefault((change.label, change.key), change)
    return apply_changes(registry, [replace(change, after=change.before) for change in first.values()])


def restore(store: GraphStore, registry: Registry, revision: int, as_of: date,
            reference: Reference) -> tuple[CheckState, bool] | None:
    """The check of `registry` (the store at `revision`) as of `as_of` from the persisted one, and whether that
    was for this very revision and day (nothing to save again); None when there is none it can start from."""
    blob = store.derived(SLOT)
    decoded = decode(blob, as_of) if blob is not None else None
    if decoded is None:
        return None
    key, filed = decoded
    if key.version != judging_version() or key.revision > revision:
        return None
    since = store.changes(after=key.revision) if key.revision < revision else []
    if [c.seq for c in since] != list(range(key.revision + 1, revision + 1)) or any(c.damaged for c in since):
        return None  # the log does not lead from the stored revision to this one as written
    try:
        then = _registry_at(registry, since) if since else registry
    except (ValueError, TypeError, KeyError):
        return None  # an entry's body that no longer reads as a record: judge in full
    # The same day has no event between: the calendar (a tenth of a second at size M) is not built for it.
    calendar = Calendar(registry, reference) if key.as_of != as_of else None
    events = calendar.events(min(key.as_of, as_of), max(key.as_of, as_of)) if calendar is not None else []
    if not since and not events:  # nothing changed and no date falls between the days: the same findings
        return CheckState.restored(registry, reference, as_of, filed), key.as_of == as_of
    check = CheckState.restored(then, reference, key.as_of, filed)
    check.update(registry, changed_records(since), as_of=as_of,
                 due=calendar.due(events) if calendar is not None else {})
    return check, False


def save(store: GraphStore, revision: int, check: CheckState) -> int:
    """Persist `check` (of the store at `revision`); returns the size kept, in bytes."""
    blob = encode(Key(revision, check.as_of, judging_version()), check)
    store.save_derived(SLOT, blob)
    return len(blob)

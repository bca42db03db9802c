"""Use cases over a GraphStore: what the CLI and the dashboard both call."""

from __future__ import annotations

import dataclasses
import logging
import os
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import ValidationError

from graph.changelog import ChainReport
from graph.changelog import verify as verify_chain
from graph.store import Change, DanglingReferences, GraphStore, PlannedChange, WriteResult
from graph.sync import CopyResult, copy_store
from registry import check_summary, persisted_check, persisted_results, policies
from registry import diff as diffs
from registry import first_seen as first_seens
from registry import forecast as forecasts
from registry import manifest as manifests
from registry import trend as trends
from registry.access import Permission, Principal, os_user
from registry.checks.finding import Finding
from registry.checks.incremental import CheckState
from registry.checks.rule import Progress
from registry.collector import collector_paused
from registry.errors import ChangeLogBroken, InvalidInput, NotFound, Problem, StoreBroken
from registry.history import revision_at
from registry.mapping import (
    ACKNOWLEDGEMENT,
    COUNTRY,
    LABEL_SECTIONS,
    LABELS,
    POLICY,
    SECTION_LABELS,
    apply_changes,
    broken_records,
    changed_records,
    entity_labels,
    from_nodes,
    properties,
    to_nodes,
)
from registry.model import (
    ENTITY_SECTIONS,
    Acknowledgement,
    Registry,
    RegistryFragment,
    record_ids,
    reference_problems,
    validation_problems,
)
from registry.preview import ImportPlan, plan_import
from registry.reference import load_reference
from registry.snapshot import Snapshot
from registry.stores import open_store

if TYPE_CHECKING:
    # Imported where used: exports (and what-if, which builds on their tables) bring openpyxl and numpy, half a
    # second that a fresh `flowreg check` or dashboard process need not pay.
    from registry import exports
    from registry import scenario as scenarios
    from registry import whatif as whatifs

# Days whose findings stay cached: today and a couple of as-of dates a DPO compares. Each holds the
# findings, the onward search and the transfer analysis (which exports reuse) of the whole registry (at
# 100,000 flows, several hundred MB).
DAYS_KEPT = 3

_log = logging.getLogger(__name__)


def default_actor() -> str:
    """Who is acting when nobody said: FLOWREG_ACTOR, else the OS user (of the process's real uid)."""
    return os.environ.get("FLOWREG_ACTOR") or os_user()


def today() -> date:
    """The day findings are judged on unless someone names another: today in UTC, the change log's clock."""
    return datetime.now(UTC).date()


def seed_manifest_path() -> Path:
    """The seed registry: beside the packages in a checkout, inside `registry` in an installed wheel."""
    checkout = Path(__file__).resolve().parent.parent / "seed" / "registry.yaml"
    if checkout.is_file():
        return checkout
    return Path(str(resources.files("registry") / "_seed" / "registry.yaml"))


@dataclass(frozen=True)
class ImportResult:
    file: str
    created: int
    updated: int
    deleted: int
    unchanged: int

    @classmethod
    def of(cls, file: str, result: WriteResult) -> ImportResult:
        """Counts of the manifest's records; the Country nodes derived from them are not counted."""
        records = [c for c in result.changes if c.label != COUNTRY]
        return cls(file, *(sum(c.operation == op for c in records) for op in ("create", "update", "delete")),
                   sum(n for label, n in result.unchanged.items() if label != COUNTRY))

    def describe(self) -> str:
        return (f"{self.file}: {self.created} created, {self.updated} updated, "
                f"{self.deleted} deleted, {self.unchanged} unchanged")


@dataclass(frozen=True)
class Summary:
    counts: dict[str, int]
    countries_of_operation: list[str]
    processing_countries: dict[str, int] = field(default_factory=dict)  # country -> entities processing there
    regions: dict[str, int] = field(default_factory=dict)  # group-company region -> companies


class Service:
    """`principal` None: unrestricted (the CLI without an access policy); otherwise every write and export
    checks the principal's permission first and raises PermissionDenied, writing nothing."""

    def __init__(self, store: GraphStore, actor: str | None = None, principal: Principal | None = None) -> None:
        self.store = store
        self.principal = principal
        self.actor = actor or (principal.user if principal else None) or default_actor()
        self._cache = _Cache()

    @classmethod
    def open(cls, spec: str | Path, *, actor: str | None = None, principal: Principal | None = None,
             create: bool = False) -> Service:
        """The service over the store `spec` names (a SQLite path or a Neo4j URI): how every entry point opens
        a store. Raises StoreUnavailable (exit 3) when it cannot be opened; with `create` False (every
        command but init, seed and import) a missing SQLite file is refused and nothing is created."""
        return cls(open_store(spec, create=create), actor=actor, principal=principal)

    def close(self) -> None:
        """Close the store, for every service acting on it (acting_as shares it)."""
        self.store.close()

    def acting_as(self, principal: Principal) -> Service:
        """The same store and caches, acting (and logged) as `principal`: one shared reader, one writer per user."""
        other = Service(self.store, actor=principal.user, principal=principal)
        other._cache = self._cache
        return other

    def _require(self, permission: Permission, action: str) -> None:
        if self.principal is not None:
            self.principal.require(permission, action)

    def registry(self) -> Registry:
        """The stored registry, read again only when someone else has changed the store since the last read."""
        cache = self._cache
        with cache.lock:
            revision = self.store.revision()
            if cache.registry is None or cache.revision != revision:
                with collector_paused(keep=True):
                    try:
                        # The old registry goes first: a re-read never holds two of them.
                        cache.registry = None
                        cache.revision, cache.registry = revision, from_nodes(self.store.read())
                    except ValidationError:
                        # Written outside flowreg, or by a version that validated less: say which records.
                        raise StoreBroken(self.store.location, broken_records(self.store.read())) from None
                cache.checks.clear()
            return cache.registry

    def import_manifest(
        self, manifest: manifests.Manifest, *, replace: bool = False, context: str | None = None
    ) -> ImportResult:
        """Upsert a manifest's records (or, with replace, make the store equal to it): all or nothing.

        References resolve against the manifest and, when upserting, against the ids the store holds,
        so registering one processor never loads the whole registry.
        """
        self._require(Permission.IMPORT, "change the registry")
        return self._write(self._keeping(manifest, replace), replace=replace, context=context, imported=True)

    def _keeping(self, manifest: manifests.Manifest, replace: bool) -> manifests.Manifest:
        """For a replace from a file that cannot hold some sections (house rules in a workbook): the manifest with
        the stored records of those sections, so that making the store equal to the file leaves them alone. They
        are read just before the write; a concurrent edit of one of them would be written back as read (logged)."""
        if not replace or not manifest.kept:
            return manifest
        stored = {section: [node.properties for node in self.store.read(SECTION_LABELS[section])]
                  for section in sorted(manifest.kept)}
        fragment = manifest.fragment.model_copy(update={
            section: [*manifest.fragment.section(section), *RegistryFragment.model_validate({section: records})
                      .section(section)] for section, records in stored.items()})
        return dataclasses.replace(manifest, fragment=fragment)

    def _approver(self, records: Permission) -> Callable[[list[PlannedChange]], None]:
        """What a write needs, judged on what it would really change (inside its transaction): records need
        `records` (IMPORT through a file, REGISTER through the form or code; creating, changing and deleting
        alike), acknowledgements need ACKNOWLEDGE and house rules POLICY, whichever command carries them."""

        def approve(planned: list[PlannedChange]) -> None:
            if any(p.label == ACKNOWLEDGEMENT for p in planned):
                self._require(Permission.ACKNOWLEDGE,
                              "acknowledge findings (create, change or delete acknowledgements)")
            if any(p.label == POLICY for p in planned):
                self._require(Permission.POLICY, "change house rules (create, change or delete policies)")
            if any(p.label not in (ACKNOWLEDGEMENT, POLICY) for p in planned):
                self._require(records, "change the registry")

        return approve

    def _with_provenance(self, fragment: RegistryFragment) -> RegistryFragment:
        """Acknowledgements from a file are written as acts of this service's actor, now; the author and time
        the file claims are kept only as `imported_actor` / `imported_at`. One already stored exactly as the
        file has it is left alone (re-importing a backup changes nothing)."""
        if not fragment.acknowledgements:
            return fragment
        now = datetime.now(UTC).replace(microsecond=0)
        kept: list[Acknowledgement] = []
        for acknowledgement in fragment.acknowledgements:
            node = self.store.get(ACKNOWLEDGEMENT, acknowledgement.finding)
            stored = node.properties if node is not None else None
            if stored is not None and stored == properties(acknowledgement):
                kept.append(acknowledgement)
                continue
            kept.append(acknowledgement.model_copy(update={
                "actor": self.actor, "at": now,
                "imported_actor": acknowledgement.imported_actor or acknowledgement.actor,
                "imported_at": acknowledgement.imported_at or acknowledgement.at,
            }))
        return fragment.model_copy(update={"acknowledgements": kept})

    def _write(self, manifest: manifests.Manifest, *, replace: bool = False,
               context: str | None = None, imported: bool = False) -> ImportResult:
        labels, operation = self._validate(manifest, replace=replace)
        fragment = self._with_provenance(manifest.fragment) if imported else manifest.fragment
        nodes = to_nodes(fragment, labels=labels, operation=operation)
        context = context or f"import {manifest.sources.file}" + (" --replace" if replace else "")
        # A replace's deletes are decided by the store inside the writing transaction: two overlapping
        # replaces then leave exactly one manifest, never a mix of both.
        try:
            result = self.store.write(
                nodes, actor=self.actor, context=context, replace=replace,
                approve=self._approver(Permission.IMPORT if imported else Permission.REGISTER))
        except DanglingReferences as error:
            raise InvalidInput(
                [Problem(f"refers to {label} {target!r}, which is not stored (deleted meanwhile?)",
                         file=manifest.sources.file, section=LABEL_SECTIONS.get(owner_label), record_id=owner)
                 for owner_label, owner, label, target in error.missing],
                summary=f"invalid manifest {manifest.sources.file}") from None
        self._cache.written(result)
        return ImportResult.of(manifest.sources.file, result)

    def _validate(self, manifest: manifests.Manifest, *, replace: bool) -> tuple[dict[str, str], set[str]]:
        """Raise InvalidInput with every problem of the manifest against the store; else the entity labels by
        id and the countries of operation the write needs."""
        fragment = manifest.fragment
        known, labels, operation = record_ids(fragment), entity_labels(fragment), set(fragment.countries_of_operation)
        for section, ids in manifest.declared.items():  # records that failed validation are still declared
            known.setdefault(section, set()).update(ids)
        conflicts: list[Problem] = []
        if not replace:
            stored_ids, stored_labels, stored_operation = self._stored()
            for section, ids in stored_ids.items():
                known.setdefault(section, set()).update(ids)
            for key, label in stored_labels.items():
                if labels.setdefault(key, label) != label:
                    conflicts.append(Problem(
                        f"id {key!r} is already a stored {label}; senders and receivers share one id space",
                        section=LABEL_SECTIONS[labels[key]], record_id=key, field="id"))
            operation |= stored_operation
        manifest.raise_problems(
            conflicts + reference_problems(fragment, known) + manifest.invalid_reference_problems(known))
        return labels, operation

    def preview_import(self, manifest: manifests.Manifest, *, replace: bool = False,
                       as_of: date | None = None) -> ImportPlan:
        """What importing the manifest would change, and the findings it would open and close; writes nothing.
        Raises InvalidInput exactly as the import would."""
        manifest = self._keeping(manifest, replace)
        self._validate(manifest, replace=replace)
        as_of = as_of or today()
        return plan_import(self.registry(), manifest.fragment, replace=replace, as_of=as_of, before=self.check(as_of))

    def import_with_plan(self, manifest: manifests.Manifest, *, replace: bool = False,
                         as_of: date | None = None) -> tuple[ImportResult, ImportPlan]:
        """Import, and say what changed and which findings opened and closed: judged after the write, so only
        what the written records touch is judged again (registry.checks.incremental)."""
        self._require(Permission.IMPORT, "change the registry")
        as_of = as_of or today()
        manifest = self._keeping(manifest, replace)
        self._validate(manifest, replace=replace)
        before = self.check(as_of)
        plan = plan_import(self.registry(), manifest.fragment, replace=replace, as_of=as_of, judge=False)
        result = self._write(manifest, replace=replace, imported=True)
        return result, plan.judged(before, self.check(as_of))

    def _stored(self) -> tuple[dict[str, set[str]], dict[str, str], set[str]]:
        """What references may point at: stored ids by section, entity labels by id, countries of operation.

        From the cached registry when it is the store's current revision (registering one processor in a
        100,000-flow registry: 10 ms instead of 0.4 s of reading every key), else from the store's keys.
        """
        cache = self._cache
        if cache.registry is not None and cache.revision == self.store.revision():
            registry = cache.registry
            ids = {section: {r.id for r in registry.section(section)}  # type: ignore[attr-defined]
                   for section in SECTION_LABELS}
            ids["organisation"] = {registry.organisation.id} if registry.organisation else set()
            return ids, entity_labels(registry), set(registry.countries_of_operation)
        ids, labels = {}, {}
        for label, key in self.store.node_keys():
            section = LABEL_SECTIONS.get(label)
            if section is None:
                continue
            ids.setdefault(section, set()).add(key)
            if section in ENTITY_SECTIONS:
                labels[key] = label
        operation = {n.key for n in self.store.read(COUNTRY) if n.properties.get("operation")}
        return ids, labels, operation

    def register(self, fragment: RegistryFragment, *, source: str = "<register>") -> ImportResult:
        """Add or change records built in code (a processor with its safeguards and flows): all or nothing."""
        self._require(Permission.REGISTER, "change the registry")
        return self._write(manifests.Manifest.of(fragment, source), context=source)

    def import_file(self, path: str | Path, *, replace: bool = False) -> ImportResult:
        return self.import_manifest(manifests.load(path), replace=replace)

    def seed(self, *, replace: bool = False) -> ImportResult:
        return self.import_file(seed_manifest_path(), replace=replace)

    def export_manifest(self, fmt: str = "yaml") -> str:
        self._require(Permission.EXPORT, "export the registry")
        return manifests.dump(self.registry(), fmt)

    def export_registry(self) -> Registry:
        """The whole registry for an export (the inventory workbook), under the manifest's permission."""
        self._require(Permission.EXPORT, "export the registry")
        return self.registry()

    def export_tables(self, as_of: date | None = None) -> exports.ExportTables:
        """The Art. 30 record, transfer register and findings as of the day (registry.exports renders them)."""
        self._require(Permission.EXPORT, "export the legal records")
        as_of = as_of or today()
        with self._cache.lock:
            check = self._checked(as_of)
            # The check's own analysis of the day: the export judges no flow again that the check judged.
            registry, findings, reference, analyser = check.registry, list(check.findings), check.reference, \
                check.analyser
        from registry import exports

        return exports.build_tables(registry, findings, as_of, reference, analyser=analyser)

    def sync_to_allowed(self) -> None:
        """A sync reads everything here and overwrites records and acknowledgements there, deleting what this
        store lacks: it needs EXPORT and both write permissions. Raises PermissionDenied."""
        self._require(Permission.EXPORT, "copy the registry to another store")
        self._require(Permission.REGISTER, "overwrite and delete records in the target store")
        self._require(Permission.ACKNOWLEDGE, "overwrite and delete acknowledgements in the target store")
        self._require(Permission.POLICY, "overwrite and delete house rules in the target store")

    def sync_to(self, target: GraphStore, *, progress: Callable[[CopyResult], None] | None = None) -> CopyResult:
        """Make `target` (say, Neo4j) hold this store's registry; safe to interrupt and run again."""
        self.sync_to_allowed()
        return copy_store(self.store, target, label_order=LABELS, actor=self.actor,
                          context=f"sync from {self.store.location}", progress=progress)

    def log(self, *, since: datetime | None = None, record: str | None = None) -> list[Change]:
        """The change log, oldest first; `record` is an id (or a country code) of any kind."""
        return self.store.changes(since=since, key=record)

    def verify_log(self) -> ChainReport:
        """Check the change log's hash chain; raises ChangeLogBroken naming the first entry that breaks it."""
        report = verify_chain(self.store.log_records())
        if not report.intact:
            raise ChangeLogBroken(f"the change log of {self.store.location} is broken at entry {report.first_bad}: "
                                  f"{report.reason}")
        return report

    def check(self, as_of: date | None = None, progress: Progress | None = None) -> list[Finding]:
        """Every finding as of `as_of` (default: today, UTC), acknowledgements applied.

        Kept per day: after a write through this service only what the written records touch is judged
        again (registry.checks.incremental); after someone else's write, everything is. `progress` follows a
        full check, when one runs (registry.checks.evaluate_rules says in what).
        """
        as_of = as_of or today()
        with self._cache.lock:  # dashboard sessions share one cache: one of them updates it at a time
            # A copy: the state changes in place with the next write.
            return list(self._checked(as_of, progress).findings)

    def _checked(self, as_of: date, progress: Progress | None = None) -> CheckState:
        """The day's check, brought up to the store: read it under the cache's lock (the next write changes it)."""
        with self._cache.lock:
            registry = self.registry()
            state = self._cache.checks.get(as_of)
            if state is None:
                checks = self._cache.checks
                while len(checks) >= DAYS_KEPT:
                    del checks[next(iter(checks))]  # the day asked for longest ago
                state = checks[as_of] = _DayCheck(self._first_check(registry, as_of, progress))
            else:
                self._cache.checks[as_of] = self._cache.checks.pop(as_of)  # now the most recent
                if state.pending:
                    state.check.update(registry, state.pending)
                    state.pending = {}
            return state.check

    def _first_check(self, registry: Registry, as_of: date, progress: Progress | None = None) -> CheckState:
        """The day's check of `registry` in this process: from the one persisted with the store when it can start
        from it (registry.persisted_check), else a full check; either way persisted again unless it was already
        this revision's and day's. Any role may save it: it is a cache beside the registry, not a change of it."""
        revision, reference = self._cache.revision, load_reference()
        restored = persisted_check.restore(self.store, registry, revision, as_of, reference)
        if restored is not None and restored[1]:
            # Kept by a version that saved no summary, or lost: saved now, for the dashboard's next first view.
            if check_summary.kept(self.store, as_of, revision) is None:
                self._keep_summary(revision, restored[0])
            return restored[0]
        check = restored[0] if restored is not None else CheckState(registry, reference, as_of, progress)
        try:
            persisted_check.save(self.store, revision, check)
        except Exception as error:  # whatever the store raises: a cache not saved costs the next process time only
            _log.warning("could not persist the check of %s: %s", self.store.location, error)
        self._keep_summary(revision, check)
        return check

    def _keep_summary(self, revision: int, check: CheckState) -> None:
        """Keep the summary of `check` (registry.check_summary) beside the persisted check, under its key."""
        try:
            snapshot = Snapshot(check.registry, list(check.findings), check.as_of, check.reference)
            check_summary.save(self.store, revision, check.as_of, check_summary.summarise(snapshot))
        except Exception as error:  # as for the check: a summary not saved costs the next first view time only
            _log.warning("could not keep the check's summary in %s: %s", self.store.location, error)

    def kept_summary(self, as_of: date | None = None,
                     revision: int | None = None) -> check_summary.CheckSummary | None:
        """The summary of the day's check kept with the store for `revision` (default: the store's now) and
        `as_of` (default: today), read without reading the registry or judging it; None when none is kept for
        exactly these. Any role may ask (VIEW)."""
        self._require(Permission.VIEW, "see the findings")
        return check_summary.kept(self.store, as_of or today(), revision)

    def snapshot(self, as_of: date | None = None, progress: Progress | None = None) -> Snapshot:
        """The registry and its findings as of `as_of` (default: today, UTC), with what the domain says about
        them besides (cross-border flows, safeguards on the calendar, the graph to explore): the day's check,
        taken whole, so that every answer describes the same registry. `progress` as for `check`."""
        as_of = as_of or today()
        with self._cache.lock:
            check = self._checked(as_of, progress)
            return Snapshot(check.registry, list(check.findings), as_of, check.reference)

    @staticmethod
    def reference_warning(as_of: date | None = None) -> str | None:
        """The warning due when judging `as_of` long after the reference data was last reviewed (decisions made
        since are not known to it); None within the review horizon. Needs no store: a page can say it before
        the store is opened."""
        return load_reference().staleness(as_of or today())

    def forecast(self, days: int = 90, as_of: date | None = None) -> forecasts.Forecast:
        """The findings that open (and close) in the `days` days after `as_of` if nothing changes; writes
        nothing. Any role may ask (VIEW)."""
        self._require(Permission.VIEW, "see the forecast")
        as_of = as_of or today()
        with self._cache.lock:
            registry = self.registry()
            revision = self._cache.revision
            kept = persisted_results.restore_forecast(self.store, registry, revision, as_of, days)
            if kept is not None:  # the last process's forecast of this revision, day and horizon
                return kept
            # From the day's check, kept as it is: the forecast brings a fork of it forward.
            start = self._checked(as_of).fork()
            result = forecasts.forecast(start.registry, start.reference, as_of, days, start)
            try:
                persisted_results.save_forecast(self.store, revision, result)
            except Exception as error:  # whatever the store raises: a cache not saved costs the next process time
                _log.warning("could not persist the forecast of %s: %s", self.store.location, error)
            return result

    def diff_days(self, first: date, second: date) -> diffs.Diff:
        """The problems opened, closed and changed between two days, the registry as it is; writes nothing."""
        self._require(Permission.VIEW, "compare findings")
        with self._cache.lock:
            start = self._checked(first).fork()
            return diffs.between_days(start.registry, start.reference, first, second, self._cache.revision, start)

    def diff_since(self, since: int | datetime, as_of: date | None = None) -> diffs.Diff:
        """The registry as it was at revision `since` (or just before that moment) against the registry now,
        both judged on `as_of`; each finding names the change-log entries behind it. Writes nothing."""
        self._require(Permission.VIEW, "compare findings")
        changes = self.store.changes()
        last = changes[-1].seq if changes else 0
        if isinstance(since, int):
            if not 0 <= since <= last:
                raise InvalidInput([Problem(f"revision {since} is not in the change log, whose entries run from 1 "
                                            f"to {last} (0: the empty registry before them)", field="--since")])
            revision = since
        else:
            revision = revision_at(changes, since)
        return diffs.between_revisions(changes, revision, load_reference(), as_of or today())

    def what_if(self, scenario: scenarios.ScenarioFile, as_of: date | None = None) -> whatifs.WhatIf:
        """The problems a scenario opens and closes against the registry as it is, on `as_of` (default: the
        latest of today and the days the scenario's changes take effect), and the transfers that lose part of
        their basis. Applied in memory: nothing is written. Raises InvalidInput naming the scenario's lines."""
        from registry import scenario as scenarios
        from registry import whatif as whatifs

        self._require(Permission.VIEW, "run a what-if scenario")
        as_of = as_of or max([today(), *scenario.scenario.days])
        with self._cache.lock:
            check = self._checked(as_of)
            applied = scenarios.apply(scenario, check.registry, check.reference)
            # The day's check is the unchanged registry's, unless the scenario compares with a renewal.
            start = check.fork() if applied.baseline is check.reference else None
            return whatifs.what_if(check.registry, applied, as_of, start)

    def trend(self, every: trends.Every | None = None, last: date | None = None,
              first: date | None = None) -> trends.Trend:
        """Open problems by severity at the end of each month (or week) from the first change-log entry (or
        `first`) to `last` (default: today), each point judged with the registry as it was then, rebuilt by
        replaying the change log once forward; the points a process worked out before are kept with the store
        (registry.persisted_results) and only those whose registry changed are judged again. Writes nothing
        to the registry."""
        self._require(Permission.VIEW, "see the trend")
        last = last or today()
        with self._cache.lock:
            self.registry()
            revision = self._cache.revision

        def now() -> tuple[int, list[Finding]]:  # the day's check, when the trend's newest point is not kept
            with self._cache.lock:
                self.registry()
                return self._cache.revision, list(self._checked(last).findings)

        # Outside the cache's lock, as before: replaying the log must not hold up other sessions' checks.
        return persisted_results.trend(self.store, revision, last, every, first, now,
                                       lambda changes: trends.trend(changes, load_reference(), last, every, first))

    def first_seen(self, as_of: date | None = None) -> first_seens.FirstSeen:
        """The first day of each finding's current listing as of `as_of` (default: today), the change log
        replayed forward once (registry.first_seen): no check records it. Writes nothing."""
        self._require(Permission.VIEW, "see when findings were first seen")
        return first_seens.first_seen(self.store.changes(), load_reference(), as_of or today())

    def acknowledge(self, finding_id: str, reason: str, until: date | None = None, *,
                    as_of: date | None = None) -> Acknowledgement:
        """Record a DPO's acceptance of a finding (in the change log); the finding stays listed, marked as such."""
        self._require(Permission.ACKNOWLEDGE, "acknowledge findings")
        as_of = as_of or today()
        if not reason.strip():
            raise InvalidInput([Problem("an acknowledgement needs a reason", field="reason")])
        if until is not None and until < as_of:
            raise InvalidInput([Problem(f"'until' ({until}) is in the past", field="until")])
        if finding_id not in {f.id for f in self.check(as_of)}:
            raise NotFound(f"no finding {finding_id!r} as of {as_of}; `flowreg check` lists the current ids")
        try:
            acknowledgement = Acknowledgement(finding=finding_id, reason=reason.strip(), until=until,
                                              actor=self.actor, at=datetime.now(UTC).replace(microsecond=0))
        except ValidationError as error:  # e.g. a control character in the reason or the actor's name
            raise InvalidInput(validation_problems(error), summary="invalid acknowledgement") from None
        source = f"ack {finding_id}"
        self._write(manifests.Manifest.of(RegistryFragment(acknowledgements=[acknowledgement]), source),
                    context=source)
        return acknowledgement

    def summary(self) -> Summary:
        registry = self.registry()
        processing = Counter(code for e in registry.entities.values() for code in e.where_processed)
        regions = Counter(company.region for company in registry.group_companies)
        return Summary(
            counts={section: len(registry.section(section)) for section in SECTION_LABELS},
            countries_of_operation=list(registry.countries_of_operation),
            processing_countries=dict(sorted(processing.items())),
            regions=dict(sorted(regions.items())),
        )

    def policy_views(self, as_of: date | None = None) -> list[policies.PolicyView]:
        """Every house rule with what it matches, its findings on the day and its exceptions (the Policies page)."""
        as_of = as_of or today()
        with self._cache.lock:
            check = self._checked(as_of)
            return policies.overview(check.registry, list(check.findings), as_of)

    def try_policies(self, manifest: manifests.Manifest, as_of: date | None = None) -> policies.Trial:
        """The findings as they would be with the house rules of `manifest` (a policies file, or rules typed in the
        dashboard) stored over those of the same ids; writes nothing. Refuses them (InvalidInput) exactly as
        saving them would."""
        self._validate(manifest, replace=False)
        as_of = as_of or today()
        with self._cache.lock:
            check = self._checked(as_of)
            return policies.trial(check.registry, manifest.fragment.policies, check.findings, check.reference, as_of,
                                  analyser=check.analyser)

    def save_policies(self, manifest: manifests.Manifest) -> ImportResult:
        """Store house rules (upserted by id) and nothing else; needs POLICY, as every write of a house rule does."""
        self._require(Permission.POLICY, "change house rules")
        manifest = manifests.policies_only(manifest)
        ids = ", ".join(p.id for p in manifest.fragment.policies)
        return self._write(manifest, context=f"policies {manifest.sources.file}: {ids}"[:200])



@dataclass
class _DayCheck:
    check: CheckState
    pending: dict[str, set[str]] = field(default_factory=dict)  # records written since, by section


@dataclass
class _Cache:
    """The registry as of a store revision, and the findings per day; shared by services over one store."""

    revision: int = -1
    registry: Registry | None = None
    checks: dict[date, _DayCheck] = field(default_factory=dict)
    lock: threading.RLock = field(default_factory=threading.RLock)

    def written(self, result: WriteResult) -> None:
        """Follow a write made through this cache's services without reading the store again, when the cache
        held the revision just before it (else another writer came in between: read again next time)."""
        if not result.changes:
            return
        with self.lock:
            if self.registry is None or result.changes[0].seq != self.revision + 1:
                self.registry = None
                return
            self.registry = apply_changes(self.registry, result.changes)
            self.revision = result.changes[-1].seq
            for section, ids in changed_records(result.changes).items():
                for day in self.checks.values():
                    day.pending.setdefault(section, set()).update(ids)

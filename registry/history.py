"""Past registries, rebuilt from the change log: every entry holds the record's whole body after the change
(docs/design.md §7), so replaying the entries forward from an empty registry gives the registry as it was after
any of them. A replay goes forward only, one batch of entries after another, so a trend of many points reads
and applies the log once."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from pydantic import ValidationError

from graph.store import Change
from registry.errors import ChangeLogBroken
from registry.mapping import apply_changes, changed_records
from registry.model import Registry


class Replay:
    """A registry brought forward through the change log, batch by batch."""

    def __init__(self) -> None:
        self.registry = Registry()
        self.revision = 0  # the last entry applied

    def advance(self, changes: Sequence[Change]) -> dict[str, set[str]]:
        """Apply the entries `changes` (the ones after this revision, oldest first); returns the records they
        changed, by manifest section (as `mapping.changed_records` gives them)."""
        if not changes:
            return {}
        if changes[0].seq <= self.revision:
            raise ValueError(f"entry {changes[0].seq} is not after revision {self.revision}: a replay goes forward")
        damaged = next((c for c in changes if c.damaged), None)
        if damaged is not None:
            raise ChangeLogBroken(f"change-log entry {damaged.seq} cannot be read ({damaged.damaged}), so the "
                                  "registry as it was after it cannot be rebuilt")
        # Only the last entry of each record counts: its body is the record from then on (a batch may create a
        # record and delete it again, which one write never does).
        last = {(change.label, change.key): change for change in changes}
        try:
            self.registry = apply_changes(self.registry, last.values())
        except ValidationError as error:
            raise ChangeLogBroken(f"a record in change-log entries {changes[0].seq}-{changes[-1].seq} no longer "
                                  f"validates, so the registry then cannot be rebuilt: {error.errors()[0]['msg']}")\
                from None
        self.revision = changes[-1].seq
        return changed_records(last.values())


def revision_at(changes: Sequence[Change], moment: datetime) -> int:
    """The revision the store had just before `moment`: the last entry written earlier (0: none)."""
    found = 0
    for change in changes:
        if change.at >= moment:
            break
        found = change.seq
    return found

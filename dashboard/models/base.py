"""What every page's model starts from: the service's snapshot of one (store revision, as-of day)."""

from __future__ import annotations

from datetime import date

from registry.checks.finding import Finding
from registry.model import Registry
from registry.snapshot import Snapshot


class PageModel:
    def __init__(self, snapshot: Snapshot) -> None:
        self.snapshot = snapshot

    def prepare(self) -> None:
        """Compute what the page's first view needs (its cached properties), ahead of anyone asking: called
        from a thread of its own once the day's snapshot is built (dashboard.state)."""

    @property
    def registry(self) -> Registry:
        return self.snapshot.registry

    @property
    def findings(self) -> list[Finding]:
        return self.snapshot.findings

    @property
    def as_of(self) -> date:
        return self.snapshot.as_of

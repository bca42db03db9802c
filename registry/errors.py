"""User-facing errors: a small set of exception types that CLI and dashboard render the same way."""

from __future__ import annotations

from dataclasses import dataclass

from registry.terminal import printable


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with one record of the input, located as precisely as the input allows."""

    message: str
    file: str | None = None
    line: int | None = None
    section: str | None = None
    index: int | None = None
    record_id: str | None = None
    field: str | None = None

    def render(self) -> str:
        location = (self.file or "<input>") + (f":{self.line}" if self.line is not None else "")
        subject: list[str] = []
        if self.section:
            subject.append(self.section + (f"[{self.index}]" if self.index is not None else ""))
        if self.record_id is not None:
            subject.append(f"id {self.record_id!r}")
        if self.field:
            subject.append(f"field {self.field!r}")
        if not subject:
            return f"{location}: {self.message}"
        return f"{location}: {', '.join(subject)}: {self.message}"


class FlowregError(Exception):
    """Base of every error a user can act on; `exit_code` is what the CLI exits with."""

    exit_code = 1

    def render(self) -> str:
        return str(self)


class InvalidInput(FlowregError):
    """The input is wrong: nothing was written. Carries every problem found, not just the first."""

    exit_code = 2

    def __init__(self, problems: list[Problem], summary: str = "invalid input") -> None:
        self.problems = problems
        self.summary = summary
        super().__init__(self.render())

    def render(self) -> str:
        # File names and quoted values come from the user: one problem stays one line on a terminal.
        lines = [printable(f"{self.summary}: {len(self.problems)} problem(s); nothing was written")]
        lines += [f"  {printable(p.render())}" for p in self.problems]
        return "\n".join(lines)


class NotFound(FlowregError):
    """A record, finding or store the user named does not exist."""

    exit_code = 2


class PermissionDenied(FlowregError):
    """The acting user's role does not allow the operation."""

    exit_code = 4


class StoreError(FlowregError):
    """The store is missing, unreachable or holds something flowreg cannot read: exit 3."""

    exit_code = 3


class StoreUnavailable(StoreError):
    """The store cannot be opened or reached (or does not exist and the command may not create it)."""


class StoreBroken(StoreError):
    """The store opened, but its records do not form a valid registry: says which records are broken."""

    def __init__(self, location: str, problems: list[Problem]) -> None:
        self.location = location
        self.problems = problems
        super().__init__(self.render())

    def render(self) -> str:
        lines = [f"the store {self.location} holds {len(self.problems)} broken record(s); "
                 "fix them with `flowreg import` (or restore a backup with `import --replace`)"]
        lines += [f"  {p.render()}" for p in self.problems]
        return "\n".join(lines)


class ChangeLogBroken(StoreError):
    """The change log's hash chain does not hold: an entry was edited, replaced or removed outside flowreg."""

"""The change log's hash chain: each entry holds the hash of the one before, so editing, replacing or
removing an entry breaks the chain from there on.

Hashes cover the entry's fields exactly as stored (text, not parsed values), so a row that no longer parses
is still checked. Entries written before the chain existed carry no hash: the chain starts at the first
entry that has one, and from there every entry must have one.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class LogRecord:
    """One change-log entry as stored."""

    seq: Any
    at: Any
    actor: Any
    operation: Any
    label: Any
    key: Any
    before: Any
    after: Any
    context: Any
    prev_hash: Any = None
    hash: Any = None

    def fields(self) -> list[Any]:
        return [self.seq, self.at, self.actor, self.operation, self.label, self.key, self.before, self.after,
                self.context]


def entry_hash(prev_hash: str | None, fields: list[Any]) -> str:
    """SHA-256 of the previous entry's hash and this entry's fields, as one canonical JSON text."""
    text = json.dumps([prev_hash, *fields], ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class ChainReport:
    entries: int
    unchained: int  # entries before the first hashed one (written before the log was chained)
    first_bad: Any = None  # seq of the first entry that breaks the chain
    reason: str | None = None

    @property
    def intact(self) -> bool:
        return self.first_bad is None


def verify(records: list[LogRecord]) -> ChainReport:
    """Walk the log oldest first; the first entry whose hash or link does not hold is named."""
    previous: str | None = None
    unchained = 0
    chained = False
    last_seq: Any = None
    for record in records:
        if isinstance(last_seq, int) and isinstance(record.seq, int) and record.seq != last_seq + 1:
            return ChainReport(len(records), unchained, record.seq,
                               f"entries {last_seq + 1}..{record.seq - 1} are missing")
        last_seq = record.seq
        if record.hash is None and not chained:
            unchained += 1
            continue
        if record.hash is None:
            return ChainReport(len(records), unchained, record.seq, "entry has no hash after the chain began")
        if chained and record.prev_hash != previous:
            return ChainReport(len(records), unchained, record.seq,
                               "entry does not link to the one before (an entry was changed, added or removed)")
        if entry_hash(record.prev_hash, record.fields()) != record.hash:
            return ChainReport(len(records), unchained, record.seq, "entry's content does not match its hash")
        chained, previous = True, record.hash
    return ChainReport(len(records), unchained)

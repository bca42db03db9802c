"""What a rule reports: a finding with its rule, severity, regime, legal reference, reason and evidence."""

from __future__ import annotations

import hashlib
import json
from datetime import date
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from registry.model import Acknowledgement


class Severity(StrEnum):
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"

    @property
    def rank(self) -> int:
        return {"high": 3, "medium": 2, "low": 1}[self.value]


class Evidence(BaseModel):
    """What a lawyer needs to verify a finding: the records involved and the day it was judged."""

    model_config = ConfigDict(frozen=True)

    flows: list[str] = []  # in path order for onward transfers
    path: list[str] = []  # entity ids from the first sender to the last receiver
    safeguards: list[str] = []
    countries: list[str] = []
    categories: list[str] = []
    entities: list[str] = []
    purposes: list[str] = []
    as_of: date

    def identity(self) -> dict[str, list[str]]:
        """Everything but the date: the same problem found on another day keeps its id."""
        return self.model_dump(mode="json", exclude={"as_of"})


class Finding(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: str
    rule: str
    severity: Severity
    regime: str | None
    reference: str
    reason: str
    fix: str
    evidence: Evidence
    acknowledged: bool = False
    acknowledgement: Acknowledgement | None = None

    @property
    def sort_key(self) -> tuple[int, str, str, str]:
        return (-self.severity.rank, self.rule, self.regime or "", self.id)


def finding_id(rule: str, regime: str | None, evidence: Evidence) -> str:
    content = json.dumps([rule, regime, evidence.identity()], sort_keys=True, separators=(",", ":"))
    return f"{rule}:{hashlib.sha256(content.encode()).hexdigest()[:12]}"

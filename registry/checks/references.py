"""The legal reference of each rule under each regime: data (references.csv), loaded and validated once.

A finding cites only the law of the regime that judges it; a rule that is not about transfers cites each
regime whose data it judges, and the row with an empty regime only when none does.
"""

from __future__ import annotations

import csv
import functools
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from registry.reference import ReferenceDataError, Regime

REFERENCES_CSV = Path(__file__).with_name("references.csv")
COLUMNS = ("rule", "regime", "reference", "url", "source")


@dataclass(frozen=True)
class LegalReference:
    rule: str
    regime: Regime | None  # None: cited when no regime of the reference data judges the data
    reference: str  # what a lawyer looks up ("UK GDPR Art. 28(3)")
    url: str  # the official text, where there is one
    source: str  # the official citation of that text


class References:
    def __init__(self, rows: Iterable[LegalReference]) -> None:
        self._rows = {(row.rule, row.regime): row for row in rows}
        self._cited: dict[tuple[str, frozenset[Regime | str]], str] = {}  # a check cites once per finding

    def row(self, rule: str, regime: Regime | None) -> LegalReference:
        return self._rows[(rule, regime)]

    def cite(self, rule: str, regimes: Iterable[Regime | str]) -> str:
        """The references of `rule` under each of `regimes`, in the catalogue's order, joined; the rule's
        regime-less row when `regimes` is empty."""
        key = (rule, frozenset(regimes))  # a Regime equals its value, so either spelling finds the same entry
        found = self._cited.get(key)
        if found is None:
            found = self._cited[key] = self._cite(rule, key[1])
        return found

    def _cite(self, rule: str, regimes: Iterable[Regime | str]) -> str:
        chosen = sorted({Regime(r) for r in regimes}, key=list(Regime).index)
        if not chosen:
            return self.row(rule, None).reference
        return "; ".join(self.row(rule, regime).reference for regime in chosen)

    def url(self, rule: str, regime: Regime | None = Regime.GDPR) -> str:
        return self.row(rule, regime).url

    def require(self, rules: Iterable[str], regime_less: Iterable[str]) -> None:
        """Every rule has a row for every regime, and those in `regime_less` one without: checked at import,
        so a missing citation fails loudly instead of printing nothing."""
        regime_less = set(regime_less)
        for rule in rules:
            for regime in (*Regime, *([None] if rule in regime_less else [])):
                if (rule, regime) not in self._rows:
                    raise ReferenceDataError(REFERENCES_CSV, 1, "regime",
                                             f"rule {rule!r} has no reference for {regime or 'no regime'}")


def read_references(file: Path) -> References:
    rows: list[LegalReference] = []
    seen: set[tuple[str, str]] = set()
    with file.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        if tuple(reader.fieldnames or ()) != COLUMNS:
            raise ReferenceDataError(file, 1, "header", f"expected columns {', '.join(COLUMNS)}")
        for line, cells in enumerate(reader, start=2):
            if None in cells or any(cells[c] is None for c in COLUMNS):
                raise ReferenceDataError(file, line, "row", f"expected {len(COLUMNS)} cells")
            rule, regime, reference, url = (cells[c].strip() for c in ("rule", "regime", "reference", "url"))
            if not rule or not reference:
                raise ReferenceDataError(file, line, "reference" if rule else "rule", "must not be empty")
            if regime and regime not in {r.value for r in Regime}:
                raise ReferenceDataError(file, line, "regime", f"{regime!r} is not a regime")
            if regime and not url.startswith("https://"):
                raise ReferenceDataError(file, line, "url", "a regime's reference needs the https address of its text")
            if (rule, regime) in seen:
                raise ReferenceDataError(file, line, "regime", f"second row for {rule} under {regime or 'no regime'}")
            seen.add((rule, regime))
            rows.append(LegalReference(rule, Regime(regime) if regime else None, reference, url,
                                       cells["source"].strip()))
    return References(rows)


@functools.cache
def load_references() -> References:
    return read_references(REFERENCES_CSV)

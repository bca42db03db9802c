"""One JSON document holding the as-of date, the organisation, the column headings and the chosen tables.

Values are verbatim (no formula neutralising: JSON is not opened by spreadsheets); lists stay arrays, dates
are ISO strings. No generation time, so the same registry and day give the same bytes.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date

from registry.exports.table import Cell, ExportTables, Table

FORMAT_ID = "flowreg-exports/1"


def _value(value: Cell) -> object:
    return value.isoformat() if isinstance(value, date) else value


def json_document(tables: ExportTables, chosen: Sequence[Table]) -> dict[str, object]:
    organisation = tables.organisation
    return {
        "format": FORMAT_ID,
        "as_of": tables.as_of.isoformat(),
        "organisation": organisation.model_dump(mode="json", include={"id", "name", "contact", "dpo",
                                                                      "representative"})
        if organisation else None,
        "reference_data": {"reviewed": tables.reference_reviewed.isoformat() if tables.reference_reviewed else None,
                           "warning": tables.reference_warning},
        "columns": {t.name: [{"key": c.key, "header": c.header, "type": c.kind.value} for c in t.columns]
                    for t in chosen},
        **{t.name: [{c.key: _value(row.get(c.key)) for c in t.columns} for row in t.rows] for t in chosen},
    }


def tables_json(tables: ExportTables, chosen: Sequence[Table]) -> bytes:
    return (json.dumps(json_document(tables, chosen), indent=2, ensure_ascii=False) + "\n").encode("utf-8")

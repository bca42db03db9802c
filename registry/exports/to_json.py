"""One JSON document holding the as-of date, the organisation, the column headings and the chosen tables.

Values are verbatim (no formula neutralising: JSON is not opened by spreadsheets); lists stay arrays, dates
are ISO strings. No generation time, so the same registry and day give the same bytes.

The document is written row by row as the tables make them, in the layout `json.dumps(document, indent=2,
ensure_ascii=False)` gives the whole (tests compare the two): rows are flat objects of text, lists of text,
dates, booleans, numbers and nulls, so each is written by the few rules that layout follows for them.
"""

from __future__ import annotations

import io
import json
from collections.abc import Sequence
from datetime import date
from json.encoder import encode_basestring  # type: ignore[attr-defined]
from typing import IO

from registry.exports.table import Cell, ExportTables, Table

FORMAT_ID = "flowreg-exports/1"
_ROW = "    "  # a row is an item of its table's array, two levels in
_FIELD = ",\n      "
_ITEM = ",\n        "
_ROWS_PER_WRITE = 500


def _value(value: Cell) -> object:
    return value.isoformat() if isinstance(value, date) else value


def head_document(tables: ExportTables, chosen: Sequence[Table]) -> dict[str, object]:
    """The document without its tables' rows."""
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
    }


def json_document(tables: ExportTables, chosen: Sequence[Table]) -> dict[str, object]:
    """The whole document in memory (small tables; the export itself is written by `write_json`)."""
    return {**head_document(tables, chosen),
            **{t.name: [{c.key: _value(value) for c, value in zip(t.columns, head + tail.cells, strict=True)}
                        for head, tail in t.records()] for t in chosen}}


def _cell(value: Cell) -> str:
    if isinstance(value, str):
        return encode_basestring(value)  # type: ignore[no-any-return]
    if isinstance(value, list):
        if not value:
            return "[]"
        return "[\n        " + _ITEM.join(map(_cell, value)) + "\n      ]"  # type: ignore[arg-type]
    if isinstance(value, date):
        return encode_basestring(value.isoformat())  # type: ignore[no-any-return]
    return json.dumps(value)  # None, booleans and numbers


def _fields(keys: Sequence[str], values: Sequence[Cell]) -> list[str]:
    return [key + _cell(value) for key, value in zip(keys, values, strict=True)]


def write_json(tables: ExportTables, chosen: Sequence[Table], target: IO[bytes]) -> None:
    head = json.dumps(head_document(tables, chosen), indent=2, ensure_ascii=False)
    assert head.endswith("\n}")
    text = io.TextIOWrapper(target, encoding="utf-8", newline="", write_through=False)
    try:
        text.write(head[:-2])
        for table in chosen:
            # '"key": ' as the layout writes it, before each field's value.
            keys = [encode_basestring(column.key) + ": " for column in table.columns]
            text.write(f",\n  {encode_basestring(table.name)}: [")
            written, pending = 0, []
            for head_cells, tail in table.records():
                split = len(head_cells)
                shown = tail.rendered.get("json")
                if shown is None:
                    shown = tail.rendered["json"] = _fields(keys[split:], tail.cells)
                pending.append(f"\n{_ROW}{{\n      " + _FIELD.join([*_fields(keys[:split], head_cells), *shown])  # type: ignore[misc]
                               + f"\n{_ROW}}}")
                if len(pending) >= _ROWS_PER_WRITE:
                    text.write(("," if written else "") + ",".join(pending))
                    written += len(pending)
                    pending.clear()
            if pending:
                text.write(("," if written else "") + ",".join(pending))
                written += len(pending)
            text.write("\n  ]" if written else "]")
        text.write("\n}\n")
        text.flush()
    finally:
        text.detach()  # the caller owns `target`


def tables_json(tables: ExportTables, chosen: Sequence[Table]) -> bytes:
    buffer = io.BytesIO()
    write_json(tables, chosen, buffer)
    return buffer.getvalue()

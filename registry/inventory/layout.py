"""The inventory's tabular layout: one sheet (or CSV file) per manifest section, one column per field, and the
conversion of cells to the manifest's document, so workbooks and CSV folders go through the manifest's validator.

Row 1 holds the field names as the manifest spells them, row 2 (optional on import) explains each column, and
records start on row 3. Lists sit in one cell, items separated by `;` (a `;` or `\\` inside an item is written
`\\;` or `\\\\`). Problems point at the cell: `inventory.xlsx: sheet 'flows', row 14, column 'to' (id 'f14'): ...`.
"""

from __future__ import annotations

import re
import types
import typing
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time
from enum import Enum
from typing import Any, Literal

from pydantic.fields import FieldInfo

from registry.errors import InvalidInput, Problem
from registry.manifest import Manifest, SourceMap, validate_document
from registry.model import SECTIONS, Organisation, country_label
from registry.suggest import did_you_mean

ORGANISATION_SHEET = "organisation"
LISTS_SHEET = "lists"  # the template's hidden sheet of long drop-down lists; ignored on import
# House rules are nested mappings (what they match, what they require), which one flat row cannot hold: they are
# written in YAML (a manifest's `policies`, or a policies file), and a workbook has no sheet for them.
TABLE_SECTIONS = {section: model for section, model in SECTIONS.items() if section != "policies"}
SHEETS: tuple[str, ...] = (ORGANISATION_SHEET, *TABLE_SECTIONS)
FIRST_ROW = 3  # row 1: field names, row 2: what each column means
# Beyond this many records in one sheet the input is refused: the largest registry benchmarked has 100,000 flows.
MAX_ROWS = 250_000
MAX_CELL_CHARS = 32_767  # Excel's own limit for one cell

Kind = Literal["text", "list", "date", "datetime", "bool", "int"]


@dataclass(frozen=True)
class Column:
    name: str  # the manifest's key (aliases included: a flow's 'from' and 'to')
    kind: Kind
    help: str
    choices: tuple[str, ...] = ()  # a closed set, for the template's drop-down
    refers_to: tuple[str, ...] = ()  # sections whose ids the column names
    country: bool = False  # an ISO 3166-1 alpha-2 code (or several, for a list)


# What each column means, in plain words, for the template's second row.
HELP: dict[str, str] = {
    "id": "A short unique key you choose; other sheets refer to the record by it",
    "name": "Name as people know it (legal name for companies)",
    "source": "Where the privacy policy declares it, e.g. 'policy 4-2'",
    "example": "TRUE if invented to fill a list the policy leaves empty",
    "note": "Free text for your colleagues",
    "contact": "How to reach them (e-mail or address)",
    "dpo": "The data protection officer's name and contact",
    "representative": "The EU/UK representative (GDPR Art. 27), if any",
    "promises_encryption_in_transit": "TRUE if the privacy policy promises encryption in transit",
    "countries_of_operation": "Countries the group operates in: two-letter codes separated by ;",
    "country": "Country where it is established: pick from the list or type the two-letter code",
    "processing_countries": "Where it hosts or accesses the data, codes separated by ; (blank: its country)",
    "sector": "commercial, public or non_profit (some adequacy decisions cover only part of an economy)",
    "dpf_certified": "TRUE if on the EU-US Data Privacy Framework List",
    "dpf_uk_extension": "TRUE if certified under the DPF's UK Extension",
    "dpf_swiss": "TRUE if certified under the Swiss-US DPF",
    "region": "The group's region it belongs to, e.g. EMEA, APAC, Americas",
    "bcr_bound": "TRUE if bound by the group's Binding Corporate Rules",
    "role": "controller, joint_controller or processor",
    "dpa_signed": "Date the Art. 28 processing agreement was signed (YYYY-MM-DD)",
    "parent": "For a sub-processor: the id of the processor it works for",
    "kind": "What kind it is: pick from the list",
    "regions": "Where these people live: two-letter codes or EEA, separated by ;",
    "sensitivity": "standard, special (GDPR Art. 9) or criminal (GDPR Art. 10)",
    "necessary_categories": "Data category ids the purpose needs, separated by ; (a parent covers its children)",
    "legal_basis": "GDPR Art. 6(1) basis: pick from the list",
    "retention": "How long data is kept: ISO duration such as P3Y, P18M, P30D, or a rule in words",
    "module": "For scc_2021 only: 1 controller-controller, 2 controller-processor, 3 processor-processor, "
              "4 processor-controller",
    "letter": "For derogation_49 only: the letter a-g of GDPR Art. 49(1)",
    "item": "For appi_exception only: the item i-iv of APPI Art. 27(1)",
    "law_of": "For an Art. 49(1)(d) derogation or APPI item i: whose law it rests on (country code, or EU)",
    "contingent": "TRUE if the flow happens only on an event (a sale of the business)",
    "reference": "The contract or decision it refers to",
    "effective": "Date it took effect (YYYY-MM-DD); for a flow, the day a contingent one goes live",
    "expires": "Date it ends (YYYY-MM-DD), blank if open-ended",
    "parties": "Ids of the organisation and entities bound by it, separated by ;",
    "from": "Id of the sender (a group company, processor or recipient)",
    "to": "Id of the receiver (a group company, processor or recipient)",
    "subjects": "Data subject group ids, separated by ;",
    "categories": "Data category ids carried, separated by ;",
    "purpose": "Id of the purpose on the purposes sheet",
    "safeguards": "Ids of the safeguards on the safeguards sheet covering it, separated by ;",
    "frequency": "systematic (regular) or occasional",
    "encrypted_in_transit": "TRUE or FALSE; blank if unknown",
    "encrypted_at_rest": "TRUE or FALSE; blank if unknown",
    "tia": "Reference of the transfer impact assessment, if any",
    "supplementary_measures": "Measures beyond the contract (encryption, pseudonymisation), separated by ;",
    "start": "Date the flow started (YYYY-MM-DD)",
    "end": "Date the flow ended (YYYY-MM-DD), blank if it goes on",
    "finding": "The finding id, as `flowreg check` prints it",
    "reason": "Why the finding is accepted for now",
    "until": "Accepted until this date (YYYY-MM-DD), blank for no end",
    "actor": "Who accepted it",
    "at": "When it was accepted (YYYY-MM-DDTHH:MM:SS+00:00)",
}
_REFERENCES: dict[str, tuple[str, ...]] = {
    "parent": ("processors",), "necessary_categories": ("data_categories",),
    "parties": ("organisation", "group_companies", "processors", "recipients"),
    "from": ("group_companies", "processors", "recipients"), "to": ("group_companies", "processors", "recipients"),
    "subjects": ("data_subject_groups",), "categories": ("data_categories",), "purpose": ("purposes",),
    "safeguards": ("safeguards",),
}
_COUNTRY_COLUMNS = {"country", "processing_countries", "countries_of_operation", "regions"}
_TRAILING = ("source", "example", "note")  # bookkeeping columns go last, after what the record is about


def _unwrap(annotation: Any) -> tuple[Any, bool]:
    """(the type inside Optional/Annotated, whether it is a list)."""
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            annotation = typing.get_args(annotation)[0]
        elif origin in (typing.Union, types.UnionType):
            annotation = next(a for a in typing.get_args(annotation) if a is not type(None))
        elif origin is list:
            return _unwrap(typing.get_args(annotation)[0])[0], True
        else:
            return annotation, False


def _column(name: str, info: FieldInfo, section: str) -> Column:
    inner, is_list = _unwrap(info.annotation)
    choices: tuple[str, ...] = ()
    kind: Kind
    if is_list:
        kind = "list"
    elif inner is datetime:
        kind = "datetime"
    elif inner is date:
        kind = "date"
    elif inner is bool:
        kind = "bool"
    elif typing.get_origin(inner) is Literal:
        values = typing.get_args(inner)
        kind = "int" if all(isinstance(v, int) for v in values) else "text"
        choices = tuple(str(v) for v in values)
    else:
        kind = "text"
    if isinstance(inner, type) and issubclass(inner, Enum):
        choices = tuple(str(member.value) for member in inner)
    if is_list and isinstance(inner, type) and issubclass(inner, Enum):
        choices = ()
    help_text = HELP.get(name, name.replace("_", " "))
    if section == "data_categories" and name == "id":
        help_text = "Dotted key such as user.contact.email (a parent key covers its children)"
    return Column(name, kind, help_text, choices, _REFERENCES.get(name, ()) if section != "organisation" else (),
                  country=name in _COUNTRY_COLUMNS)


def _columns(section: str, model: Any) -> tuple[Column, ...]:
    fields = [(info.alias or name, info) for name, info in model.model_fields.items()]
    fields.sort(key=lambda item: item[0] in _TRAILING)  # stable: keeps the model's order otherwise
    return tuple(_column(name, info, section) for name, info in fields)


COLUMNS: dict[str, tuple[Column, ...]] = {
    ORGANISATION_SHEET: (*_columns(ORGANISATION_SHEET, Organisation),
                         Column("countries_of_operation", "list", HELP["countries_of_operation"], country=True)),
    **{section: _columns(section, model) for section, model in TABLE_SECTIONS.items()},
}
KEY_COLUMN = {sheet: ("finding" if sheet == "acknowledgements" else "id") for sheet in SHEETS}


# -- cells -> values ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Formula:
    """A cell holding a formula: refused, never evaluated (its cached value could be stale or crafted)."""

    text: str


_UNESCAPED_SEMICOLON = re.compile(r"(?<!\\)((?:\\\\)*);")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_OTHER_DATE_FORMATS = ("%d/%m/%Y", "%d.%m.%Y", "%Y/%m/%d", "%d-%m-%Y", "%Y%m%d", "%d %b %Y", "%d %B %Y")
_COUNTRY_LABEL = re.compile(r"^.+\(([A-Z]{2})\)$")


_XSTRING_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")


def escape_text(text: str) -> str:
    """OOXML's escape for characters XML would change (ST_Xstring, as Excel writes it): a carriage return would
    come back as a line feed, so it is written `_x000D_`, and a literal `_x` as `_x005F_x`."""
    if "_x" in text:
        text = text.replace("_x", "_x005F_x")
    return text.replace("\r", "_x000D_") if "\r" in text else text


def unescape_text(text: str) -> str:
    return _XSTRING_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text) if "_x" in text else text


def split_list(text: str) -> list[str]:
    """A list cell's items: split at unescaped `;`, unescaped, stripped, blanks dropped."""
    parts = _UNESCAPED_SEMICOLON.split(text)
    # re.split with a group returns [item, backslashes, item, ...]: glue each run of escaped backslashes back on.
    items: list[str] = []
    current = parts[0]
    for index in range(1, len(parts), 2):
        items.append(current + parts[index])
        current = parts[index + 1]
    items.append(current)
    cleaned = [item.replace("\\;", ";").replace("\\\\", "\\").strip() for item in items]
    return [item for item in cleaned if item]


def join_list(items: Iterable[object]) -> str:
    return "; ".join(str(item).replace("\\", "\\\\").replace(";", "\\;") for item in items)


def _date_problem(text: str) -> str:
    for pattern in _OTHER_DATE_FORMATS:
        try:
            meant = datetime.strptime(text.strip(), pattern).date()
        except ValueError:
            continue
        return f"{text!r} is not a date in the expected format YYYY-MM-DD; did you mean {meant.isoformat()!r}?"
    return f"{text!r} is not a date: write YYYY-MM-DD (e.g. 2026-01-31) or use a date cell"


def _text(value: object) -> str:
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _country(text: str) -> str:
    """A country written as the template's drop-down shows it, "Japan (JP)", taken as its code."""
    match = _COUNTRY_LABEL.match(text.strip())
    return match.group(1) if match else text


def cell_value(column: Column, value: object) -> object:
    """The manifest value of one non-empty cell; raises ValueError with the message for the user."""
    if isinstance(value, Formula):
        raise ValueError(f"a formula ({value.text[:60]}) is not accepted: type the value itself")
    if isinstance(value, str) and len(value) > MAX_CELL_CHARS:
        raise ValueError(f"{len(value):,} characters; a cell holds at most {MAX_CELL_CHARS:,}")
    if column.kind == "list":
        items = split_list(_text(value))
        return [_country(item) for item in items] if column.country else items
    if column.kind == "date":
        if isinstance(value, datetime):
            if value.time() != time():
                raise ValueError(f"{value.isoformat()} has a time of day; a date is YYYY-MM-DD")
            return value.date()
        if isinstance(value, date):
            return value
        text = _text(value).strip()
        if not _ISO_DATE.match(text):
            raise ValueError(_date_problem(text))
        try:
            return date.fromisoformat(text)
        except ValueError:
            raise ValueError(f"{text!r} is not a day of the calendar (YYYY-MM-DD)") from None
    if column.kind == "datetime":
        return value if isinstance(value, datetime) else _text(value).strip()
    if column.kind == "bool":
        if isinstance(value, bool):
            return value
        text = _text(value).strip().lower()
        if text in ("true", "yes", "y", "1"):
            return True
        if text in ("false", "no", "n", "0"):
            return False
        raise ValueError(f"{_text(value)!r} is not TRUE or FALSE")
    if column.kind == "int":
        text = _text(value).strip()
        if not text.isdigit():
            raise ValueError(f"{text!r} is not one of {', '.join(column.choices)}")
        return int(text)
    text = _text(value)
    return _country(text) if column.country else text


# -- tables -> manifest ------------------------------------------------------------------------------------------

@dataclass
class Table:
    """One sheet or CSV file as read: its header and its data rows with their row numbers (1-based)."""

    sheet: str
    header: list[object]
    rows: list[tuple[int, list[object]]] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class CellProblem(Problem):
    """A problem located in a sheet (or CSV file), row and column rather than a line of text."""

    sheet: str | None = None
    row: int | None = None
    column: str | None = None

    def render(self) -> str:
        where = [f"sheet {self.sheet!r}"] if self.sheet else []
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column:
            where.append(f"column {self.column!r}")
        subject = ", ".join(where) + (f" (id {self.record_id!r})" if self.record_id is not None else "")
        return f"{self.file or '<input>'}: {subject + ': ' if subject else ''}{self.message}"


@dataclass
class CellMap(SourceMap):
    """Where each record of a workbook or CSV folder stands: sheet and row of every (section, index)."""

    rows: dict[tuple[str, int], int] = field(default_factory=dict)
    sheet_word: str = "sheet"

    def locate(self, problem: Problem) -> Problem:
        if isinstance(problem, CellProblem):
            return problem
        index = problem.index
        if index is None and problem.section and problem.record_id is not None:
            index = self.index_of.get((problem.section, problem.record_id))
        section, column = problem.section, (problem.field or "").split(".")[0] or None
        if section is None and column in (ORGANISATION_SHEET, "countries_of_operation"):
            # A top-level problem: the organisation's own field, or the countries it operates in.
            section, index = ORGANISATION_SHEET, 0
            if column == ORGANISATION_SHEET:
                column = (problem.field or "").split(".")[1] if "." in (problem.field or "") else None
        record_id = problem.record_id
        if section is not None and index is not None and record_id is None:
            record_id = self.ids.get((section, index))
        row = self.rows.get((section, index)) if section is not None and index is not None else None
        message = "required: the cell is empty" if problem.message == "required key is missing" else problem.message
        return CellProblem(message, file=self.file, line=_order(section, row), section=problem.section, index=index,
                           record_id=record_id, field=problem.field, sheet=section, row=row, column=column)


def _order(sheet: str | None, row: int | None) -> int | None:
    """What Manifest.raise_problems sorts problems by (a manifest's line): sheet in layout order, then row."""
    if sheet is None:
        return None
    return (SHEETS.index(sheet) + 1 if sheet in SHEETS else 0) * 10_000_000 + (row or 0)


def cell_problem(file: str, message: str, *, sheet: str | None = None, row: int | None = None,
                 column: str | None = None, record_id: str | None = None) -> CellProblem:
    return CellProblem(message, file=file, line=_order(sheet, row), sheet=sheet, row=row, column=column,
                       record_id=record_id)


def unknown_sheets(file: str, names: list[str], word: str) -> CellProblem:
    """Sheets (or CSV files) the layout does not know: refused by name, never skipped unseen."""
    hint = did_you_mean(names[0], SHEETS)
    return cell_problem(file, f"unknown {word}(s) {', '.join(map(repr, names))}{hint}; the inventory has "
                              f"{', '.join(SHEETS)}")


def refuse(file: str, message: str, **where: Any) -> InvalidInput:
    return InvalidInput([cell_problem(file, message, **where)], summary=f"cannot read {file}")


def _is_blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and value == "")


def to_manifest(file: str, tables: list[Table], *, kind: str = "workbook") -> Manifest:
    """Validate the tables as one manifest: layout problems (unknown sheets or columns, bad cells) and the
    manifest validator's problems are reported together, every one at its sheet, row and column."""
    sources = CellMap(file)
    problems: list[Problem] = []
    document: dict[str, Any] = {}
    bad_cells: set[tuple[str, int, str]] = set()  # (section, index, column) whose value could not be read
    unknown = [t.sheet for t in tables if t.sheet not in SHEETS]
    if unknown:
        problems.append(unknown_sheets(file, unknown, "sheet" if kind == "workbook" else "file"))
    for table in tables:
        if table.sheet not in SHEETS:
            continue
        columns = {c.name: c for c in COLUMNS[table.sheet]}
        header: list[str | None] = []
        for name in table.header:
            label = None if _is_blank(name) else _text(name).strip()
            if label is not None and label not in columns:
                problems.append(cell_problem(
                    file, f"unknown column {label!r}{did_you_mean(label, list(columns))}", sheet=table.sheet,
                    row=1, column=label))
                label = None
            elif label is not None and label in header:
                problems.append(cell_problem(file, f"column {label!r} appears twice", sheet=table.sheet, row=1,
                                             column=label))
                label = None
            header.append(label)
        if table.sheet in SECTIONS and KEY_COLUMN[table.sheet] not in header:
            problems.append(cell_problem(file, f"the header row has no {KEY_COLUMN[table.sheet]!r} column",
                                         sheet=table.sheet, row=1))
        rows = table.rows
        if rows and rows[0][0] == 2 and all(
            _is_blank(value) or (name is not None and _text(value) == columns[name].help)
            for name, value in zip(header, rows[0][1], strict=False)
        ):
            rows = rows[1:]  # the template's explanations
        records: list[dict[str, Any]] = []
        for row_number, values in rows:
            if all(_is_blank(v) for v in values):
                continue
            section = table.sheet
            index = len(records)
            record: dict[str, Any] = {}
            for position, value in enumerate(values):
                name = header[position] if position < len(header) else None
                if _is_blank(value):
                    continue
                if name is None:
                    if position >= len(header) or table.header[position] in (None, ""):
                        problems.append(cell_problem(file, "a value in a column without a header; name the column "
                                                           "or clear the cell", sheet=section, row=row_number,
                                                     column=_column_letter(position)))
                    continue
                try:
                    record[name] = cell_value(columns[name], value)
                except ValueError as error:
                    problems.append(cell_problem(file, str(error), sheet=section, row=row_number, column=name))
                    bad_cells.add((section, index, name))
            key = record.get(KEY_COLUMN[section]) if section in SECTIONS else None
            sources.rows[(section, index)] = row_number
            if isinstance(key, str):
                sources.ids[(section, index)] = key
                sources.index_of.setdefault((section, key), index)
            records.append(record)
        if table.sheet == ORGANISATION_SHEET:
            if len(records) > 1:
                problems.append(cell_problem(file, "the organisation sheet holds one organisation (one row)",
                                             sheet=ORGANISATION_SHEET, row=rows[-1][0]))
            if records:
                organisation = dict(records[0])
                countries = organisation.pop("countries_of_operation", None)
                if countries is not None:
                    document["countries_of_operation"] = countries
                document["organisation"] = organisation
        else:
            document[table.sheet] = records
    manifest = validate_document(document, sources)
    manifest.kind = kind
    manifest.kept = frozenset(SECTIONS.keys() - TABLE_SECTIONS.keys())
    kept = [p for p in manifest.problems if not _hides_a_bad_cell(p, bad_cells)]
    manifest.problems = problems + kept
    return manifest


def _hides_a_bad_cell(problem: Problem, bad_cells: set[tuple[str, int, str]]) -> bool:
    """A 'required' complaint about a cell already reported as unreadable says nothing new."""
    if not isinstance(problem, CellProblem) or problem.sheet is None or problem.index is None:
        return False
    return (problem.sheet, problem.index, problem.column or "") in bad_cells


def _column_letter(position: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(position + 1)


# -- values -> cells (the template filled from a registry) -------------------------------------------------------

def record_rows(registry: Any) -> dict[str, list[dict[str, Any]]]:
    """Each sheet's records as {column: manifest value}, organisation included, in the registry's order."""
    rows: dict[str, list[dict[str, Any]]] = {}
    organisation = registry.organisation
    org_row = organisation.model_dump(mode="python", by_alias=True) if organisation else {}
    if registry.countries_of_operation:
        org_row["countries_of_operation"] = list(registry.countries_of_operation)
    rows[ORGANISATION_SHEET] = [org_row] if org_row else []
    for section in TABLE_SECTIONS:
        rows[section] = [r.model_dump(mode="python", by_alias=True) for r in registry.section(section)]
    return rows


def country_choice(code: str) -> str:
    """How the template's country drop-down shows a code: "Japan (JP)"."""
    return country_label(code)

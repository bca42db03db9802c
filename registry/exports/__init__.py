"""Legal exports: the Art. 30 record of processing, the transfer register and the findings, as CSV, JSON or XLSX.

The CLI (`flowreg export ropa|transfers|findings|all`) and the dashboard's Exports page both call:

    tables = build_tables(registry, findings, as_of)         # findings: Service.check(as_of)
    tables = service.export_tables(as_of)                     # the same, from the service's check of the day
    files = render(tables, "xlsx", "all")                     # {file name: bytes}
    write(tables, "csv", "all", Path("out/"))                 # the CLI's --out, streamed into the files

CSV and JSON carry no generation time, so the same registry and day give the same bytes; the XLSX cover
sheet records when it was generated.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from functools import partial
from pathlib import Path
from typing import IO, Literal

from registry.checks.finding import Finding
from registry.exports.cells import neutralise
from registry.exports.findings import findings_table
from registry.exports.ropa import ropa_table
from registry.exports.table import Cell, Column, ExportTables, Kind, Row, Table
from registry.exports.to_csv import write_csv
from registry.exports.to_json import write_json
from registry.exports.to_xlsx import write_xlsx
from registry.exports.transfer_register import transfers_table
from registry.files import make_directory, stream_file, write_file
from registry.model import Registry
from registry.reference import Reference, load_reference
from registry.transfers import TransferAnalyser

Format = Literal["csv", "json", "xlsx"]
Which = Literal["ropa", "transfers", "findings", "all"]
FORMATS: tuple[str, ...] = ("csv", "json", "xlsx")
TABLES: tuple[str, ...] = ("ropa", "transfers", "findings")

__all__ = ["FORMATS", "TABLES", "Cell", "Column", "ExportTables", "Format", "Kind", "Row", "Table", "Which",
           "build_tables", "file_names", "neutralise", "render", "write", "write_files", "write_stream"]


def build_tables(registry: Registry, findings: Sequence[Finding], as_of: date,
                 reference: Reference | None = None, *, analyser: TransferAnalyser | None = None) -> ExportTables:
    """All three tables as of `as_of`; `findings` are that day's (acknowledgements applied: Service.check).

    `analyser` is the day's transfer analysis of `registry` when the caller has one (the service passes its
    check's, CheckState.analyser, so an export judges no flow the check already judged); else one is made."""
    if analyser is None:
        analyser = TransferAnalyser(registry, reference or load_reference(), as_of)
    assert analyser.registry is registry and analyser.as_of == as_of, "the analysis of another registry or day"
    reference = reference or analyser.reference
    analyses = analyser.analyse_all()
    return ExportTables(as_of, registry.organisation, {
        "ropa": ropa_table(registry, analyses, findings, reference),
        "transfers": transfers_table(analyses, findings, registry, as_of, reference),
        "findings": findings_table(findings),
    }, reference_reviewed=reference.reviewed, reference_warning=reference.staleness(as_of))


def file_names(tables: ExportTables, fmt: Format, which: Which = "all") -> list[str]:
    """What `render` names its files: flowreg-<table>-<as-of>.csv per table, one flowreg-<which>-<as-of>.json|xlsx."""
    day = tables.as_of.isoformat()
    if fmt == "csv":
        return [f"flowreg-{table.name}-{day}.csv" for table in tables.select(which)]
    return [f"flowreg-{which}-{day}.{fmt}"]


def _writers(tables: ExportTables, fmt: Format, which: Which,
             generated_at: datetime | None) -> dict[str, Callable[[IO[bytes]], None]]:
    """File name -> what writes that file's content to a stream, row by row as the tables make them."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}; expected one of {', '.join(FORMATS)}")
    if which != "all" and which not in TABLES:
        raise ValueError(f"unknown table {which!r}; expected one of {', '.join(TABLES)} or all")
    chosen = tables.select(which)
    names = file_names(tables, fmt, which)
    if fmt == "csv":
        return {name: partial(write_csv, table) for name, table in zip(names, chosen, strict=True)}
    if fmt == "json":
        return {names[0]: partial(write_json, tables, chosen)}
    return {names[0]: partial(write_xlsx, tables, chosen, generated_at or datetime.now(UTC))}


def render(tables: ExportTables, fmt: Format, which: Which = "all",
           generated_at: datetime | None = None) -> dict[str, bytes]:
    """File name -> content. `generated_at` (default now, UTC) appears on the XLSX cover sheet only."""
    files = {}
    for name, writer in _writers(tables, fmt, which, generated_at).items():
        buffer = io.BytesIO()
        writer(buffer)
        files[name] = buffer.getvalue()
    return files


def write(tables: ExportTables, fmt: Format, which: Which, out: Path,
          generated_at: datetime | None = None) -> list[Path]:
    """Write the export under `out`, streamed into each file (see `write_files` for where files go)."""
    writers = _writers(tables, fmt, which, generated_at)
    paths = _paths(list(writers), out)
    for path, writer in zip(paths, writers.values(), strict=True):
        stream_file(path, writer)
    return paths


def write_stream(tables: ExportTables, fmt: Format, which: Which, target: IO[bytes]) -> None:
    """Write the export's one file to `target` (standard output) as it is made."""
    [writer] = _writers(tables, fmt, which, None).values()
    writer(target)


def _paths(names: list[str], out: Path) -> list[Path]:
    """The file itself for one file (unless `out` is a directory), else a directory (created if missing)
    holding each file under its `file_names` name."""
    if len(names) == 1 and not out.is_dir():
        return [out]
    make_directory(out)
    return [out / name for name in names]


def write_files(files: dict[str, bytes], out: Path) -> list[Path]:
    """Write rendered files where `write` puts them."""
    paths = _paths(list(files), out)
    for path, content in zip(paths, files.values(), strict=True):
        write_file(path, content)
    return paths

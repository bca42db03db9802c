"""The `flowreg` command: thin over registry.service; every command is a service call plus arguments."""

from __future__ import annotations

import functools
import importlib.util
import json
import os
import re
import sys
import traceback
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, ParamSpec, TypeVar

import click
import pycountry
import typer
from pydantic import ValidationError
from typer.core import TyperCommand, TyperGroup

from graph.store import GraphStore
from graph.stores import is_neo4j
from registry import diff as diffs
from registry import forecast as forecasts
from registry import manifest as manifests
from registry import trend as trends
from registry.access import AccessPolicy, IdentitySource, Principal, os_user
from registry.checks.finding import Severity
from registry.checks.report import findings_json, render_sarif, render_text
from registry.errors import FlowregError, InvalidInput, Problem
from registry.files import write_file, write_stdout
from registry.model import LATEST_DATE, Processor, RegistryFragment, check_date_range, validation_problems
from registry.paths import default_store_path, error_log_path
from registry.policies import legacy_promise_warning
from registry.reference import Regime, load_reference
from registry.reference import listing as reference_listing
from registry.service import Service, today
from registry.terminal import printable
from registry.terminal_progress import TerminalProgress

if TYPE_CHECKING:
    # Imported by the commands that use them: exports, inventories and scenarios bring openpyxl and numpy (half a
    # second), which `flowreg check` in CI would pay for nothing.
    from registry import exports

# The only commands that may create a store where --store points; every other one refuses a missing store.
CREATING_COMMANDS = frozenset({"init", "seed", "import"})
INTERNAL_ERROR_EXIT = 5
P = ParamSpec("P")
R = TypeVar("R")

# Options of the whole command that may also be written after the subcommand (`flowreg check --store x.db`).
GLOBAL_OPTIONS = ("--store", "--actor")


def readable_placeholders(params: Iterable[Any]) -> None:
    """Name what each option takes the way people read help: the metavar given (DATE, FILE, ID), a closed set's
    choices ("[text|json|sarif]"), nothing for a flag. Typer's own placeholders (`<str>`, `<bool>`) name Python
    types."""
    for param in params:
        if param.param_type_name == "argument":
            # An argument's name column shows its metavar already; Typer would add its type (`<path>`) beside it.
            param.display_type_rich = lambda ctx: None
        if param.metavar is not None:
            continue
        descriptor = getattr(param, "type_descriptor", None)
        if getattr(param, "is_flag", False):
            param.metavar = ""
        elif descriptor is not None and descriptor.is_choice and descriptor.choices:
            param.metavar = "[" + "|".join(str(getattr(c, "value", c)) for c in descriptor.choices) + "]"


class _ReadableHelp:
    """Mixed into a click command or group: its options, --help included, name what they take."""

    params: list[Any]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        readable_placeholders(self.params)

    def get_help_option(self, ctx: Any) -> Any:
        option = super().get_help_option(ctx)  # type: ignore[misc]
        readable_placeholders([option] if option is not None else [])
        return option


class ReadableCommand(_ReadableHelp, TyperCommand):
    pass


class ReadableGroup(_ReadableHelp, TyperGroup):
    pass


class FlowregTyper(typer.Typer):
    """A Typer whose commands and groups write readable help (see `readable_placeholders`)."""

    def __init__(self, *args: Any, cls: type[TyperGroup] = ReadableGroup, **kwargs: Any) -> None:
        super().__init__(*args, cls=cls, **kwargs)

    def command(self, *args: Any, cls: type[TyperCommand] = ReadableCommand, **kwargs: Any) -> Any:
        return super().command(*args, cls=cls, **kwargs)


class GlobalOptionsGroup(ReadableGroup):
    """Moves --store and --actor written after the subcommand to the front, where the root command reads them."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        return super().parse_args(ctx, hoist_global_options(args))


def hoist_global_options(args: list[str]) -> list[str]:
    front: list[str] = []
    rest: list[str] = []
    index = 0
    while index < len(args):
        arg = args[index]
        if arg == "--":
            rest += args[index:]
            break
        name = arg.split("=", 1)[0]
        if name in GLOBAL_OPTIONS and rest:  # before any subcommand it is already where click expects it
            if "=" in arg:
                front.append(arg)
            elif index + 1 < len(args):
                front += [arg, args[index + 1]]
                index += 1
            else:
                rest.append(arg)  # no value: click names the missing value
        else:
            rest.append(arg)
        index += 1
    return front + rest


app = FlowregTyper(
    cls=GlobalOptionsGroup,
    name="flowreg",
    help="Data-flow inventory and transfer-safeguard registry.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
export_app = FlowregTyper(help="Write the registry out: manifest (a backup), or the legal records as CSV, JSON, XLSX.",
                         no_args_is_help=True)
app.add_typer(export_app, name="export")
processor_app = FlowregTyper(help="Register processors and sub-processors.", no_args_is_help=True)
app.add_typer(processor_app, name="processor")
neo4j_app = FlowregTyper(help="Work with a Neo4j copy of the registry.", no_args_is_help=True)
app.add_typer(neo4j_app, name="neo4j")


@dataclass
class Session:
    store_spec: str
    actor: str | None
    may_create: bool = False
    _service: Service | None = None
    # The command's progress on a terminal (registry.terminal_progress); steps that count report to it.
    progress: TerminalProgress | None = None

    def service(self) -> Service:
        if self._service is None:
            self._service = Service.open(self.store_spec, actor=self.actor, principal=cli_principal(),
                                         create=self.may_create)
        return self._service

    @property
    def store(self) -> GraphStore:
        return self.service().store


def cli_principal() -> Principal | None:
    """None (unrestricted) without an access policy; with one, the OS user and the roles it gives them
    (--actor only names the change-log author, it grants nothing)."""
    policy = AccessPolicy.load()
    return policy.principal(os_user()) if policy.configured else None


def user_errors(command: Callable[P, R]) -> Callable[P, R]:
    """Render a FlowregError the way every command does, and exit with its code (2 bad input, 3 store); anything
    unexpected exits 5 with one line, its traceback in the error log."""

    @functools.wraps(command)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return command(*args, **kwargs)
        except FlowregError as error:
            typer.echo(error.render(), err=True)
            raise typer.Exit(error.exit_code) from None
        except (typer.Exit, typer.Abort, click.exceptions.Exit, click.ClickException, click.exceptions.Abort):
            raise  # how commands end on purpose
        except Exception as error:  # a bug: exit 5, never 1, which a CI gate reads as "a high finding"
            typer.echo(printable(f"internal error: {type(error).__name__}: {error}"[:500])
                       + f"; {log_internal_error(error)}", err=True)
            raise typer.Exit(INTERNAL_ERROR_EXIT) from None

    return run


def log_internal_error(error: Exception) -> str:
    """Append the traceback, the time and the command line to the error log; say where it went."""
    path = error_log_path()
    entry = (f"--- {datetime.now(UTC):%Y-%m-%dT%H:%M:%SZ} flowreg {' '.join(sys.argv[1:])}\n"
             + "".join(traceback.format_exception(error)))
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as log_file:
            log_file.write(entry)
    except OSError as log_error:
        sys.stderr.write(entry)
        return f"the error log {path} could not be written ({log_error.strerror}); the details are above"
    return f"details in {path}"


def session(ctx: typer.Context) -> Session:
    return ctx.find_root().obj


@app.callback()
def main_options(
    ctx: typer.Context,
    store: Annotated[str | None, typer.Option(
        "--store", envvar="FLOWREG_STORE", show_envvar=True, metavar="PATH|URI",
        help=f"A SQLite file path, or a neo4j:// / bolt:// URI. Default: {default_store_path()}. "
             "Accepted before or after the subcommand.",
    )] = None,
    actor: Annotated[str | None, typer.Option(
        "--actor", envvar="FLOWREG_ACTOR", show_envvar=True, metavar="NAME",
        help="Who is making changes, for the change log. Default: the OS user. Before or after the subcommand.",
    )] = None,
) -> None:
    ctx.obj = Session(store or str(default_store_path()), actor, ctx.invoked_subcommand in CREATING_COMMANDS)
    if ctx.invoked_subcommand not in (None, "dashboard"):  # the dashboard replaces this process with Streamlit
        ctx.obj.progress = ctx.with_resource(TerminalProgress(f"flowreg {ctx.invoked_subcommand}"))


class ManifestFormat(StrEnum):
    YAML = "yaml"
    JSON = "json"


@app.command()
@user_errors
def init(ctx: typer.Context) -> None:
    """Create an empty registry store (nothing happens to one that exists)."""
    store = session(ctx).store
    total = sum(store.counts().values())
    state = f"holds {total} records" if total else "is empty"
    typer.echo(f"store {store.location} is ready and {state}")


@app.command()
@user_errors
def seed(
    ctx: typer.Context,
    replace: Annotated[bool, typer.Option(help="Make the store equal to the seed, deleting everything else.")] = False,
) -> None:
    """Load the registry derived from the customer's privacy policy (seed/registry.yaml)."""
    result = session(ctx).service().seed(replace=replace)
    typer.echo(result.describe())


PoliciesOption = Annotated[Path | None, typer.Option(
    "--policies", metavar="FILE",
    help="A YAML or JSON file of house rules (`policies:`), the organisation's own policies.")]


@app.command("import")
@user_errors
def import_(
    ctx: typer.Context,
    file: Annotated[Path | None, typer.Argument(
        metavar="FILE",
        help="A YAML or JSON manifest (whole or a fragment), an inventory workbook (.xlsx), or a folder or .zip "
             "of its CSV files. May be left out with --policies.")] = None,
    replace: Annotated[bool, typer.Option(
        help="Make the store equal to the manifest: records absent from it are deleted (and logged).")] = False,
    dry_run: Annotated[bool, typer.Option(
        "--dry-run", help="Print what would change and the findings that would open and close; write nothing.")]
    = False,
    as_of: Annotated[str | None, typer.Option(
        "--as-of", metavar="DATE",
        help="Judge the findings opened and closed as of this ISO date. Default: today (UTC).")] = None,
    policies: PoliciesOption = None,
) -> None:
    """Upsert a manifest's or inventory's records (and a file of house rules); all or nothing. Exit 2 and a list of
    every bad record (by line, or by sheet, row and column) if any is bad. Ends with what changed and the findings
    opened and closed."""
    service = session(ctx).service()
    manifest = read_manifest(file, policies)
    day = parse_day(as_of, "--as-of")
    name = manifest.sources.file
    if dry_run:
        typer.echo(service.preview_import(manifest, replace=replace, as_of=day).render(name, done=False), nl=False)
        return
    result, plan = service.import_with_plan(manifest, replace=replace, as_of=day)
    typer.echo(plan.render(name, done=True, headline=result.describe()), nl=False)


def read_manifest(file: Path | None, policies: Path | None) -> manifests.Manifest:
    """What `import` reads: a manifest or inventory, a policies file, or both as one all-or-nothing input."""
    if file is None and policies is None:
        raise InvalidInput([Problem("give a manifest or inventory to import, --policies FILE, or both", field="FILE")])
    rules = manifests.load_policies(policies) if policies is not None else None
    if file is None:
        assert rules is not None
        return rules
    from registry import inventory

    manifest = inventory.load(file)
    return manifests.with_policies(manifest, rules) if rules is not None else manifest


@export_app.command("manifest")
@user_errors
def export_manifest(
    ctx: typer.Context,
    fmt: Annotated[ManifestFormat, typer.Option("--format", help="yaml or json.")] = ManifestFormat.YAML,
    out: Annotated[Path | None, typer.Option(metavar="FILE",
                                             help="Write to this file instead of standard output.")] = None,
) -> None:
    """The whole registry as a manifest that `flowreg import` reads back (a backup)."""
    text = session(ctx).service().export_manifest(fmt.value)
    if out is None:
        write_stdout(text.encode("utf-8"))
    else:
        write_file(out, text.encode("utf-8"))
        typer.echo(printable(f"wrote {out}"), err=True)


class TemplateFormat(StrEnum):
    XLSX = "xlsx"
    CSV = "csv"


@export_app.command("template")
@user_errors
def export_template(
    ctx: typer.Context,
    out: Annotated[Path, typer.Option(metavar="PATH", help="The workbook to write, or a directory for the CSV files.")],
    from_store: Annotated[bool, typer.Option(
        "--from-store", help="Fill it with the registry's records: edit them and import the file back.")] = False,
    fmt: Annotated[TemplateFormat, typer.Option("--format", help="xlsx (one sheet a section) or csv (one file a "
                                                                 "section, in the --out directory).")]
    = TemplateFormat.XLSX,
) -> None:
    """The inventory template: a sheet per manifest section, a row explaining each column, drop-downs for every
    closed set; `flowreg import` reads it back."""
    from registry.inventory import template

    registry = session(ctx).service().export_registry() if from_store else None
    if fmt is TemplateFormat.CSV:
        out.mkdir(parents=True, exist_ok=True)
        for name, data in template.csv_files(registry).items():
            write_file(out / name, data)
    else:
        write_file(out, template.workbook_bytes(registry))
    typer.echo(printable(f"wrote {out}"), err=True)


class ExportFormat(StrEnum):
    CSV = "csv"
    JSON = "json"
    XLSX = "xlsx"


ExportFormatOption = Annotated[ExportFormat, typer.Option("--format", help="csv (one file per table), json or xlsx.")]
AsOfOption = Annotated[str | None, typer.Option("--as-of", metavar="DATE",
                                                help="As of this ISO date. Default: today (UTC).")]
OutOption = Annotated[Path | None, typer.Option(
    metavar="PATH",
    help="A file, or a directory for several CSV files. Default: standard output for one CSV or JSON file; "
         "flowreg-<table>-<date>.xlsx in the current directory for XLSX.")]


def _export(ctx: typer.Context, which: exports.Which, fmt: ExportFormat, as_of: str | None, out: Path | None) -> None:
    from registry import exports

    day = parse_day(as_of, "--as-of") or today()
    tables = session(ctx).service().export_tables(day)
    if tables.reference_warning:
        typer.echo(f"warning: {tables.reference_warning}", err=True)
    if out is None and fmt is not ExportFormat.XLSX:
        if len(exports.file_names(tables, fmt.value, which)) > 1:
            raise InvalidInput([Problem("CSV writes one file per table: name a directory for them with --out DIR",
                                        field="--out")])
        write_stdout(lambda target: exports.write_stream(tables, fmt.value, which, target))
        return
    # Streamed into the files as the rows are made: the record at size L is too large to hold.
    for path in exports.write(tables, fmt.value, which, out or Path.cwd()):
        typer.echo(printable(f"wrote {path}"), err=True)


@export_app.command("ropa")
@user_errors
def export_ropa(ctx: typer.Context, fmt: ExportFormatOption = ExportFormat.CSV, as_of: AsOfOption = None,
                out: OutOption = None) -> None:
    """The record of processing activities (GDPR Art. 30(1) per controller, 30(2) per processor)."""
    _export(ctx, "ropa", fmt, as_of, out)


@export_app.command("transfers")
@user_errors
def export_transfers(ctx: typer.Context, fmt: ExportFormatOption = ExportFormat.CSV, as_of: AsOfOption = None,
                     out: OutOption = None) -> None:
    """The transfer register: one row per cross-border flow and regime, with safeguards and status."""
    _export(ctx, "transfers", fmt, as_of, out)


@export_app.command("findings")
@user_errors
def export_findings(ctx: typer.Context, fmt: ExportFormatOption = ExportFormat.CSV, as_of: AsOfOption = None,
                    out: OutOption = None) -> None:
    """Every finding as of the date, with its evidence and acknowledgement."""
    _export(ctx, "findings", fmt, as_of, out)


@export_app.command("all")
@user_errors
def export_all(ctx: typer.Context, fmt: ExportFormatOption = ExportFormat.XLSX, as_of: AsOfOption = None,
               out: OutOption = None) -> None:
    """All three tables: one workbook with a cover sheet, one JSON document, or three CSV files (--out DIR)."""
    _export(ctx, "all", fmt, as_of, out)


@app.command()
@user_errors
def show(ctx: typer.Context) -> None:
    """Counts by kind, countries of operation, where data is processed, group companies by region."""
    current = session(ctx)
    summary = current.service().summary()
    typer.echo(printable(f"store: {current.store.location}"))
    width = max(len(name) for name in summary.counts)
    for name, count in summary.counts.items():
        typer.echo(f"  {name:<{width}}  {count:>7,}")
    typer.echo(f"countries of operation: {', '.join(summary.countries_of_operation) or '-'}")
    processing = ", ".join(f"{code} ({n})" for code, n in summary.processing_countries.items())
    typer.echo(f"data processed in: {processing or '-'}")
    regions = ", ".join(f"{region} ({n})" for region, n in summary.regions.items())
    typer.echo(printable(f"group companies by region: {regions or '-'}"))


@processor_app.command("add")
@user_errors
def processor_add(
    ctx: typer.Context,
    processor_id: Annotated[str, typer.Option("--id", metavar="ID", help="A new or existing processor id.")],
    name: Annotated[str, typer.Option(metavar="NAME", help="Legal name.")],
    country: Annotated[str, typer.Option(metavar="CODE",
                                         help="ISO 3166-1 alpha-2 code of where it is established, e.g. US.")],
    processing_country: Annotated[list[str] | None, typer.Option(
        metavar="CODE", help="Where it hosts or accesses the data (repeat the option); default: --country.")] = None,
    dpa_signed: Annotated[str | None, typer.Option(metavar="DATE",
                                                   help="Date the Art. 28 contract was signed (YYYY-MM-DD).")] = None,
    dpf_certified: Annotated[bool | None, typer.Option(
        help="On the EU-US Data Privacy Framework List (EU/EEA GDPR).")] = None,
    dpf_uk_extension: Annotated[bool | None, typer.Option(
        help="On the UK Extension to the EU-US DPF List (UK GDPR).")] = None,
    dpf_swiss: Annotated[bool | None, typer.Option(
        help="On the Swiss-US Data Privacy Framework List (Swiss FADP).")] = None,
    parent: Annotated[str | None, typer.Option(metavar="ID",
                                               help="The processor this one is a sub-processor of.")] = None,
    source: Annotated[str | None, typer.Option(metavar="TEXT",
                                               help="Where the privacy policy declares it, e.g. 'policy 4-2'.")] = None,
) -> None:
    """Register (or update) one processor; its flows and safeguards come with `flowreg import`. Updating keeps
    what an option does not say (a DPA date, a DPF list, the parent), so a correction never drops a fact."""
    options = {"id": processor_id, "name": name, "country": country, "processing_countries": processing_country,
               "dpa_signed": dpa_signed, "dpf_certified": dpf_certified, "dpf_uk_extension": dpf_uk_extension,
               "dpf_swiss": dpf_swiss, "parent": parent, "source": source}
    service = session(ctx).service()
    stored = service.registry().processors_by_id.get(processor_id)
    kept = stored.model_dump(exclude_defaults=True) if stored is not None else {}
    processor = _processor_from_options(kept | {key: value for key, value in options.items() if value is not None})
    result = service.register(RegistryFragment(processors=[processor]), source="processor add")
    outcome = "created" if result.created else "updated" if result.updated else "unchanged"
    typer.echo(printable(f"processor {processor_id}: {outcome}"))


def _processor_from_options(record: dict[str, object]) -> Processor:
    """Refuse bad options as InvalidInput naming the option, the way a bad manifest record is refused."""
    try:
        return Processor.model_validate(record)
    except ValidationError as error:
        option_names = {"processing_countries": "--processing-country", "dpa_signed": "--dpa-signed"}
        problems = [Problem(p.message, field=option_names.get((p.field or "").split(".")[0], f"--{p.field}"))
                    for p in validation_problems(error)]
        raise InvalidInput(problems, summary="invalid processor") from None


@app.command()
@user_errors
def log(
    ctx: typer.Context,
    since: Annotated[str | None, typer.Option(metavar="DATE",
                                              help="Only changes at or after this ISO date or time (UTC).")] = None,
    record: Annotated[str | None, typer.Option(metavar="ID", help="Only changes to the record with this id.")] = None,
    verify: Annotated[bool, typer.Option(
        "--verify", help="Check the log's hash chain instead of listing it; exit 3 naming the first bad entry.")]
    = False,
) -> None:
    """The change log: who changed what, when, from where (before and after are in the store)."""
    service = session(ctx).service()
    if verify:
        report = service.verify_log()
        unchained = f" ({report.unchained} older entries predate the chain)" if report.unchained else ""
        typer.echo(f"change log intact: {report.entries} entries{unchained}")
        return
    changes = service.log(since=parse_since(since), record=record)
    for change in changes:
        context = f"  [{change.context}]" if change.context else ""
        damaged = f"  DAMAGED: {change.damaged}" if change.damaged else ""
        typer.echo(printable(f"{change.seq!s:>6}  {change.at:%Y-%m-%dT%H:%M:%SZ}  {change.actor:<12}  "
                             f"{change.operation:<6}  {change.label}:{change.key}{context}{damaged}"))
    typer.echo(f"{len(changes)} change(s)", err=True)


def parse_since(text: str | None) -> datetime | None:
    if text is None:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise InvalidInput([Problem(f"{text!r} is not an ISO date or time, e.g. 2026-01-31 or 2026-01-31T09:00",
                                    field="--since")]) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@neo4j_app.command("sync")
@user_errors
def neo4j_sync(
    ctx: typer.Context,
    to: Annotated[str, typer.Option("--to", envvar="NEO4J_URI", show_envvar=True, metavar="URI",
                                    help="The Neo4j to copy into: neo4j://, bolt://, neo4j+s:// (Aura).")],
) -> None:
    """Copy the store (--store) into Neo4j. Running it twice changes nothing; an interrupted run completes
    when run again. User, password and database come from NEO4J_USER, NEO4J_PASSWORD, NEO4J_DATABASE."""
    if not is_neo4j(to):
        raise InvalidInput([Problem(f"{to!r} is not a Neo4j URI (neo4j://, bolt://, neo4j+s://...)", field="--to")])
    source = session(ctx).service()  # it must exist and the user may write the target: both before connecting
    source.sync_to_allowed()
    target = Service.open(to, actor=source.actor, principal=source.principal, create=True)
    try:
        result = source.sync_to(
            target.store, progress=lambda r: typer.echo(f"  batch {r.batches}: {r.created} created, "
                                                        f"{r.updated} updated, {r.unchanged} unchanged", err=True))
    finally:
        target.close()
    typer.echo(f"synced {source.store.location} -> {target.store.location}: {result.created} created, "
               f"{result.updated} updated, {result.deleted} deleted, {result.unchanged} unchanged")


class ReportFormat(StrEnum):
    TEXT = "text"
    JSON = "json"
    SARIF = "sarif"


def parse_day(text: str | None, option: str) -> date | None:
    if text is None:
        return None
    try:
        return check_date_range(date.fromisoformat(text))
    except ValueError as error:
        message = str(error) if "outside" in str(error) else f"{text!r} is not an ISO date, e.g. 2026-01-31"
        raise InvalidInput([Problem(message, field=option)]) from None


def manifest_record_lines(path: Path) -> dict[str, int]:
    """Line of each record id in a manifest, so SARIF results point at the record that needs the fix."""
    located = manifests.load(path).sources
    return {record_id: located.record_lines[spot] for spot, record_id in located.ids.items()
            if spot in located.record_lines}


@app.command()
@user_errors
def check(
    ctx: typer.Context,
    as_of: Annotated[str | None, typer.Option("--as-of", metavar="DATE",
                                              help="Judge as of this ISO date. Default: today (UTC).")]
    = None,
    format: Annotated[ReportFormat, typer.Option("--format", help="text, json (stable shape) or sarif 2.1.0.")] = (
        ReportFormat.TEXT),
    fail_on: Annotated[Severity, typer.Option(
        "--fail-on", help="Exit 1 when an unacknowledged finding is at or above this severity.")] = Severity.HIGH,
    manifest: Annotated[Path | None, typer.Option(
        metavar="FILE",
        help="The manifest the registry was imported from: SARIF results then point at its lines.")] = None,
    policies: Annotated[Path | None, typer.Option(
        "--policies", metavar="FILE",
        help="Judge with the house rules of this file in place of the stored ones of the same ids; "
                           "writes nothing.")] = None,
) -> None:
    """Run every rule, the registry's house rules included; exit 0 when nothing unacknowledged is at or above
    --fail-on, 1 when something is."""
    day = parse_day(as_of, "--as-of") or today()
    current = session(ctx)
    service = current.service()
    if policies is not None:
        tried = service.try_policies(manifests.load_policies(policies), day)
        registry, findings = tried.registry, tried.findings
    else:
        findings, registry = service.check(day, progress=current.progress), service.registry()
    legacy = legacy_promise_warning(registry)
    if legacy:
        typer.echo(f"warning: {legacy}", err=True)
    reference = load_reference()
    warning = reference.staleness(day)
    if format is ReportFormat.JSON:
        typer.echo(findings_json(findings, day, {"reference_data": reference.status(day)}), nl=False)
    elif format is ReportFormat.SARIF:
        artifact = str(manifest) if manifest else current.store.location
        lines = manifest_record_lines(manifest) if manifest else None
        # Written once with what the invocation adds: reading the document back to add it cost 0.8-1.3 s at size M.
        typer.echo(render_sarif(findings, day, artifact, lines, registry,
                                invocation_properties={"referenceDataReviewed": reference.status(day)["reviewed"]},
                                notifications=[{"level": "warning", "message": {"text": warning}}] if warning else ()),
                   nl=False)
    else:
        if warning:
            typer.echo(f"warning: {warning}", err=True)
        typer.echo(render_text(findings, day, registry), nl=False)
    if any(f.severity.rank >= fail_on.rank and not f.acknowledged for f in findings):
        raise typer.Exit(1)


class ListingFormat(StrEnum):
    TEXT = "text"
    JSON = "json"


def _json_report(document: dict[str, object], day: date) -> None:
    """A JSON report with the reference data's review status, as `check --format json` has it."""
    typer.echo(json.dumps({**document, "reference_data": load_reference().status(day)}, indent=2,
                          ensure_ascii=False))


def _warn_stale(day: date) -> None:
    warning = load_reference().staleness(day)
    if warning:
        typer.echo(f"warning: {warning}", err=True)


@app.command("forecast")
@user_errors
def forecast_command(
    ctx: typer.Context,
    days: Annotated[int, typer.Option("--days", metavar="DAYS", min=0, max=36_500,
                                      help="How far ahead, in days.")] = 90,
    as_of: Annotated[str | None, typer.Option("--as-of", metavar="DATE",
                                              help="From this ISO date. Default: today (UTC).")] = None,
    format: Annotated[ListingFormat, typer.Option("--format", help="text or json (stable shape).")]
    = ListingFormat.TEXT,
) -> None:
    """The problems that open between the day and the horizon if nothing changes (contracts and DPAs reaching
    their dates, adequacy decisions and tools ending, acknowledgements lapsing), each with the day it opens
    and the record to renew. Writes nothing."""
    day = parse_day(as_of, "--as-of") or today()
    if day + timedelta(days=days) > LATEST_DATE:
        raise InvalidInput([Problem(f"the horizon {day + timedelta(days=days)} is after {LATEST_DATE}, the last day "
                                    "a registry holds", field="--days")])
    result = session(ctx).service().forecast(days, day)
    if format is ListingFormat.JSON:
        _json_report(result.document(), day)
        return
    _warn_stale(result.until)
    typer.echo(forecasts.render_text(result), nl=False)


@app.command("diff")
@user_errors
def diff_command(
    ctx: typer.Context,
    from_day: Annotated[str | None, typer.Option("--from", metavar="DATE", help="The first day (ISO date).")] = None,
    to_day: Annotated[str | None, typer.Option("--to", metavar="DATE",
                                               help="The second day (ISO date). Default: today (UTC).")]
    = None,
    since: Annotated[str | None, typer.Option(
        "--since", metavar="REVISION|DATE",
        help="Instead of two days: the registry as it was at this change-log revision (a number, as "
                        "`flowreg log` shows) or just before this ISO date or time, against the registry now.")]
    = None,
    as_of: Annotated[str | None, typer.Option(
        "--as-of", metavar="DATE", help="With --since: the day both are judged on. Default: today (UTC).")] = None,
    format: Annotated[ListingFormat, typer.Option("--format", help="text or json (stable shape).")]
    = ListingFormat.TEXT,
) -> None:
    """Problems opened, closed and changed between two days (--from, --to) or since a revision (--since), each
    finding with the record changes or the dated facts that caused it. Writes nothing."""
    service = session(ctx).service()
    if since is not None:
        if from_day is not None or to_day is not None:
            raise InvalidInput([Problem("--since compares two revisions on one day (--as-of); --from and --to "
                                        "compare two days: give one or the other", field="--since")])
        day = parse_day(as_of, "--as-of") or today()
        result = service.diff_since(int(since) if since.isdigit() else _moment(since, "--since"), day)
    else:
        if from_day is None:
            raise InvalidInput([Problem("give --from DAY (and --to DAY), or --since REVISION", field="--from")])
        if as_of is not None:
            raise InvalidInput([Problem("--as-of goes with --since; two days are --from and --to", field="--as-of")])
        first = parse_day(from_day, "--from")
        assert first is not None
        day = parse_day(to_day, "--to") or today()
        result = service.diff_days(first, day)
    if format is ListingFormat.JSON:
        _json_report(result.document(), day)
        return
    _warn_stale(day)
    typer.echo(diffs.render_text(result), nl=False)


def _moment(text: str, option: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise InvalidInput([Problem(f"{text!r} is neither a revision number nor an ISO date or time, e.g. 42, "
                                    "2026-01-31 or 2026-01-31T09:00", field=option)]) from None
    check_date_range(moment)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@app.command("what-if")
@user_errors
def what_if_command(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(metavar="FILE",
                                         help="A scenario: YAML (or JSON) of hypothetical changes, as in "
                                              "examples/what-if/.")],
    as_of: Annotated[str | None, typer.Option(
        "--as-of", metavar="DATE",
        help="Judge on this ISO date. Default: the latest of today and the days the changes take "
                        "effect.")] = None,
    format: Annotated[ListingFormat, typer.Option("--format", help="text or json (stable shape).")]
    = ListingFormat.TEXT,
) -> None:
    """Apply a scenario in memory (an adequacy decision revoked or added, a tool invalidated, a processor
    dropped, a flow added) and print the problems it opens and closes, and the transfers that lose part of
    their basis with their fallback. Writes nothing; a bad scenario exits 2 naming its lines."""
    from registry import scenario as scenarios
    from registry import whatif as whatifs

    result = session(ctx).service().what_if(scenarios.load(file), parse_day(as_of, "--as-of"))
    if format is ListingFormat.JSON:
        _json_report(result.document(), result.as_of)
        return
    _warn_stale(result.as_of)
    typer.echo(whatifs.render_text(result), nl=False)


class TrendFormat(StrEnum):
    CSV = "csv"
    JSON = "json"


@app.command("trend")
@user_errors
def trend_command(
    ctx: typer.Context,
    every: Annotated[trends.Every | None, typer.Option(
        "--every", help="month or week. Default: month, or week when the history holds fewer than three month "
                        "ends.")] = None,
    from_day: Annotated[str | None, typer.Option(
        "--from", metavar="DATE",
        help="Start at this ISO date. Default: the day of the first change-log entry.")] = None,
    to_day: Annotated[str | None, typer.Option("--to", metavar="DATE",
                                               help="The last point (ISO date). Default: today (UTC).")]
    = None,
    format: Annotated[TrendFormat, typer.Option("--format", help="csv or json (stable shape).")] = TrendFormat.CSV,
) -> None:
    """Open problems by severity at the end of each month (or week), each judged with the registry as it was
    then (rebuilt from the change log) and the reference data as of that day. Writes nothing."""
    last = parse_day(to_day, "--to") or today()
    result = session(ctx).service().trend(every, last, parse_day(from_day, "--from"))
    if format is TrendFormat.JSON:
        _json_report(result.document(), last)
    else:
        typer.echo(result.csv(), nl=False)


_ORGANISATION_KEY = re.compile(r"^[a-z][a-z0-9_-]{1,63}$")


def parse_destination(text: str | None) -> str | None:
    """A country code (any case) or an international organisation's key (lower case, e.g. epo)."""
    if text is None:
        return None
    if len(text) == 2 and text.isalpha():
        code = text.upper()
        if code in ("UK", "EL"):
            raise InvalidInput([Problem(f"{text!r} is not an ISO 3166-1 alpha-2 code; did you mean "
                                        f"{'GB' if code == 'UK' else 'GR'!r}?", field="--country")])
        if pycountry.countries.get(alpha_2=code) is None:
            raise InvalidInput([Problem(f"{text!r} is not an ISO 3166-1 alpha-2 country code", field="--country")])
        return code
    if _ORGANISATION_KEY.match(text):
        return text
    raise InvalidInput([Problem(f"{text!r} is neither a country code (e.g. BR) nor an international organisation's "
                                "key (e.g. epo)", field="--country")])


@app.command("reference")
@user_errors
def reference_command(
    regime: Annotated[Regime | None, typer.Option("--regime", help="Only this regime.")] = None,
    country: Annotated[str | None, typer.Option(
        "--country", metavar="CODE",
        help="Only decisions for this country code, or international organisation key (epo).")] = None,
    as_of: Annotated[str | None, typer.Option("--as-of", metavar="DATE",
                                              help="In force on this ISO date. Default: today (UTC).")]
    = None,
    format: Annotated[ListingFormat, typer.Option("--format", help="text or json.")] = ListingFormat.TEXT,
) -> None:
    """The adequacy decisions, transfer tools and derogations in force on a day, with dates, scope and source."""
    day = parse_day(as_of, "--as-of") or today()
    found = reference_listing.listing(load_reference(), day, regime, parse_destination(country))
    if format is ListingFormat.JSON:
        typer.echo(json.dumps(reference_listing.document(found), indent=2, ensure_ascii=False))
    else:
        typer.echo(reference_listing.render_text(found), nl=False)  # the header carries any warning


@app.command()
@user_errors
def ack(
    ctx: typer.Context,
    finding: Annotated[str, typer.Argument(metavar="FINDING_ID", help="The finding id, as `flowreg check` prints it.")],
    reason: Annotated[str, typer.Option(metavar="TEXT",
                                        help="Why the finding is accepted for now (kept in the change log).")],
    until: Annotated[str | None, typer.Option(metavar="DATE",
                                              help="Accept until this ISO date; after it the finding counts again.")]
    = None,
    as_of: Annotated[str | None, typer.Option("--as-of", metavar="DATE",
                                              help="The day the finding is looked up on. Default: today.")]
    = None,
) -> None:
    """Acknowledge a finding: it stays listed, marked acknowledged, and no longer fails `check`."""
    acknowledgement = session(ctx).service().acknowledge(
        finding, reason, until=parse_day(until, "--until"), as_of=parse_day(as_of, "--as-of"))
    until_text = f" until {acknowledgement.until}" if acknowledgement.until else ""
    typer.echo(printable(f"acknowledged {acknowledgement.finding}{until_text} by {acknowledgement.actor}"))


# Streamlit defaults the dashboard changes (the user's own --server.* / --browser.* options win): no usage
# statistics sent out, no first-run e-mail prompt or browser launch on a server, the map's world outline
# served from dashboard/static/, and no "Deploy" button.
DASHBOARD_DEFAULTS = {"--browser.gatherUsageStats": "false", "--server.headless": "true",
                      "--server.enableStaticServing": "true", "--client.toolbarMode": "viewer"}


def dashboard_app() -> Path:
    """The dashboard's app.py, found without importing the dashboard (and Streamlit with it) into the CLI: the
    package of this distribution in a wheel, the folder beside registry/ in a checkout."""
    spec = importlib.util.find_spec("dashboard")
    if spec is None or spec.origin is None:
        raise ModuleNotFoundError("the dashboard package is not installed beside registry")
    return Path(spec.origin).resolve().parent / "app.py"


@app.command(context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
@user_errors
def dashboard(ctx: typer.Context) -> None:
    """Open the dashboard on the store (--store) with `streamlit run`; Streamlit's own options pass through,
    e.g. `flowreg dashboard --server.port 8600`. Roles come from the access policy (FLOWREG_ACCESS)."""
    app_path = dashboard_app()
    policy = AccessPolicy.load()  # a broken policy file is reported here, before Streamlit starts
    current = session(ctx)
    current.service().close()  # a missing store is refused here, before Streamlit starts
    given = {arg.split("=", 1)[0] for arg in ctx.args if arg.startswith("--")}
    defaults = [f"{name}={value}" for name, value in DASHBOARD_DEFAULTS.items() if name not in given]
    if policy.identity_source is IdentitySource.LOCAL and "--server.address" not in given:
        # Whoever connects acts as the OS user: listen where only this machine reaches. The app refuses
        # other addresses too, should --server.address open it wider.
        defaults.append("--server.address=127.0.0.1")
    # The change log names the dashboard's signed-in user, so --actor is not passed on. The server must not
    # rewrite the client address from X-Forwarded-For (uvicorn does for 127.0.0.1 by default): the app
    # decides on the connection's own address, which trusted_proxies lists.
    env = dict(os.environ, FLOWREG_STORE=current.store_spec, FORWARDED_ALLOW_IPS="")
    argv = [sys.executable, "-m", "streamlit", "run", str(app_path), *defaults, *ctx.args]
    sys.stdout.flush()
    os.execve(sys.executable, argv, env)


def main() -> None:
    app()


if __name__ == "__main__":
    main()

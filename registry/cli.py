"""The `flowreg` command: thin over registry.service; every command is a service call plus arguments."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Annotated, ParamSpec, TypeVar

import typer

from graph.store import GraphStore
from graph.stores import open_store
from registry.errors import FlowregError
from registry.service import Service

P = ParamSpec("P")
R = TypeVar("R")

app = typer.Typer(
    name="flowreg",
    help="Data-flow inventory and transfer-safeguard registry.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
export_app = typer.Typer(help="Write the registry out (manifest; legal records come with the exports).",
                         no_args_is_help=True)
app.add_typer(export_app, name="export")


def default_store_path() -> Path:
    """Under the user's data directory: a command run in some folder never creates a store there by surprise."""
    return Path(typer.get_app_dir("flowreg")) / "registry.sqlite"


@dataclass
class Session:
    store_spec: str
    actor: str | None
    _service: Service | None = None

    def service(self) -> Service:
        if self._service is None:
            self._service = Service(open_store(self.store_spec), actor=self.actor)
        return self._service

    @property
    def store(self) -> GraphStore:
        return self.service().store


def user_errors(command: Callable[P, R]) -> Callable[P, R]:
    """Render a FlowregError the way every command does, and exit with its code (2 for bad input)."""

    @functools.wraps(command)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return command(*args, **kwargs)
        except FlowregError as error:
            typer.echo(error.render(), err=True)
            raise typer.Exit(error.exit_code) from None

    return run


def session(ctx: typer.Context) -> Session:
    return ctx.find_root().obj


@app.callback()
def main_options(
    ctx: typer.Context,
    store: Annotated[str | None, typer.Option(
        "--store", envvar="FLOWREG_STORE", show_envvar=True,
        help="A SQLite file path, or a neo4j:// / bolt:// URI. Default: registry.sqlite in the user's data directory.",
    )] = None,
    actor: Annotated[str | None, typer.Option(
        "--actor", envvar="FLOWREG_ACTOR", show_envvar=True,
        help="Who is making changes, for the change log. Default: the OS user.",
    )] = None,
) -> None:
    ctx.obj = Session(store or str(default_store_path()), actor)


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


@app.command("import")
@user_errors
def import_(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="A YAML or JSON manifest, whole or a fragment.")],
    replace: Annotated[bool, typer.Option(
        help="Make the store equal to the manifest: records absent from it are deleted (and logged).")] = False,
) -> None:
    """Upsert a manifest's records; all or nothing. Exit 2 and a list of every bad record if any is bad."""
    result = session(ctx).service().import_file(file, replace=replace)
    typer.echo(result.describe())


@export_app.command("manifest")
@user_errors
def export_manifest(
    ctx: typer.Context,
    fmt: Annotated[ManifestFormat, typer.Option("--format", help="yaml or json.")] = ManifestFormat.YAML,
    out: Annotated[Path | None, typer.Option(help="Write to this file instead of standard output.")] = None,
) -> None:
    """The whole registry as a manifest that `flowreg import` reads back (a backup)."""
    text = session(ctx).service().export_manifest(fmt.value)
    if out is None:
        sys.stdout.write(text)
    else:
        out.write_text(text, encoding="utf-8")
        typer.echo(f"wrote {out}", err=True)


@app.command()
@user_errors
def show(ctx: typer.Context) -> None:
    """Counts by kind, countries of operation, where data is processed, group companies by region."""
    current = session(ctx)
    summary = current.service().summary()
    typer.echo(f"store: {current.store.location}")
    width = max(len(name) for name in summary.counts)
    for name, count in summary.counts.items():
        typer.echo(f"  {name:<{width}}  {count:>7,}")
    typer.echo(f"countries of operation: {', '.join(summary.countries_of_operation) or '-'}")
    processing = ", ".join(f"{code} ({n})" for code, n in summary.processing_countries.items())
    typer.echo(f"data processed in: {processing or '-'}")
    regions = ", ".join(f"{region} ({n})" for region, n in summary.regions.items())
    typer.echo(f"group companies by region: {regions or '-'}")


def main() -> None:
    app()


if __name__ == "__main__":
    main()

"""What the packages may import: in the registry, the command-line library only in the CLI, and never the
dashboard; in the dashboard, only what the service offers, never the registry's internals or the graph layer.

Read from the source (every import statement, function-level ones too), so a late `import typer` inside a
function counts as much as one at the top.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REGISTRY = Path(__file__).resolve().parent.parent / "registry"
DASHBOARD = REGISTRY.parent / "dashboard"
CLI_LIBRARIES = {"typer", "click"}
# The dashboard asks the service (registry.service, its Snapshot and the projection it draws): the transfer
# analysis, the reference data, the rules and the stores are the registry's business. Findings and problems are
# the results it shows, so their types may be named.
DASHBOARD_MAY_NOT_IMPORT = ("graph", "registry.transfers", "registry.reference", "registry.checks")
DASHBOARD_MAY_IMPORT = ("registry.checks.finding", "registry.checks.problems")


def imported_packages(path: Path) -> set[str]:
    """The top-level package of everything the module imports (relative imports stay within registry)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module.split(".")[0])
    return found


def imported_names(source: str) -> set[str]:
    """The dotted name of everything the source imports: `import a.b` is a.b, `from a.b import c` is a.b.c
    (c a module or a name defined in a.b: either way the module reaches into a.b). Relative imports are left
    out: they stay within the package."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def within(name: str, package: str) -> bool:
    return name == package or name.startswith(package + ".")


def not_for_the_dashboard(source: str) -> set[str]:
    return {name for name in imported_names(source)
            if any(within(name, p) for p in DASHBOARD_MAY_NOT_IMPORT)
            and not any(within(name, p) for p in DASHBOARD_MAY_IMPORT)}


MODULES = sorted(REGISTRY.rglob("*.py"))
DASHBOARD_MODULES = sorted(DASHBOARD.rglob("*.py"))


def test_the_scan_sees_the_modules_and_the_imports_it_is_about() -> None:
    names = {path.relative_to(REGISTRY).as_posix() for path in MODULES}
    assert {"service.py", "access.py", "paths.py", "cli.py"} <= names
    assert {"typer", "click"} <= imported_packages(REGISTRY / "cli.py")  # the check can see an import


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.relative_to(REGISTRY).as_posix())
def test_only_the_cli_imports_the_command_line_library(path: Path) -> None:
    if path == REGISTRY / "cli.py":
        return
    assert not imported_packages(path) & CLI_LIBRARIES


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.relative_to(REGISTRY).as_posix())
def test_no_registry_module_imports_the_dashboard(path: Path) -> None:
    """The dashboard is built on the registry; the CLI finds its app.py without importing it (and Streamlit)."""
    assert "dashboard" not in imported_packages(path)


def test_the_cli_finds_the_dashboard_app_without_importing_it() -> None:
    from registry.cli import dashboard_app

    app = dashboard_app()
    assert app.name == "app.py" and app.is_file()
    assert app.parent == REGISTRY.parent / "dashboard"


def test_the_dashboard_scan_sees_every_way_of_importing() -> None:
    assert {"app.py", "state.py", "figures.py", "views/graph_explorer.py", "models/base.py"} <= {
        path.relative_to(DASHBOARD).as_posix() for path in DASHBOARD_MODULES}
    source = ("import graph.network\nfrom graph import network\nfrom registry import reference, model\n"
              "from registry.transfers import date_defect\nfrom registry.checks.report import headline\n"
              "from registry.checks import run_checks\nfrom registry.checks.finding import Finding\n"
              "from registry.checks.problems import Problem\nfrom registry.service import Service\n"
              "def late() -> None:\n    from registry.reference import load_reference\n")
    assert not_for_the_dashboard(source) == {
        "graph.network", "registry.reference", "registry.transfers.date_defect", "registry.checks.report.headline",
        "registry.checks.run_checks", "registry.reference.load_reference"}


@pytest.mark.parametrize("path", DASHBOARD_MODULES, ids=lambda p: p.relative_to(DASHBOARD).as_posix())
def test_the_dashboard_asks_the_service(path: Path) -> None:
    """No transfer analysis, reference data, rule or graph layer in the dashboard: what a page shows comes
    from Service calls (Service.snapshot), so the domain's answers are computed in one place."""
    assert not not_for_the_dashboard(path.read_text(encoding="utf-8"))


@pytest.mark.parametrize("path", sorted((DASHBOARD / "models").rglob("*.py")),
                         ids=lambda p: p.relative_to(DASHBOARD).as_posix())
def test_the_view_models_know_nothing_of_streamlit(path: Path) -> None:
    """Plain Python, so tests and benchmarks use them without a Streamlit runtime."""
    assert "streamlit" not in imported_packages(path)

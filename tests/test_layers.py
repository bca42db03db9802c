"""What the registry package may import: the command-line library only in the CLI, and never the dashboard.

Read from the source (every import statement, function-level ones too), so a late `import typer` inside a
function counts as much as one at the top.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REGISTRY = Path(__file__).resolve().parent.parent / "registry"
CLI_LIBRARIES = {"typer", "click"}


def imported_packages(path: Path) -> set[str]:
    """The top-level package of everything the module imports (relative imports stay within registry)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module.split(".")[0])
    return found


MODULES = sorted(REGISTRY.rglob("*.py"))


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

"""Where flowreg keeps the user's own files: the default store, the access policy, the error log.

All of them live in one application directory, the one the CLI has always used (click's `get_app_dir`, which
typer re-exports): `~/.config/flowreg` on Linux, `~/Library/Application Support/flowreg` on macOS,
`%APPDATA%\\flowreg` on Windows. It is rebuilt here rather than imported so that the service and the access
policy do not depend on the command-line library; tests/test_paths.py holds it to typer's answer.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

APP_NAME = "flowreg"


def app_dir() -> Path:
    """The user's flowreg directory, from the environment as it is now (tests point HOME and XDG_CONFIG_HOME
    elsewhere). click's rules, except that an empty XDG_CONFIG_HOME counts as unset, as the XDG spec says: click
    took it as is, which put the default store at a relative path in whatever folder a command ran in."""
    if sys.platform.startswith("win"):
        folder = os.environ.get("APPDATA")
        return Path(os.path.join(os.path.expanduser("~") if folder is None else folder, APP_NAME))
    if sys.platform == "darwin":
        return Path(os.path.join(os.path.expanduser("~/Library/Application Support"), APP_NAME))
    return Path(os.path.join(os.environ.get("XDG_CONFIG_HOME") or os.path.expanduser("~/.config"), APP_NAME))


def default_store_path() -> Path:
    """The store when neither --store nor FLOWREG_STORE names one: a command run in some folder never creates
    a store there by surprise."""
    return app_dir() / "registry.sqlite"


def error_log_path() -> Path:
    """Where the CLI appends the tracebacks of unexpected errors, beside the default store."""
    return app_dir() / "errors.log"

"""The CLI's user is the process's real uid, not LOGNAME or USER, which anyone can set (issue 12, item 6)."""

from __future__ import annotations

import os
import pwd
from pathlib import Path

from typer.testing import CliRunner

from graph.sqlite import SQLiteStore
from registry.access import os_user
from registry.cli import app


def test_logname_does_not_grant_another_users_role(tmp_path: Path, example_manifest: Path) -> None:
    real = pwd.getpwuid(os.getuid()).pw_name
    assert os_user() == real
    policy = tmp_path / "access.toml"
    policy.write_text('default_role = "viewer"\n[users]\n"alice-admin" = "admin"\n', encoding="utf-8")
    store = tmp_path / "s.sqlite"
    SQLiteStore(store).close()
    env = {"FLOWREG_STORE": str(store), "FLOWREG_ACCESS": str(policy), "LOGNAME": "alice-admin",
           "USER": "alice-admin", "LNAME": "alice-admin", "USERNAME": "alice-admin"}
    result = CliRunner().invoke(app, ["import", str(example_manifest)], env=env)
    assert result.exit_code == 4, result.output
    assert real in result.output and "alice-admin" not in result.output
    # Without a policy the write is allowed, and logged as the real user, not as LOGNAME says.
    del env["FLOWREG_ACCESS"]
    env["XDG_CONFIG_HOME"] = str(tmp_path / "config")
    result = CliRunner().invoke(app, ["import", str(example_manifest)], env=env)
    assert result.exit_code == 0, result.output
    handle = SQLiteStore(store)
    try:
        assert {c.actor for c in handle.changes()} == {real}
    finally:
        handle.close()

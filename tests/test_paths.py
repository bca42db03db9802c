"""The user's flowreg directory is where it has always been: typer's (click's) application directory."""

from __future__ import annotations

from pathlib import Path

import pytest
import typer

from registry import paths
from registry.access import AccessPolicy


@pytest.mark.parametrize("xdg", [None, "config"], ids=["no XDG_CONFIG_HOME", "XDG_CONFIG_HOME"])
def test_the_app_dir_is_typers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, xdg: str | None) -> None:
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    if xdg is None:
        monkeypatch.delenv("XDG_CONFIG_HOME", raising=False)
    else:
        monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / xdg) if xdg else "")
    assert paths.app_dir() == Path(typer.get_app_dir("flowreg"))
    assert paths.default_store_path() == Path(typer.get_app_dir("flowreg")) / "registry.sqlite"


def test_the_store_the_policy_and_the_error_log_share_the_app_dir(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.delenv("FLOWREG_ACCESS", raising=False)
    folder = tmp_path / "config" / "flowreg"
    assert paths.default_store_path() == folder / "registry.sqlite"
    assert paths.error_log_path() == folder / "errors.log"
    folder.mkdir(parents=True)
    (folder / "access.yaml").write_text("users: {}\n", encoding="utf-8")
    assert AccessPolicy.default_path() == folder / "access.yaml"


def test_an_empty_xdg_config_home_is_unset_not_the_current_folder(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_CONFIG_HOME", "")
    assert paths.default_store_path() == tmp_path / "home" / ".config" / "flowreg" / "registry.sqlite"

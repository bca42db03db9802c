"""Issue 12 item 11: values PyYAML or json cannot build and paths that cannot be read or written are bad input
(exit 2, one message naming the file), not tracebacks; every command that reads or writes a path."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from registry.cli import app
from tests.security.cli import flowreg, refused, runner, seeded


def write(name: str, text: str) -> Callable[[Path], list[str]]:
    def arrange(tmp_path: Path) -> list[str]:
        (tmp_path / name).write_text(text, encoding="utf-8")
        return ["import", str(tmp_path / name)]
    return arrange


def csv_folder_with_a_fifo(tmp: Path) -> Path:
    folder = tmp / "inventory"
    folder.mkdir()
    os.mkfifo(folder / "flows.csv")
    return folder


def existing_directory(tmp_path: Path) -> Path:
    (tmp_path / "folder").mkdir(exist_ok=True)
    return tmp_path / "folder"


def existing_file(tmp_path: Path) -> Path:
    (tmp_path / "file.csv").write_text("keep me", encoding="utf-8")
    return tmp_path / "file.csv"


CASES: dict[str, tuple[Callable[[Path], list[str]], str]] = {
    "impossible YAML date": (write("m.yaml", "version: 1\nsafeguards:\n- id: s\n  kind: bcr\n"
                                             "  effective: 2025-02-30\n"),
                             "m.yaml:5: not valid YAML: '2025-02-30' cannot be read as timestamp"),
    "YAML integer over 4,300 digits": (write("m.yaml", "version: 1\nsafeguards:\n- id: s\n  kind: scc_2021\n"
                                                       f"  module: {'1' * 5000}\n"), "m.yaml:5: not valid YAML"),
    "JSON integer over 4,300 digits": (write("m.json", '{"version": 1, "safeguards": [{"id": "s", "kind": "scc_2021",'
                                                       f' "module": {"1" * 5000}}}]}}'), "not valid JSON"),
    # A directory is read as a folder of inventory CSV files; one holding anything else is refused, naming it.
    "import of a directory": (lambda tmp: ["import", str(existing_directory(tmp))], "no CSV files; expected"),
    "import of a FIFO in a CSV folder": (lambda tmp: ["import", str(csv_folder_with_a_fifo(tmp))],
                                         "not part of a CSV inventory: 'flows.csv'"),
    "import from a missing directory": (lambda tmp: ["import", str(tmp / "missing" / "m.yaml")],
                                        "No such file or directory"),
    "import of /proc/version": (lambda tmp: ["import", "/proc/version"], "a manifest is a mapping"),
    "check --manifest /proc/version": (lambda tmp: ["check", "--format", "sarif", "--manifest", "/proc/version"],
                                       "a manifest is a mapping"),
    "manifest --out a directory": (lambda tmp: ["export", "manifest", "--out", str(existing_directory(tmp))],
                                   "is a directory"),
    "manifest --out /dev/full": (lambda tmp: ["export", "manifest", "--out", "/dev/full"], "not a file"),
    "table --out /dev/full": (lambda tmp: ["export", "ropa", "--out", "/dev/full"], "not a file"),
    "CSV files --out an existing file": (lambda tmp: ["export", "all", "--format", "csv", "--out",
                                                      str(existing_file(tmp))], "where a directory is expected"),
    "manifest --out under a file": (lambda tmp: ["export", "manifest", "--out", str(existing_file(tmp) / "m.yaml")],
                                    "cannot"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_unreadable_values_and_unusable_paths_exit_2_with_a_message(tmp_path: Path, case: str) -> None:
    seeded(tmp_path)
    arrange, expected = CASES[case]
    before = flowreg(tmp_path, "export", "manifest").stdout
    output = refused(flowreg(tmp_path, *arrange(tmp_path)))
    assert expected in output
    assert flowreg(tmp_path, "export", "manifest").stdout == before
    if (tmp_path / "file.csv").exists():
        assert (tmp_path / "file.csv").read_text(encoding="utf-8") == "keep me"


def test_an_output_file_is_replaced_whole(tmp_path: Path) -> None:
    seeded(tmp_path)
    out = tmp_path / "new" / "dir" / "backup.yaml"
    assert flowreg(tmp_path, "export", "manifest", "--out", str(out)).exit_code == 0
    assert out.read_text(encoding="utf-8") == flowreg(tmp_path, "export", "manifest").stdout
    assert [p.name for p in out.parent.iterdir()] == ["backup.yaml"]  # no temporary file left beside it


def test_an_access_policy_yaml_cannot_build_is_bad_input(tmp_path: Path) -> None:
    policy = tmp_path / "access.yaml"
    policy.write_text("default_role: viewer\nreviewed: 2025-02-30\n", encoding="utf-8")
    store = str(tmp_path / "s.sqlite")
    assert runner.invoke(app, ["init"], env={"FLOWREG_STORE": store}).exit_code == 0
    result = runner.invoke(app, ["show"], env={"FLOWREG_STORE": store, "FLOWREG_ACCESS": str(policy)})
    assert "invalid access policy" in refused(result)

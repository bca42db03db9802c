"""The `flowreg` command as a user runs it: exit codes, messages, and what lands in the store."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import typer.main
import yaml
from typer.testing import CliRunner

from graph.sqlite import SQLiteStore
from registry.cli import app
from registry.paths import default_store_path

runner = CliRunner()


def flowreg(store: Path, *args: str, actor: str | None = "cli-tester"):  # type: ignore[no-untyped-def]
    env = {"FLOWREG_STORE": str(store)}
    if actor:
        env["FLOWREG_ACTOR"] = actor
    return runner.invoke(app, list(args), env=env)


def test_every_command_has_help() -> None:
    for command in (["--help"], ["init", "--help"], ["seed", "--help"], ["import", "--help"],
                    ["export", "--help"], ["export", "manifest", "--help"], ["show", "--help"]):
        result = runner.invoke(app, command)
        assert result.exit_code == 0, command
        assert "Usage" in result.output


def command_paths(command: object, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """Every command and subcommand of the CLI, as the words that call it."""
    found = [path]
    for name, sub in sorted(getattr(command, "commands", {}).items()):
        found += command_paths(sub, (*path, name))
    return found


def test_help_names_what_each_option_takes_not_python_types() -> None:
    paths = command_paths(typer.main.get_command(app))
    assert ("check",) in paths and ("export", "ropa") in paths and ("processor", "add") in paths
    for path in paths:
        output = runner.invoke(app, [*path, "--help"], env={"COLUMNS": "200"}).output
        placeholders = re.findall(r"<(?:str|bool|int|path|float|datetime|list\[[^\]]*\])>", output)
        assert not placeholders, (path, placeholders)
    check_help = runner.invoke(app, ["check", "--help"], env={"COLUMNS": "200"}).output
    assert re.search(r"--as-of\s+DATE\s", check_help) and re.search(r"--format\s+\[text\|json\|sarif\]", check_help)
    assert re.search(r"--manifest\s+FILE\s", check_help) and re.search(r"--help\s+Show this message", check_help)
    ack_help = runner.invoke(app, ["ack", "--help"], env={"COLUMNS": "200"}).output
    assert re.search(r"FINDING_ID\s+The finding id", ack_help) and re.search(r"--until\s+DATE\s", ack_help)
    add_help = runner.invoke(app, ["processor", "add", "--help"], env={"COLUMNS": "200"}).output
    assert re.search(r"--id\s+ID\s", add_help) and re.search(r"--no-dpf-certified\s+On the EU-US", add_help)


def test_default_store_is_in_the_user_data_directory_not_here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "home" / ".config"))
    assert default_store_path().is_relative_to(tmp_path / "home")
    assert default_store_path().name == "registry.sqlite"


def test_init_import_show_export(tmp_path: Path, example_manifest: Path) -> None:
    store = tmp_path / "s.sqlite"
    assert "is empty" in flowreg(store, "init").output
    result = flowreg(store, "import", str(example_manifest))
    assert result.exit_code == 0, result.output
    assert "8 created" in result.output
    shown = flowreg(store, "show").output
    assert "processors" in shown and "countries of operation: JP, LU, US" in shown
    assert "group companies by region: APAC (1)" in shown
    exported = flowreg(store, "export", "manifest", "--format", "json")
    assert exported.exit_code == 0
    assert '"from": "hq"' in exported.stdout
    out = tmp_path / "backup.yaml"
    assert flowreg(store, "export", "manifest", "--out", str(out)).exit_code == 0
    assert yaml.safe_load(out.read_text(encoding="utf-8"))["flows"][0]["to"] == "mailer"


def test_bad_manifest_exits_2_names_every_bad_record_and_changes_nothing(
    tmp_path: Path, example_manifest: Path
) -> None:
    store = tmp_path / "s.sqlite"
    flowreg(store, "import", str(example_manifest))
    handle = SQLiteStore(store)
    before = (handle.revision(), list(handle.read()))
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "processors:\n"
        "  - {id: fine, name: Fine, country: DE}\n"
        "  - {id: wrong-country, name: W, country: XX}\n"
        "flows:\n"
        "  - {id: dangling, from: hq, to: nobody, subjects: [entrants], categories: [user.contact.email],"
        " purpose: campaign}\n",
        encoding="utf-8",
    )
    result = flowreg(store, "import", str(bad))
    assert result.exit_code == 2
    assert "wrong-country" in result.stderr and "'country'" in result.stderr
    assert "dangling" in result.stderr and "'to'" in result.stderr
    assert f"{bad}:3" in result.stderr and f"{bad}:5" in result.stderr
    assert "Traceback" not in result.output
    assert (handle.revision(), list(handle.read())) == before
    handle.close()


def test_a_misplaced_exception_field_exits_2_naming_record_and_field(tmp_path: Path, example_manifest: Path) -> None:
    store = tmp_path / "s.sqlite"
    flowreg(store, "import", str(example_manifest))
    bad = tmp_path / "bad.yaml"
    bad.write_text("safeguards:\n"
                   "  - {id: claims, kind: derogation_49, letter: e, law_of: US}\n"
                   "  - {id: appi-case, kind: appi_exception}\n", encoding="utf-8")
    result = flowreg(store, "import", str(bad))
    assert result.exit_code == 2
    assert "claims" in result.stderr and "'law_of'" in result.stderr
    assert "appi-case" in result.stderr and "'item'" in result.stderr
    assert "Traceback" not in result.output


def test_the_change_log_records_the_actor_of_every_write(tmp_path: Path, example_manifest: Path) -> None:
    store = tmp_path / "s.sqlite"
    flowreg(store, "import", str(example_manifest), actor="alice")
    fragment = tmp_path / "fragment.yaml"
    fragment.write_text("processors:\n  - {id: mailer, name: Mail Delivery Ltd, country: US,"
                        " processing_countries: [US], dpa_signed: 2024-03-02}\n", encoding="utf-8")
    flowreg(store, "import", str(fragment), actor="bob")
    handle = SQLiteStore(store)
    changes = handle.changes()
    handle.close()
    records = {(c.label, c.key) for c in changes if c.actor == "alice"}
    assert ("Processor", "mailer") in records and ("Flow", "f1") in records
    [update] = [c for c in changes if c.actor == "bob"]
    assert (update.operation, update.label, update.key) == ("update", "Processor", "mailer")
    assert update.before["properties"]["dpa_signed"] == "2024-03-01"  # type: ignore[index]
    assert update.after["properties"]["dpa_signed"] == "2024-03-02"  # type: ignore[index]


def test_actor_defaults_to_the_os_user(tmp_path: Path, example_manifest: Path) -> None:
    import getpass

    store = tmp_path / "s.sqlite"
    flowreg(store, "import", str(example_manifest), actor=None)
    handle = SQLiteStore(store)
    assert {c.actor for c in handle.changes()} == {getpass.getuser()}
    handle.close()


def test_seed_loads_and_is_idempotent(tmp_path: Path) -> None:
    store = tmp_path / "s.sqlite"
    first = flowreg(store, "seed")
    assert first.exit_code == 0, first.output
    second = flowreg(store, "seed")
    assert "0 created, 0 updated, 0 deleted" in second.output


def test_processor_add_on_a_stored_processor_keeps_what_its_options_do_not_say(tmp_path: Path) -> None:
    """A correction of one fact (here the DPA date) must not drop the others: the DPF lists, the parent, the
    processing countries stay as stored unless an option says otherwise."""
    from registry.service import Service
    from tests.security.cli import flowreg

    def stored(processor_id: str) -> dict[str, object]:
        service = Service(SQLiteStore(tmp_path / "store.sqlite", create=False), actor="test")
        return service.registry().processors_by_id[processor_id].model_dump()

    first = ["processor", "add", "--id", "p-us", "--name", "P", "--country", "US", "--processing-country", "US",
             "--processing-country", "IN", "--dpf-certified", "--dpf-uk-extension", "--dpf-swiss"]
    assert flowreg(tmp_path, "init").exit_code == 0
    assert flowreg(tmp_path, *first).exit_code == 0
    before = stored("p-us")
    corrected = flowreg(tmp_path, "processor", "add", "--id", "p-us", "--name", "P", "--country", "US",
                        "--dpa-signed", "2026-11-20")
    assert corrected.exit_code == 0, corrected.output
    after = stored("p-us")
    assert str(after["dpa_signed"]) == "2026-11-20"
    assert {k: v for k, v in after.items() if k != "dpa_signed"} == {k: v for k, v in before.items()
                                                                     if k != "dpa_signed"}
    assert after["dpf_uk_extension"] is True and after["dpf_swiss"] is True
    # An option that is given does change its fact.
    assert flowreg(tmp_path, "processor", "add", "--id", "p-us", "--name", "P", "--country", "US",
                   "--no-dpf-swiss").exit_code == 0
    assert stored("p-us")["dpf_swiss"] is False and stored("p-us")["dpf_uk_extension"] is True

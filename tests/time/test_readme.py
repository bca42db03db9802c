"""The outputs README.md's "Time and change" section shows are what the commands print on the seed."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from tests.security.cli import flowreg, seeded

ROOT = Path(__file__).resolve().parents[2]
# A change-log entry's time and author: the README's run and the test's differ in both.
MOMENT = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z: \S+")


def shown() -> list[tuple[list[str], str]]:
    """Each `$ flowreg ...` block of the section: the commands (continued lines joined) and the output after."""
    section = (ROOT / "README.md").read_text(encoding="utf-8").split("## Time and change", 1)[1].split("\n## ")[0]
    found = []
    for block in re.findall(r"```\n(\$ flowreg .*?)```", section, flags=re.DOTALL):
        lines = block.replace("\\\n", "").splitlines()
        commands = [line.removeprefix("$ ") for line in lines if line.startswith("$ ")]
        output = "\n".join(line for line in lines if not line.startswith("$ ")) + "\n"
        found.append((commands, output))
    return found


def test_the_section_shows_every_command() -> None:
    assert [commands[-1].split()[1] for commands, _ in shown()] == ["forecast", "diff", "diff", "what-if", "trend"]


def test_each_output_is_the_commands_own_on_the_seed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)  # the what-if names its scenario as given, relative to the checkout
    for number, (commands, output) in enumerate(shown()):
        if commands[-1].startswith("flowreg trend"):
            continue  # its points before today depend on the day the seed is imported: checked below
        home = tmp_path / str(number)  # each block starts from the seed
        seeded(home)
        for command in commands:
            result = flowreg(home, *shlex.split(command)[1:])
            assert result.exit_code == 0, (command, result.output)
        assert MOMENT.sub("(when, who)", result.stdout) == MOMENT.sub("(when, who)", output), commands[-1]


def test_the_trend_sample_has_the_shape_the_command_prints(tmp_path: Path) -> None:
    seeded(tmp_path)
    (commands, output), = [(c, o) for c, o in shown() if c[-1].startswith("flowreg trend")]
    printed = flowreg(tmp_path, *shlex.split(commands[-1])[1:]).stdout.splitlines()
    sample = output.splitlines()
    assert printed[0] == sample[0]
    assert [line.split(",")[0] for line in printed] == [line.split(",")[0] for line in sample]
    assert printed[-1].split(",")[2:] == sample[-1].split(",")[2:]  # the last point: the seed as it is

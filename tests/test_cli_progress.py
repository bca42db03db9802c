"""A long command's progress on the terminal: on stderr when it is a terminal (a pseudo-terminal here), never in a
pipe, and never in the command's output. FLOWREG_PROGRESS_AFTER=0 shows it at once, so nothing here depends on
how long a command takes."""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys
from pathlib import Path


def run(store: Path, *args: str, stderr_on_terminal: bool) -> tuple[int, str, str]:
    """`flowreg --store STORE ARGS` with stdout piped and stderr a pseudo-terminal or a pipe; (exit, stdout, stderr)."""
    env = dict(os.environ, FLOWREG_PROGRESS_AFTER="0", TERM="xterm-256color", COLUMNS="100")
    command = [sys.executable, "-m", "registry.cli", "--store", str(store), *args]
    if not stderr_on_terminal:
        done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120,
                              stdin=subprocess.DEVNULL)
        return done.returncode, done.stdout, done.stderr
    terminal, other_end = pty.openpty()
    with subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=other_end, stdin=subprocess.DEVNULL,
                          text=True) as process:
        os.close(other_end)
        seen = bytearray()
        while True:
            try:
                chunk = os.read(terminal, 65536)
            except OSError:  # EIO: the command closed the terminal's other end (it ended)
                break
            if not chunk:
                break
            seen += chunk
        os.close(terminal)
        out = process.stdout.read() if process.stdout else ""
        code = process.wait(timeout=120)
    return code, out, seen.decode("utf-8", "replace")


def test_the_check_shows_its_progress_on_a_terminal_and_its_output_stays_clean(seeded_path: Path) -> None:
    code, out, err = run(seeded_path, "check", "--as-of", "2026-05-01", "--format", "json",
                         stderr_on_terminal=True)
    assert code == 1, err  # the seed has high findings
    assert "flowreg check" in err and "100%" in err  # the bar reached the end of the check
    assert json.loads(out)["as_of"] == "2026-05-01"  # nothing of the bar in the output
    assert "\x1b" not in out


def test_any_command_shows_that_it_is_working_on_a_terminal(seeded_path: Path) -> None:
    code, out, err = run(seeded_path, "show", stderr_on_terminal=True)
    assert code == 0 and "flowreg show" in err
    assert "countries of operation" in out and "\x1b" not in out


def test_no_progress_when_stderr_is_not_a_terminal(seeded_path: Path) -> None:
    code, out, err = run(seeded_path, "check", "--as-of", "2026-05-01", "--format", "json",
                         stderr_on_terminal=False)
    assert code == 1
    assert "flowreg check" not in err and "\x1b" not in err and "%" not in err
    assert json.loads(out)["as_of"] == "2026-05-01"

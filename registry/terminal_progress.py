"""A long command's progress on the terminal: shown on stderr once the command has run a while, and only when
stderr is a terminal, so a pipe, a file or a CI log never receives it.

The display is rich's (Typer's own dependency) and transient: it is erased when the command ends or as soon as the
command writes anything itself, so it never mixes with a command's output or its messages. Until a step reports
counts (the check does, through `registry.checks.Progress`) it shows the command's name and the time it has run.
"""

from __future__ import annotations

import os
import sys
import threading
from types import TracebackType
from typing import Any, TextIO

# Seconds a command runs before its progress shows; FLOWREG_PROGRESS_AFTER sets another (0: at once, for tests).
AFTER_ENV = "FLOWREG_PROGRESS_AFTER"
DEFAULT_AFTER = 2.0
REFRESH_SECONDS = 0.1


def progress_after() -> float:
    """The delay FLOWREG_PROGRESS_AFTER asks for, else DEFAULT_AFTER (a value that is no number counts as unset)."""
    try:
        return max(0.0, float(os.environ.get(AFTER_ENV, DEFAULT_AFTER)))
    except ValueError:
        return DEFAULT_AFTER


class TerminalProgress:
    """Used as a context manager around a command; called as (done, total) by what reports counts, from any thread."""

    def __init__(self, what: str, stream: TextIO | None = None, after: float | None = None) -> None:
        self.what = what
        self.stream = stream if stream is not None else sys.stderr
        self.after = progress_after() if after is None else after
        self._done, self._total = 0, 0  # total 0: nothing has reported counts
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._streams: tuple[Any, Any] | None = None

    def __call__(self, done: int, total: int) -> None:
        self._done, self._total = done, total

    def __enter__(self) -> TerminalProgress:
        if not self.stream.isatty():
            return self
        self._thread = threading.Thread(target=self._show, name="flowreg-progress", daemon=True)
        # The command's own writes (sys.stdout, sys.stderr) end the display first: its output never lands in it.
        self._streams = (sys.stdout, sys.stderr)
        sys.stdout, sys.stderr = _Ending(sys.stdout, self), _Ending(sys.stderr, self)
        self._thread.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.end()
        if self._streams is not None:
            sys.stdout, sys.stderr = self._streams
            self._streams = None

    def end(self) -> None:
        """Erase the display (if it showed) and show nothing more."""
        self._stop.set()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join()

    def _show(self) -> None:
        # A delay of 0 shows the display however soon the command ends: what a test can rely on.
        if self.after > 0 and self._stop.wait(self.after):
            return
        # Imported here: every command makes a TerminalProgress, few show one (rich costs a tenth of a second).
        from rich.console import Console
        from rich.progress import BarColumn, Progress, SpinnerColumn, TaskProgressColumn, TextColumn, TimeElapsedColumn

        console = Console(file=self.stream, stderr=True)
        columns = (SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), TaskProgressColumn(),
                   TimeElapsedColumn())
        with Progress(*columns, console=console, transient=True, auto_refresh=False, redirect_stdout=False,
                      redirect_stderr=False) as display:
            task = display.add_task(self.what, total=None)
            while True:
                display.update(task, completed=self._done, total=self._total or None)
                display.refresh()
                if self._stop.wait(REFRESH_SECONDS):
                    display.update(task, completed=self._done, total=self._total or None)
                    return


class _Ending:
    """A standard stream that ends the progress display before the first text written to it."""

    def __init__(self, stream: Any, progress: TerminalProgress) -> None:
        self._stream, self._progress = stream, progress

    def write(self, text: Any) -> Any:
        if text:  # click probes a stream with an empty write
            self._progress.end()
        return self._stream.write(text)

    @property
    def buffer(self) -> Any:
        self._progress.end()  # asked for by what writes bytes (registry.files.write_stdout)
        return self._stream.buffer

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)

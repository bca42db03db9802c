"""Reading input files and writing output files and standard output: a bad path, a device, an oversized input or
a full disk is the user's to fix (exit 2, one line naming the path), never a traceback; an input is checked
before it is read, and an output file is replaced whole or not at all."""

from __future__ import annotations

import os
import stat
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import IO

from registry.errors import InvalidInput, Problem


def _unreadable(name: str, why: str) -> InvalidInput:
    return InvalidInput([Problem(why, file=name)], summary=f"cannot read {name}")


def read_input(path: str | Path, limit: int, what: str = "inputs") -> bytes:
    """A file's bytes, refusing what is not a regular file (a directory, device, FIFO or socket: /dev/zero never
    ends, a FIFO blocks) and what is over `limit`, before reading: at most limit + 1 bytes are ever read, since
    /proc files and growing files report a size that is not what a read returns."""
    name = str(path)
    try:
        # O_NONBLOCK: opening a FIFO with no writer would otherwise wait forever before fstat could refuse it.
        handle = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as error:
        raise _unreadable(name, f"cannot read the file: {error.strerror}") from None
    status = os.fstat(handle)
    if not stat.S_ISREG(status.st_mode) or status.st_size > limit:
        os.close(handle)
        if status.st_size > limit and stat.S_ISREG(status.st_mode):
            raise _unreadable(name, f"the file is {status.st_size:,} bytes; {what} are limited to {limit:,}")
        kind = "a directory" if stat.S_ISDIR(status.st_mode) else "a device, pipe or socket"
        raise _unreadable(name, f"cannot read the file: it is {kind}, not a regular file")
    with os.fdopen(handle, "rb") as source:
        try:
            data = source.read(limit + 1)
        except OSError as error:
            raise _unreadable(name, f"cannot read the file: {error.strerror}") from None
    if len(data) > limit:
        raise _unreadable(name, f"the file is over {limit:,} bytes; {what} are limited to {limit:,}")
    return data


def _refuse(path: Path, why: str, option: str) -> InvalidInput:
    return InvalidInput([Problem(why, file=str(path), field=option)], summary=f"cannot write {path}")


def existing_kind(path: Path) -> str | None:
    """'file', 'directory', 'special' (device, FIFO, socket) or None when nothing is there."""
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        return None
    except OSError as error:
        raise _refuse(path, f"cannot use the path: {error.strerror}", "--out") from None
    return "file" if stat.S_ISREG(mode) else "directory" if stat.S_ISDIR(mode) else "special"


def make_directory(path: Path, option: str = "--out") -> None:
    if existing_kind(path) not in (None, "directory"):
        raise _refuse(path, "is an existing file, where a directory is expected", option)
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise _refuse(path, f"cannot create the directory: {error.strerror}", option) from None


def write_file(path: Path, data: bytes, option: str = "--out") -> None:
    """Write `data` to `path` through a temporary file beside it, renamed over it once complete, so a full disk
    or a crash leaves the old file, never half a new one. Directories, devices and pipes are refused: renaming
    over /dev/full would replace the device, and standard output is there for streaming."""
    stream_file(path, lambda target: target.write(data), option)


def stream_file(path: Path, write: Callable[[IO[bytes]], object], option: str = "--out") -> None:
    """As `write_file`, for content `write` writes to the file as it makes it (an export too large to hold)."""
    kind = existing_kind(path)
    if kind == "directory":
        raise _refuse(path, "is a directory; name a file to write", option)
    if kind == "special":
        raise _refuse(path, "is a device, pipe or socket, not a file; leave out --out to write to standard output",
                      option)
    make_directory(path.parent, option)
    temporary: str | None = None
    try:
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
        with os.fdopen(handle, "wb") as target:
            write(target)
            target.flush()
            os.fsync(target.fileno())
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temporary, 0o666 & ~umask)  # mkstemp makes it 0600; a written file gets the usual mode
        os.replace(temporary, path)
        temporary = None
    except OSError as error:
        raise _refuse(path, f"cannot write the file: {error.strerror}", option) from None
    finally:
        if temporary is not None:
            Path(temporary).unlink(missing_ok=True)


def write_stdout(data: bytes | Callable[[IO[bytes]], object]) -> None:
    """Write `data`, or what `data` writes to the stream as it makes it, to standard output."""
    try:
        target = sys.stdout.buffer
        if isinstance(data, bytes):
            target.write(data)
        else:
            data(target)
        target.flush()
    except BrokenPipeError:
        raise  # the reader went away (`| head`): nothing the user must fix
    except OSError as error:
        raise InvalidInput([Problem(f"cannot write to standard output: {error.strerror}", file="<stdout>")],
                           summary="cannot write the output") from None

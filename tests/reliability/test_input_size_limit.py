"""Issue 12 item 12: the manifest size limit and the file's kind are checked before reading: a file over the limit
costs no memory, and a device or FIFO is refused instead of read forever or waited on."""

from __future__ import annotations

import os
import subprocess
import sys
import tracemalloc
from pathlib import Path

import pytest

from registry import manifest as manifests
from registry.errors import InvalidInput
from registry.files import read_input
from tests.security.cli import flowreg, refused


def test_a_file_over_the_limit_is_refused_before_it_is_read(tmp_path: Path) -> None:
    sparse = tmp_path / "big.yaml"
    with sparse.open("wb") as handle:
        handle.truncate(manifests.MAX_MANIFEST_BYTES + 1)  # sparse: no disk used, 256 MiB to whoever reads it
    tracemalloc.start()
    try:
        with pytest.raises(InvalidInput, match="manifests are limited to 268,435,456"):
            manifests.load(sparse)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 16 * 1024 * 1024


def test_a_file_whose_size_says_less_than_it_holds_is_read_only_to_the_limit() -> None:
    # /proc files report size 0 (and a file may grow between stat and read): the read itself is bounded.
    assert Path("/proc/self/status").stat().st_size == 0
    with pytest.raises(InvalidInput, match="over 100 bytes"):
        read_input("/proc/self/status", limit=100)


# /dev/null, not /dev/zero: a regression must fail this test, not eat the machine's memory.
@pytest.mark.parametrize("device", ["/dev/null"])
def test_devices_are_refused_without_reading(tmp_path: Path, device: str) -> None:
    assert "not a regular file" in refused(flowreg(tmp_path, "import", device))


def test_a_fifo_is_refused_instead_of_waited_on(tmp_path: Path) -> None:
    fifo = tmp_path / "m.yaml"
    os.mkfifo(fifo)
    # A subprocess, so that a regression (opening the FIFO blocks until a writer comes) fails instead of hanging.
    run = subprocess.run([sys.executable, "-m", "registry.cli", "import", str(fifo)], capture_output=True, text=True,
                         timeout=120, env={**os.environ, "FLOWREG_STORE": str(tmp_path / "s.sqlite"),
                                           "XDG_CONFIG_HOME": str(tmp_path / "config"), "FLOWREG_ACCESS": ""},
                         cwd=Path(__file__).resolve().parents[2])
    assert run.returncode == 2 and "not a regular file" in run.stderr and "Traceback" not in run.stderr

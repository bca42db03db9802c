"""A real `flowreg dashboard` process on a store, started and stopped by a test: what the browser test and the
security tests' Streamlit clients talk to."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

START_TIMEOUT = 120  # seconds until the server answers its health check; generous for a loaded two-core machine


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def flowreg_command() -> list[str]:
    script = Path(sys.executable).parent / "flowreg"
    return [str(script)] if script.exists() else [sys.executable, "-m", "registry.cli"]


@dataclass(frozen=True)
class Dashboard:
    port: int
    log: Path


@contextmanager
def running_dashboard(store: Path, home: Path, policy: str | None, *args: str) -> Iterator[Dashboard]:
    """`flowreg dashboard` on `store` with the access policy text `policy` (None: local mode), until the end."""
    port = free_port()
    env = dict(os.environ, XDG_CONFIG_HOME=str(home / "config"), HOME=str(home))
    env.pop("FLOWREG_ACCESS", None)
    env.pop("FORWARDED_ALLOW_IPS", None)
    if policy is not None:
        policy_file = home / "access.toml"
        policy_file.write_text(policy, encoding="utf-8")
        env["FLOWREG_ACCESS"] = str(policy_file)
    log_path = home / f"dashboard-{port}.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [*flowreg_command(), "--store", str(store), "dashboard", "--server.port", str(port), *args],
            env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + START_TIMEOUT
            while not healthy(port):
                if process.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError(f"dashboard did not start: {log_path.read_text()}")
                time.sleep(0.2)
            yield Dashboard(port, log_path)
        finally:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def healthy(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2) as answer:
            return bool(answer.read() == b"ok")
    except OSError:
        return False

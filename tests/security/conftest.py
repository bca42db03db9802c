"""A real `flowreg dashboard` process on a seeded store, and a Streamlit client that connects from a chosen
loopback address: the WebSocket protocol the browser speaks (/_stcore/stream, Streamlit's own protobufs),
so a test sees what a page rendered for that connection without a browser."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
import websocket
from google.protobuf.message import Message
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ClientState_pb2 import ClientState
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from graph.sqlite import SQLiteStore
from registry.service import Service

START_TIMEOUT = 90  # seconds until the server answers its health check; generous for a loaded two-core machine
RUN_TIMEOUT = 120  # seconds for one script run to finish


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


@pytest.fixture(scope="module")
def seeded_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("security") / "registry.sqlite"
    store = SQLiteStore(path)
    Service(store, actor="seeder").seed()
    store.close()
    return path


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


def strings(message: Message) -> Iterator[str]:
    """Every text field of a protobuf message, depth first (what a page wrote: markdown, alerts, labels)."""
    for field, value in message.ListFields():
        values = value if field.is_repeated else [value]
        for item in values:
            if isinstance(item, Message):
                yield from strings(item)
            elif isinstance(item, str):
                yield item


def render(port: int, source: str, headers: Mapping[str, str] | None = None, target: str = "127.0.0.1") -> str:
    """Open a session from the address `source` to the dashboard at `target`, run the app once as a browser's
    first visit does, and return every text the run sent, one per line."""
    connection = socket.create_connection((target, port), timeout=RUN_TIMEOUT, source_address=(source, 0))
    client = websocket.create_connection(
        f"ws://{target}:{port}/_stcore/stream", socket=connection, timeout=RUN_TIMEOUT,
        subprotocols=["streamlit"], header=[f"{name}: {value}" for name, value in (headers or {}).items()])
    try:
        client.send_binary(BackMsg(rerun_script=ClientState(query_string="", page_script_hash="")).SerializeToString())
        texts: list[str] = []
        deadline = time.monotonic() + RUN_TIMEOUT
        while time.monotonic() < deadline:
            message = ForwardMsg()
            message.ParseFromString(client.recv())
            kind = message.WhichOneof("type")
            if kind == "delta":
                texts.extend(strings(message.delta))
            elif kind == "script_finished":
                return "\n".join(texts)
        raise AssertionError(f"the script run did not finish in {RUN_TIMEOUT} s: {texts}")
    finally:
        client.close()

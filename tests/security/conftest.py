"""A real `flowreg dashboard` process on a seeded store, and a Streamlit client that connects from a chosen
loopback address: the WebSocket protocol the browser speaks (/_stcore/stream, Streamlit's own protobufs),
so a test sees what a page rendered for that connection without a browser."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest
import websocket
from google.protobuf.message import Message
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ClientState_pb2 import ClientState
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from graph.sqlite import SQLiteStore
from registry.service import Service

RUN_TIMEOUT = 120  # seconds for one script run to finish


@pytest.fixture(scope="module")
def seeded_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("security") / "registry.sqlite"
    store = SQLiteStore(path)
    Service(store, actor="seeder").seed()
    store.close()
    return path


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

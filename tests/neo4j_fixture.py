"""The `neo4j_server` fixture: a real Neo4j for the tests marked `neo4j`.

NEO4J_URI set: that server is used (NEO4J_USER, default neo4j; NEO4J_PASSWORD). Otherwise one
Neo4jDevServer is started for the whole session and stopped at its end. No java/mvn or a failed
start skips the test, except under CI=true, where it fails: CI must not pass by skipping.

Register it once for the suite in tests/conftest.py:

    from tests.neo4j_fixture import neo4j_server  # noqa: F401
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import NoReturn

import pytest

from tests.neo4j_server import Neo4jDevServer, Neo4jUnavailable


@dataclass(frozen=True)
class Neo4jConnection:
    uri: str
    user: str
    password: str


# One server per process even if several modules import the fixture (each import registers its own
# fixture definition, and pytest would otherwise start a JVM for each).
_lock = threading.Lock()
_server: Neo4jDevServer | None = None
_users = 0


def _acquire() -> Neo4jDevServer:
    global _server, _users
    with _lock:
        if _server is None:
            server = Neo4jDevServer()
            server.start()
            _server = server
        _users += 1
        return _server


def _release() -> None:
    global _server, _users
    with _lock:
        _users -= 1
        if _users == 0 and _server is not None:
            _server.stop()
            _server = None


def _unavailable(reason: str) -> NoReturn:
    message = f"no Neo4j server for the tests: {reason}"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


@pytest.fixture(scope="session")
def neo4j_server() -> Iterator[Neo4jConnection]:
    """Where the session's Neo4j listens and how to log in."""
    uri = os.environ.get("NEO4J_URI")
    if uri:
        yield Neo4jConnection(uri, os.environ.get("NEO4J_USER", "neo4j"), os.environ.get("NEO4J_PASSWORD", ""))
        return
    try:
        server = _acquire()
    except Neo4jUnavailable as error:
        _unavailable(error.reason)
    try:
        yield Neo4jConnection(server.uri, server.user, server.password)
    finally:
        _release()

"""Issue 12, items 2 and 3, against a real `flowreg dashboard`: who a connection from another address becomes.

The attacker connects from 127.0.0.2, a second loopback address (all of 127/8 is loopback on Linux), so the
test needs no second machine; the dashboard's own user connects from 127.0.0.1."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from dashboard import client
from tests.dashboard_process import Dashboard, running_dashboard
from tests.security.conftest import render

ATTACKER = "127.0.0.2"
LOCAL = "127.0.0.1"
FORGED_IDENTITY = {"X-Forwarded-User": "mallory", "X-Forwarded-Groups": "admins"}
PROXY_POLICY = """default_role = "viewer"
proxy_header = "X-Forwarded-User"
groups_header = "X-Forwarded-Groups"
trusted_proxies = ["127.0.0.1/32"]
[groups]
admins = "admin"
"""


@pytest.fixture(scope="module")
def local_default(seeded_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Dashboard]:
    with running_dashboard(seeded_store, tmp_path_factory.mktemp("local-default"), None) as dashboard:
        yield dashboard


@pytest.fixture(scope="module")
def local_everywhere(seeded_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Dashboard]:
    """Local mode told to listen on every interface, as the issue's attack found it."""
    with running_dashboard(seeded_store, tmp_path_factory.mktemp("local-all"), None,
                           "--server.address", "0.0.0.0") as dashboard:
        yield dashboard


@pytest.fixture(scope="module")
def behind_proxy(seeded_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Dashboard]:
    with running_dashboard(seeded_store, tmp_path_factory.mktemp("proxy"), PROXY_POLICY,
                           "--server.address", "127.0.0.1") as dashboard:
        yield dashboard


def test_local_mode_listens_on_loopback_only(local_default: Dashboard) -> None:
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection((ATTACKER, local_default.port), timeout=10).close()
    page = render(local_default.port, LOCAL)
    assert "Signed in as" in page and "via local" in page and "Local mode" in page


def test_local_mode_refuses_another_address_even_when_told_to_listen_everywhere(local_everywhere: Dashboard) -> None:
    refused = render(local_everywhere.port, ATTACKER)
    assert "Refused" in refused and "local mode" in refused and ATTACKER in refused
    assert "Signed in as" not in refused
    # Nothing but the refusal: no sidebar, no page title, no store path.
    assert refused.count("\n") == 0 and "Overview" not in refused and "Store:" not in refused
    # The same server still serves its own user.
    assert "Signed in as" in render(local_everywhere.port, LOCAL)


def test_local_mode_refuses_a_request_a_local_proxy_forwarded(local_default: Dashboard) -> None:
    forwarded = render(local_default.port, LOCAL, {"X-Forwarded-For": "192.0.2.7"})
    assert "came through a proxy" in forwarded and "Signed in as" not in forwarded


def test_proxy_mode_takes_identity_headers_only_from_the_trusted_proxy(behind_proxy: Dashboard) -> None:
    forged = render(behind_proxy.port, ATTACKER, FORGED_IDENTITY)
    assert "Not signed in" in forged and ATTACKER in forged and "trusted_proxies" in forged
    assert "mallory" not in forged and "Signed in as" not in forged
    # Claiming to have been forwarded by the trusted proxy changes nothing: the connection's address decides.
    spoofed = render(behind_proxy.port, ATTACKER, {**FORGED_IDENTITY, "X-Forwarded-For": LOCAL})
    assert "Not signed in" in spoofed and "Signed in as" not in spoofed

    through_proxy = render(behind_proxy.port, LOCAL, FORGED_IDENTITY)
    assert "Signed in as **mallory** (admin) via proxy" in through_proxy


@pytest.mark.parametrize(("address", "local"), [
    ("127.0.0.1", True), ("::1", True), ("::ffff:127.0.0.1", True),
    ("127.0.0.2", False), ("::ffff:127.0.0.2", False), ("192.0.2.7", False), ("", False), ("localhost", False),
])
def test_only_the_machines_own_loopback_addresses_count_as_local(address: str, local: bool) -> None:
    assert client.is_local(address) is local


def test_apptest_is_not_a_served_connection() -> None:
    """AppTest runs the script on a stand-in runtime with no connection: the one case the local-mode address
    check lets through, and one no network client can produce (a real server's runtime is a Runtime)."""
    app = AppTest.from_string("import streamlit as st\nfrom dashboard import client\n"
                              "st.write(f'served={client.served()} peer={client.peer_address()}')")
    app.run()
    assert not app.exception and app.markdown[0].value == "served=False peer=None"

"""Where this session's browser connects from: the TCP peer of its WebSocket, as the server saw it.

Not `st.context.ip_address`: it reports both a local browser and an unknown address as None, and the access
decisions need to tell them apart. `flowreg dashboard` turns off the server's X-Forwarded-For rewriting
(FORWARDED_ALLOW_IPS, see registry/cli.py), so the address is the connection's own and no header changes it.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping

from streamlit import runtime
from streamlit.runtime import Runtime
from streamlit.runtime.scriptrunner import get_script_run_ctx

# Headers a reverse proxy adds: their presence means the browser is somewhere else than the peer.
FORWARDING_HEADERS = ("forwarded", "x-forwarded-for", "x-real-ip")
LOCAL_ADDRESSES = frozenset({ipaddress.ip_address("127.0.0.1"), ipaddress.ip_address("::1")})


def served() -> bool:
    """Whether a Streamlit server runs this script for a connected client. False under AppTest, whose runtime
    is a stand-in object with no server and no network behind it; no client can make a real server's runtime
    anything but a Runtime."""
    return runtime.exists() and type(runtime.get_instance()) is Runtime


def peer_address() -> str | None:
    """The remote address of this session's connection; None when the server does not know it (a session that
    did not come over the WebSocket, such as Streamlit's agent API)."""
    run = get_script_run_ctx()
    if run is None or not runtime.exists():
        return None
    client = runtime.get_instance().get_client(run.session_id)
    context = client.client_context if client is not None else None
    address = context.remote_ip if context is not None else None
    return address if isinstance(address, str) and address else None


def forwarded(headers: Mapping[str, str]) -> bool:
    """Whether the request came through a proxy that says so."""
    return any(name.lower() in FORWARDING_HEADERS for name in headers)


def is_local(address: str) -> bool:
    """Whether `address` is this machine's own loopback address as a browser on it connects: 127.0.0.1 or ::1.
    The rest of 127/8 is refused too: no browser opening localhost uses it, and on a shared host or in a
    container it can stand for another machine."""
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return False
    mapped = getattr(parsed, "ipv4_mapped", None)
    return (mapped or parsed) in LOCAL_ADDRESSES

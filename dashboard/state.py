"""The dashboard's Streamlit glue: cached store and page models, the signed-in user, the shared as-of date.

One read-only Service, with the store it opened, per store spec lives for the whole server (st.cache_resource);
its Snapshot of the registry and findings, and each page's model of that snapshot (dashboard.models), are
cached per (store revision, as-of day), so a write, which bumps the revision, invalidates them and a widget
change never recomputes the check. The check runs in a thread of its own while the page that asked shows how far
it is (a first check of a large store takes seconds). The Overview need not wait for it when the summary of the
day's check is kept with the store (registry.check_summary): it draws its headline from that, the build starts
once the page has drawn, and the forecast and the trend are worked out after it in a thread of their own.
Writes go through a Service acting as the signed-in user, which enforces the user's role and names them in the
change log.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TypeVar

import pandas as pd
import streamlit as st

from dashboard import client
from dashboard.models.base import PageModel
from dashboard.models.overview import Overview
from dashboard.models.rows import COMING_UP_DAYS
from registry.access import AccessPolicy, IdentitySource, Permission, Principal, Role, os_user
from registry.errors import FlowregError
from registry.forecast import Forecast
from registry.paths import default_store_path
from registry.service import Service, today
from registry.snapshot import Snapshot
from registry.trend import Trend

AS_OF_KEY = "as_of"
# The shared reader can read everything and write nothing, whoever's page uses it.
READER = Principal(user="dashboard", roles=frozenset({Role.VIEWER}))


def store_spec() -> str:
    return os.environ.get("FLOWREG_STORE") or str(default_store_path())


@st.cache_resource(show_spinner=False)
def _reader(spec: str) -> Service:
    # A missing store is refused (StoreUnavailable, shown by app.py), never created by viewing it.
    return Service.open(spec, principal=READER)


Model = TypeVar("Model", bound=PageModel)


class _Day:
    """One (store revision, as-of day): the reader's snapshot and each page's model of it, the forecast and the
    trend, built on first use and dropped together."""

    def __init__(self, reader: Service, snapshot: Snapshot) -> None:
        self.reader, self.snapshot = reader, snapshot
        self._models: dict[type[PageModel], PageModel] = {}
        self._forecast: Forecast | None = None
        self._trend: Trend | None = None
        self._lock = threading.Lock()  # sessions run in threads of their own
        self._slow = threading.Lock()  # the forecast and the trend: pages' models need not wait for them

    def forecast(self) -> Forecast:
        """What opens in the COMING_UP_DAYS after the day (from the day's check, which stays as it is)."""
        with self._slow:
            if self._forecast is None:
                self._forecast = self.reader.forecast(COMING_UP_DAYS, self.snapshot.as_of)
            return self._forecast

    def trend(self) -> Trend:
        """Open problems by severity from the first change-log entry up to the day."""
        with self._slow:
            if self._trend is None:
                self._trend = self.reader.trend(last=self.snapshot.as_of)
            return self._trend

    def ready_forecast(self) -> Forecast | None:
        """The forecast if it is worked out, without waiting for it."""
        return self._forecast

    def ready_trend(self) -> Trend | None:
        """The trend if it is worked out, without waiting for it."""
        return self._trend

    def model(self, kind: type[Model]) -> Model:
        with self._lock:
            found = self._models.get(kind)
            if found is None:
                found = self._models[kind] = kind(self.snapshot)
            return found  # type: ignore[return-value]


class _Build:
    """The day's snapshot being built in a thread of its own, and how far the check is: every session that asks
    meanwhile draws a progress bar from it (only a session's script thread may draw, so it polls this)."""

    def __init__(self, reader: Service, as_of: date) -> None:
        self.done, self.total = 0, 0  # in the check's units (Service.snapshot); total 0: still reading the store
        self._finished = threading.Event()
        self._day: _Day | None = None
        self._error: BaseException | None = None
        self.as_of = as_of
        self._lock = threading.Lock()
        self._started: set[str] = set()  # the names of the threads `after` started
        self._ended: set[str] = set()  # and of those that have run their steps
        self._thread = threading.Thread(target=self._run, args=(reader, as_of), name=f"flowreg-check-{as_of}",
                                        daemon=True)

    def start(self) -> _Build:
        """Start building, once however often asked. A page drawn without the snapshot (the Overview from the
        kept summary) starts it only once it has drawn: the build's thread would take half the interpreter's
        turns from the page's."""
        with self._lock:
            if self._thread.ident is None:
                self._thread.start()
        return self

    def _progress(self, done: int, total: int) -> None:
        self.done, self.total = done, total

    def _run(self, reader: Service, as_of: date) -> None:
        try:
            self._day = _Day(reader, reader.snapshot(as_of, progress=self._progress))
        except BaseException as error:  # handed to the session that asks, which shows it as before
            self._error = error
        finally:
            self._finished.set()

    def after(self, name: str, steps: Sequence[Callable[[_Day], object]]) -> None:
        """Run `steps` on the built day in a thread named `name`, once per name however many runs ask, without
        waiting for the build: the thread does. A step that raises is skipped (the page that needs what it makes
        computes it again and shows the error itself); a failed build runs none."""
        with self._lock:
            if name in self._started:
                return
            self._started.add(name)
        threading.Thread(target=self._after, args=(steps,), name=name, daemon=True).start()

    def _after(self, steps: Sequence[Callable[[_Day], object]]) -> None:
        self._finished.wait()
        if self._day is not None:
            for step in steps:
                try:
                    step(self._day)
                except Exception:
                    continue
        with self._lock:
            self._ended.add(threading.current_thread().name)

    def ended(self, name: str) -> bool:
        """Whether the thread `after` started under `name` has run its steps."""
        with self._lock:
            return name in self._ended

    def prepare(self, kinds: Sequence[type[PageModel]], also: Sequence[Callable[[], object]]) -> None:
        """Build these pages' models, then run `also` (other pages' kept reads), in a thread of their own
        (flowreg-pages-<day>), once per day: a page opened later finds its data made (at size M the Findings and
        Entities models and the change log's read take one to two seconds each)."""
        self.after(f"flowreg-pages-{self.as_of}", [*(lambda day, kind=kind: day.model(kind).prepare()
                                                     for kind in kinds), *(lambda _, read=read: read()
                                                                           for read in also)])

    def work_out_slow(self) -> bool:
        """Work out the forecast and the trend (the Overview's slow sections) in a thread of their own
        (flowreg-overview-<day>), once per day; whether that thread has ended."""
        name = f"flowreg-overview-{self.as_of}"
        self.after(name, [_Day.forecast, _Day.trend])
        return self.ended(name)

    def wait(self, seconds: float) -> bool:
        """Whether the snapshot is built (or failed), waiting at most `seconds` for it."""
        return self._finished.wait(seconds)

    def day(self) -> _Day:
        """The built day; raises what the build raised. Call once `wait` says it is finished."""
        if self._error is not None:
            raise self._error
        assert self._day is not None
        return self._day


@st.cache_resource(show_spinner=False, max_entries=8)
def _build(spec: str, revision: int, as_of: date) -> _Build:
    # Returns at once: the check runs in the build's thread, once started. The reader's own caches are per
    # revision too; the arguments key this cache.
    return _Build(_reader(spec), as_of)


PROGRESS_POLL_SECONDS = 0.25


def _day(spec: str, revision: int, as_of: date) -> _Day:
    build = _build(spec, revision, as_of).start()
    if not build.wait(0):
        bar = st.empty()
        while not build.wait(PROGRESS_POLL_SECONDS):
            if build.total:
                bar.progress(build.done / build.total, text=f"Running the first check of this registry as of "
                             f"{as_of.day} {as_of:%B %Y}: {build.done / build.total:.0%} done")
            else:
                bar.progress(0.0, text="Reading the registry…")
        bar.empty()
    try:
        return build.day()
    except Exception:
        _build.clear(spec, revision, as_of)  # a failed build is tried again on the next run, not kept
        raise


LOG_LIMIT = 2_000
LOG_COLUMNS = ["seq", "at (UTC)", "actor", "operation", "kind", "record", "context"]


@st.cache_resource(show_spinner=False, max_entries=8)
def latest_changes(_service: Service, spec: str, revision: int, record: str | None) -> tuple[int, pd.DataFrame]:
    """The Change log page's data: how many entries the log holds (of `record`, or all) and the newest
    LOG_LIMIT of them, newest first.

    Reading the log decodes every entry's bodies (34,000 entries at size M: two seconds), so the answer is kept
    until a write bumps the store's revision (`spec`, `revision` and `record` key it); only the shown rows stay
    in memory."""
    changes = _service.log(record=record)
    return len(changes), pd.DataFrame(
        [(c.seq, f"{c.at:%Y-%m-%d %H:%M:%S}", c.actor, c.operation, c.label, c.key, c.context or "")
         for c in reversed(changes[-LOG_LIMIT:])], columns=LOG_COLUMNS)


def _policy_file_stamp(path: Path | None) -> float | None:
    try:
        return path.stat().st_mtime if path else None
    except OSError:
        return None


@st.cache_resource(show_spinner=False, max_entries=4)
def _policy(path: str | None, stamp: float | None) -> AccessPolicy:
    return AccessPolicy.load(path) if path else AccessPolicy()


def policy() -> AccessPolicy:
    """The access policy, read again when its file changes."""
    path = AccessPolicy.default_path()
    return _policy(str(path) if path else None, _policy_file_stamp(path))


def refusal(access: AccessPolicy) -> str | None:
    """Why this connection may not use the dashboard at all, decided before any page draws; None when it may.

    Under AppTest no server runs and no connection exists (`client.served()` is False), so nothing is refused
    here; a real server always has a client, whose unknown address is refused."""
    if not client.served():
        return None
    peer = client.peer_address()
    source = access.identity_source
    if source is IdentitySource.PROXY and not access.trusts_proxy(peer):
        return (f"Not signed in: this connection comes from {peer or 'an unknown address'}, which is not one of "
                "the access policy's trusted_proxies. Identity headers are accepted only "
                "from the reverse proxy: open the dashboard through it.")
    if source is IdentitySource.LOCAL:
        # The identity is the OS user of the machine the dashboard runs on, so it holds only for a browser on
        # that machine; a local proxy that forwards other people's requests says so in its headers.
        if peer is None or not client.is_local(peer):
            why = f"this connection comes from {peer or 'an unknown address'}"
        elif client.forwarded(dict(st.context.headers or {})):
            why = "this request came through a proxy"
        else:
            return None
        mode = "local mode (no access policy file)" if not access.configured else "OS-user mode"
        return (f"Refused: the dashboard runs in {mode}, where whoever uses it acts as the OS user it runs as, "
                f"so it answers only a browser on this machine (127.0.0.1 or ::1), and {why}. To share the "
                "dashboard, configure an access policy with a reverse proxy (proxy_header and trusted_proxies) "
                "or OIDC login, as the README describes.")
    return None


def principal(access: AccessPolicy) -> Principal | None:
    """Who is using this session; None after telling the user why nobody is (then the page stops)."""
    source = access.identity_source
    if source is IdentitySource.PROXY:
        try:
            return access.from_headers(dict(st.context.headers or {}), client.peer_address())
        except FlowregError as error:
            st.error(str(error))
            return None
    if source is IdentitySource.OIDC:
        if not st.user.is_logged_in:
            st.info("Sign in to use the flowreg dashboard.")
            st.button("Sign in", on_click=st.login)
            return None
        user = str(st.user.get("email") or st.user.get("sub") or "")
        groups = st.user.get("groups") or []
        return access.principal(user, [str(g) for g in groups] if isinstance(groups, list) else [],
                                IdentitySource.OIDC)
    return access.principal(os_user())


@dataclass
class Context:
    """What every page gets: the signed-in user, the as-of day, its page's model and a service acting as the user."""

    spec: str
    user: Principal
    as_of: date
    service: Service
    # The store revision a page drew from without the registry (the kept summary). While the day's build reads
    # the registry it holds the store's lock (at size L for about 5 s), so asking the store again would wait for
    # it: what follows that page (its slow sections, the other pages' data) keys by this one instead.
    drawn_at: int | None = None

    def revision(self) -> int:
        """The store revision this run's page drew, or the store's now."""
        return self.drawn_at if self.drawn_at is not None else self.service.store.revision()

    def _day(self) -> _Day:
        return _day(self.spec, self.service.store.revision(), self.as_of)

    @property
    def snapshot(self) -> Snapshot:
        """The registry and its findings as of the day (Service.snapshot)."""
        return self._day().snapshot

    def model(self, kind: type[Model]) -> Model:
        """The page's model of the day's snapshot, built once per (store revision, as-of day)."""
        return self._day().model(kind)

    def prepare(self, kinds: Sequence[type[PageModel]], also: Sequence[Callable[[], object]] = ()) -> None:
        """Build these pages' models for the day, then run `also`, in the background (after the page has drawn),
        without waiting for the day's snapshot: the background does (and builds it when no page has yet)."""
        _build(self.spec, self.revision(), self.as_of).start().prepare(kinds, also)

    def kept_overview(self) -> Overview | None:
        """The Overview's headline from the summary of the day's check kept with the store
        (registry.check_summary), read without the registry; None when none is kept for this revision and day.
        The day's build, which the sections and pages that need it wait for, starts once the page has drawn
        (`prepare`)."""
        revision = self.service.store.revision()
        summary = self.service.kept_summary(self.as_of, revision)
        if summary is None:
            return None
        self.drawn_at = revision
        return Overview.of(summary)

    def slow_sections(self) -> tuple[Forecast | None, Trend | None]:
        """The forecast and the trend when they are worked out, None for each that is not yet, without waiting:
        they are worked out in the background once the day's snapshot is built. Raises what the build raised."""
        revision = self.revision()
        build = _build(self.spec, revision, self.as_of)
        ended = build.work_out_slow()
        if not build.wait(0):
            return None, None
        try:
            day = build.day()
        except Exception:
            _build.clear(self.spec, revision, self.as_of)  # as `_day`: tried again on the next run
            raise
        if ended:  # what the thread could not work out is asked again here, so that its error is shown
            return day.forecast(), day.trend()
        return day.ready_forecast(), day.ready_trend()

    def forecast(self) -> Forecast:
        """What opens in the COMING_UP_DAYS after the day if nothing changes (Service.forecast), kept like a model."""
        return self._day().forecast()

    def trend(self) -> Trend:
        """Open problems by severity up to the day (Service.trend), kept like a model."""
        return self._day().trend()

    def can(self, permission: Permission) -> bool:
        return self.user.can(permission)


def sidebar() -> Context | None:
    """The as-of picker and the identity line, drawn once by app.py for every page."""
    access = policy()
    user = principal(access)
    if user is None:
        return None
    spec = store_spec()
    st.sidebar.date_input("As of", value=today(), min_value=date(2000, 1, 1),
                          max_value=date(2100, 12, 31), key=AS_OF_KEY,
                          help="Every page judges the registry as of this day.")
    stale = Service.reference_warning(current_as_of())
    if stale:
        st.sidebar.warning(stale[0].upper() + stale[1:], icon="⚠️")
    roles = ", ".join(sorted(user.roles)) or "no role"
    st.sidebar.caption(f"Signed in as **{user.user}** ({roles}) via {user.source.value}")
    if not access.configured:
        st.sidebar.caption("Local mode: no access policy file, so the local user is an admin "
                           "(set FLOWREG_ACCESS to share the dashboard).")
    st.sidebar.caption(f"Store: `{spec}`")
    return Context(spec, user, current_as_of(), _reader(spec).acting_as(user))


def current_as_of() -> date:
    value = st.session_state.get(AS_OF_KEY)
    return value if isinstance(value, date) else today()


def context() -> Context:
    """For pages: the Context app.py built for this run."""
    found = st.session_state.get("_context")
    if not isinstance(found, Context):
        st.stop()
    return found

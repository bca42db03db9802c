"""Times flowreg at one registry size and prints the results as JSON: one object per run, then the medians.

On the embedded (SQLite) store: import of the generated manifest and of the same registry as the inventory
workbook (import_xlsx_s; skip it with --skip inventory), load of the registry from the store, full
check, the full check again without and with 20 house rules (house_rules_overhead, their ratio; --skip
house_rules), incremental re-check after registering one processor with 5 flows, a 90-day forecast, a what-if
(the DPF falls) and a 12-point trend, the dashboard's Overview data, and each export format (exports_s, per
format: the tables and the writing); then, as fresh processes with the day's check persisted with the store,
`flowreg check` (fresh_check_s) and the dashboard's first view of the Overview (dashboard_first_view_s; skip both
with --skip fresh), and every page of the dashboard under Streamlit's AppTest, the Overview first (page_s,
page_max_s, dashboard_first_view_apptest_s; --skip pages). With a Neo4j server (NEO4J_URI/NEO4J_USER/
NEO4J_PASSWORD, or --neo4j-dev to start the project's own dev server): the batched sync of the whole registry and
a naive one-statement-per-row sync of a 5,000-flow subset, for the ratio. Peak resident memory is a process's:
each run is a fresh process (--runs N, default 1), read after each phase (peak_rss_phases_mb), and each child
process's own is reported beside its time.

    python benchmarks/run.py --size L --runs 3
    python benchmarks/run.py --size S --neo4j-dev --skip xlsx
    python benchmarks/run.py --size L --runs 3 | python benchmarks/table.py   # the README's target table

The targets (README "Performance", benchmarks/table.py): check <= 2x load, incremental <= 50 ms, overview <= 3 s,
Neo4j sync >= 20,000 flows/s and >= 20x naive, a 90-day forecast <= 3x check, a what-if <= 1.5x check, a 12-point
trend <= 4x check and 20 house rules <= 1.2x the full check, a fresh `flowreg check` <= 2x load and the
dashboard's first view in a fresh process <= 3 s, every page after it <= 2 s, each export <= 60 s and XLSX <= 2x
CSV, peak RSS <= 1.2 GB, at size L on the project's 2-core machine.
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import platform
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))  # run as a script from a checkout

from benchmarks.generate import SIZES, generate_registry  # noqa: E402
from registry import exports, inventory  # noqa: E402
from registry import manifest as manifests  # noqa: E402
from registry import scenario as scenarios  # noqa: E402
from registry.checks.incremental import CheckState  # noqa: E402
from registry.inventory import template  # noqa: E402
from registry.model import Policy, Processor, Registry, RegistryFragment, Safeguard  # noqa: E402
from registry.reference import load_reference  # noqa: E402
from registry.service import Service  # noqa: E402
from registry.trend import Every, period_end  # noqa: E402

AS_OF = date(2026, 11, 24)  # fixed, so that runs on different days find the same findings
T = TypeVar("T")


def timed(results: dict[str, Any], key: str, action: Callable[[], T], *, scale: float = 1.0,
          digits: int = 2) -> T:
    start = time.perf_counter()
    value = action()
    results[key] = round((time.perf_counter() - start) * scale, digits)
    print(f"{key:>28}: {results[key]}", file=sys.stderr, flush=True)
    return value


def one_processor(registry: Registry) -> RegistryFragment:
    """What an engineer registers: a processor in India with an SCC and 5 flows from group companies."""
    rng = random.Random(5)
    companies = [c.id for c in registry.group_companies]
    processor = Processor(id="bench-new-processor", name="Newly contracted processor", country="IN",
                          dpa_signed=date(2026, 11, 1), source="policy 4-2")
    scc = Safeguard(id="bench-new-scc", kind="scc_2021", module=2, effective=date(2026, 11, 1),
                    parties=[companies[0], processor.id], reference="contracts/bench-new-scc.pdf")
    template = registry.flows[0]
    flows = [template.model_copy(update={"id": f"bench-new-flow-{i}", "sender": rng.choice(companies),
                                         "receiver": processor.id, "safeguards": [scc.id] if i < 4 else []})
             for i in range(5)]
    return RegistryFragment(processors=[processor], safeguards=[scc], flows=flows)


def twenty_house_rules() -> list[Policy]:
    """20 house rules of every effect and match key, over what every generated registry holds (its category tree,
    purposes, groups of people, countries): what an organisation's policy file might hold. None restates the law
    (a rule "APPI data only to countries adequate for the APPI" would repeat the transfer rules' findings)."""
    regional = [("users-eea", ["EEA"]), ("users-jp", ["JP"]), ("users-world", ["US", "CA", "BR"]),
                ("staff", ["SG", "IN", "AU"])]
    rules: list[dict[str, Any]] = [
        {"id": "customer-data-eea-adequate", "match": {"categories": ["user"]},
         "destinations": {"allow": ["EEA", "JP", {"adequate_for": "gdpr"}]}},
        {"id": "payment-data-eea", "match": {"categories": ["user.payment"]}, "destinations": {"allow": ["EEA"]}},
        {"id": "processors-under-contract", "match": {"receiver": {"kinds": ["processor"]}}, "require": {"dpa": True}},
        {"id": "encrypted-everywhere", "require": {"encrypted_in_transit": True}},
        {"id": "third-country-tia", "match": {"cross_border": True, "receiver": {"kinds": ["processor"]}},
         "require": {"tia": True, "dpa": True}},
        {"id": "sub-processing-depth", "match": {"receiver": {"kinds": ["sub_processor"]}},
         "require": {"max_chain_depth": 2}},
        {"id": "contracts-for-gdpr-transfers", "match": {"regimes": ["gdpr"], "cross_border": True},
         "require": {"safeguard_kinds": ["scc_2021", "bcr", "adequacy", "uk_addendum"]}},
        {"id": "short-retention", "match": {"purposes": ["purpose-00", "purpose-01"]},
         "require": {"max_retention": "P2Y"}},
        {"id": "no-fraud-data-to-recipients",
         "match": {"categories": ["user.fraud"], "receiver": {"kinds": ["recipient"]}}, "forbid": True},
        {"id": "no-recordings-abroad", "match": {"categories": ["user.support.call_recording"], "cross_border": True},
         "forbid": True},
        {"id": "special-data-stays-home", "match": {"sensitivities": ["special", "criminal"], "cross_border": True},
         "forbid": True},
        {"id": "no-marketing-data-to-recipients",
         "match": {"categories": ["user.advertising"], "receiver": {"kinds": ["recipient"]}}, "forbid": True},
        {"id": "recordings-kept-briefly", "match": {"categories": ["user.support.call_recording"]},
         "require": {"max_retention": "P90D"}},
        {"id": "group-transfers-under-bcr", "match": {"receiver": {"kinds": ["group_company"]}, "cross_border": True},
         "require": {"safeguard_kinds": ["bcr"]}},
        {"id": "controllers-send-from-home", "match": {"sender": {"roles": ["controller"], "countries": ["EEA"]}},
         "destinations": {"allow": ["EEA", "GB", "CH"]}},
        *({"id": f"{group}-near-home", "match": {"subjects": [group], "receiver": {"countries": countries}},
           "require": {"encrypted_in_transit": True, "tia": True}} for group, countries in regional),
        {"id": "advertising-under-consent-tools", "match": {"categories": ["user.advertising"], "cross_border": True},
         "require": {"safeguard_kinds": ["scc_2021", "appi_consent", "adequacy"]}},
    ]
    assert len(rules) == 20
    return [Policy.model_validate({"title": rule["id"].replace("-", " "), "severity": "medium",
                                   "source": "benchmark", **rule}) for rule in rules]


def rss_mb(maxrss: int) -> float:
    """ru_maxrss in MB: KiB on Linux, bytes on macOS."""
    return round(maxrss / (1024 * 1024 if platform.system() == "Darwin" else 1024), 1)


def peak_rss_mb() -> float:
    """This process's peak resident memory so far (it only grows: read it after each phase to see which one set
    it)."""
    return rss_mb(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)


@contextmanager
def neo4j_uri(start_dev_server: bool) -> Iterator[str | None]:
    """The Neo4j to sync into: NEO4J_URI from the environment, the project's dev server, or none. Its
    credentials are where Service.open reads them, as for `flowreg neo4j sync`: NEO4J_USER, NEO4J_PASSWORD
    and NEO4J_DATABASE in the environment."""
    if os.environ.get("NEO4J_URI"):
        yield os.environ["NEO4J_URI"]
        return
    if not start_dev_server:
        yield None
        return
    from tests.neo4j_server import Neo4jDevServer

    # Sized like a production server for the registry (the test suite's default is tiny): the store fits
    # in the page cache, the biggest transaction (5,000 flows with their relationships) in the heap, and its
    # garbage is collected on both cores (M: 1,760 flows/s with the serial collector, 2,000-2,400 parallel).
    server = Neo4jDevServer(heap="2g", page_cache_mib=2048, collector="Parallel")
    server.start()
    try:
        os.environ.update(NEO4J_USER=server.user, NEO4J_PASSWORD=server.password)
        os.environ.pop("NEO4J_DATABASE", None)  # the dev server holds its default database only
        yield server.uri
    finally:
        server.stop()


# The EU-US DPF revoked from the benchmark's day: every flow to a US receiver is judged again.
DPF_FALLS = f"""\
version: 1
title: The EU-US Data Privacy Framework falls
adequacy:
  - {{regime: gdpr, country: US, adequate: false, from: {AS_OF}}}
"""


def measure_time_questions(results: dict[str, Any], service: Service, store_path: Path, workdir: Path) -> None:
    """A 90-day forecast, a what-if (the DPF falls) and a 12-point monthly trend against the full check (targets:
    at most 3x, 1.5x and 4x check_s). `forecast_s` and `what_if_s` start from nothing cached (a service that
    has read the registry and checked nothing: they run their own full check); the `_cached_s` ones from a
    service holding the day's check, as the dashboard and a long-lived process do."""

    def cold() -> Service:
        fresh = Service.open(store_path, actor="bench")
        fresh.store.save_derived("check", b"")  # no persisted check to start from (it is ignored): a full check
        fresh.registry()
        return fresh

    scenario_path = workdir / "dpf-falls.yaml"
    scenario_path.write_text(DPF_FALLS, encoding="utf-8")
    unchecked = cold()
    forecast = timed(results, "forecast_s", lambda: unchecked.forecast(90, AS_OF))
    results["forecast_calendar_days"] = len({event.day for event in forecast.events})
    results["forecast_opens"] = len(forecast.opening)
    unchecked.close()
    unchecked = cold()
    outcome = timed(results, "what_if_s", lambda: unchecked.what_if(scenarios.load(scenario_path), AS_OF))
    results["what_if_losing_basis"] = len(outcome.lost)
    unchecked.close()
    service.check(AS_OF)
    timed(results, "forecast_cached_s", lambda: service.forecast(90, AS_OF))
    timed(results, "what_if_cached_s", lambda: service.what_if(scenarios.load(scenario_path), AS_OF))
    first = datetime.now(UTC).date()  # the log starts with this run's import: twelve month ends from there
    last = first - timedelta(days=1)
    for _ in range(12):
        last = period_end(last + timedelta(days=1), Every.MONTH)
    points = timed(results, "trend_s", lambda: service.trend(Every.MONTH, last, first))
    results["trend_points"] = len(points.points)
    for key in ("forecast", "what_if", "trend"):
        results[f"{key}_ratio"] = round(results[f"{key}_s"] / results["check_s"], 2)


@dataclass(frozen=True)
class Child:
    """A finished subprocess: its wall time from start, interpreter and imports included, its CPU time and its own
    peak resident memory (wait4 and PEAK_AT_EXIT: that process's, not the largest of this one's children), and
    its stdout."""

    seconds: float
    cpu_s: float  # user and system time of the process's threads: on the shared machine, steadier than seconds
    peak_rss_mb: float
    stdout: str
    returncode: int


# Prepended to a child's Python code: at exit it writes its own memory's high-water mark (VmHWM, KiB) to the file
# FLOWREG_BENCH_PEAK names. ru_maxrss will not do for a child: Linux starts it at the parent's peak at fork, so a
# child smaller than the benchmark's process would report the benchmark's figure. Without /proc nothing is written.
PEAK_AT_EXIT = """
import atexit as _atexit, os as _os
def _write_peak():
    try:
        with open("/proc/self/status", encoding="ascii") as _status:
            _peak = next(line.split()[1] for line in _status if line.startswith("VmHWM:"))
        with open(_os.environ["FLOWREG_BENCH_PEAK"], "w", encoding="ascii") as _out:
            _out.write(_peak)
    except (OSError, KeyError, StopIteration):
        pass
_atexit.register(_write_peak)
"""


def python_child(code: str, *args: str) -> list[str]:
    """The command running `code` in a new interpreter that reports its own peak memory to run_child."""
    return [sys.executable, "-c", PEAK_AT_EXIT + code, *args]


def run_child(command: list[str], env: dict[str, str], *, keep_output: bool = True) -> Child:
    with tempfile.TemporaryDirectory(prefix="flowreg-bench-child-") as scratch:
        output_path, peak_path = Path(scratch) / "stdout", Path(scratch) / "peak-kib"
        with output_path.open("w", encoding="utf-8") as output:
            start = time.perf_counter()
            process = subprocess.Popen(command, cwd=REPO, env={**env, "FLOWREG_BENCH_PEAK": str(peak_path)},
                                       stdout=output if keep_output else subprocess.DEVNULL)
            _, status, usage = os.wait4(process.pid, 0)
            seconds = time.perf_counter() - start
            process.returncode = os.waitstatus_to_exitcode(status)  # reaped here; Popen must not wait for it again
        # Where the child could not say (no /proc), ru_maxrss: at least the parent's peak at fork, an upper bound.
        peak = rss_mb(int(peak_path.read_text(encoding="ascii"))) if peak_path.is_file() else rss_mb(usage.ru_maxrss)
        return Child(seconds, round(usage.ru_utime + usage.ru_stime, 2), peak, output_path.read_text(encoding="utf-8"),
                     process.returncode)


def timed_child(results: dict[str, Any], key: str, command: list[str], env: dict[str, str], *,
                keep_output: bool = True) -> Child:
    done = run_child(command, env, keep_output=keep_output)
    results[key] = round(done.seconds, 2)
    results[key.removesuffix("_s") + "_cpu_s"] = done.cpu_s
    print(f"{key:>28}: {results[key]} (CPU {done.cpu_s})", file=sys.stderr, flush=True)
    return done


# The Overview as a fresh dashboard process draws it (dashboard/views/overview.py, dashboard/state.py): the headline
# from the summary of the day's check kept with the store when there is one for this revision and day (else from
# the reader's snapshot of the day and the page model), then what fills the page in the background: the day's
# snapshot, the 90-day forecast ("Coming up") and the trend. Prints its parts' times as JSON; headline_s and
# complete_s from the process's start (the parent's time.monotonic when it started us: one clock for every process
# on Linux and macOS), interpreter and imports included.
FIRST_VIEW = """
import json, sys, time
from datetime import date
start = time.perf_counter()
from dashboard.models.coming_up import coming_up, trend_series
from dashboard.models.overview import Overview, OverviewModel
from dashboard.models.rows import COMING_UP_DAYS
from dashboard.state import READER
from registry.service import Service
spawned = float(sys.argv[3])
parts = {"imports_s": time.perf_counter() - start}
def timed(key, action):
    began = time.perf_counter()
    value = action()
    parts[key] = time.perf_counter() - began
    return value
day = date.fromisoformat(sys.argv[2])
reader = Service.open(sys.argv[1], principal=READER)
summary = timed("summary_s", lambda: reader.kept_summary(day))
if summary is not None:
    timed("overview_s", lambda: Overview.of(summary))
    parts["headline_s"] = time.monotonic() - spawned
snapshot = timed("snapshot_s", lambda: reader.snapshot(day))
if summary is None:
    timed("overview_s", lambda: OverviewModel(snapshot).overview)
    parts["headline_s"] = time.monotonic() - spawned
timed("coming_up_s", lambda: coming_up(reader.forecast(COMING_UP_DAYS, day)))
timed("trend_s", lambda: trend_series(reader.trend(last=day)))
parts["complete_s"] = time.monotonic() - spawned
parts = {key: round(value, 2) for key, value in parts.items()}
print(json.dumps({**parts, "from_summary": summary is not None}))
"""


def measure_fresh_process(results: dict[str, Any], store_path: Path) -> None:
    """A new process with the day's check persisted with the store (registry.persisted_check): `flowreg check`
    (target: at most 2x load_s) and the dashboard's first view of the Overview (target: at most 3 s at L), each
    a subprocess timed from its start, interpreter and imports included."""
    store = Service.open(store_path, actor="bench").store
    results["persisted_check_kb"] = round(len(store.derived("check") or b"") / 1024)
    store.close()
    environment = {**os.environ, "PYTHONPATH": str(REPO)}
    # The text report, as CI reads it; at size M writing it (20 MB) costs about as much as the judging loaded.
    command = python_child("import runpy; runpy.run_module('registry.cli', run_name='__main__', alter_sys=True)",
                           "--store", str(store_path), "check", "--as-of", AS_OF.isoformat())  # python -m registry.cli
    checked = timed_child(results, "fresh_check_s", command, environment, keep_output=False)
    results["fresh_check_ratio"] = round(results["fresh_check_s"] / results["load_s"], 2)
    results["fresh_check_peak_rss_mb"] = checked.peak_rss_mb
    view = run_child(python_child(FIRST_VIEW, str(store_path), AS_OF.isoformat(), repr(time.monotonic())),
                     environment)
    if view.returncode != 0:
        raise RuntimeError(f"the first-view script failed ({view.returncode})")
    parts = results["dashboard_first_view_parts"] = json.loads(view.stdout.strip().splitlines()[-1])
    # The headline drawn (target: at most 3 s at L), and the whole Overview with Coming up and the trend.
    results["dashboard_first_view_s"] = parts.pop("headline_s")
    results["dashboard_overview_complete_s"] = parts.pop("complete_s")
    results["dashboard_first_view_from_summary"] = parts.pop("from_summary")
    results["dashboard_first_view_process_s"] = round(view.seconds, 2)
    results["dashboard_first_view_cpu_s"] = view.cpu_s
    results["dashboard_first_view_peak_rss_mb"] = view.peak_rss_mb
    for key in ("dashboard_first_view_s", "dashboard_overview_complete_s"):
        print(f"{key:>28}: {results[key]}", file=sys.stderr, flush=True)


APP = REPO / "dashboard" / "app.py"


def dashboard_pages(app: Path = APP) -> dict[str, str]:
    """The app's pages, title -> script path relative to the app, read from its st.Page(...) calls so that a page
    added to dashboard/app.py is timed without a change here (the hidden root page, a function, is left out)."""
    pages: dict[str, str] = {}
    for call in ast.walk(ast.parse(app.read_text(encoding="utf-8"))):
        if (isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute) and call.func.attr == "Page"
                and call.args and isinstance(call.args[0], ast.Constant) and isinstance(call.args[0].value, str)):
            title = next((k.value.value for k in call.keywords
                          if k.arg == "title" and isinstance(k.value, ast.Constant)), Path(call.args[0].value).stem)
            pages[str(title)] = call.args[0].value
    return pages


# A fresh Streamlit process (AppTest runs the real app's script as `streamlit run` does, without a browser) on the
# store: the Overview first, as a user opening the dashboard sees it, then every other page once, each timed from
# its switch to its script's end. The Overview's time from the process's start (time.monotonic is one clock for
# every process on Linux and macOS) is the first view. Prints one JSON object.
PAGES_SCRIPT = """
import json, sys, threading, time
from datetime import date
from streamlit.testing.v1 import AppTest
app_path, day, timeout = sys.argv[1], date.fromisoformat(sys.argv[2]), float(sys.argv[3])
pages, spawned = json.loads(sys.argv[4]), float(sys.argv[5])  # spawned: the parent's clock when it started us
seconds, cpu, errors = {}, {}, {}
overview = pages["Overview"]
app = AppTest.from_file(app_path, default_timeout=timeout)
app.session_state["as_of"] = day  # the sidebar's picker starts on the benchmark's day: no check of today first
for title, script in [("Overview", overview), *((t, s) for t, s in pages.items() if t != "Overview")]:
    began, began_cpu = time.perf_counter(), time.process_time()
    if title != "Overview":
        app.switch_page(script)
    app.run()
    seconds[title] = round(time.perf_counter() - began, 2)
    cpu[title] = round(time.process_time() - began_cpu, 2)  # every thread's: the day's check runs in its own
    if title == "Overview":
        first_view, first_view_cpu = round(time.monotonic() - spawned, 2), round(time.process_time(), 2)
        # Drawn from the kept summary, the page says which sections are still being worked out in the background
        # and polls for them (every second in a browser): run again until none is, for the whole Overview.
        waited = time.perf_counter()
        pending = [i.value for i in app.info if i.value.startswith("Working out")]
        from_summary = bool(pending)
        while pending and time.perf_counter() - waited < timeout:
            time.sleep(0.25)
            app.run()
            pending = [i.value for i in app.info if i.value.startswith("Working out")]
        complete = round(time.monotonic() - spawned, 2)
        # The other pages are timed once the day's page data exists: the Overview starts building it in a
        # thread of its own (dashboard/state.py, threads named flowreg-pages-<day>); how long that takes after
        # the first view is reported beside them.
        for thread in threading.enumerate():
            if thread.name.startswith(("flowreg-pages-", "flowreg-overview-")):
                thread.join()
        prepared = round(time.perf_counter() - waited, 2)
    drawn = [t.value for t in app.title]
    if app.exception or drawn != [title]:
        errors[title] = [e.value for e in app.exception] or [f"drew {drawn}"]
print(json.dumps({"page_s": seconds, "page_cpu_s": cpu, "errors": errors, "first_view_s": first_view,
                  "first_view_cpu_s": first_view_cpu, "prepared_s": prepared, "complete_s": complete,
                  "from_summary": from_summary}))
"""


def measure_pages(results: dict[str, Any], store_path: Path, workdir: Path, *, timeout_s: float = 900) -> None:
    """Every page of the dashboard once the day's results exist, in a fresh process whose first page is the
    Overview, the others once the page data the Overview starts building in the background is made (how long
    that took after the first view: `dashboard_pages_prepared_s`): `page_s` per page, and `page_max_s` the
    slowest after the Overview (target: at most 2 s at L, `page_slowest` names it); the Overview's time from the
    process's start, interpreter and imports included, is `dashboard_first_view_apptest_s` (target: at most
    3 s), and the process's peak memory `dashboard_peak_rss_mb`. Each page's CPU time (`page_cpu_s`) is beside
    its seconds."""
    config = workdir / "dashboard-config"  # no access policy of the user's: local mode, the local user an admin
    config.mkdir(exist_ok=True)
    environment = {key: value for key, value in os.environ.items() if key != "FLOWREG_ACCESS"}
    environment.update(PYTHONPATH=str(REPO), FLOWREG_STORE=str(store_path), XDG_CONFIG_HOME=str(config))
    done = run_child(python_child(PAGES_SCRIPT, str(APP), AS_OF.isoformat(), str(timeout_s),
                                  json.dumps(dashboard_pages()), repr(time.monotonic())), environment)
    if done.returncode != 0:
        raise RuntimeError(f"the dashboard pages' script failed ({done.returncode})")
    drawn = json.loads(done.stdout.strip().splitlines()[-1])
    pages: dict[str, float] = drawn["page_s"]
    results["page_s"] = pages
    results["page_cpu_s"] = drawn["page_cpu_s"]
    # The pages after the first view (target: at most 2 s each at L); the first view has its own target.
    later = {title: seconds for title, seconds in pages.items() if title != "Overview"}
    results["page_max_s"] = max(later.values())
    results["page_slowest"] = max(later, key=lambda title: later[title])
    results["dashboard_first_view_apptest_s"] = drawn["first_view_s"]
    results["dashboard_first_view_apptest_cpu_s"] = drawn["first_view_cpu_s"]
    results["dashboard_pages_prepared_s"] = drawn["prepared_s"]  # after the first view, before the other pages
    results["dashboard_overview_complete_apptest_s"] = drawn["complete_s"]  # Coming up and the trend filled in
    results["dashboard_first_view_apptest_from_summary"] = drawn["from_summary"]
    results["dashboard_peak_rss_mb"] = done.peak_rss_mb
    results["dashboard_pages_cpu_s"] = done.cpu_s
    if drawn["errors"]:
        results["page_errors"] = drawn["errors"]
    for title, seconds in pages.items():
        print(f"{'page ' + title:>28}: {seconds} (CPU {results['page_cpu_s'][title]})", file=sys.stderr, flush=True)


def run(size: str, workdir: Path, skip: set[str], start_neo4j: bool) -> dict[str, Any]:
    results: dict[str, Any] = {"size": size}
    registry = timed(results, "generate_s", lambda: generate_registry(size))
    results["flows"] = len(registry.flows)
    manifest_path = workdir / f"registry-{size}.json"
    manifest_path.write_text(manifests.dump(registry, "json"), encoding="utf-8")
    workbook_path = workdir / f"inventory-{size}.xlsx"
    if "inventory" not in skip:
        workbook_path.write_bytes(template.workbook_bytes(registry))
    del registry
    store_path = workdir / f"registry-{size}.sqlite"
    timed(results, "import_s", lambda: Service.open(store_path, actor="bench", create=True).import_file(manifest_path))
    if "inventory" not in skip:
        # The same registry as the inventory workbook, into an empty store of its own (target: at most 2x import_s).
        xlsx_store = workdir / f"registry-{size}-xlsx.sqlite"
        timed(results, "import_xlsx_s", lambda: Service.open(xlsx_store, actor="bench", create=True).import_manifest(
            inventory.load(workbook_path)))
        results["import_xlsx_ratio"] = round(results["import_xlsx_s"] / results["import_s"], 2)
    phases = results["peak_rss_phases_mb"] = {"import": peak_rss_mb()}

    service = Service.open(store_path, actor="bench")  # a fresh process's view: nothing cached
    registry = timed(results, "load_s", service.registry)
    phases["load"] = peak_rss_mb()
    findings = timed(results, "check_s", lambda: service.check(AS_OF))
    results["check_ratio"] = round(results["check_s"] / results["load_s"], 2)
    phases["check"] = peak_rss_mb()
    results["findings"] = len(findings)
    if "fresh" not in skip:
        measure_fresh_process(results, store_path)
    if "pages" not in skip:
        measure_pages(results, store_path, workdir)
    if "house_rules" not in skip:
        # The same full check with and without 20 house rules, each from scratch (target at L: at most 1.2).
        reference = load_reference()
        ruled = registry.model_copy(update={"policies": twenty_house_rules()})
        counted: dict[str, int] = {}

        def full_check(judged: Registry, key: str) -> None:
            counted[key] = len(CheckState(judged, reference, AS_OF).findings)

        timed(results, "check_plain_s", lambda: full_check(registry, "plain"))
        timed(results, "check_house_rules_s", lambda: full_check(ruled, "ruled"))
        results["house_rule_findings"] = counted["ruled"] - counted["plain"]
        results["house_rules_overhead"] = round(results["check_house_rules_s"] / results["check_plain_s"], 3)
        del ruled
    fragment = one_processor(registry)
    timed(results, "register_ms", lambda: service.register(fragment, source="bench"), scale=1000, digits=1)
    after = timed(results, "incremental_ms", lambda: service.check(AS_OF), scale=1000, digits=1)
    results["incremental_new_findings"] = len(after) - len(findings)
    phases["register"] = peak_rss_mb()

    measure_time_questions(results, service, store_path, workdir)
    phases["time_questions"] = peak_rss_mb()

    from dashboard.models.overview import OverviewModel

    overview = OverviewModel(service.snapshot(AS_OF))  # the day's check, as the dashboard takes it
    timed(results, "overview_s", lambda: overview.overview)

    results["peak_rss_before_exports_mb"] = phases["overview"] = peak_rss_mb()
    formats = [fmt for fmt in exports.FORMATS if fmt not in skip and "exports" not in skip]
    if formats:
        tables = timed(results, "export_tables_s", lambda: service.export_tables(AS_OF))
        results["export_rows"] = sum(len(table.rows) for table in tables.select("all"))
    for fmt in formats:
        timed(results, f"export_{fmt}_s", lambda fmt=fmt: exports.write(tables, fmt, "all", workdir / "exports"))
    if formats:
        # What a user waits for per format (target: at most 60 s at L): the tables, then the format's writing.
        results["exports_s"] = {fmt: round(results["export_tables_s"] + results[f"export_{fmt}_s"], 2)
                                for fmt in formats}
        if {"csv", "xlsx"} <= set(formats):
            results["export_xlsx_vs_csv"] = round(results["export_xlsx_s"] / max(results["export_csv_s"], 0.01), 2)
        results["peak_rss_after_exports_mb"] = phases["exports"] = peak_rss_mb()
    results["peak_rss_mb"] = peak_rss_mb()

    if "neo4j" not in skip:
        with neo4j_uri(start_neo4j) as uri:
            if uri is None:
                print("no Neo4j (set NEO4J_URI or pass --neo4j-dev): sync not measured", file=sys.stderr)
            else:
                from benchmarks.neo4j_bench import measure_sync

                target = Service.open(uri, actor="bench", create=True)
                try:
                    results.update(measure_sync(service.store, target.store, subset=min(5_000, results["flows"])))
                finally:
                    target.close()
    return results


# Shown run by run beside the medians, so a reader sees how far the runs lie apart.
HEADLINE = ("load_s", "check_s", "check_ratio", "fresh_check_s", "dashboard_first_view_s",
            "dashboard_first_view_apptest_s", "dashboard_overview_complete_s", "page_max_s", "incremental_ms",
            "peak_rss_mb")


def medians(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The median of every numeric key over the runs that have it (nested objects key by key, as `page_s`);
    other values kept when every run agrees on them."""
    merged: dict[str, Any] = {}
    for key in dict.fromkeys(key for run in runs for key in run):
        values = [run[key] for run in runs if key in run]
        if all(isinstance(v, int | float) and not isinstance(v, bool) for v in values):
            middle = statistics.median(values)
            whole = all(isinstance(v, int) for v in values) and middle == int(middle)
            merged[key] = int(middle) if whole else round(middle, 3)  # counts stay counts
        elif all(isinstance(v, dict) for v in values):
            merged[key] = medians(values)
        elif all(v == values[0] for v in values):
            merged[key] = values[0]
    return merged


def summary(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The medians' line: `runs`, then every key's median, then the headline keys' values run by run."""
    return {"runs": len(runs), **medians(runs),
            "per_run": {key: [run.get(key) for run in runs] for key in HEADLINE if any(key in run for run in runs)}}


def measure_once(args: argparse.Namespace) -> None:
    """One run in this process (the runner's child): prints its JSON object as its last line."""
    with tempfile.TemporaryDirectory(prefix="flowreg-bench-") as temporary:
        workdir = args.workdir or Path(temporary)
        workdir.mkdir(parents=True, exist_ok=True)
        results = run(args.size, workdir, set(args.skip), args.neo4j_dev)
    print(json.dumps(results, sort_keys=False), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", choices=sorted(SIZES), default="S")
    parser.add_argument("--runs", type=int, default=1,
                        help="measure this many times, each in a fresh process; the last line holds the medians")
    parser.add_argument("--workdir", type=Path, help="where the manifest, store and exports go (default: a temp "
                                                     "dir); each run gets its subdirectory run-<n>")
    parser.add_argument("--skip", action="append", default=[],
                        choices=[*exports.FORMATS, "exports", "neo4j", "inventory", "house_rules", "fresh", "pages"],
                        help="leave out an export format, all exports, the Neo4j sync, the inventory workbook's "
                             "import, the check with 20 house rules, the fresh `flowreg check` and first-view "
                             "script, or the dashboard's pages (repeatable)")
    parser.add_argument("--neo4j-dev", action="store_true",
                        help="start the project's Neo4j dev server for the sync (needs java and mvn)")
    parser.add_argument("--once", action="store_true", help=argparse.SUPPRESS)  # a child: one run, no medians
    args = parser.parse_args()
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    if args.once:
        measure_once(args)
        return
    runs: list[dict[str, Any]] = []
    for number in range(1, args.runs + 1):
        # A fresh process per run: peak RSS is a process's, and no run inherits another's caches or heap.
        command = [sys.executable, str(Path(__file__).resolve()), "--once", "--size", args.size,
                   *(f"--skip={skipped}" for skipped in args.skip), *(["--neo4j-dev"] if args.neo4j_dev else [])]
        if args.workdir:
            command += ["--workdir", str(args.workdir / f"run-{number}")]
        print(f"run {number} of {args.runs}", file=sys.stderr, flush=True)
        done = subprocess.run(command, stdout=subprocess.PIPE, text=True, check=False)
        if done.returncode != 0:
            sys.exit(f"run {number} failed (exit {done.returncode})")
        runs.append(json.loads(done.stdout.strip().splitlines()[-1]))
        print(json.dumps(runs[-1]), flush=True)
    print(json.dumps(summary(runs)), flush=True)


if __name__ == "__main__":
    main()

"""The real thing: `flowreg dashboard` on a seeded store, every page opened in headless Chromium at two screen
sizes, and looked at: the main block does not overflow sideways, no "None" or "nan" reads where a person reads,
no error box or exception shows, and every chart has drawn. A screenshot of each page and size goes under
artifacts/screenshots/ (scripts/test installs Debian's chromium and chromium-driver).

Marked `size_m`, every page is looked at the same way on a generated size-M
registry (benchmarks/generate.py, 20,000 flows), whose first view shows the first check's progress.

Every wait polls for a condition with a generous timeout: nothing here depends on how fast the machine is.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from benchmarks.generate import generate_registry
from graph.sqlite import SQLiteStore
from registry.labels import RULE_SUMMARIES
from registry.service import Service
from tests.dashboard_process import running_dashboard

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parents[2]
SCREENSHOTS = REPO / "artifacts" / "screenshots"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--window-size=1440,1100"]
VIEWPORTS = ((1440, 1100), (1280, 800))
# Each page's url path and its title, which shows once the page has drawn.
PAGES = {"overview": "Overview", "findings": "Findings", "policies": "Policies", "transfers-map": "Transfers map",
         "graph-explorer": "Graph explorer", "entities": "Entities", "what-if": "What if",
         "register-processor": "Register processor", "import": "Import", "exports": "Exports",
         "change-log": "Change log"}
SIZE_M_PAGES = tuple(PAGES)  # every page must stay readable on a group-sized registry, not only the seed
# Generous: a page of the size-M registry waits for its first check, on a machine other tests share.
SETTLE_S = 600
DRAW_S = 120
# What a person must never read: Python's and pandas' words for a missing value.
MISSING = re.compile(r"\b(None|nan|NaN)\b")

# The page has drawn: the app's script has run to its end (Streamlit marks that on its root element), the page's
# title shows, and no spinner or progress bar is left.
SETTLED = """
const app = document.querySelector('[data-testid="stApp"]');
const main = document.querySelector('[data-testid="stMainBlockContainer"]');
if (!app || !main || app.dataset.testScriptState !== 'notRunning') return false;
const titled = [...main.querySelectorAll('h1')].some(h => h.innerText.trim() === arguments[0]);
const busy = document.querySelector('[data-testid="stStatusWidgetRunningIcon"], [data-testid="stSpinner"], '
                                    + '[data-testid="stProgress"], [data-testid="stSkeleton"]');
return titled && !busy;
"""
# Each visible chart: its size, whether plotly drew its SVG, how many traces and non-empty canvases it holds.
CHARTS = """
return [...document.querySelectorAll('[data-testid="stPlotlyChart"]')]
  .filter(chart => chart.offsetParent !== null)
  .map(chart => {
    const box = chart.getBoundingClientRect();
    return {width: box.width, height: box.height, svg: chart.querySelectorAll('svg.main-svg').length,
            traces: chart.querySelectorAll('.trace').length,
            canvases: [...chart.querySelectorAll('canvas')].filter(c => c.width > 0 && c.height > 0).length};
  });
"""
OVERFLOW = """
const main = document.querySelector('[data-testid="stMainBlockContainer"]');
return [main.scrollWidth, main.clientWidth];
"""
# What a person reads beyond the first screen: every expander opened, and the cells of every table (drawn on a
# canvas; the grid keeps the rows it draws in an accessible table).
OPEN_EXPANDERS = "document.querySelectorAll('[data-testid=\"stExpander\"] details').forEach(d => { d.open = true; });"
TABLE_CELLS = """
return [...document.querySelectorAll('[data-testid="stDataFrame"] td')].map(cell => cell.textContent).join('\\n');
"""
ERROR_BOXES = """
return [...document.querySelectorAll('[data-testid="stException"], [data-testid="stAlertContentError"]')]
  .map(box => box.innerText.trim());
"""


@contextmanager
def dashboard(store: str, home: Path) -> Iterator[str]:
    """`flowreg dashboard` on `store`, in local mode, until the block ends; yields its URL."""
    with running_dashboard(Path(store), home, None, "--server.address", "127.0.0.1") as running:
        yield f"http://127.0.0.1:{running.port}"


def poll(condition: Any, timeout: float, what: str) -> None:
    """Wait until `condition()` holds, checking often; fail naming `what` after `timeout` seconds."""
    from selenium.common.exceptions import TimeoutException
    from selenium.webdriver.support.ui import WebDriverWait

    try:
        WebDriverWait(None, timeout, poll_frequency=0.2).until(lambda _: condition())
    except TimeoutException:
        raise AssertionError(f"timed out after {timeout}s waiting for {what}") from None


@pytest.fixture(scope="module")
def seeded_store(tmp_path_factory: pytest.TempPathFactory) -> Service:
    store = SQLiteStore(tmp_path_factory.mktemp("browser") / "registry.sqlite")
    service = Service(store, actor="seeder")
    service.seed()
    return service


@pytest.fixture(scope="module")
def dashboard_url(seeded_store: Service, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with dashboard(seeded_store.store.location, tmp_path_factory.mktemp("home")) as url:
        yield url


@pytest.fixture(scope="module")
def size_m_store(tmp_path_factory: pytest.TempPathFactory) -> str:
    store = SQLiteStore(tmp_path_factory.mktemp("size-m") / "registry.sqlite")
    Service(store, actor="generator").register(generate_registry("M"), source="benchmarks/generate.py --size M")
    store.close()
    return store.location


@pytest.fixture(scope="module")
def size_m_url(size_m_store: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with dashboard(size_m_store, tmp_path_factory.mktemp("home-m")) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not (Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()):
        message = "needs Debian's chromium and chromium-driver (scripts/test installs them)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service as DriverService

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    profile = tempfile.mkdtemp(prefix="flowreg-chromium-")
    for flag in [*FLAGS, f"--user-data-dir={profile}"]:
        options.add_argument(flag)
    driver = webdriver.Chrome(service=DriverService(executable_path=CHROMEDRIVER), options=options)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def expected_texts(service: Service) -> dict[str, list[str]]:
    """What each page must show, from the registry the dashboard serves (tables are canvases: no text there)."""
    registry = service.registry()
    today = datetime.now(UTC).date()
    findings = service.check(today)
    top_problem = RULE_SUMMARIES[findings[0].rule]  # the list shows problems; rule ids sit inside each one
    return {
        "overview": ["Cross-border transfers", "Countries data reaches", "Flows", str(len(registry.flows)),
                     "Open problems by what is wrong", registry.organisation.name if registry.organisation else "",
                     "Coming up: the next 90 days", "Open problems over time"],
        "findings": [f"{len(service.snapshot(today).problems())} problem(s) match ({len(findings)} finding(s)",
                     top_problem[:1].upper() + top_problem[1:]],
        "transfers-map": ["country pair(s) joined by cross-border flows", "Problem on this hop"],
        "graph-explorer": ["Centre on", "node(s)", "Hops"],
        "entities": ["Group companies", "Processors", "Safeguards", registry.group_companies[0].region],
        "what-if": ["A prepared scenario", "Judged as of", "Run the scenario"],
        "register-processor": ["Country of establishment", "Processing countries", "Register"],
        "import": ["Inventory file", "Nothing is written until you confirm"],
        "exports": ["Prepare files", "Manifest (backup of the whole registry)"],
        "change-log": [f"{len(service.log()):,} change(s)", "Record id"],
    }


def show_at(driver: Any, viewport: tuple[int, int]) -> None:
    """Make the page's viewport exactly `viewport` (CSS pixels), whatever the window's decorations take."""
    width, height = viewport
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                           {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False})


def look_at(driver: Any, url: str, page: str, viewport: tuple[int, int], shot: str,
            texts: Sequence[str] = ()) -> list[str]:
    """Open `page` at `viewport`, wait until it has drawn, keep a screenshot named `shot`, and say everything
    wrong with it (an empty list: nothing)."""
    from selenium.webdriver.common.by import By

    show_at(driver, viewport)
    driver.get(f"{url}/{page}")
    title = PAGES[page]
    problems: list[str] = []
    try:
        poll(lambda: driver.execute_script(SETTLED, title), SETTLE_S, f"the {title} page to draw")
        poll(lambda: all(drawn(chart) for chart in driver.execute_script(CHARTS)), DRAW_S,
             "every chart to draw")
    except AssertionError as error:
        problems.append(str(error))
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    assert driver.save_screenshot(str(SCREENSHOTS / f"{shot}.png"))
    driver.execute_script(OPEN_EXPANDERS)
    body = driver.find_element(By.TAG_NAME, "body").text
    read = body + "\n" + driver.execute_script(TABLE_CELLS)
    for number, chart in enumerate(driver.execute_script(CHARTS), 1):
        if not drawn(chart):
            problems.append(f"chart {number} has not drawn: {chart}")
    scroll_width, client_width = driver.execute_script(OVERFLOW)
    if scroll_width > client_width:
        problems.append(f"the main block overflows sideways: {scroll_width}px of content in {client_width}px")
    for found in sorted({m.group(0) for m in MISSING.finditer(read)}):
        lines = [line for line in read.splitlines() if re.search(rf"\b{found}\b", line)]
        problems.append(f"{found!r} shows where a person reads: {lines[:5]}")
    for box in driver.execute_script(ERROR_BOXES):
        problems.append(f"an error box shows: {box[:500]!r}")
    if "Page not found" in body:
        problems.append("Streamlit says: Page not found")
    missing = [text for text in texts if text not in body]
    if missing:
        problems.append(f"missing text: {missing}")
    return [f"{shot}: {problem}" for problem in problems]


def drawn(chart: dict[str, Any]) -> bool:
    return chart["width"] > 0 and chart["height"] > 0 and chart["svg"] > 0 \
        and (chart["traces"] > 0 or chart["canvases"] > 0)


@pytest.mark.parametrize("viewport", VIEWPORTS, ids=lambda v: f"{v[0]}x{v[1]}")
@pytest.mark.parametrize("page", list(PAGES))
def test_every_page_reads_well_in_a_real_browser(dashboard_url: str, browser: Any, seeded_store: Service,
                                                 page: str, viewport: tuple[int, int]) -> None:
    texts = expected_texts(seeded_store).get(page, [])
    problems = look_at(browser, dashboard_url, page, viewport, f"{page}-{viewport[0]}x{viewport[1]}", texts)
    assert not problems, "\n".join(problems)


@pytest.mark.size_m
def test_the_first_view_of_a_large_registry_shows_the_checks_progress(size_m_store: str, browser: Any,
                                                                       tmp_path: Path) -> None:
    """A dashboard of its own, which has checked nothing yet: its first page shows a progress bar while the
    20,000 flows are judged, then the page. (The bar is looked for every 0.1 s; the first check of 20,000 flows
    runs for seconds.)"""
    from selenium.webdriver.support.ui import WebDriverWait

    show_at(browser, VIEWPORTS[0])
    seen: list[str] = []

    def progress_or_page(driver: Any) -> bool:
        bars = driver.execute_script(
            "return [...document.querySelectorAll('[data-testid=\"stProgress\"]')].map(b => b.innerText)")
        checking = [text for text in bars if "first check of this registry" in text]
        if checking and not any("first check of this registry" in text for text in seen):
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            driver.save_screenshot(str(SCREENSHOTS / "first-view-size-m-1440x1100.png"))
        seen.extend(bars)
        return bool(driver.execute_script(SETTLED, "Graph explorer"))

    # The graph explorer: a page with little to compute besides the check (the Overview adds the trend's).
    with dashboard(size_m_store, tmp_path) as url:
        browser.get(f"{url}/graph-explorer")
        WebDriverWait(browser, SETTLE_S, poll_frequency=0.1).until(progress_or_page)
    assert any("first check of this registry" in text for text in seen), seen


@pytest.mark.size_m
@pytest.mark.parametrize("viewport", VIEWPORTS, ids=lambda v: f"{v[0]}x{v[1]}")
@pytest.mark.parametrize("page", SIZE_M_PAGES)
def test_the_large_registry_reads_well_in_a_real_browser(size_m_url: str, browser: Any, page: str,
                                                         viewport: tuple[int, int]) -> None:
    problems = look_at(browser, size_m_url, page, viewport, f"{page}-size-m-{viewport[0]}x{viewport[1]}")
    assert not problems, "\n".join(problems)


def test_the_root_url_opens_the_overview_at_its_own_address(dashboard_url: str, browser: Any) -> None:
    """`/` and `/overview` both show the Overview (a default page's own url_path used to answer "Page not found")."""
    from selenium.webdriver.common.by import By

    show_at(browser, VIEWPORTS[0])
    for address in (f"{dashboard_url}/", f"{dashboard_url}/overview"):
        browser.get(address)
        poll(lambda: browser.execute_script(SETTLED, "Overview"), SETTLE_S, "the Overview to draw")
        poll(lambda: browser.current_url.rstrip("/").endswith("/overview"), 30, "the address /overview")
        assert "Page not found" not in browser.find_element(By.TAG_NAME, "body").text


def test_the_what_if_page_runs_a_scenario_in_a_real_browser(dashboard_url: str, browser: Any,
                                                           seeded_store: Service) -> None:
    """The DPF falling, run from the page: the problems it opens and the transfers left without a fallback on the
    map, with a screenshot; the store is as it was."""
    from selenium.webdriver.common.by import By

    show_at(browser, VIEWPORTS[0])
    revision = seeded_store.store.revision()
    browser.get(f"{dashboard_url}/what-if")
    run_button = "//button[.//p[text()='Run the scenario']]"
    poll(lambda: browser.find_elements(By.XPATH, run_button), 60, "the Run the scenario button")
    browser.find_element(By.XPATH, run_button).click()

    def result() -> bool:
        body = browser.find_element(By.TAG_NAME, "body").text
        return "Transfers left without a fallback" in body and bool(browser.execute_script(SETTLED, "What if"))

    poll(result, SETTLE_S, "the scenario's result")
    poll(lambda: [c for c in browser.execute_script(CHARTS) if drawn(c)], DRAW_S, "the scenario's map to draw")
    body = browser.find_element(By.TAG_NAME, "body").text
    assert "Without a fallback" in body and "Download flowreg-what-if-" in body and "Traceback" not in body
    assert browser.save_screenshot(str(SCREENSHOTS / "what-if-result.png"))
    assert seeded_store.store.revision() == revision

"""The real thing: `flowreg dashboard` on a seeded store, every page opened in headless Chromium, with a
screenshot of each under artifacts/screenshots/ (scripts/test installs Debian's chromium and chromium-driver)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from graph.sqlite import SQLiteStore
from registry.labels import RULE_SUMMARIES
from registry.service import Service

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parents[2]
SCREENSHOTS = REPO / "artifacts" / "screenshots"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--window-size=1440,1100"]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def flowreg_command() -> list[str]:
    script = Path(sys.executable).parent / "flowreg"
    return [str(script)] if script.exists() else [sys.executable, "-m", "registry.cli"]


@pytest.fixture(scope="module")
def seeded_store(tmp_path_factory: pytest.TempPathFactory) -> Service:
    store = SQLiteStore(tmp_path_factory.mktemp("browser") / "registry.sqlite")
    service = Service(store, actor="seeder")
    service.seed()
    return service


@pytest.fixture(scope="module")
def dashboard_url(seeded_store: Service, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    port = free_port()
    home = tmp_path_factory.mktemp("home")
    env = dict(os.environ, XDG_CONFIG_HOME=str(home / "config"), HOME=str(home))
    env.pop("FLOWREG_ACCESS", None)
    log = (home / "dashboard.log").open("w")
    process = subprocess.Popen(
        [*flowreg_command(), "--store", seeded_store.store.location, "dashboard", "--server.port", str(port),
         "--server.address", "127.0.0.1"], env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as answer:
                    if answer.read() == b"ok":
                        break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"dashboard did not start: {(home / 'dashboard.log').read_text()}")
            time.sleep(0.3)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
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
        "": ["Cross-border transfers", "Countries data reaches", "Flows", str(len(registry.flows)),
                     "Open problems by what is wrong", registry.organisation.name if registry.organisation else "",
                     "Coming up: the next 90 days", "Open problems over time"],
        "findings": [f"{len(service.snapshot(today).problems())} problem(s) match ({len(findings)} finding(s)",
                     top_problem[:1].upper() + top_problem[1:]],
        "transfers-map": ["country pair(s) joined by cross-border flows", "Show the flows of"],
        "graph-explorer": ["Centre on", "node(s)", "Hops"],
        "entities": ["Group companies", "Processors", "Safeguards", registry.group_companies[0].region],
        "what-if": ["A prepared scenario", "Judged as of", "Run the scenario"],
        "register-processor": ["Country of establishment", "Processing countries", "Register"],
        "import": ["Inventory file", "Nothing is written until you confirm"],
        "exports": ["Prepare files", "Manifest (backup of the whole registry)"],
        "change-log": [f"{len(service.log()):,} change(s)", "Record id"],
    }


def test_every_page_in_a_real_browser(dashboard_url: str, browser: object, seeded_store: Service) -> None:
    from selenium.common.exceptions import TimeoutException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    driver = browser
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for page, texts in expected_texts(seeded_store).items():
        driver.get(f"{dashboard_url}/{page}")  # type: ignore[attr-defined]
        name = page or "overview"

        def shown(d: object, texts: list[str] = texts) -> bool:
            body = d.find_element(By.TAG_NAME, "body").text  # type: ignore[attr-defined]
            return all(t in body for t in texts) and "Running..." not in body and "Page not found" not in body

        try:
            WebDriverWait(driver, 30).until(shown)
        except TimeoutException:
            body = driver.find_element(By.TAG_NAME, "body").text  # type: ignore[attr-defined]
            driver.save_screenshot(str(SCREENSHOTS / f"{name}-failed.png"))  # type: ignore[attr-defined]
            raise AssertionError(f"{name}: missing {[t for t in texts if t not in body]}\n{body[:2000]}") from None
        body = driver.find_element(By.TAG_NAME, "body").text  # type: ignore[attr-defined]
        assert "Traceback" not in body and "Error" not in body.split("Overview")[0], body[:1000]
        assert "Page not found" not in body
        if name in ("overview", "transfers-map", "graph-explorer"):
            WebDriverWait(driver, 20).until(lambda d: d.find_elements(By.CSS_SELECTOR, ".js-plotly-plot"))
            time.sleep(1.5)  # let plotly finish drawing before the picture
        assert driver.save_screenshot(str(SCREENSHOTS / f"{name}.png"))  # type: ignore[attr-defined]


def test_the_what_if_page_runs_a_scenario_in_a_real_browser(dashboard_url: str, browser: object,
                                                           seeded_store: Service) -> None:
    """The DPF falling, run from the page: the problems it opens and the transfers left without a fallback on the
    map, with a screenshot; the store is as it was."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    driver = browser
    revision = seeded_store.store.revision()
    driver.get(f"{dashboard_url}/what-if")  # type: ignore[attr-defined]
    WebDriverWait(driver, 30).until(lambda d: d.find_elements(By.XPATH, "//button[.//p[text()='Run the scenario']]"))
    driver.find_element(By.XPATH, "//button[.//p[text()='Run the scenario']]").click()  # type: ignore[attr-defined]

    def result(d: object) -> bool:
        body = d.find_element(By.TAG_NAME, "body").text  # type: ignore[attr-defined]
        return "Transfers left without a fallback" in body and "Running..." not in body

    WebDriverWait(driver, 60).until(result)
    WebDriverWait(driver, 20).until(lambda d: d.find_elements(By.CSS_SELECTOR, ".js-plotly-plot"))
    time.sleep(1.5)  # let plotly finish drawing before the picture
    body = driver.find_element(By.TAG_NAME, "body").text  # type: ignore[attr-defined]
    assert "Without a fallback" in body and "Download flowreg-what-if-" in body and "Traceback" not in body
    assert driver.save_screenshot(str(SCREENSHOTS / "what-if-result.png"))  # type: ignore[attr-defined]
    assert seeded_store.store.revision() == revision

"""The web app in a real headless Chromium: golden path, bad uploads, accessibility, screenshots.

The app runs as ``hyperpath serve`` in a subprocess on a free port against a
fresh workspace. These tests FAIL (never skip) when Debian's chromium and
chromium-driver are missing: ``make test`` installs them. Screenshots of every
page go to ``$HYPERPATH_ARTIFACTS`` (default ``build/test-artifacts``).
axe-core comes from the ``axe-core-python`` package (no network).
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException, WebDriverException
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import Select, WebDriverWait

from eventlogs.engine import connect
from eventlogs.load import load_log
from mining.dfg import discover_dfg
from mining.simplify import keep_activities
from tests.conftest import REPO, shared_log, snapshot
from tests.test_bad_input import BILLION_LAUGHS

ARTIFACTS = Path(os.environ.get("HYPERPATH_ARTIFACTS", REPO / "build" / "test-artifacts"))
WAIT_S = 90


# --- the server and the browser -------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Served:
    """A running ``hyperpath serve`` and its workspace."""

    def __init__(self, workspace: Path, preload: list[Path]) -> None:
        with connect(workspace) as con:
            for path in preload:
                load_log(con, path)
        self.workspace = workspace
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = workspace.with_suffix(".log").open("w")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "app.cli",
                "serve",
                "--workspace",
                str(workspace),
                "--port",
                str(self.port),
            ],
            cwd=workspace.parent,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            env={**os.environ, "HYPERPATH_CONFIG": ""},
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert self.process.poll() is None, workspace.with_suffix(".log").read_text()
            try:
                with urllib.request.urlopen(self.url + "/", timeout=2) as response:
                    if response.status == 200:
                        return
            except OSError:
                time.sleep(0.3)
        raise AssertionError("the app did not start within 60 s")

    def stop(self) -> None:
        if self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)  # the server and its background jobs
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        self.log.close()


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[Callable[..., Served]]:
    """Start the app on a fresh workspace, optionally holding some logs already."""
    started: list[Served] = []

    def start(*preload: Path) -> Served:
        started.append(Served(tmp_path / "ws.duckdb", list(preload)))
        return started[-1]

    yield start
    for served in started:
        served.stop()


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebDriver]:
    """Headless Debian Chromium through chromedriver; a missing browser is a failure.

    Downloads land in ``downloads(browser)``, a fresh folder.
    """
    chromium, driver = shutil.which("chromium"), shutil.which("chromedriver")
    assert chromium and driver, (
        "Debian's chromium and chromium-driver are required (make test installs them)"
    )
    options = Options()
    for arg in (
        "--headless=new",
        "--no-sandbox",
        "--disable-dev-shm-usage",
        "--window-size=1366,900",
    ):
        options.add_argument(arg)
    options.binary_location = chromium
    folder = tmp_path_factory.mktemp("downloads")
    prefs = {"download.default_directory": str(folder), "download.prompt_for_download": False}
    options.add_experimental_option("prefs", prefs)
    chrome = webdriver.Chrome(service=Service(driver), options=options)
    chrome.execute_cdp_cmd(
        "Page.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(folder)}
    )
    _DOWNLOADS[id(chrome)] = folder
    yield chrome
    chrome.quit()


# --- helpers ---------------------------------------------------------------------------------

_DOWNLOADS: dict[int, Path] = {}


def downloads(browser: WebDriver) -> Path:
    """The folder the browser saves downloads in."""
    return _DOWNLOADS[id(browser)]


def downloaded(browser: WebDriver, suffix: str) -> Path:
    """Wait for a finished download ending in ``suffix``; return it."""
    found = wait_for(
        browser,
        lambda b: sorted(downloads(b).glob(f"*{suffix}")),
        f"a {suffix} download",
    )
    return Path(found[-1])


def assumption_input(browser: WebDriver, name: str) -> Any:
    """The input of one assumption on the Business case page ('build_cost_gbp.high')."""
    wrapper = "assumption-" + name.replace(".", "-")
    return browser.find_element(By.CSS_SELECTOR, f"#{wrapper} input, #{wrapper} select")


def set_assumption(browser: WebDriver, name: str, value: str) -> None:
    """Type a new value and leave the field (the form updates on blur)."""
    field = assumption_input(browser, name)
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'});", field)
    field.send_keys(Keys.CONTROL, "a")
    field.send_keys(value, Keys.TAB)


def wait_for(browser: WebDriver, condition: Callable[[WebDriver], Any], what: str) -> Any:
    """Poll ``condition`` until it is truthy (stale elements mean: not yet)."""

    def check(driver: WebDriver) -> Any:
        try:
            return condition(driver)
        except (StaleElementReferenceException, WebDriverException):
            return False

    try:
        return WebDriverWait(browser, WAIT_S, poll_frequency=0.25).until(check)
    except Exception as exc:
        shot(browser, "failure-" + what.replace(" ", "-")[:40])
        alert = _visible_text(browser, "error-alert")
        raise AssertionError(f"timed out waiting for {what}; error alert: {alert!r}") from exc


def _visible_text(browser: WebDriver, element_id: str) -> str:
    found = browser.find_elements(By.ID, element_id)
    return found[0].text if found and found[0].is_displayed() else ""


def settle(browser: WebDriver) -> None:
    """Wait until Dash has no callback running (it titles the page 'Updating…' meanwhile)."""
    quiet = 0

    def idle(b: WebDriver) -> bool:
        nonlocal quiet
        quiet = 0 if b.title.startswith("Updating") else quiet + 1
        return quiet >= 3

    wait_for(browser, idle, "Dash to settle")


def shot(browser: WebDriver, name: str) -> Path:
    """Save a screenshot of the whole page under the artefacts folder."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    height = browser.execute_script("return document.body.scrollHeight")
    browser.set_window_size(1366, max(900, min(int(height) + 40, 4000)))
    browser.save_screenshot(str(path))
    browser.set_window_size(1366, 900)
    return path


def click(browser: WebDriver, element: Any) -> None:
    """Scroll an element to the middle of the window, point at it, then click (plotly needs the hover)."""
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'});", element)
    webdriver.ActionChains(browser).move_to_element(element).pause(0.4).click().perform()


def press(browser: WebDriver, element: Any) -> None:
    """Activate a button or link (a click event on the element itself, wherever the layout moves)."""
    browser.execute_script(
        "arguments[0].scrollIntoView({block: 'center'}); arguments[0].click();", element
    )


def upload(browser: WebDriver, path: Path) -> None:
    """Drop a file on the upload box (through its hidden file input)."""
    browser.find_element(By.CSS_SELECTOR, "#upload input[type=file]").send_keys(str(path))


def dataset_rows(browser: WebDriver) -> list[str]:
    """The names in the datasets table."""
    rows = browser.find_elements(By.CSS_SELECTOR, "#dataset-rows tbody tr")
    return [r.find_elements(By.TAG_NAME, "td")[1].text for r in rows]


def map_nodes(browser: WebDriver) -> int:
    """Activity nodes drawn on the process map (points of its 'activities' trace)."""
    return int(
        browser.execute_script(
            "const g = document.querySelector('#map-graph .js-plotly-plot');"
            "const t = g && g.data && g.data.find(d => d.name === 'activities');"
            "return t ? t.x.length : -1;"
        )
    )


def _has_text(element_id: str) -> Callable[[WebDriver], str]:
    """A condition: the element's text, once it has some."""
    return lambda b: b.find_element(By.ID, element_id).text.strip()


def click_step(browser: WebDriver, activity: str) -> None:
    """Click a step of the map: point at its box, then plotly's click event on that very point.

    The mouse alone is not enough on a busy machine: plotly reports the point it
    last hovered, and a path label passed on the way may still be that point.
    """
    point = browser.execute_script(
        "const g = document.querySelector('#map-graph .js-plotly-plot');"
        "const c = g.data.findIndex(d => d.name === 'activities');"
        "const i = g.data[c].customdata.findIndex(d => d[1] === arguments[0]);"
        "return [c, i];",
        activity,
    )
    element = browser.find_elements(
        By.CSS_SELECTOR, "#map-graph .scatterlayer .trace:last-child .point"
    )[point[1]]
    click(browser, element)
    browser.execute_script(
        "const g = document.querySelector('#map-graph .js-plotly-plot');"
        "g.emit('plotly_click', {points: [{curveNumber: arguments[0], pointNumber: arguments[1]}]});",
        *point,
    )


def error_after(browser: WebDriver, expected: str) -> str:
    """Wait for the global error alert to show ``expected``; return its text."""
    return wait_for(
        browser,
        lambda b: expected in _visible_text(b, "error-alert") and _visible_text(b, "error-alert"),
        f"error {expected}",
    )


def dismiss_error(browser: WebDriver) -> None:
    """Close the error alert so the next one can be told apart."""
    for button in browser.find_elements(By.CSS_SELECTOR, "#error-alert .btn-close"):
        button.click()
    wait_for(browser, lambda b: not _visible_text(b, "error-alert"), "the alert to close")


def load_through_the_form(browser: WebDriver, path: Path, *, name: str) -> None:
    """Upload, check the detected mapping, rename, press Load and wait for the notice."""
    upload(browser, path)
    wait_for(
        browser, lambda b: b.find_element(By.ID, "load-button").is_enabled(), "the mapping form"
    )
    settle(browser)
    mapping = {
        role: Select(
            browser.find_element(By.ID, f"mapping-{role}")
        ).first_selected_option.get_attribute("value")
        for role in ("case", "activity", "timestamp")
    }
    assert mapping == {
        "case": "case:concept:name",
        "activity": "concept:name",
        "timestamp": "time:timestamp",
    }
    field = browser.find_element(By.ID, "dataset-name")
    field.clear()
    field.send_keys(name)
    press(browser, browser.find_element(By.ID, "load-button"))
    wait_for(
        browser, lambda b: f"Loaded '{name}'" in _visible_text(b, "notice-alert"), f"{name} to load"
    )


def go_to(browser: WebDriver, page: str) -> None:
    """Follow a navigation link (it carries the dataset and filter)."""
    press(browser, browser.find_element(By.LINK_TEXT, page))
    wait_for(browser, lambda b: b.find_element(By.TAG_NAME, "h1").text == page, f"the {page} page")


def oracle_activities(path: Path) -> dict[str, int]:
    """Activity -> events, computed by the library on the same file (the map must agree)."""
    con = connect(":memory:")
    load_log(con, path)
    return dict(discover_dfg(con, 1).activities)


# --- the tests -------------------------------------------------------------------------------


@pytest.mark.slow
def test_golden_path_upload_csv_and_xes_map_slider_click_variants(
    serve: Callable[..., Served], browser: WebDriver
) -> None:
    served = serve()
    browser.get(served.url + "/")
    wait_for(browser, lambda b: b.find_element(By.ID, "upload"), "the datasets page")
    csv_log = shared_log("running-example.csv.gz")
    load_through_the_form(browser, csv_log, name="running-csv")
    assert "dataset=1" in browser.current_url
    wait_for(browser, lambda b: dataset_rows(b) == ["running-csv"], "the new dataset in the table")
    shot(browser, "01-datasets-after-csv-load")

    expected = oracle_activities(csv_log)
    go_to(browser, "Process map")
    wait_for(browser, lambda b: map_nodes(b) == len(expected), f"{len(expected)} nodes on the map")
    assert (
        f"{len(expected)} of {len(expected)} activities"
        in browser.find_element(By.ID, "map-summary").text
    )
    shot(browser, "02-process-map")

    slider = browser.find_element(By.ID, "map-activities")  # a range input, moved by keyboard
    browser.execute_script(
        "arguments[0].scrollIntoView({block: 'center'}); arguments[0].focus();", slider
    )
    slider.send_keys(Keys.HOME)  # 5% of events: the fewest activities
    fewer = len(keep_activities(expected, 0.05))
    wait_for(browser, lambda b: map_nodes(b) == fewer, f"{fewer} nodes after the slider")
    assert fewer < len(expected)
    slider.send_keys(Keys.END)
    wait_for(browser, lambda b: map_nodes(b) == len(expected), "all nodes back")
    settle(browser)

    click_step(browser, "register request")
    detail = wait_for(
        browser,
        lambda b: (
            "Step:" in b.find_element(By.ID, "map-detail").text
            and b.find_element(By.ID, "map-detail").text
        ),
        "the step details",
    )
    assert "Cases" in detail and "Events" in detail
    shot(browser, "03-process-map-step-details")

    go_to(browser, "Variants")
    wait_for(
        browser,
        lambda b: b.find_elements(By.CSS_SELECTOR, "#variant-list .list-group-item"),
        "the variants",
    )
    settle(browser)
    assert "6 variants over 6 cases" in browser.find_element(By.ID, "variant-list").text
    press(browser, browser.find_elements(By.CSS_SELECTOR, "#variant-list .list-group-item")[0])
    wait_for(
        browser,
        lambda b: "Variant #1" in b.find_element(By.ID, "variant-cases").text,
        "a variant's cases",
    )
    shot(browser, "04-variants")

    xes_log = shared_log("receipt.xes.gz")
    go_to(browser, "Datasets")
    load_through_the_form(browser, xes_log, name="receipt")
    wait_for(browser, lambda b: dataset_rows(b) == ["running-csv", "receipt"], "two datasets")
    go_to(browser, "Process map")
    receipt = oracle_activities(xes_log)
    wait_for(browser, lambda b: map_nodes(b) == len(receipt), f"{len(receipt)} nodes for receipt")
    shot(browser, "05-process-map-receipt")
    opportunities_to_downloads(browser)


def opportunities_to_downloads(browser: WebDriver) -> None:
    """The end of the golden path (receipt): the top candidate explained, an assumption changed
    and the NPV with it, then the workbook and the one-page summary downloaded and opened."""
    import openpyxl

    go_to(browser, "Opportunities")
    rows = wait_for(
        browser,
        lambda b: b.find_elements(By.CSS_SELECTOR, "#opp-table tbody tr"),
        "the ranked steps",
    )
    top = rows[0].find_element(By.TAG_NAME, "button").text
    explained = wait_for(
        browser,
        lambda b: (
            f"Step: {top}" in _visible_text(b, "opp-detail") and _visible_text(b, "opp-detail")
        ),
        "the top step explained",
    )
    assert "Criteria" in explained and "Sensitivity to the weights" in explained
    assert browser.find_elements(By.CSS_SELECTOR, "#opp-detail table tbody tr")
    settle(browser)
    shot(browser, "06-opportunities")
    second = browser.find_elements(By.CSS_SELECTOR, "#opp-table tbody tr button")[1]
    name = second.text
    press(browser, second)
    wait_for(
        browser,
        lambda b: f"Step: {name}" in _visible_text(b, "opp-detail"),
        "another step explained",
    )

    go_to(browser, "Business case")
    before = wait_for(browser, lambda b: _visible_text(b, "bc-npv"), "the NPV")
    settle(browser)
    assert before == "£0"  # receipt: no candidate pays for its build and licence by default
    set_assumption(browser, "rpa_licence_gbp_per_bot_year", "0")
    set_assumption(browser, "build_cost_gbp.high", "0")
    after = wait_for(
        browser,
        lambda b: _visible_text(b, "bc-npv") not in ("", before) and _visible_text(b, "bc-npv"),
        "the NPV to change",
    )
    assert after.startswith("£") and after != before
    settle(browser)
    shot(browser, "07-business-case")

    go_to(browser, "Roadmap")
    wait_for(
        browser, lambda b: b.find_elements(By.CSS_SELECTOR, "#roadmap-table tbody tr"), "the waves"
    )
    shot(browser, "08-roadmap")
    press(browser, browser.find_element(By.ID, "download-xlsx"))
    book = openpyxl.load_workbook(downloaded(browser, ".xlsx"))
    assert "Summary" in book.sheetnames
    press(browser, browser.find_element(By.ID, "download-pdf"))
    pdf = downloaded(browser, ".pdf")
    assert pdf.read_bytes().startswith(b"%PDF")
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True)
    assert "Pages:           1" in info.stdout


@pytest.mark.slow
def test_bad_uploads_show_a_clear_error_and_keep_the_datasets(
    serve: Callable[..., Served], browser: WebDriver, tmp_path: Path
) -> None:
    served = serve(shared_log("running-example.xes.gz"))
    with connect(served.workspace, read_only=True) as con:
        before = snapshot(con)
    binary = tmp_path / "photo.bin"
    binary.write_bytes(bytes(range(256)) * 64)
    bomb = tmp_path / "laughs.xes"
    bomb.write_text(BILLION_LAUGHS)
    no_time = tmp_path / "no-timestamps.csv"
    no_time.write_bytes(b"case,activity,colour\n1,A,red\n1,B,blue\n")

    browser.get(served.url + "/")
    wait_for(browser, lambda b: dataset_rows(b) == ["running-example"], "the preloaded dataset")
    for path, message in ((binary, "binary file"), (bomb, "DOCTYPE")):
        upload(browser, path)
        assert path.name in error_after(browser, message)
        shot(browser, f"10-bad-upload-{path.stem}")
        dismiss_error(browser)
        assert dataset_rows(browser) == ["running-example"]

    upload(browser, no_time)
    wait_for(
        browser,
        lambda b: "no usable timestamp" in _visible_text(b, "preview-problem"),
        "the mapping problem",
    )
    settle(browser)
    press(browser, browser.find_element(By.ID, "load-button"))
    error_after(browser, "no usable timestamp column")
    shot(browser, "11-bad-upload-no-timestamps")
    assert dataset_rows(browser) == ["running-example"]
    served.stop()
    with connect(served.workspace, read_only=True) as con:
        assert snapshot(con) == before


@pytest.mark.slow
def test_every_page_passes_axe_and_is_captured(
    serve: Callable[..., Served], browser: WebDriver
) -> None:
    from axe_core_python.base import AXE_SCRIPT

    served = serve(shared_log("running-example.xes.gz"))
    pages = {
        "Datasets": ("/", "dataset-rows"),
        "Process map": ("/map", "map-summary"),
        "Variants": ("/variants", "variant-list"),
        "Opportunities": ("/opportunities", "opp-summary"),
        "Business case": ("/business-case", "bc-headline"),
        "Roadmap": ("/roadmap", "roadmap-waves"),
    }
    problems = {}
    for name, (path, ready) in pages.items():
        browser.get(f"{served.url}{path}?dataset=1")
        wait_for(browser, _has_text(ready), f"{name} to render")
        time.sleep(0.5)  # let the last callbacks settle
        shot(browser, f"20-page-{path.strip('/') or 'datasets'}")
        browser.execute_script(AXE_SCRIPT)
        result = browser.execute_async_script(
            "const done = arguments[arguments.length - 1];"
            "axe.run(document, {resultTypes: ['violations']}).then(done);"
        )
        bad = [
            f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
            for v in result["violations"]
            if v["impact"] in ("serious", "critical")
        ]
        if bad:
            problems[name] = bad
        fetched = browser.execute_script(
            "return performance.getEntriesByType('resource').map(e => e.name)"
        )
        assert [
            u for u in fetched if not u.startswith(served.url)
        ] == []  # nothing from the network
    assert problems == {}, "\n".join(
        f"{page}: {p}" for page, found in problems.items() for p in found
    )

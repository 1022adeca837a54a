"""The Bottlenecks and Backlog pages in real headless Chromium, on a real log, with axe-core.

The server, browser and helpers come from ``tests/test_app_browser.py``; these
tests FAIL (never skip) when Chromium is missing. What the pages show is
compared with the library's own results on the same file. Screenshots go to
``$HYPERPATH_ARTIFACTS`` (default ``build/test-artifacts``).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver

from eventlogs.engine import connect
from eventlogs.load import load_log
from mining.backlog import compute_backlog
from mining.bottlenecks import compute_bottlenecks
from mining.calendar import TimeBasis, WorkingCalendar
from tests import test_app_browser as fixtures
from tests.conftest import shared_log
from tests.test_app_browser import Served, press, settle, shot, wait_for

serve = fixtures.serve  # the fixtures, shared with the other browser tests
browser = fixtures.browser

RECEIPT = "receipt.xes.gz"


def first_ranked(path: Path, basis: TimeBasis) -> str:
    """The activity compute_bottlenecks ranks first on the same file."""
    con = connect(":memory:")
    load_log(con, path)
    found = compute_bottlenecks(con, 1, basis=basis, calendar=WorkingCalendar())
    return found.activities[0].activity


def periods(path: Path, freq: str) -> int:
    """How many periods compute_backlog gives for the file."""
    con = connect(":memory:")
    load_log(con, path)
    return len(compute_backlog(con, 1, freq=freq).periods)


def first_cell(browser: WebDriver) -> str:
    cells = browser.find_elements(By.CSS_SELECTOR, "#bn-table tbody tr:first-child td")
    return cells[0].text if cells else ""


def trace_length(browser: WebDriver, graph: str, name: str) -> int:
    """Points of the named trace of a plotly graph (-1 when not drawn yet)."""
    return int(
        browser.execute_script(
            "const g = document.querySelector(arguments[0] + ' .js-plotly-plot');"
            "const t = g && g.data && g.data.find(d => d.name === arguments[1]);"
            "return t ? t.x.length : -1;",
            f"#{graph}",
            name,
        )
    )


def choose(browser: WebDriver, group: str, label: str) -> None:
    """Pick a radio button by its label."""
    press(browser, browser.find_element(By.XPATH, f"//*[@id='{group}']//label[text()='{label}']"))


def axe_problems(browser: WebDriver) -> list[str]:
    """Serious and critical axe-core violations of the current page."""
    from axe_core_python.base import AXE_SCRIPT

    browser.execute_script(AXE_SCRIPT)
    result: dict[str, Any] = browser.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, {resultTypes: ['violations']}).then(done);"
    )
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


@pytest.mark.slow
def test_bottlenecks_page_ranks_like_the_library_and_toggles_working_time(
    serve: Callable[..., Served], browser: WebDriver
) -> None:
    path = shared_log(RECEIPT)
    served = serve(path)
    browser.get(f"{served.url}/bottlenecks?dataset=1")
    expected = first_ranked(path, "calendar")
    wait_for(browser, lambda b: first_cell(b) == expected, f"{expected} first in the table")
    wait_for(
        browser,
        lambda b: b.find_elements(By.CSS_SELECTOR, "#bn-findings li"),
        "the findings",
    )
    wait_for(browser, lambda b: trace_length(b, "bn-trend", expected) > 0, "the trend")
    assert trace_length(browser, "bn-bars", "waiting") > 0
    settle(browser)
    shot(browser, "30-bottlenecks-calendar")
    assert axe_problems(browser) == []

    choose(browser, "bn-basis", f"Working time ({WorkingCalendar().describe()})")
    wait_for(
        browser,
        lambda b: "working time" in b.find_element(By.ID, "bn-summary").text,
        "the working-time summary",
    )
    working = first_ranked(path, "working")
    wait_for(browser, lambda b: first_cell(b) == working, f"{working} first in working time")
    assert "working h" in browser.find_element(By.CSS_SELECTOR, "#bn-table tbody tr").text
    settle(browser)
    shot(browser, "31-bottlenecks-working")


@pytest.mark.slow
def test_backlog_page_draws_every_period_and_toggles_months(
    serve: Callable[..., Served], browser: WebDriver
) -> None:
    path = shared_log(RECEIPT)
    served = serve(path)
    browser.get(f"{served.url}/backlog?dataset=1")
    weeks, months = periods(path, "W"), periods(path, "M")
    assert months < weeks
    wait_for(
        browser,
        lambda b: trace_length(b, "backlog-chart", "open cases") == weeks,
        f"{weeks} weeks on the chart",
    )
    assert trace_length(browser, "backlog-chart", "arrivals") == weeks
    wait_for(browser, lambda b: trace_length(b, "backlog-queues", "queues") == weeks, "the queues")
    assert "Little's law" in browser.find_element(By.ID, "backlog-law").text
    assert "Over the last" in browser.find_element(By.ID, "backlog-law").text
    settle(browser)
    shot(browser, "32-backlog-weeks")
    assert axe_problems(browser) == []

    choose(browser, "backlog-freq", "Months")
    wait_for(
        browser,
        lambda b: trace_length(b, "backlog-chart", "open cases") == months,
        f"{months} months on the chart",
    )
    wait_for(browser, lambda b: trace_length(b, "backlog-queues", "queues") == months, "queues")
    settle(browser)
    shot(browser, "33-backlog-months")

"""App benchmark: page loads and map updates of ``hyperpath serve``, measured in headless Chromium.

A generated log (``make_logs.py``, 1M events by default) is loaded into a
workspace in ``bench/data/``; ``hyperpath serve`` runs on it in a subprocess on
a free port, and Debian's chromium (through chromedriver and selenium) drives
it. Every time is taken inside the browser with ``performance.now()``:

* page load, for every page linked in the navbar: navigation start -> the page
  content is mounted, Dash is idle (its title is not "Updating…") and every
  graph is drawn, then stays so for a second (the time is when it became so).
  The first run starts cold (browser cache and the server's result cache
  emptied); the other runs are warm.
* map after the activity slider: the slider's ``input`` event -> the number of
  nodes on the map changes (alternating 100% and 5%; the slider debounces
  400 ms, which is included). Cold runs empty the result cache first.
* map after a filter change: the click on Apply (top variants) or Reset -> the
  node count changes, alternating the two.

Per run it also sums the time a ``_dash-update-component`` request was in
flight (Resource Timing): the part spent waiting for the server, the rest being
the browser and the background-callback polling. Results go to
``bench/RESULTS-app.md`` and ``bench/data/runs-app.jsonl``.

    .venv/bin/python bench/bench_app.py                       # 1M events, 20 runs
    .venv/bin/python bench/bench_app.py --log sample_logs/receipt.xes.gz --runs 5

Imports: standard library, selenium, diskcache, eventlogs, the bench helpers.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path[:0] = [str(REPO), str(HERE)]

from app_report import QUIET_MS, facts_of, load_stats, write_results  # noqa: E402
from make_logs import DATA_DIR, ensure_logs, log_path, parse_size  # noqa: E402

# Installed before any page script runs: watches readiness and the map's node count every frame.
WATCHER_JS = """
(() => {
  performance.setResourceTimingBufferSize(100000);
  const s = window.__hp = {readyAt: null, watch: null, inputAt: null, changedAt: null};
  s.nodes = () => {
    const g = document.querySelector('#map-graph .js-plotly-plot');
    const t = g && g.data && g.data.find(d => d.name === 'activities');
    return t ? t.x.length : -1;
  };
  const ready = () => {
    if (document.title.startsWith('Updating')) return false;
    const main = document.getElementById('_pages_content');
    if (!main || !main.firstElementChild) return false;
    return [...main.querySelectorAll('.dash-graph')].every(g => g.querySelector('.main-svg'));
  };
  const tick = () => {
    const now = performance.now();
    if (!ready()) s.readyAt = null; else if (s.readyAt === null) s.readyAt = now;
    // -1 = no map drawn: a new URL re-renders the page, and its placeholder comes first
    const n = s.watch === null || s.inputAt === null || s.changedAt !== null ? -1 : s.nodes();
    if (n >= 0 && n !== s.watch) s.changedAt = now;
    requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
})();
"""
ARM_JS = """
const s = window.__hp, el = document.getElementById(arguments[0]);
s.watch = s.nodes(); s.inputAt = null; s.changedAt = null;
el.addEventListener(arguments[1], () => { if (s.inputAt === null) s.inputAt = performance.now(); },
                    {capture: true, once: true});
return s.watch;
"""
IN_FLIGHT_JS = """
return performance.getEntriesByType('resource')
  .filter(e => e.name.includes('_dash-update-component'))
  .map(e => [e.startTime, e.responseEnd]);
"""


# --- data, server, browser --------------------------------------------------------------------


def prepare_workspace(log: Path | None, events: int, data: Path) -> tuple[Path, str, str]:
    """(workspace, dataset id, description): the log loaded once into ``data/app_<name>.duckdb``."""
    from eventlogs.datasets import list_datasets
    from eventlogs.engine import connect
    from eventlogs.load import load_log

    if log is None:
        ensure_logs([events], data)
        log = log_path(data, events, "parquet")
    name = log.name.split(".")[0]
    workspace = data / f"app_{name}.duckdb"
    if not workspace.exists():
        started = time.perf_counter()
        with connect(workspace) as con:
            load_log(con, log)
        print(f"loaded {log.name} into {workspace.name} in {time.perf_counter() - started:.1f} s")
    with connect(workspace, read_only=True) as con:
        found = list_datasets(con)[0]
    return (
        workspace,
        str(found.dataset_id),
        f"{log.name}: {found.events:,} events, {found.cases:,} cases",
    )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(workspace: Path) -> tuple[subprocess.Popen[bytes], str]:
    """``hyperpath serve`` on a free port (its own process group); waits until it answers."""
    import urllib.request

    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    log = workspace.with_suffix(".serve.log").open("w")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "app.cli",
            "serve",
            "--workspace",
            str(workspace),
            "--port",
            str(port),
        ],
        cwd=REPO,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
        env={**os.environ, "HYPERPATH_CONFIG": ""},
    )
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline and process.poll() is None:
        try:
            with urllib.request.urlopen(url + "/", timeout=2):
                return process, url
        except OSError:
            time.sleep(0.3)
    stop_server(process)
    raise SystemExit(f"the app did not start; see {log.name}")


def stop_server(process: subprocess.Popen[bytes]) -> None:
    """Stop the server and its background jobs (its process group)."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def start_browser() -> Any:
    """Headless Debian chromium through chromedriver, with the watcher on every new document."""
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    chromium, driver = shutil.which("chromium"), shutil.which("chromedriver")
    if not (chromium and driver):
        raise SystemExit("Debian's chromium and chromium-driver are required (make system-deps)")
    options = Options()
    for arg in (
        "--headless=new",
        "--no-sandbox",
        "--disable-dev-shm-usage",
        "--window-size=1366,900",
    ):
        options.add_argument(arg)
    options.binary_location = chromium
    browser = webdriver.Chrome(service=Service(driver), options=options)
    browser.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": WATCHER_JS})
    browser.execute_cdp_cmd("Performance.enable", {})
    return browser


def busy_s(browser: Any) -> float:
    """Seconds the page's main thread has been busy (script, style, layout, paint) since it loaded."""
    metrics = browser.execute_cdp_cmd("Performance.getMetrics", {})["metrics"]
    return float(next(m["value"] for m in metrics if m["name"] == "TaskDuration"))


def clear_caches(browser: Any, workspace: Path) -> None:
    """Empty the browser's HTTP cache and the app's result cache (``<workspace>.cache/results``)."""
    import diskcache

    browser.execute_cdp_cmd("Network.clearBrowserCache", {})
    with diskcache.Cache(str(Path(f"{workspace}.cache") / "results")) as cache:
        cache.clear()


# --- measurements -----------------------------------------------------------------------------


def _poll(browser: Any, script: str, done: Callable[[Any], bool], timeout_s: float) -> Any:
    deadline = time.monotonic() + timeout_s
    while True:
        value = browser.execute_script(script)
        if done(value) or time.monotonic() > deadline:
            return value
        time.sleep(0.05)


def wait_ready(browser: Any, timeout_s: float) -> float | None:
    """Milliseconds since navigation start when the page became ready (and stayed so), or None."""
    state = _poll(
        browser,
        "return [window.__hp.readyAt, performance.now()];",
        lambda v: v[0] is not None and v[1] - v[0] >= QUIET_MS,
        timeout_s,
    )
    return float(state[0]) if state[0] is not None and state[1] - state[0] >= QUIET_MS else None


def in_flight_ms(browser: Any, start: float, end: float) -> tuple[float, int]:
    """Time within [start, end] with a callback request in flight, and the number of requests."""
    spans = sorted(
        (max(a, start), min(b, end))
        for a, b in browser.execute_script(IN_FLIGHT_JS)
        if b > start and a < end
    )
    total, reach = 0.0, start
    for a, b in spans:
        if b > reach:
            total += b - max(a, reach)
            reach = b
    return total, len(spans)


def page_load(browser: Any, url: str, timeout_s: float) -> dict[str, Any]:
    """One navigation to ``url``: ready time, time waiting for callbacks, DOMContentLoaded."""
    browser.get(url)
    ready = wait_ready(browser, timeout_s)
    end = ready if ready is not None else float(browser.execute_script("return performance.now()"))
    waiting, requests = in_flight_ms(browser, 0.0, end)
    dom = browser.execute_script(
        "return performance.getEntriesByType('navigation')[0].domContentLoadedEventEnd"
    )
    return {
        "ms": ready,
        "server_ms": waiting,
        "requests": requests,
        "busy_ms": busy_s(browser) * 1000,
        "dom_ms": float(dom),
        "error": _error_text(browser),
    }


def _error_text(browser: Any) -> str:
    from selenium.webdriver.common.by import By

    found = browser.find_elements(By.ID, "error-alert")
    return found[0].text if found and found[0].is_displayed() else ""


def map_change(
    browser: Any, element_id: str, event: str, act: Callable[[], None], timeout_s: float
) -> dict[str, Any]:
    """``act()`` fires ``event`` on ``element_id``; time from that event to the node count changing."""
    browser.execute_script("performance.clearResourceTimings();")
    busy = busy_s(browser)
    before = browser.execute_script(ARM_JS, element_id, event)
    act()
    state = _poll(
        browser,
        "return [window.__hp.inputAt, window.__hp.changedAt, window.__hp.nodes()];",
        lambda v: v[1] is not None,
        timeout_s,
    )
    start, end = state[0], state[1]
    ms = None if start is None or end is None else float(end - start)
    busy = busy_s(browser) - busy
    waiting, requests = in_flight_ms(browser, start or 0.0, end or start or 0.0)
    wait_ready(browser, timeout_s)  # let the callbacks finish (and the cache be written)
    return {
        "ms": ms,
        "server_ms": waiting,
        "requests": requests,
        "busy_ms": busy * 1000,
        "nodes": [before, state[2]],
        "error": _error_text(browser),
    }


def navbar_pages(browser: Any, base: str, dataset: str, timeout_s: float) -> list[tuple[str, str]]:
    """(name, URL with the dataset) of every page linked in the navbar, in navbar order."""
    from urllib.parse import urlsplit

    from selenium.webdriver.common.by import By

    browser.get(f"{base}/?dataset={dataset}")
    wait_ready(browser, timeout_s)
    links = browser.find_elements(By.CSS_SELECTOR, "header .navbar-nav a.nav-link")
    return [
        (a.text, f"{base}{urlsplit(a.get_attribute('href')).path}?dataset={dataset}") for a in links
    ]


def _timed(label: str, measure: Callable[[], list[dict[str, Any]]]) -> dict[str, Any]:
    """Run one measurement and keep its runs, statistics and load average before and after."""
    before = os.getloadavg()[0]
    started = time.perf_counter()
    runs = measure()
    result = {
        "label": label,
        "at": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "load": [before, os.getloadavg()[0]],
        "runs": runs,
        **load_stats(runs),
    }
    print(
        f"{label}: median {result.get('median_s', float('nan')):.2f} s, "
        f"p95 {result.get('p95_s', float('nan')):.2f} s, {result['ok']}/{len(runs)} ok "
        f"({time.perf_counter() - started:.0f} s, load {before:.1f}->{result['load'][1]:.1f})",
        flush=True,
    )
    return result


def measure_pages(
    browser: Any, pages: list[tuple[str, str]], workspace: Path, args: argparse.Namespace
) -> list[dict[str, Any]]:
    """Per page: one cold load (caches emptied), then warm loads within the page's time budget."""
    results = []
    for name, url in pages:
        clear_caches(browser, workspace)
        results.append(_timed(f"{name} (cold)", lambda: [page_load(browser, url, args.timeout)]))  # noqa: B023

        def warm(u: str = url) -> list[dict[str, Any]]:
            deadline = time.monotonic() + args.page_budget
            runs: list[dict[str, Any]] = []
            while len(runs) < args.runs and time.monotonic() < deadline:
                runs.append(page_load(browser, u, args.timeout))
            return runs

        results.append(_timed(f"{name} (warm)", warm))
    return results


def measure_slider(
    browser: Any, base: str, dataset: str, workspace: Path, args: argparse.Namespace, *, cold: bool
) -> dict[str, Any]:
    """The activity slider moved by keyboard between 5% (Home) and 100% (End)."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    def runs() -> list[dict[str, Any]]:
        browser.get(f"{base}/map?dataset={dataset}")
        wait_ready(browser, args.timeout)
        slider = browser.find_element(By.ID, "map-activities")
        browser.execute_script("arguments[0].scrollIntoView({block: 'center'});", slider)
        found = []
        for i in range(args.runs):
            if cold:
                clear_caches(browser, workspace)
            key = Keys.HOME if i % 2 == 0 else Keys.END
            found.append(
                map_change(
                    browser,
                    "map-activities",
                    "input",
                    lambda: slider.send_keys(key),  # noqa: B023
                    args.timeout,
                )
            )
        return found

    return _timed(f"Map after the activity slider ({'cold' if cold else 'cached'})", runs)


def measure_filter(
    browser: Any, base: str, dataset: str, workspace: Path, args: argparse.Namespace, *, cold: bool
) -> dict[str, Any]:
    """The filter bar: top variants = N then Apply, and Reset, alternately."""
    from selenium.webdriver.common.by import By

    def runs() -> list[dict[str, Any]]:
        browser.get(f"{base}/map?dataset={dataset}")
        wait_ready(browser, args.timeout)
        found = []
        for i in range(args.runs):
            if cold:
                clear_caches(browser, workspace)
            button = "filter-apply" if i % 2 == 0 else "filter-reset"
            if button == "filter-apply":
                field = browser.find_element(By.ID, "filter-top-variants")
                field.clear()
                field.send_keys(str(args.top_variants))
            press = browser.find_element(By.ID, button).click
            found.append(map_change(browser, button, "click", press, args.timeout))
        return found

    label = f"Map after a filter change: top {args.top_variants} variants / Reset ({'cold' if cold else 'cached'})"
    return _timed(label, runs)


KINDS = ("pages", "slider", "filter")


def run_measurements(
    browser: Any,
    base: str,
    dataset: str,
    workspace: Path,
    args: argparse.Namespace,
    wanted: list[str],
) -> list[dict[str, Any]]:
    """The measurements asked for, each result tagged with its kind and date."""
    results: list[dict[str, Any]] = []
    if "pages" in wanted:
        pages = navbar_pages(browser, base, dataset, args.timeout)
        print("pages:", ", ".join(name for name, _ in pages), flush=True)
        results += [{"kind": "pages", **r} for r in measure_pages(browser, pages, workspace, args)]
    for kind, measure in (("slider", measure_slider), ("filter", measure_filter)):
        if kind in wanted:
            results += [
                {"kind": kind, **measure(browser, base, dataset, workspace, args, cold=cold)}
                for cold in (True, False)
            ]
    return results


def earlier_results(runs_file: Path, described: str, fresh: list[str]) -> list[dict[str, Any]]:
    """For each kind not measured now, the results of the latest run on the same data."""
    found: dict[str, list[dict[str, Any]]] = {}
    for line in runs_file.read_text().splitlines() if runs_file.exists() else []:
        record = json.loads(line)
        if record["data"] != described:
            continue
        by_kind: dict[str, list[dict[str, Any]]] = {}
        for r in record["results"]:
            kind = r.get("kind") or _kind_of(r["label"])
            by_kind.setdefault(kind, []).append({"kind": kind, "at": record["facts"]["date"], **r})
        found.update({k: v for k, v in by_kind.items() if k not in fresh})
    return [r for k in KINDS for r in found.get(k, [])]


def _kind_of(label: str) -> str:
    if label.startswith("Map after the activity slider"):
        return "slider"
    return "filter" if label.startswith("Map after a filter") else "pages"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", default="1m", help="generated log size (default 1m)")
    parser.add_argument("--log", type=Path, help="benchmark this log instead of a generated one")
    parser.add_argument("--runs", type=int, default=20, help="runs per measurement (default 20)")
    parser.add_argument(
        "--top-variants", type=int, default=5, help="the filter applied (default 5)"
    )
    parser.add_argument(
        "--timeout", type=float, default=180, help="seconds before a run counts as failed"
    )
    parser.add_argument(
        "--page-budget", type=float, default=240, help="seconds of warm loads per page at most"
    )
    parser.add_argument(
        "--measure",
        default=",".join(KINDS),
        help="what to measure now: pages,slider,filter (the others are taken from the last run"
        " on the same data in runs-app.jsonl)",
    )
    parser.add_argument("--data", type=Path, default=DATA_DIR)
    parser.add_argument("--results", type=Path, default=HERE / "RESULTS-app.md")
    args = parser.parse_args(argv)
    args.data.mkdir(parents=True, exist_ok=True)
    workspace, dataset, described = prepare_workspace(args.log, parse_size(args.events), args.data)
    process, base = start_server(workspace)
    browser = start_browser()
    wanted = [k for k in KINDS if k in args.measure.split(",")]
    try:
        facts = facts_of(browser)
        results = run_measurements(browser, base, dataset, workspace, args, wanted)
    finally:
        browser.quit()
        stop_server(process)
    with (args.data / "runs-app.jsonl").open("a") as out:
        out.write(json.dumps({"facts": facts, "data": described, "results": results}) + "\n")
    results = earlier_results(args.data / "runs-app.jsonl", described, wanted) + results
    write_results(
        args.results,
        facts,
        described,
        [r for k in KINDS for r in results if r["kind"] == k and k == "pages"],
        [r for k in KINDS for r in results if r["kind"] == k and k != "pages"],
        sys.argv[1:] if argv is None else argv,
    )
    print(f"wrote {args.results}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

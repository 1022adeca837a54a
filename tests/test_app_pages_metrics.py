"""The Bottlenecks and Backlog pages' callbacks as plain functions, on tiny hand-made logs.

Dataset 1 (WAITS) has no start times, so every wait runs to the step's
completion and is an upper bound. Dataset 2 (BACKLOG) has 21 cases so that the
open cases' last activities each end fewer than 5% of the cases and only Z is
an end activity. Expected numbers are worked out by hand in the comments.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pytest

from app.settings import Settings
from eventlogs.engine import connect
from eventlogs.load import LoadOptions, load_log
from tests.test_app_callbacks import in_callback, text, trace

# case  events (UTC)                               waits before (s)
# K1    A Mon 1 Jan 09:00, B 10:00, C 12:00         B 3600, C 7200     (1 Jan: a bank holiday)
# K2    A Tue 2 Jan 09:00, B 13:00, C 13:30         B 14400, C 1800
# K3    A Tue 9 Jan 09:00, B 09:30                  B 1800
# Calendar time lost: B 3600 + 14400 + 1800 = 19800 s (5.5 h); C 7200 + 1800 = 9000 s; A 0.
# All case time: 10800 + 16200 + 1800 = 28800 s, so B's share is 19800 / 28800 = 68.75%.
WAITS = """case,activity,timestamp
K1,A,2024-01-01T09:00:00Z
K1,B,2024-01-01T10:00:00Z
K1,C,2024-01-01T12:00:00Z
K2,A,2024-01-02T09:00:00Z
K2,B,2024-01-02T13:00:00Z
K2,C,2024-01-02T13:30:00Z
K3,A,2024-01-09T09:00:00Z
K3,B,2024-01-09T09:30:00Z
"""


def backlog_csv() -> str:
    """21 cases: 18 end with Z; O1, O2, O3 stay open ending with B, C, D (1/21 < 5% each).

    W1-0i (i = 0..9): A Mon 1 Jan 09:0i, Z Tue 9 Jan 09:0i      (8 days each)
    W2-0i (i = 0..7): A Mon 8 Jan 09:0i, Z Wed 10 Jan 09:0i     (2 days each)
    O1: A Mon 8 Jan 10:00, B Tue 9 Jan 10:00
    O2: A Mon 8 Jan 11:00, C Tue 9 Jan 11:00
    O3: A Mon 15 Jan 09:00, D Tue 16 Jan 12:00                  (the end of the log)
    """
    rows = ["case,activity,timestamp"]
    for i in range(10):
        rows += [f"W1-0{i},A,2024-01-01T09:0{i}:00Z", f"W1-0{i},Z,2024-01-09T09:0{i}:00Z"]
    for i in range(8):
        rows += [f"W2-0{i},A,2024-01-08T09:0{i}:00Z", f"W2-0{i},Z,2024-01-10T09:0{i}:00Z"]
    rows += [
        "O1,A,2024-01-08T10:00:00Z",
        "O1,B,2024-01-09T10:00:00Z",
        "O2,A,2024-01-08T11:00:00Z",
        "O2,C,2024-01-09T11:00:00Z",
        "O3,A,2024-01-15T09:00:00Z",
        "O3,D,2024-01-16T12:00:00Z",
    ]
    return "\n".join(rows) + "\n"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """An app on a workspace holding WAITS (dataset 1) and the backlog log (dataset 2)."""
    from app.server import create_app

    workspace = tmp_path / "ws.duckdb"
    (tmp_path / "waits.csv").write_text(WAITS)
    (tmp_path / "backlog.csv").write_text(backlog_csv())
    with connect(workspace) as con:
        load_log(con, tmp_path / "waits.csv", options=LoadOptions(name="waits"))
        load_log(con, tmp_path / "backlog.csv", options=LoadOptions(name="backlog"))
    chosen = Settings(workspace=str(workspace), cache_dir=str(tmp_path / "cache"), lock_wait_s=5)
    create_app(chosen)
    return chosen


def rows_of(component: Any) -> list[list[str]]:
    """The body rows of the first table inside a component, as cell texts."""
    found: list[list[str]] = []

    def walk(node: Any) -> None:
        if isinstance(node, list | tuple):
            for child in node:
                walk(child)
            return
        if type(node).__name__ == "Tbody":
            found.extend([text(cell) for cell in tr.children] for tr in node.children)
            return
        children = getattr(node, "children", None)
        if children is not None and not isinstance(children, str):
            walk(children)

    walk(component)
    return found


# --- bottlenecks ----------------------------------------------------------------------------


def test_bottleneck_table_ranks_by_time_lost_and_flags_upper_bounds(settings: Settings) -> None:
    from app.pages.bottlenecks import draw_bottlenecks

    table, bars, summary = draw_bottlenecks("?dataset=1", "calendar")
    rows = rows_of(table)
    assert [r[0] for r in rows] == ["B", "C", "A"]
    # B: 3 steps; mean wait 19800 / 3 = 6600 s = 1.8 h; p90 of [1800, 3600, 14400]:
    # h = 0.9 × 2 = 1.8 -> 3600 + 0.8 × 10800 = 12240 s = 3.4 h; no processing (no start times);
    # time lost 19800 s = 5.5 h; share 68.75% -> 68.8%; all 3 waits measured to a completion.
    assert rows[0] == ["B", "3", "1.8 h", "3.4 h", "–", "5.5 h", "68.8%", "at most (3 of 3)"]
    # C: 9000 s lost = 2.5 h, 9000 / 28800 = 31.25% -> 31.2% (round half to even).
    assert rows[1][5:7] == ["2.5 h", "31.2%"]
    assert rows[2][-1] == "no wait"  # A starts every case
    assert "at most" in text(table)  # the note explaining upper bounds
    waiting = trace(bars, "waiting")
    # Bars are drawn bottom-up: the largest time lost is the last bar.
    assert list(waiting.y) == ["A", "C", "B"]
    assert waiting.x[-1] == pytest.approx(6600 / 3600)  # B's mean wait in hours
    assert list(trace(bars, "processing").x) == [0, 0, 0]
    # 19800 + 9000 = 28800 s = 8 h of waiting in all
    assert summary == "3 cases · 8.0 h of waiting in all · calendar time"


def test_the_working_time_toggle_skips_nights_weekends_and_holidays(settings: Settings) -> None:
    from app.pages.bottlenecks import draw_bottlenecks

    table, _, summary = draw_bottlenecks("?dataset=1", "working")
    # K1 is on New Year's Day (a bank holiday in England): its waits count 0 working time.
    # B: 0 + 14400 + 1800 = 16200 s = 4.5 working h, mean 5400 s = 1.5 working h.
    # C: 0 + 1800 = 1800 s = 0.5 working h. In all 18000 s = 5.0 working h.
    first = rows_of(table)[0]
    assert first[:3] == ["B", "3", "1.5 working h"]
    assert first[5] == "4.5 working h"
    assert summary.startswith("3 cases · 5.0 working h of waiting in all · working time (Mon,")


def test_trend_per_week_and_month(settings: Settings) -> None:
    from app.pages.bottlenecks import draw_trend

    weekly = draw_trend("?dataset=1", "calendar", "W")
    # Week of 1 Jan: B waits 3600 and 14400, mean 9000 s = 2.5 h; week of 8 Jan: 1800 s = 0.5 h.
    b = trace(weekly, "B")
    assert [str(x) for x in b.x] == ["2024-01-01", "2024-01-08"]
    assert list(b.y) == pytest.approx([2.5, 0.5])
    monthly = draw_trend("?dataset=1", "calendar", "M")
    assert list(trace(monthly, "B").y) == pytest.approx([19800 / 3 / 3600])


def test_findings_are_plain_sentences(settings: Settings) -> None:
    from app.pages.bottlenecks import draw_findings

    found = text(draw_findings("?dataset=1", "calendar"))
    # B holds 19800 / 28800 = 69% of all waiting time; its mean wait 6600 s = 1.8 hours.
    assert "Cases wait 1.8 hours on average before 'B'" in found
    assert "That wait is 69% of all waiting time in the process." in found


def test_metrics_csv_neutralises_text_cells(settings: Settings, tmp_path: Path) -> None:
    from app.pages.bottlenecks import download_metrics

    evil = tmp_path / "evil.csv"
    evil.write_text(
        "case,activity,timestamp\nE1,=HYPERLINK(1),2024-01-01T09:00:00Z\n"
        "E1,+SUM(A1),2024-01-01T10:00:00Z\n"
    )
    with connect(settings.workspace) as con:
        load_log(con, evil, options=LoadOptions(name="evil"))
    sent, _ = in_callback(download_metrics, 1, "?dataset=3", "calendar")
    rows = list(csv.DictReader(io.StringIO(sent["content"])))
    assert sent["filename"] == "bottlenecks-3-calendar.csv"
    # +SUM(A1) waited 3600 s after the first event; the first event waited nothing.
    assert [(r["activity"], r["time_lost_s"]) for r in rows] == [
        ("'+SUM(A1)", "3600.0"),
        ("'=HYPERLINK(1)", "0.0"),
    ]


def test_pages_without_a_dataset_say_what_to_do(settings: Settings) -> None:
    from app.pages.backlog import draw_backlog
    from app.pages.bottlenecks import draw_bottlenecks

    assert "Choose a dataset" in draw_bottlenecks("", "calendar")[2]
    assert "Choose a dataset" in draw_backlog("", "W")[4]


# --- backlog --------------------------------------------------------------------------------


def test_backlog_per_week_with_arrivals_completions_and_open_cases(settings: Settings) -> None:
    from app.pages.backlog import draw_backlog

    chart, ages, law, open_cases, summary = draw_backlog("?dataset=2", "W")
    # week of 1 Jan: 10 arrive, none completes -> 10 open
    # week of 8 Jan: 10 arrive (8 W2 + O1 + O2), 18 complete (10 W1 + 8 W2) -> 2 open
    # week of 15 Jan: O3 arrives -> 3 open
    assert list(trace(chart, "open cases").y) == [10, 2, 3]
    assert list(trace(chart, "arrivals").y) == [10, 10, 1]
    assert list(trace(chart, "completions").y) == [0, 18, 0]
    assert summary.startswith("3 of 21 cases open at the end of the log (2024-01-16 12:00 UTC)")
    assert summary.endswith("complete when it ends with: Z")
    # Oldest first; ages at 16 Jan 12:00: O1 8 d 2 h = 8.1 d, O2 8 d 1 h = 8.0 d, O3 1 d 3 h = 1.1 d.
    assert rows_of(open_cases) == [
        ["O1", "2024-01-08 10:00", "B", "8.1 d"],
        ["O2", "2024-01-08 11:00", "C", "8.0 d"],
        ["O3", "2024-01-15 09:00", "D", "1.1 d"],
    ]
    bands = trace(ages, "open cases by age")
    # O3 is under 7 days old; O1 and O2 are between 7 and 30 days old.
    assert list(bands.x) == ["0-7 d", "7-30 d", "30-90 d", "90-365 d", ">= 365 d"]
    assert list(bands.y) == [1, 2, 0, 0, 0]


def test_backlog_trend_sentence_and_littles_law(settings: Settings) -> None:
    from app.pages.backlog import draw_backlog

    law = text(draw_backlog("?dataset=2", "W")[2])
    # Open at the end of the weeks: 10, 2, 3. Least squares over x = 0, 1, 2 (mean 1, mean y 5):
    # slope = ((-1)(10 - 5) + (1)(3 - 5)) / 2 = -3.5 a week; change 3 - 10 = -7.
    assert (
        "Over the last 3 weeks the backlog is shrinking: 10 → 3 open cases (-7, -3.5 a week)."
        in law
    )
    # Window 1 Jan 09:00 -> 16 Jan 12:00 = 15.125 days. Case-days open: W1 10 × 8 = 80,
    # W2 8 × 2 = 16, O1 8.0833 + O2 8.0417 + O3 1.125 = 17.25 -> 113.25; mean WIP 113.25 / 15.125 = 7.49.
    # Arrivals 21 / 15.125 = 1.39 a day; mean cycle time 96 / 18 = 5.33 d; predicted 7.40; ratio 1.01.
    # (The first arrivals are at 09:00-09:09, so the figures hold to the 2 decimals shown.)
    for figure in ("7.49", "1.39", "5.3 d", "7.40", "1.01"):
        assert figure in law


def test_the_period_toggle_changes_the_number_of_periods(settings: Settings) -> None:
    from app.pages.backlog import draw_backlog

    daily = trace(draw_backlog("?dataset=2", "D")[0], "open cases")
    assert len(daily.x) == 16  # 1 to 16 January
    assert daily.y[-1] == 3
    monthly = trace(draw_backlog("?dataset=2", "M")[0], "open cases")
    assert list(monthly.y) == [3]


def test_queues_before_each_step(settings: Settings) -> None:
    from app.pages.backlog import draw_queues

    heatmap = draw_queues("?dataset=2", "W").data[0]
    # The 10 W1 cases wait before Z from 1 Jan to 9 Jan: 10 waiting at the end of week 1.
    # Every other wait starts and ends within one week.
    assert heatmap.y[0] == "Z"
    assert list(heatmap.z[0]) == [10, 0, 0]
    assert len(heatmap.x) == 3

"""Backlog and per-step queues: a hand-made log worked out by hand, identities on real logs, pm4py.

The tiny log (2024; Monday 1 January starts ISO week 1), Z is the end activity:

case  events (UTC)                                         channel  state at the end of the log
K1    A 01-01 09:00, B 01-02 10:00, Z 01-03 12:00          web      complete, cycle 2 d 3 h = 183600 s
K2    A 01-01 15:00, Z 01-01 18:00                          desk     complete, cycle 3 h = 10800 s
K3    A 01-02 08:00, B 01-04 09:00, Z 01-06 10:00          web      complete, cycle 4 d 2 h = 352800 s
K4    A 01-03 11:00, B 01-05 16:00                          web      open (never reaches Z), last B
K5    A 01-10 07:00, Y 01-12 09:00                          desk     open (Y is no end activity), last Y
K6    A 01-29 12:00                                          web      open, single event, last A
K7    A 02-05 00:00 (Monday midnight: week 6), Z 02-05 12:00 desk   complete, cycle 12 h = 43200 s

End of the log: 02-05 12:00 (K7's Z). Cases ending with Z: 4 of 7; A, B, Y: 1 each.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pytest

from eventlogs.engine import connect
from eventlogs.errors import InputError
from eventlogs.load import LoadOptions, default_name, load_log
from mining.backlog import compute_backlog
from mining.filters import LogFilter
from mining.flow import choose_end_activities, default_end_activities
from mining.periods import fit_trend, next_period
from mining.queues import compute_step_queues
from tests.conftest import SHARED_LOGS, SHARED_XES
from tests.test_cli import run

TINY = """case,activity,timestamp,case:channel
K1,A,2024-01-01T09:00:00Z,web
K1,B,2024-01-02T10:00:00Z,web
K1,Z,2024-01-03T12:00:00Z,web
K2,A,2024-01-01T15:00:00Z,desk
K2,Z,2024-01-01T18:00:00Z,desk
K3,A,2024-01-02T08:00:00Z,web
K3,B,2024-01-04T09:00:00Z,web
K3,Z,2024-01-06T10:00:00Z,web
K4,A,2024-01-03T11:00:00Z,web
K4,B,2024-01-05T16:00:00Z,web
K5,A,2024-01-10T07:00:00Z,desk
K5,Y,2024-01-12T09:00:00Z,desk
K6,A,2024-01-29T12:00:00Z,web
K7,A,2024-02-05T00:00:00Z,desk
K7,Z,2024-02-05T12:00:00Z,desk
"""

# One lifecycle case: Register start/complete in the evening, Check started next morning.
LIFECYCLE = """case,activity,timestamp,lifecycle
L1,Register,2024-02-01T23:00:00Z,start
L1,Register,2024-02-01T23:30:00Z,complete
L1,Check,2024-02-02T08:00:00Z,start
L1,Check,2024-02-02T09:00:00Z,complete
"""

UTC = dt.UTC
DAY = 86400.0


def utc(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=UTC)


def write_and_load(con: duckdb.DuckDBPyConnection, folder: Path, name: str, text: str) -> None:
    path = folder / f"{name}.csv"
    path.write_text(text, encoding="utf-8")
    lifecycle = "lifecycle" if "lifecycle" in text.splitlines()[0] else None
    options = LoadOptions(
        case="case", activity="activity", timestamp="timestamp", lifecycle=lifecycle
    )
    load_log(con, path, options=options)


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Iterator[duckdb.DuckDBPyConnection]:
    """Datasets 'tiny' and 'cycle' (the lifecycle log); loaded once, only read."""
    folder = tmp_path_factory.mktemp("backlog")
    con = connect(folder / "ws.duckdb")
    write_and_load(con, folder, "tiny", TINY)
    write_and_load(con, folder, "cycle", LIFECYCLE)
    yield con
    con.close()


def rows(backlog: Any) -> list[tuple[str, int, int, int, int]]:
    return [
        (p.start.date().isoformat(), p.open_at_start, p.arrivals, p.completions, p.open_at_end)
        for p in backlog.periods
    ]


# --- end activities -----------------------------------------------------------------------------


def test_default_end_activities(tiny: duckdb.DuckDBPyConnection) -> None:
    # Every last activity ends >= 5% of the 7 cases: Z 4/7, then A, B, Y 1/7 each (by name).
    assert default_end_activities(tiny, "tiny") == ("Z", "A", "B", "Y")
    # At 25%: only Z (57%); the others end 14% of the cases.
    assert default_end_activities(tiny, "tiny", min_share=0.25) == ("Z",)
    assert compute_backlog(tiny, "tiny", min_end_share=0.25).end_activities == ("Z",)


def test_choose_end_activities_threshold() -> None:
    counts = {"Closed": 90, "Resolve": 5, "Wait": 4, "Other": 1}
    # 5 of 100 is exactly 5%: kept; 4% is not.
    assert choose_end_activities(counts) == ("Closed", "Resolve")
    # The most frequent one is always kept, even below the share.
    assert choose_end_activities({"X": 1, "Y": 1}, min_share=0.9) == ("X",)


def test_default_end_activities_ignore_the_filter(tiny: duckdb.DuckDBPyConnection) -> None:
    # The web cases alone end Z 2, A 1, B 1 (A and B at 25%); the default comes from all 7 cases.
    web = LogFilter(where={"channel": ["web"]})
    assert compute_backlog(tiny, "tiny", log_filter=web, min_end_share=0.25).end_activities == (
        "Z",
    )


def test_unknown_end_activity_is_refused(tiny: duckdb.DuckDBPyConnection) -> None:
    with pytest.raises(InputError, match=r"no activity 'z' in dataset 'tiny'.*did you mean 'Z'"):
        compute_backlog(tiny, "tiny", end_activities=["z"])
    with pytest.raises(InputError, match="end_activities is empty"):
        compute_backlog(tiny, "tiny", end_activities=[])
    with pytest.raises(InputError, match="period 'Q' not known"):
        compute_backlog(tiny, "tiny", freq="Q")


# --- backlog per period ---------------------------------------------------------------------------


def test_weekly_backlog_by_hand(tiny: duckdb.DuckDBPyConnection) -> None:
    b = compute_backlog(tiny, "tiny", freq="W", end_activities=["Z"], last_periods=4)
    # Weeks from Monday: arrivals K1-K4 | K5 | - | - | K6 | K7 (at Monday 00:00, so week 6);
    # completions K2, K1, K3 in week 1, K7 in week 6.
    assert rows(b) == [
        ("2024-01-01", 0, 4, 3, 1),
        ("2024-01-08", 1, 1, 0, 2),
        ("2024-01-15", 2, 0, 0, 2),
        ("2024-01-22", 2, 0, 0, 2),
        ("2024-01-29", 2, 1, 0, 3),
        ("2024-02-05", 3, 1, 1, 3),
    ]
    assert [p.net_flow for p in b.periods] == [1, 1, 0, 0, 1, 0]
    assert (b.cases, b.completed, b.open_at_end_of_log) == (7, 4, 3)
    assert b.end_of_log == utc("2024-02-05T12:00:00")
    # Oldest first; K4 never reached Z, K5 ended on Y, K6 has one event.
    assert [(c.case_id, c.last_activity, c.age_s) for c in b.open_cases] == [
        ("K4", "B", 33 * DAY + 3600),  # 01-03 11:00 -> 02-05 12:00
        ("K5", "Y", 26 * DAY + 5 * 3600),  # 01-10 07:00 -> 02-05 12:00
        ("K6", "A", 7 * DAY),  # 01-29 12:00 -> 02-05 12:00
    ]
    assert b.open_cases[0].arrival == utc("2024-01-03T11:00:00")


def test_daily_and_monthly_backlog_by_hand(tiny: duckdb.DuckDBPyConnection) -> None:
    daily = compute_backlog(tiny, "tiny", freq="D", end_activities=["Z"])
    assert len(daily.periods) == 36  # 1 Jan .. 5 Feb
    # d1: K1, K2 arrive, K2 completes; d2: K3 arrives; d3: K4 arrives, K1 completes; d6: K3 completes.
    assert rows(daily)[:7] == [
        ("2024-01-01", 0, 2, 1, 1),
        ("2024-01-02", 1, 1, 0, 2),
        ("2024-01-03", 2, 1, 1, 2),
        ("2024-01-04", 2, 0, 0, 2),
        ("2024-01-05", 2, 0, 0, 2),
        ("2024-01-06", 2, 0, 1, 1),
        ("2024-01-07", 1, 0, 0, 1),
    ]
    assert rows(daily)[9] == ("2024-01-10", 1, 1, 0, 2)  # K5
    assert rows(daily)[28] == ("2024-01-29", 2, 1, 0, 3)  # K6
    assert rows(daily)[-1] == ("2024-02-05", 3, 1, 1, 3)  # K7 arrives and completes
    monthly = compute_backlog(tiny, "tiny", freq="m", end_activities=["Z"])
    assert rows(monthly) == [("2024-01-01", 0, 6, 3, 3), ("2024-02-01", 3, 1, 1, 3)]


def test_age_distribution_by_hand(tiny: duckdb.DuckDBPyConnection) -> None:
    ages = compute_backlog(tiny, "tiny", end_activities=["Z"]).ages
    # Ages 7 d (K6: the lower bound of 7-30 d is inclusive), 26 d 5 h (K5), 33 d 1 h (K4).
    assert [(b.label, b.cases) for b in ages.buckets] == [
        ("0-7 d", 0),
        ("7-30 d", 2),
        ("30-90 d", 1),
        ("90-365 d", 0),
        (">= 365 d", 0),
    ]
    k6, k5, k4 = 604800.0, 2264400.0, 2854800.0
    assert ages.cases == 3
    assert ages.median_s == k5
    assert ages.mean_s == pytest.approx((k6 + k5 + k4) / 3)  # 1908000
    assert ages.p90_s == pytest.approx(k5 + 0.8 * (k4 - k5))  # h = 0.9 × 2 = 1.8: 2736720
    assert ages.max_s == k4


def test_littles_law_by_hand(tiny: duckdb.DuckDBPyConnection) -> None:
    law = compute_backlog(tiny, "tiny", end_activities=["Z"]).littles_law
    assert law is not None
    window_s = 35 * DAY + 3 * 3600  # 01-01 09:00 -> 02-05 12:00 = 3034800 s
    assert law.window_days == pytest.approx(window_s / DAY)  # 35.125
    # Time in system: K1 183600 + K2 10800 + K3 352800 + K7 43200 (completed)
    # + K4 2854800 + K5 2264400 + K6 604800 (open, up to the end of the log) = 6314400 s.
    assert law.mean_wip == pytest.approx(6314400 / window_s)  # 2.0807
    assert law.arrival_rate_per_day == pytest.approx(7 / 35.125)
    assert law.mean_cycle_time_s == pytest.approx(590400 / 4)  # 147600 s
    assert law.predicted_wip == pytest.approx(7 * 147600 / window_s)  # 0.3405
    assert law.ratio == pytest.approx(6314400 / (7 * 147600))  # 6.1115: the open cases pile up
    assert (law.arrivals, law.completed) == (7, 4)


def test_littles_law_holds_exactly_when_every_case_completes(
    tiny: duckdb.DuckDBPyConnection,
) -> None:
    # With Z, B, Y and A all ending cases nothing is open: mean WIP = λ × W exactly.
    b = compute_backlog(tiny, "tiny", end_activities=["Z", "B", "Y", "A"])
    assert b.open_at_end_of_log == 0
    assert b.littles_law is not None
    assert b.littles_law.ratio == pytest.approx(1.0, rel=1e-12)


def test_trend_and_interarrival_by_hand(tiny: duckdb.DuckDBPyConnection) -> None:
    b = compute_backlog(tiny, "tiny", freq="W", end_activities=["Z"], last_periods=4)
    # Open at the end of weeks 3-6: 2, 2, 3, 3; x = 0..3: slope = Σ(x-1.5)(y-2.5) / Σ(x-1.5)² = 2 / 5.
    t = b.trend
    assert (t.periods, t.first, t.last, t.change, t.change_pct) == (4, 2, 3, 1, 50.0)
    assert t.slope_per_period == pytest.approx(0.4)
    assert t.direction == "growing"  # fitted change 1.2 > 5% of the mean 2.5
    # Arrivals 01-01 09:00 .. 02-05 00:00 = 34 d 15 h = 2991600 s over 6 gaps.
    assert b.mean_interarrival_s == pytest.approx(498600.0)


def test_fit_trend_words() -> None:
    assert fit_trend([10, 10, 10, 10], 12).direction == "stable"
    assert fit_trend([100, 101, 99, 102], 12).direction == "stable"  # fitted +1.8 < 5% of 100.5
    assert fit_trend([9, 6, 3], 12).direction == "shrinking"
    assert fit_trend([7], 12).direction is None
    assert fit_trend([], 12).periods == 0


def test_periods_step_months_and_weeks() -> None:
    assert next_period(utc("2023-12-01T00:00:00"), "M") == utc("2024-01-01T00:00:00")
    assert next_period(utc("2024-01-29T00:00:00"), "W") == utc("2024-02-05T00:00:00")


def test_filter_is_respected_and_recorded(tiny: duckdb.DuckDBPyConnection) -> None:
    web = LogFilter(where={"channel": ["web"]})
    b = compute_backlog(tiny, "tiny", freq="W", log_filter=web, end_activities=["Z"])
    # Web cases K1, K3 (complete in week 1), K4, K6 (open); the log still ends 02-05 12:00.
    assert rows(b) == [
        ("2024-01-01", 0, 3, 2, 1),
        ("2024-01-08", 1, 0, 0, 1),
        ("2024-01-15", 1, 0, 0, 1),
        ("2024-01-22", 1, 0, 0, 1),
        ("2024-01-29", 1, 1, 0, 2),
        ("2024-02-05", 2, 0, 0, 2),
    ]
    assert [c.case_id for c in b.open_cases] == ["K4", "K6"]
    record = b.provenance.to_dict()
    assert record["filter"] == {"where": {"channel": ["web"]}}
    assert record["parameters"]["freq"] == "W"
    assert record["parameters"]["end_activities"] == ["Z"]
    nothing = compute_backlog(tiny, "tiny", log_filter=LogFilter(where={"channel": ["fax"]}))
    assert (nothing.periods, nothing.open_at_end_of_log, nothing.littles_law) == ((), 0, None)


def test_open_case_limit(tiny: duckdb.DuckDBPyConnection) -> None:
    b = compute_backlog(tiny, "tiny", end_activities=["Z"], open_case_limit=2)
    assert [c.case_id for c in b.open_cases] == ["K4", "K5"]
    assert b.open_at_end_of_log == 3


# --- per-step queues ------------------------------------------------------------------------------


def test_daily_step_queues_by_hand(tiny: duckdb.DuckDBPyConnection) -> None:
    q = compute_step_queues(tiny, "tiny", freq="D")
    # Waits before B: K1 [01-01 09:00, 01-02 10:00), K3 [01-02 08:00, 01-04 09:00),
    # K4 [01-03 11:00, 01-05 16:00). At each midnight T a case waits if enter < T <= leave:
    # end of 01-01: K1; 01-02: K3; 01-03: K3, K4; 01-04: K4; 01-05: none.
    before_b = q.get("B")
    assert before_b is not None
    assert before_b.waiting[:6] == (1, 1, 2, 1, 0, 0)
    assert sum(before_b.waiting) == 5
    assert (before_b.waits, before_b.max_waiting) == (3, 2)
    assert before_b.peak_start == utc("2024-01-03T00:00:00")
    # Waits before Z: K2 within 01-01; K1 [01-02 10:00, 01-03 12:00); K3 [01-04 09:00, 01-06 10:00);
    # K7 within 02-05.
    before_z = q.get("Z")
    assert before_z is not None
    assert before_z.waiting[:7] == (0, 1, 0, 1, 1, 0, 0)
    assert (sum(before_z.waiting), before_z.waits, before_z.max_waiting) == (3, 4, 1)
    # K5 waits for Y from 01-10 07:00 to 01-12 09:00: ends of 01-10 and 01-11.
    before_y = q.get("Y")
    assert before_y is not None
    assert [i for i, n in enumerate(before_y.waiting) if n] == [9, 10]
    assert q.get("A") is None  # nothing precedes A
    # Longest on average first: B 5/36, Z 3/36, Y 2/36.
    assert [(s.activity, s.mean_waiting) for s in q.queues] == [
        ("B", pytest.approx(5 / 36)),
        ("Z", pytest.approx(3 / 36)),
        ("Y", pytest.approx(2 / 36)),
    ]
    assert len(q.periods) == 36


def test_step_queues_filter_and_activities(tiny: duckdb.DuckDBPyConnection) -> None:
    web = LogFilter(where={"channel": ["web"]})
    q = compute_step_queues(tiny, "tiny", freq="D", activities=["B"], log_filter=web)
    assert [s.activity for s in q.queues] == ["B"]  # K1, K3, K4 are all web cases
    assert q.queues[0].waiting[:6] == (1, 1, 2, 1, 0, 0)
    zq = compute_step_queues(tiny, "tiny", freq="D", activities=["Z"], log_filter=web)
    assert zq.queues[0].waits == 2  # K1 and K3; K2 and K7 are desk cases
    with pytest.raises(InputError, match="no activity 'Q'"):
        compute_step_queues(tiny, "tiny", activities=["Q"])


def test_queue_waits_end_when_the_step_starts(tiny: duckdb.DuckDBPyConnection) -> None:
    q = compute_step_queues(tiny, "cycle", freq="D")
    # Register start -> complete is work, not a wait (the complete's start_ts is the start's ts);
    # Register complete 23:30 -> Check start 08:00 is a wait spanning midnight; Check start ->
    # complete is work again.
    assert [s.activity for s in q.queues] == ["Check"]
    assert q.queues[0].waiting == (1, 0)
    assert q.queues[0].waits == 1


# --- real logs ------------------------------------------------------------------------------------


def open_by_count(
    con: duckdb.DuckDBPyConnection, dataset: str, ends: tuple[str, ...], period_ends: list[Any]
) -> list[int]:
    """Cases arrived before each instant and not completed before it, counted directly in SQL."""
    sql = """
        WITH d AS (SELECT dataset_id FROM datasets WHERE name = $name),
        c AS (
            SELECT c.first_ts, c.last_ts, a.activity IN (SELECT unnest($ends)) AS done
            FROM cases c JOIN d USING (dataset_id)
            JOIN events e ON e.dataset_id = c.dataset_id AND e.case_no = c.case_no
                AND e.next_activity_no IS NULL
            JOIN activities a ON a.dataset_id = c.dataset_id AND a.activity_no = e.activity_no
        ),
        p AS (SELECT unnest($ends_at::TIMESTAMPTZ[]) AS t)
        SELECT p.t, count(c.first_ts) FILTER (WHERE c.first_ts < p.t
                                         AND NOT (c.done AND c.last_ts < p.t))
        FROM p, c GROUP BY p.t ORDER BY p.t
    """
    params = {"name": dataset, "ends": list(ends), "ends_at": period_ends}
    return [int(r[1]) for r in con.execute(sql, params).fetchall()]


@pytest.mark.slow
@pytest.mark.parametrize("freq", ["D", "W", "M"])
@pytest.mark.parametrize("file_name", SHARED_XES)
def test_backlog_identity_on_real_logs(
    real_workspace: duckdb.DuckDBPyConnection, file_name: str, freq: str
) -> None:
    name = default_name(SHARED_LOGS / file_name)
    b = compute_backlog(real_workspace, name, freq=freq)
    periods = b.periods
    assert periods and periods[0].open_at_start == 0
    for before, p in zip((None, *periods), periods, strict=False):
        assert p.open_at_end == p.open_at_start + p.arrivals - p.completions
        if before is not None:
            assert p.open_at_start == before.open_at_end
            assert p.start == next_period(before.start, b.freq)  # no gaps
    assert periods[-1].open_at_end == b.open_at_end_of_log == b.cases - b.completed
    assert sum(p.arrivals for p in periods) == b.cases
    assert sum(p.completions for p in periods) == b.completed
    assert periods[-1].start <= b.end_of_log < next_period(periods[-1].start, b.freq)
    # The same open counts, counted independently at every period end.
    ends = [next_period(p.start, b.freq) for p in periods]
    assert [p.open_at_end for p in periods] == open_by_count(
        real_workspace, name, b.end_activities, ends
    )


def waiting_by_count(
    con: duckdb.DuckDBPyConnection, dataset: str, activity: str, period_ends: list[Any]
) -> list[int]:
    """Cases waiting before ``activity`` at each instant, from a window function in SQL."""
    sql = """
        WITH d AS (SELECT dataset_id FROM datasets WHERE name = $name),
        w AS (
            SELECT ts AS enter_ts, lead(activity_no) OVER o AS next_no,
                   lead(coalesce(start_ts, ts)) OVER o AS leave_ts
            FROM events JOIN d USING (dataset_id)
            WINDOW o AS (PARTITION BY case_no ORDER BY position)
        ),
        x AS (
            SELECT w.* FROM w JOIN activities a ON a.activity_no = w.next_no
            WHERE a.dataset_id = (SELECT dataset_id FROM d) AND a.activity = $activity
              AND leave_ts > enter_ts
        ),
        p AS (SELECT unnest($ends_at::TIMESTAMPTZ[]) AS t)
        SELECT p.t, count(x.enter_ts) FILTER (WHERE x.enter_ts < p.t AND p.t <= x.leave_ts)
        FROM p, x GROUP BY p.t ORDER BY p.t
    """
    params = {"name": dataset, "activity": activity, "ends_at": period_ends}
    return [int(r[1]) for r in con.execute(sql, params).fetchall()]


@pytest.mark.slow
@pytest.mark.parametrize("name", ["BPI_Challenge_2012", "receipt"])
def test_step_queues_on_real_logs(real_workspace: duckdb.DuckDBPyConnection, name: str) -> None:
    q = compute_step_queues(real_workspace, name, freq="W")
    ends = [next_period(p, "W") for p in q.periods]
    for step in q.queues[:3]:
        assert list(step.waiting) == waiting_by_count(real_workspace, name, step.activity, ends)
        assert step.max_waiting > 0


@pytest.mark.slow
@pytest.mark.parametrize("file_name", SHARED_XES)
def test_mean_interarrival_equals_pm4py(
    real_workspace: duckdb.DuckDBPyConnection, pm4py_logs: dict[str, Any], file_name: str
) -> None:
    with contextlib.redirect_stdout(io.StringIO()):
        import pm4py
    raw = pm4py_logs[file_name]
    assert isinstance(raw, pd.DataFrame)
    keys = ["case:concept:name", "concept:name", "time:timestamp"]
    df = pm4py.format_dataframe(raw.dropna(subset=keys), case_id=keys[0])  # sorted by case, time
    theirs = pm4py.get_case_arrival_average(df)
    ours = compute_backlog(
        real_workspace, default_name(SHARED_LOGS / file_name)
    ).mean_interarrival_s
    assert ours == pytest.approx(theirs, rel=1e-9)


# --- CLI ------------------------------------------------------------------------------------------


def test_cli_backlog_json_and_human(tmp_path: Path) -> None:
    log = tmp_path / "tiny.csv"
    log.write_text(TINY, encoding="utf-8")
    ws = ["--workspace", str(tmp_path / "w.duckdb")]
    mapping = ["--case", "case", "--activity", "activity", "--timestamp", "timestamp"]
    assert run("load", str(log), *mapping, *ws, cwd=tmp_path).returncode == 0
    done = run("backlog", "tiny", "--freq", "M", "--end-activity", "Z", "--json", *ws, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    doc = json.loads(done.stdout)
    assert doc["periods"] == [
        {"start": "2024-01-01T00:00:00Z", "open_at_start": 0, "arrivals": 6, "completions": 3,
         "open_at_end": 3, "net_flow": 3},
        {"start": "2024-02-01T00:00:00Z", "open_at_start": 3, "arrivals": 1, "completions": 1,
         "open_at_end": 3, "net_flow": 0},
    ]  # fmt: skip
    assert doc["open_at_end_of_log"] == 3
    assert doc["end_activities"] == ["Z"]
    assert [c["case_id"] for c in doc["open_cases"]] == ["K4", "K5", "K6"]
    assert doc["open_cases"][0] == {
        "case_id": "K4",
        "arrival": "2024-01-03T11:00:00Z",
        "last_activity": "B",
        "age_s": 2854800.0,
    }
    assert [b["cases"] for b in doc["age_distribution"]["buckets"]] == [0, 2, 1, 0, 0]
    assert doc["littles_law"]["mean_wip"] == pytest.approx(6314400 / 3034800)
    assert "queues" not in doc
    queued = run(
        "backlog", "tiny", "--freq", "D", "--queue-activity", "Y", "--json", *ws, cwd=tmp_path
    )
    queues = json.loads(queued.stdout)["queues"]
    assert [a["activity"] for a in queues["activities"]] == ["Y"]
    assert queues["activities"][0]["waiting"][8:12] == [0, 1, 1, 0]
    human = run(
        "backlog", "tiny", "--freq", "W", "--end-activity", "Z", "--last", "4", *ws, cwd=tmp_path
    )
    lines = human.stdout.splitlines()
    assert (
        "  open at the end of the log (2024-02-05 12:00 UTC): 3 of 7 cases (4 completed)" in lines
    )
    assert "  end activities: Z" in lines
    assert "  trend over the last 4 weeks: growing (+1 cases, +0.4 per week)" in lines
    assert "  open: K4 since 2024-01-03 (33 d), last step B" in lines
    bad = run("backlog", "tiny", "--end-activity", "Done", *ws, cwd=tmp_path)
    assert bad.returncode == 2
    assert bad.stderr == "hyperpath: error: no activity 'Done' in dataset 'tiny' (4 activities)\n"

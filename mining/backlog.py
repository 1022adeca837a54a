"""Backlog: open cases (work in progress) per period, arrivals against completions, and its age.

Definitions (docs/metrics.md, "Backlog"):

* A case **arrives** at its first event.
* It is **complete** when its last event's activity is an end activity, and it
  completes at that event's time. Every other case is **open** at the end of the
  log (listed in ``open_cases``, oldest first).
* **End activities** are given, or by default every activity that is the last
  activity of at least 5% of the dataset's cases (the whole dataset, before any
  filter: "done" is a property of the process, not of a slice), at least the
  most frequent one.
* **Periods** are calendar days, ISO weeks or months in UTC, from the period of
  the first selected arrival to the period of the dataset's last event (the end
  of the log). ``open_at_end = open_at_start + arrivals - completions``; the
  first period opens with 0.
* **Little's law**: the time-average of open cases over the window (first
  arrival to end of log) against arrival rate × mean cycle time of the completed
  cases. When every case is complete the two are equal (ratio 1).

Per-case work stays in the query engine; only per-period rows, one summary row
and the listed open cases come to Python.

Imports: ibis, pandas (for ``to_frame``), eventlogs.errors, mining.filters,
mining.flow, mining.periods, mining.selection, mining.source.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

import ibis.expr.types as ir

from eventlogs.errors import InputError
from mining.filters import LogFilter, format_instant
from mining.flow import (
    AGE_BUCKETS_D,
    END_SHARE,
    S_PER_DAY,
    US_PER_S,
    activity_numbers,
    age_summary,
    case_flow,
    default_end_for,
    flow_totals,
    period_flows,
)
from mining.periods import Freq, Trend, Window, as_utc, check_freq, fit_trend, log_window
from mining.selection import apply_filter
from mining.source import (
    Connection,
    DatasetRef,
    LogTables,
    Provenance,
    fetch_rows,
    load_tables,
    provenance,
)

if TYPE_CHECKING:
    import datetime as dt

    import pandas as pd


@dataclass(frozen=True, slots=True, kw_only=True)
class BacklogPeriod:
    """One period: open cases when it starts, arrivals and completions in it, open when it ends."""

    start: dt.datetime  # UTC
    open_at_start: int
    arrivals: int
    completions: int
    open_at_end: int

    @property
    def net_flow(self) -> int:
        """arrivals - completions (positive: the backlog grew)."""
        return self.arrivals - self.completions


@dataclass(frozen=True, slots=True, kw_only=True)
class AgeBucket:
    """Open cases whose age is in [min_days, max_days) (max_days None: no upper bound)."""

    label: str
    min_days: int
    max_days: int | None
    cases: int


@dataclass(frozen=True, slots=True, kw_only=True)
class BacklogAges:
    """Ages of the cases open at the end of the log (age = end of log - arrival), seconds."""

    cases: int
    buckets: tuple[AgeBucket, ...]
    mean_s: float | None
    median_s: float | None
    p90_s: float | None
    max_s: float | None


@dataclass(frozen=True, slots=True, kw_only=True)
class OpenCase:
    """A case open at the end of the log."""

    case_id: str
    arrival: dt.datetime
    last_activity: str
    age_s: float


@dataclass(frozen=True, slots=True, kw_only=True)
class LittlesLaw:
    """Mean WIP over the window against arrival rate × mean cycle time (None when undefined)."""

    window_start: dt.datetime  # first arrival
    window_end: dt.datetime  # end of the log
    window_days: float
    mean_wip: float | None  # time-average of open cases over the window
    arrivals: int
    arrival_rate_per_day: float | None
    completed: int
    mean_cycle_time_s: float | None  # completed cases: completion - arrival
    predicted_wip: float | None  # arrival_rate_per_day × mean_cycle_time (days)
    ratio: float | None  # mean_wip / predicted_wip


@dataclass(frozen=True, slots=True, kw_only=True)
class Backlog:
    """Backlog of a dataset per period, at the end of the log, its age and its trend."""

    provenance: Provenance
    freq: Freq
    end_activities: tuple[str, ...]
    end_of_log: dt.datetime | None  # the dataset's last event (None: no case selected)
    cases: int  # selected cases (= arrivals)
    completed: int
    open_at_end_of_log: int
    periods: tuple[BacklogPeriod, ...]
    open_cases: tuple[OpenCase, ...]  # oldest first, at most open_case_limit of them
    ages: BacklogAges
    littles_law: LittlesLaw | None
    trend: Trend  # of open_at_end over the last periods
    mean_interarrival_s: float | None  # (last arrival - first arrival) / (cases - 1)

    def to_frame(self) -> pd.DataFrame:
        """One row per period: start, open_at_start, arrivals, completions, open_at_end, net_flow."""
        import pandas as pd

        return pd.DataFrame([_period_dict(p) for p in self.periods])

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape of ``hyperpath backlog --json`` (CLI contract), plus extra keys."""
        return {
            "periods": [_period_dict(p, iso=True) for p in self.periods],
            "open_at_end_of_log": self.open_at_end_of_log,
            "freq": self.freq,
            "end_activities": list(self.end_activities),
            "end_of_log": None if self.end_of_log is None else format_instant(self.end_of_log),
            "cases": self.cases,
            "completed": self.completed,
            "open_cases": [
                {**asdict(c), "arrival": format_instant(c.arrival)} for c in self.open_cases
            ],
            "age_distribution": asdict(self.ages),
            "littles_law": _littles_dict(self.littles_law),
            "trend": self.trend.to_dict(),
            "mean_interarrival_s": self.mean_interarrival_s,
            "provenance": self.provenance.to_dict(),
        }


def _period_dict(p: BacklogPeriod, *, iso: bool = False) -> dict[str, Any]:
    start: object = format_instant(p.start) if iso else p.start
    return {**asdict(p), "start": start, "net_flow": p.net_flow}


def _littles_dict(law: LittlesLaw | None) -> dict[str, Any] | None:
    if law is None:
        return None
    out = asdict(law)
    out["window_start"] = format_instant(law.window_start)
    out["window_end"] = format_instant(law.window_end)
    return out


# --- the verb --------------------------------------------------------------------------------


def compute_backlog(
    con: Connection,
    dataset: DatasetRef,
    *,
    freq: str = "W",
    log_filter: LogFilter | None = None,
    end_activities: Sequence[str] | None = None,
    min_end_share: float = END_SHARE,
    last_periods: int = 12,
    open_case_limit: int | None = 100,
) -> Backlog:
    """Open cases per period (arrivals, completions), at the end of the log, their ages and trend.

    ``end_activities`` None: the activities ending at least ``min_end_share`` of
    the dataset's cases. ``open_case_limit`` caps the listed open cases (None: all).

    >>> from pathlib import Path
    >>> from eventlogs.engine import connect
    >>> from eventlogs.load import load_log
    >>> con = connect(":memory:")
    >>> _ = load_log(con, Path(__file__).parents[1] / "sample_logs" / "running-example.xes.gz")
    >>> b = compute_backlog(con, "running-example", freq="M")
    >>> b.end_activities, [(p.arrivals, p.completions, p.open_at_end) for p in b.periods]
    (('pay compensation', 'reject request'), [(3, 0, 3), (3, 6, 0)])
    """
    freq = check_freq(freq)
    log_filter = log_filter or LogFilter()
    whole = load_tables(con, dataset)
    selected = apply_filter(whole, log_filter)
    names, numbers, chosen_by = _end_activities(whole, end_activities, min_end_share)
    record = provenance(
        selected,
        log_filter,
        freq=freq,
        end_activities=list(names),
        end_activities_chosen_by=chosen_by,
        last_periods=last_periods,
        open_case_limit=open_case_limit,
    )
    window = log_window(whole, selected, freq)
    if window is None:
        return _empty(record, freq, names, last_periods)
    flow = case_flow(selected.events, selected.cases, numbers)
    return _measure(
        flow,
        whole,
        window,
        record=record,
        freq=freq,
        names=names,
        last_periods=last_periods,
        open_case_limit=open_case_limit,
    )


def _end_activities(
    whole: LogTables, given: Sequence[str] | None, min_share: float
) -> tuple[tuple[str, ...], list[int], str]:
    """(names, activity numbers, how they were chosen); unknown names are refused."""
    if given is not None and not list(given):
        raise InputError("end_activities is empty; give at least one, or None for the default")
    if given is not None:
        names, chosen_by = tuple(given), "given"
    else:
        names = default_end_for(whole, min_share)
        chosen_by = f"default: the last activity of at least {min_share:.0%} of the cases"
    return names, list(activity_numbers(whole, names).values()), chosen_by


def _measure(
    flow: ir.Table,
    whole: LogTables,
    window: Window,
    *,
    record: Provenance,
    freq: Freq,
    names: tuple[str, ...],
    last_periods: int,
    open_case_limit: int | None,
) -> Backlog:
    periods = _periods(fetch_rows(period_flows(flow, freq)), window.periods)
    totals = fetch_rows(flow_totals(flow, window.end_ts))[0]
    open_flow = flow.filter(~flow.completed)
    ages = _ages(fetch_rows(age_summary(open_flow, window.end_ts))[0])
    cases, completed = int(totals["cases"]), int(totals["completed"])
    return Backlog(
        provenance=record,
        freq=freq,
        end_activities=names,
        end_of_log=window.end_ts,
        cases=cases,
        completed=completed,
        open_at_end_of_log=cases - completed,
        periods=periods,
        open_cases=_open_cases(open_flow, whole, window.end_ts, open_case_limit),
        ages=ages,
        littles_law=_littles_law(totals, window),
        trend=fit_trend([p.open_at_end for p in periods], last_periods),
        mean_interarrival_s=(
            int(totals["arrival_span_us"]) / US_PER_S / (cases - 1) if cases > 1 else None
        ),
    )


def _periods(rows: list[dict[str, Any]], grid: Sequence[dt.datetime]) -> tuple[BacklogPeriod, ...]:
    counts = {as_utc(r["start"]): (int(r["arrivals"]), int(r["completions"])) for r in rows}
    periods = []
    open_now = 0
    for start in grid:
        arrivals, completions = counts.pop(start, (0, 0))
        after = open_now + arrivals - completions
        periods.append(
            BacklogPeriod(
                start=start,
                open_at_start=open_now,
                arrivals=arrivals,
                completions=completions,
                open_at_end=after,
            )
        )
        open_now = after
    assert not counts, f"periods outside the window: {sorted(counts)}"
    return tuple(periods)


def _ages(row: Mapping[str, Any]) -> BacklogAges:
    def seconds(key: str) -> float | None:
        return None if row[key] is None else float(row[key]) / US_PER_S

    buckets = tuple(
        AgeBucket(
            label=f"{lo}-{hi} d" if hi is not None else f">= {lo} d",
            min_days=lo,
            max_days=hi,
            cases=int(row[f"b{i}"] or 0),
        )
        for i, (lo, hi) in enumerate(AGE_BUCKETS_D)
    )
    return BacklogAges(
        cases=int(row["cases"]),
        buckets=buckets,
        mean_s=seconds("mean_us"),
        median_s=seconds("median_us"),
        p90_s=seconds("p90_us"),
        max_s=seconds("max_us"),
    )


def _open_cases(
    open_flow: ir.Table, whole: LogTables, end_ts: dt.datetime, limit: int | None
) -> tuple[OpenCase, ...]:
    named = open_flow.join(
        whole.activities.select(last_activity_no="activity_no", last_activity="activity"),
        "last_activity_no",
    )
    ordered = named.order_by(["arrival_ts", "case_no"])
    rows = fetch_rows(ordered if limit is None else ordered.limit(limit))
    return tuple(
        OpenCase(
            case_id=str(r["case_id"]),
            arrival=as_utc(r["arrival_ts"]),
            last_activity=str(r["last_activity"]),
            age_s=(end_ts - as_utc(r["arrival_ts"])).total_seconds(),
        )
        for r in rows
    )


def _littles_law(totals: Mapping[str, Any], window: Window) -> LittlesLaw:
    span_s = (window.end_ts - window.first_ts).total_seconds()
    cases, completed = int(totals["cases"]), int(totals["completed"])
    mean_cycle_s = None if totals["mean_cycle_s"] is None else float(totals["mean_cycle_s"])
    mean_wip = rate = predicted = ratio = None
    if span_s > 0:
        mean_wip = float(totals["in_system_s"]) / span_s
        rate = cases / (span_s / S_PER_DAY)
        if mean_cycle_s is not None:
            predicted = rate * mean_cycle_s / S_PER_DAY
            ratio = mean_wip / predicted if predicted > 0 else None
    return LittlesLaw(
        window_start=window.first_ts,
        window_end=window.end_ts,
        window_days=span_s / S_PER_DAY,
        mean_wip=mean_wip,
        arrivals=cases,
        arrival_rate_per_day=rate,
        completed=completed,
        mean_cycle_time_s=mean_cycle_s,
        predicted_wip=predicted,
        ratio=ratio,
    )


def _empty(record: Provenance, freq: Freq, names: tuple[str, ...], last_periods: int) -> Backlog:
    nothing = dict.fromkeys(["mean_us", "median_us", "p90_us", "max_us"])
    ages = _ages({"cases": 0, **nothing, **{f"b{i}": 0 for i in range(len(AGE_BUCKETS_D))}})
    return Backlog(
        provenance=record,
        freq=freq,
        end_activities=names,
        end_of_log=None,
        cases=0,
        completed=0,
        open_at_end_of_log=0,
        periods=(),
        open_cases=(),
        ages=ages,
        littles_law=None,
        trend=fit_trend([], last_periods),
        mean_interarrival_s=None,
    )

"""Bottlenecks: where cases wait, per activity and per path, ranked by the time lost, and its trend.

Built on the steps of ``mining.waits`` (one per completed activity instance,
with the wait before it and its processing time, in calendar or working time).
Per activity: how often it ran, the waits before it (mean, p50, p90, p95), its
processing time when start times are known, the *time lost* (the sum of the
waits before it) and that sum as a share of all case time. Per path a -> b:
the same wait statistics for b directly after a. The trend gives, per
day/week/month, the steps, time lost, mean and p90 wait of each activity.

Definitions, units and worked examples: docs/metrics.md, "Bottlenecks".

Imports: pandas (frames only), mining (calendar, filters, selection, source, waits).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from typing import TYPE_CHECKING, Any

from mining.calendar import TimeBasis, WorkingCalendar
from mining.filters import LogFilter
from mining.selection import open_log
from mining.source import (
    Connection,
    DatasetRef,
    LogTables,
    Provenance,
    fetch_rows,
    name_lookup,
    provenance,
)
from mining.waits import (
    NOT_COMPLETING,
    TrendFreq,
    activity_waits,
    case_time,
    path_waits,
    step_table,
    trend_waits,
)

if TYPE_CHECKING:
    import pandas as pd

_US_PER_S = 1e6
_STATS = ("mean", "p50", "p90", "p95")


@dataclass(frozen=True, slots=True, kw_only=True)
class ActivityBottleneck:
    """Waiting and processing time before and of one activity (seconds, in the result's basis).

    ``frequency`` counts its steps; ``waits`` those with an earlier step in
    their case. The wait statistics are over those waits (0 when there are
    none), so ``time_lost_s = waits × mean_wait_s`` = the sum of the waits.
    """

    activity: str
    frequency: int
    cases: int
    waits: int
    mean_wait_s: float
    p50_wait_s: float
    p90_wait_s: float
    p95_wait_s: float
    time_lost_s: float
    share_of_case_time: float | None  # time_lost_s / all case time; None when that is 0
    wait_is_upper_bound: bool  # some waits were measured to a completion (no start time)
    upper_bound_waits: int
    processed: int  # steps with a start time
    mean_processing_s: float | None
    p50_processing_s: float | None
    p90_processing_s: float | None
    p95_processing_s: float | None


@dataclass(frozen=True, slots=True, kw_only=True)
class PathBottleneck:
    """The waits before ``target`` when it directly follows ``source`` (seconds)."""

    source: str
    target: str
    frequency: int  # times target's step directly followed source's step
    cases: int
    mean_wait_s: float
    p50_wait_s: float
    p90_wait_s: float
    p95_wait_s: float
    time_lost_s: float
    share_of_case_time: float | None
    wait_is_upper_bound: bool
    upper_bound_waits: int


@dataclass(frozen=True, slots=True, kw_only=True)
class Bottlenecks:
    """Activities and paths ranked by time lost (most first), with the record of what produced them."""

    provenance: Provenance
    basis: TimeBasis
    cases: int  # selected cases
    case_time_s: float  # Σ over the selected cases of (last event − first event), in the basis
    activities: tuple[ActivityBottleneck, ...]
    paths: tuple[PathBottleneck, ...]

    @property
    def wait_is_upper_bound(self) -> bool:
        """Whether any wait was measured to a completion rather than to a start."""
        return any(a.wait_is_upper_bound for a in self.activities)

    def get(self, activity: str) -> ActivityBottleneck | None:
        """The row of one activity, or None when it has no step."""
        return next((a for a in self.activities if a.activity == activity), None)

    def path(self, source: str, target: str) -> PathBottleneck | None:
        """The path source -> target, or None when target never directly follows source."""
        return next((p for p in self.paths if (p.source, p.target) == (source, target)), None)

    def to_list(self, *, top: int | None = None) -> list[dict[str, Any]]:
        """The JSON shape of ``hyperpath bottlenecks --json`` (CLI contract plus extra keys)."""
        return [_as_dict(a) for a in self.activities[:top]]

    def paths_to_list(self, *, top: int | None = None) -> list[dict[str, Any]]:
        """The paths as JSON-ready dicts (``hyperpath bottlenecks --paths --json``)."""
        return [_as_dict(p) for p in self.paths[:top]]

    def to_frame(self) -> pd.DataFrame:
        """One row per activity with the fields of ``ActivityBottleneck``, ranked."""
        import pandas as pd

        return pd.DataFrame(self.to_list(), columns=[f.name for f in fields(ActivityBottleneck)])

    def paths_frame(self) -> pd.DataFrame:
        """One row per path with the fields of ``PathBottleneck``, ranked."""
        import pandas as pd

        return pd.DataFrame(self.paths_to_list(), columns=[f.name for f in fields(PathBottleneck)])


@dataclass(frozen=True, slots=True, kw_only=True)
class TrendPoint:
    """One activity in one period (the period of the step's own timestamp, local time)."""

    period: dt.date  # first day of the day, week (Monday) or month
    activity: str
    frequency: int
    waits: int
    mean_wait_s: float | None  # None when no step of the period waited
    p90_wait_s: float | None
    time_lost_s: float


@dataclass(frozen=True, slots=True, kw_only=True)
class BottleneckTrend:
    """Waits per period and activity, by period, then most time lost first."""

    provenance: Provenance
    basis: TimeBasis
    freq: TrendFreq
    points: tuple[TrendPoint, ...]

    def activity(self, name: str) -> tuple[TrendPoint, ...]:
        """The points of one activity, oldest period first."""
        return tuple(p for p in self.points if p.activity == name)

    def top(self, n: int) -> BottleneckTrend:
        """The same trend restricted to the ``n`` activities losing the most time over all periods."""
        lost: dict[str, float] = {}
        for p in self.points:
            lost[p.activity] = lost.get(p.activity, 0.0) + p.time_lost_s
        kept = set(sorted(lost, key=lambda a: (-lost[a], a))[:n])
        return replace(self, points=tuple(p for p in self.points if p.activity in kept))

    def to_list(self) -> list[dict[str, Any]]:
        """JSON-ready dicts (``period`` as an ISO date)."""
        return [{**_as_dict(p), "period": p.period.isoformat()} for p in self.points]

    def to_frame(self) -> pd.DataFrame:
        """One row per (period, activity) with the fields of ``TrendPoint``."""
        import pandas as pd

        return pd.DataFrame(
            [_as_dict(p) for p in self.points], columns=[f.name for f in fields(TrendPoint)]
        )


def compute_bottlenecks(
    con: Connection,
    dataset: DatasetRef,
    *,
    log_filter: LogFilter | None = None,
    basis: TimeBasis = "calendar",
    calendar: WorkingCalendar | None = None,
) -> Bottlenecks:
    """Waiting and processing time per activity and per path, most time lost first.

    >>> from pathlib import Path
    >>> from eventlogs.engine import connect
    >>> from eventlogs.load import load_log
    >>> con = connect(":memory:")
    >>> _ = load_log(con, Path(__file__).parents[1] / "sample_logs" / "running-example.xes.gz")
    >>> top = compute_bottlenecks(con, "running-example").activities[0]
    >>> top.activity, top.frequency, top.waits, round(top.time_lost_s / 86400, 2)
    ('decide', 9, 9, 22.21)
    """
    log_filter = log_filter or LogFilter()
    tables = open_log(con, dataset, log_filter)
    steps = step_table(tables, basis=basis, calendar=calendar)
    total = fetch_rows(case_time(tables, basis=basis, calendar=calendar))[0]
    total_us = int(total["case_time_us"] or 0)
    names = name_lookup(tables)
    activities = [_activity(r, names, total_us) for r in fetch_rows(activity_waits(steps))]
    paths = [_path(r, names, total_us) for r in fetch_rows(path_waits(steps))]
    activities.sort(key=lambda a: (-a.time_lost_s, -a.frequency, a.activity))
    paths.sort(key=lambda p: (-p.time_lost_s, -p.frequency, p.source, p.target))
    return Bottlenecks(
        provenance=_provenance(tables, log_filter, basis, calendar),
        basis=basis,
        cases=int(total["cases"]),
        case_time_s=total_us / _US_PER_S,
        activities=tuple(activities),
        paths=tuple(paths),
    )


def compute_bottleneck_trend(
    con: Connection,
    dataset: DatasetRef,
    *,
    freq: TrendFreq = "W",
    log_filter: LogFilter | None = None,
    basis: TimeBasis = "calendar",
    calendar: WorkingCalendar | None = None,
) -> BottleneckTrend:
    """Per day ("D"), week ("W", from Monday) or month ("M"): steps and waits of each activity.

    >>> from pathlib import Path
    >>> from eventlogs.engine import connect
    >>> from eventlogs.load import load_log
    >>> con = connect(":memory:")
    >>> _ = load_log(con, Path(__file__).parents[1] / "sample_logs" / "running-example.xes.gz")
    >>> trend = compute_bottleneck_trend(con, "running-example", freq="M")
    >>> [(p.period.isoformat(), p.frequency) for p in trend.activity("decide")]
    [('2011-01-01', 9)]
    """
    log_filter = log_filter or LogFilter()
    tables = open_log(con, dataset, log_filter)
    steps = step_table(tables, basis=basis, calendar=calendar)
    names = name_lookup(tables)
    points = [
        TrendPoint(
            period=r["period"],
            activity=names[int(r["activity_no"])],
            frequency=int(r["frequency"]),
            waits=int(r["waits"]),
            mean_wait_s=_seconds(r["mean_wait_us"]),
            p90_wait_s=_seconds(r["p90_wait_us"], "p90"),
            time_lost_s=int(r["lost_us"] or 0) / _US_PER_S,
        )
        for r in fetch_rows(trend_waits(steps, freq))
    ]
    points.sort(key=lambda p: (p.period, -p.time_lost_s, -p.frequency, p.activity))
    return BottleneckTrend(
        provenance=_provenance(tables, log_filter, basis, calendar, freq=freq),
        basis=basis,
        freq=freq,
        points=tuple(points),
    )


def _provenance(
    tables: LogTables,
    log_filter: LogFilter,
    basis: TimeBasis,
    calendar: WorkingCalendar | None,
    **extra: object,
) -> Provenance:
    working = (calendar or WorkingCalendar()).to_dict() if basis == "working" else None
    return provenance(
        tables,
        log_filter,
        basis=basis,
        calendar=working,
        not_steps=list(NOT_COMPLETING),
        quantiles="linear interpolation",
        **extra,
    )


def _seconds(value: object, stat: str = "mean") -> float | None:
    """µs -> s; quantiles are rounded to the whole µs (the data's resolution, and no 1e-12 noise)."""
    if value is None:
        return None
    us = float(value)  # type: ignore[arg-type]
    return (us if stat == "mean" else round(us)) / _US_PER_S


def _waits(row: Mapping[str, Any], total_us: int) -> dict[str, Any]:
    """The wait fields shared by activities and paths (0 when nothing waited)."""
    lost = int(row["lost_us"] or 0)
    stats = {k: _seconds(row[f"{k}_wait_us"], k) or 0.0 for k in _STATS}
    return {
        **{f"{k}_wait_s": v for k, v in stats.items()},
        "time_lost_s": lost / _US_PER_S,
        "share_of_case_time": lost / total_us if total_us else None,
        "wait_is_upper_bound": int(row["upper_bound_waits"]) > 0,
        "upper_bound_waits": int(row["upper_bound_waits"]),
        "cases": int(row["cases"]),
        "frequency": int(row["frequency"]),
    }


def _activity(
    row: Mapping[str, Any], names: Mapping[int, str], total_us: int
) -> ActivityBottleneck:
    processing = {k: _seconds(row[f"{k}_processing_us"], k) for k in _STATS}
    return ActivityBottleneck(
        activity=names[int(row["activity_no"])],
        waits=int(row["waits"]),
        processed=int(row["processed"]),
        mean_processing_s=processing["mean"],
        p50_processing_s=processing["p50"],
        p90_processing_s=processing["p90"],
        p95_processing_s=processing["p95"],
        **_waits(row, total_us),
    )


def _path(row: Mapping[str, Any], names: Mapping[int, str], total_us: int) -> PathBottleneck:
    return PathBottleneck(
        source=names[int(row["prev_activity_no"])],
        target=names[int(row["activity_no"])],
        **_waits(row, total_us),
    )


def _as_dict(item: object) -> dict[str, Any]:
    return {f.name: getattr(item, f.name) for f in fields(item)}  # type: ignore[arg-type]

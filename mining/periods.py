"""Calendar periods for flow metrics (backlog, queues): buckets, the period grid, trends.

A period is a calendar day, an ISO week (Monday 00:00) or a month, in UTC.
DuckDB buckets instants with ``truncate`` (ibis); only the per-period counts
come to Python, where ``period_grid`` lays out every period of the window (also
the empty ones) and ``fit_trend`` fits a straight line through a series.

Imports: standard library, ibis, eventlogs.errors, mining.source.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal, cast

import ibis
import ibis.expr.datatypes as dtypes
import ibis.expr.types as ir

from eventlogs.errors import InputError
from mining.source import LogTables, fetch_rows

Freq = Literal["D", "W", "M"]
FREQS: tuple[Freq, ...] = ("D", "W", "M")
FREQ_NAMES: Mapping[Freq, str] = {"D": "day", "W": "week", "M": "month"}
Direction = Literal["growing", "stable", "shrinking"]
STABLE_BAND = 0.05  # a fitted change within ±5% of the mean level is "stable"
_UTC = dtypes.Timestamp("UTC")


def check_freq(freq: str) -> Freq:
    """'D', 'W' or 'M' (case-insensitive); an InputError otherwise."""
    upper = str(freq).upper()
    if upper not in FREQS:
        raise InputError(f"period {freq!r} not known; use D (day), W (ISO week) or M (month)")
    return cast(Freq, upper)


def period_of(ts: ir.TimestampValue, freq: Freq) -> ir.TimestampValue:
    """The start of the period holding ``ts`` (day, ISO week from Monday, month; UTC)."""
    return ts.truncate(freq)


def utc_literal(instant: dt.datetime) -> ir.TimestampScalar:
    """An instant as a UTC timestamp literal."""
    return ibis.literal(instant, type=_UTC)


def as_utc(value: dt.datetime) -> dt.datetime:
    """A timestamp from a query as an aware UTC datetime (naive values are UTC)."""
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def next_period(start: dt.datetime, freq: Freq) -> dt.datetime:
    """The start of the period after the one starting at ``start``."""
    if freq == "D":
        return start + dt.timedelta(days=1)
    if freq == "W":
        return start + dt.timedelta(days=7)
    year, month = (start.year + 1, 1) if start.month == 12 else (start.year, start.month + 1)
    return start.replace(year=year, month=month, day=1)


def period_grid(first: dt.datetime, last: dt.datetime, freq: Freq) -> tuple[dt.datetime, ...]:
    """Every period start from ``first`` to ``last`` (both period starts), inclusive."""
    starts = []
    current = first
    while current <= last:
        starts.append(current)
        current = next_period(current, freq)
    return tuple(starts)


@dataclass(frozen=True, slots=True, kw_only=True)
class Window:
    """The span a flow metric covers: from the first selected arrival to the end of the log."""

    first_ts: dt.datetime  # first event of the selected cases
    end_ts: dt.datetime  # last event of the whole dataset (the extract's "now")
    periods: tuple[dt.datetime, ...]  # period starts covering first_ts .. end_ts


def log_window(whole: LogTables, selected: LogTables, freq: Freq) -> Window | None:
    """The window of the selected cases, ending at the dataset's last event; None if none selected.

    The end is the whole dataset's last event even under a filter: a case left
    open is still open when the extract was taken.
    """
    end = whole.cases.aggregate(end_ts=whole.cases.last_ts.max())
    first = selected.cases.aggregate(first_ts=selected.cases.first_ts.min())
    both = first.cross_join(end)
    query = both.select(
        "first_ts",
        "end_ts",
        first_period=period_of(both.first_ts, freq),
        last_period=period_of(both.end_ts, freq),
    )
    row = fetch_rows(query)[0]
    if row["first_ts"] is None:
        return None
    grid = period_grid(as_utc(row["first_period"]), as_utc(row["last_period"]), freq)
    return Window(first_ts=as_utc(row["first_ts"]), end_ts=as_utc(row["end_ts"]), periods=grid)


@dataclass(frozen=True, slots=True, kw_only=True)
class Trend:
    """A least-squares line through the last ``periods`` values of a series."""

    periods: int
    first: int | None  # value at the end of the first period of the stretch
    last: int | None
    change: int | None  # last - first
    change_pct: float | None  # change / first × 100 (None when first is 0)
    slope_per_period: float | None  # least-squares slope, per period
    direction: Direction | None  # None with fewer than two periods

    def to_dict(self) -> dict[str, object]:
        """JSON-ready."""
        return dataclasses.asdict(self)


def fit_trend(values: Sequence[int], last_periods: int) -> Trend:
    """Trend of the last ``last_periods`` values: slope, change and a word for it.

    The direction is "stable" when the fitted change over the stretch,
    slope × (n − 1), is within ±5% of the stretch's mean value.

    >>> t = fit_trend([5, 1, 2, 3, 4], 4)
    >>> (t.slope_per_period, t.change, t.direction)
    (1.0, 3, 'growing')
    """
    tail = list(values[-last_periods:]) if last_periods > 0 else []
    n = len(tail)
    if n == 0:
        return Trend(
            periods=0,
            first=None,
            last=None,
            change=None,
            change_pct=None,
            slope_per_period=None,
            direction=None,
        )
    change = tail[-1] - tail[0]
    pct = None if tail[0] == 0 else change / tail[0] * 100
    slope: float | None = None
    direction: Direction | None = None
    if n >= 2:
        mean_x, mean_y = (n - 1) / 2, sum(tail) / n
        sxx = sum((x - mean_x) ** 2 for x in range(n))
        slope = sum((x - mean_x) * (y - mean_y) for x, y in enumerate(tail)) / sxx
        fitted = slope * (n - 1)
        if abs(fitted) <= STABLE_BAND * abs(mean_y):
            direction = "stable"
        else:
            direction = "growing" if fitted > 0 else "shrinking"
    return Trend(
        periods=n,
        first=tail[0],
        last=tail[-1],
        change=change,
        change_pct=pct,
        slope_per_period=slope,
        direction=direction,
    )

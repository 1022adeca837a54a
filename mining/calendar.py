"""Working calendars: durations in working time as well as calendar time.

A duration in either basis is the difference of two *clock* readings, in
microseconds:

- calendar clock: microseconds since 1970-01-01 UTC, so a difference is plain
  elapsed time;
- working clock ``W(t)``: working microseconds since the start of the calendar
  table. ``W`` is flat outside working hours, weekends and bank holidays and
  rises one-for-one inside them, so ``W(end) - W(start)`` counts only the
  working time between two instants.

``W`` is computed in the query engine by joining each timestamp's local date
to a small table of days (one row per day of the log's span) holding the
working microseconds before that day and the day's opening hours::

    W(t) = before_us(day(t)) + [working day] * clamp(time_of_day(t) - open, 0, close - open)

Local time is the event's UTC time plus its recorded ``utc_offset_min`` (the
offset written in the source file; 0 when the source had none), so 09:00 means
09:00 where the event was recorded. Holidays come from the ``holidays``
package (default: England and Wales bank holidays) plus any extra dates.

Imports: holidays, ibis, mining.source.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal, TypeAlias

import holidays
import ibis
import ibis.expr.types as ir

from eventlogs.errors import InputError
from mining.source import LogTables, fetch_rows

TimeBasis: TypeAlias = Literal["calendar", "working"]
BASES: tuple[TimeBasis, ...] = ("calendar", "working")
_US_PER_S = 1_000_000
_EPOCH = dt.datetime(1970, 1, 1)  # naive: compared with utc_wall() values
_DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True, slots=True, kw_only=True)
class WorkingCalendar:
    """Working days and hours, with a country's public holidays.

    ``weekdays`` are Python weekday numbers (Monday = 0). ``subdivision`` is the
    region code of the ``holidays`` package (``ENG``, ``SCT``, ``WLS``, ``NIR``
    for the UK); ``None`` means the country's national holidays only.

    >>> WorkingCalendar().hours_per_day
    8.0
    >>> WorkingCalendar().is_holiday(dt.date(2024, 12, 26))
    True
    """

    country: str = "GB"
    subdivision: str | None = "ENG"
    weekdays: tuple[int, ...] = (0, 1, 2, 3, 4)
    day_start: str = "09:00"
    day_end: str = "17:00"
    extra_holidays: tuple[dt.date, ...] = field(default=())

    def __post_init__(self) -> None:
        if not self.weekdays or any(d not in range(7) for d in self.weekdays):
            raise InputError(f"working weekdays must be numbers 0 (Mon) to 6; got {self.weekdays}")
        if _minutes(self.day_end) <= _minutes(self.day_start):
            raise InputError(
                f"working hours {self.day_start}-{self.day_end} end before they start; "
                "give them as HH:MM-HH:MM within one day"
            )
        try:
            holidays.country_holidays(self.country, subdiv=self.subdivision, years=2000)
        except NotImplementedError as exc:
            raise InputError(
                f"no holiday calendar for country {self.country!r} region {self.subdivision!r}: {exc}"
            ) from exc

    @property
    def open_us(self) -> int:
        """Opening time as microseconds after local midnight."""
        return _minutes(self.day_start) * 60 * _US_PER_S

    @property
    def close_us(self) -> int:
        """Closing time as microseconds after local midnight."""
        return _minutes(self.day_end) * 60 * _US_PER_S

    @property
    def hours_per_day(self) -> float:
        """Working hours in one working day."""
        return (self.close_us - self.open_us) / _US_PER_S / 3600

    def holidays_between(self, first: dt.date, last: dt.date) -> dict[dt.date, str]:
        """The holidays from ``first`` to ``last`` inclusive, with their names."""
        years = range(first.year, last.year + 1)
        found = holidays.country_holidays(self.country, subdiv=self.subdivision, years=years)
        days = {d: str(name) for d, name in found.items() if first <= d <= last}
        days.update({d: "extra holiday" for d in self.extra_holidays if first <= d <= last})
        return days

    def is_holiday(self, day: dt.date) -> bool:
        """Whether ``day`` is a public or extra holiday."""
        return day in self.holidays_between(day, day)

    def describe(self) -> str:
        """One line for people: 'Mon-Fri 09:00-17:00, GB-ENG holidays'."""
        days = ",".join(_DAY_NAMES[d].title() for d in sorted(self.weekdays))
        region = f"{self.country}-{self.subdivision}" if self.subdivision else self.country
        return f"{days} {self.day_start}-{self.day_end}, {region} holidays"

    def to_dict(self) -> dict[str, object]:
        """JSON-ready record of the calendar (for provenance)."""
        return {
            "country": self.country,
            "subdivision": self.subdivision,
            "weekdays": list(self.weekdays),
            "day_start": self.day_start,
            "day_end": self.day_end,
            "extra_holidays": [d.isoformat() for d in self.extra_holidays],
        }

    @classmethod
    def from_options(
        cls,
        *,
        region: str | None = None,
        hours: str | None = None,
        days: str | None = None,
    ) -> WorkingCalendar:
        """A calendar from CLI-style text: region 'GB-SCT', hours '08:30-16:30', days 'mon-fri'.

        >>> WorkingCalendar.from_options(region="GB-SCT", hours="08:30-16:30").describe()
        'Mon,Tue,Wed,Thu,Fri 08:30-16:30, GB-SCT holidays'
        """
        base = cls()
        country, subdivision = base.country, base.subdivision
        if region:
            country, _, sub = region.upper().partition("-")
            subdivision = sub or None
        start, end = base.day_start, base.day_end
        if hours:
            start, sep, end = hours.partition("-")
            if not sep:
                raise InputError(f"working hours {hours!r} must look like 09:00-17:00")
        weekdays = _parse_days(days) if days else base.weekdays
        return cls(
            country=country,
            subdivision=subdivision,
            weekdays=weekdays,
            day_start=start.strip(),
            day_end=end.strip(),
        )


def _minutes(text: str) -> int:
    """'09:30' -> 570 (InputError when malformed)."""
    hours, sep, minutes = text.strip().partition(":")
    if not (sep and hours.isdigit() and minutes.isdigit()):
        raise InputError(f"time of day {text!r} must be HH:MM, e.g. 09:00")
    value = int(hours) * 60 + int(minutes)
    if not 0 <= value <= 24 * 60:
        raise InputError(f"time of day {text!r} is outside 00:00-24:00")
    return value


def _parse_days(text: str) -> tuple[int, ...]:
    """'mon-fri' or 'mon,tue,thu' -> weekday numbers."""
    days: set[int] = set()
    for part in text.lower().replace(" ", "").split(","):
        first, _, last = part.partition("-")
        if first[:3] not in _DAY_NAMES or (last and last[:3] not in _DAY_NAMES):
            raise InputError(f"working days {text!r} must look like mon-fri or mon,wed,fri")
        lo = _DAY_NAMES.index(first[:3])
        hi = _DAY_NAMES.index(last[:3]) if last else lo
        days.update(range(lo, hi + 1) if lo <= hi else [*range(lo, 7), *range(0, hi + 1)])
    return tuple(sorted(days))


def calendar_days(
    calendar: WorkingCalendar, first: dt.date, last: dt.date
) -> list[dict[str, object]]:
    """One row per day from ``first`` to ``last``: day, before_us, is_work (the clock's table)."""
    holiday_days = calendar.holidays_between(first, last)
    per_day = calendar.close_us - calendar.open_us
    rows: list[dict[str, object]] = []
    before = 0
    day = first
    while day <= last:
        work = day.weekday() in calendar.weekdays and day not in holiday_days
        rows.append({"day": day, "before_us": before, "is_work": work})
        before += per_day if work else 0
        day += dt.timedelta(days=1)
    return rows


def working_seconds(calendar: WorkingCalendar, start: dt.datetime, end: dt.datetime) -> float:
    """Working seconds between two local wall-clock times (Python reference for tests and docs).

    >>> cal = WorkingCalendar()
    >>> working_seconds(cal, dt.datetime(2024, 1, 5, 16), dt.datetime(2024, 1, 8, 10)) / 3600
    2.0
    """
    rows = calendar_days(calendar, start.date(), end.date())
    by_day = {r["day"]: r for r in rows}

    def clock(t: dt.datetime) -> int:
        row = by_day[t.date()]
        tod = (t - dt.datetime.combine(t.date(), dt.time(), t.tzinfo)) // dt.timedelta(
            microseconds=1
        )
        inside = min(max(tod - calendar.open_us, 0), calendar.close_us - calendar.open_us)
        return int(row["before_us"]) + (inside if row["is_work"] else 0)  # type: ignore[call-overload]

    return (clock(end) - clock(start)) / _US_PER_S


def log_span(tables: LogTables) -> tuple[dt.date, dt.date]:
    """First and last UTC day of the selected cases, widened by a day for local offsets."""
    row = fetch_rows(
        tables.cases.aggregate(lo=tables.cases.first_ts.min(), hi=tables.cases.last_ts.max())
    )[0]
    if row["lo"] is None:
        today = dt.date(1970, 1, 1)
        return today, today
    return row["lo"].date() - dt.timedelta(days=1), row["hi"].date() + dt.timedelta(days=1)


def utc_wall(ts: ir.TimestampValue) -> ir.TimestampValue:
    """``ts`` as a time-zone-free timestamp holding its UTC wall-clock time.

    The session time zone is UTC (``eventlogs.engine.connect`` pins it), so the
    cast keeps the instant. Why: DuckDB computes date parts, interval additions
    and ``date_diff`` on TIMESTAMP WITH TIME ZONE through ICU calendars, about
    0.65 µs a value for ``date_diff``; on plain timestamps they are arithmetic.
    On 10M events this halves the CPU time of the calendar-basis bottlenecks
    (bench/RESULTS-metrics.md); the values are identical.
    """
    return ts.cast("timestamp")


def with_clocks(
    tables: LogTables,
    table: ir.Table,
    columns: Mapping[str, str],
    *,
    basis: TimeBasis = "calendar",
    calendar: WorkingCalendar | None = None,
    offset_column: str | None = "utc_offset_min",
) -> ir.Table:
    """``table`` plus one int64 clock column per ``{out: timestamp column}``.

    Differences of clock columns are durations in µs in the chosen basis. A null
    timestamp gives a null clock. ``offset_column`` (minutes east of UTC) gives
    local time for working hours; None treats every timestamp as local UTC.
    """
    if basis not in BASES:
        raise InputError(f"time basis {basis!r} is not one of: {', '.join(BASES)}")
    if basis == "calendar":
        epoch = ibis.literal(_EPOCH)
        return table.mutate(
            **{
                out: utc_wall(table[col]).delta(epoch, unit="microsecond")
                for out, col in columns.items()
            }
        )
    calendar = calendar or WorkingCalendar()
    first, last = log_span(tables)
    days = ibis.memtable(calendar_days(calendar, first, last))
    for out, col in columns.items():
        table = _add_working_clock(table, days, out, col, calendar, offset_column)
    return table


def _add_working_clock(
    table: ir.Table,
    days: ir.Table,
    out: str,
    col: str,
    calendar: WorkingCalendar,
    offset_column: str | None,
) -> ir.Table:
    """Join the day table on the local date of ``col`` and compute ``W`` into ``out``."""
    ts = utc_wall(table[col])
    if offset_column is not None:
        ts = ts + table[offset_column].fill_null(0).cast("int64").as_interval("m")
    local = f"__{out}_local"
    day_col = f"__{out}_day"
    table = table.mutate(**{local: ts, day_col: ts.date()})
    d = days.rename(
        **{f"__{out}_before": "before_us", f"__{out}_work": "is_work", f"__{out}_d": "day"}
    )
    joined = table.left_join(d, table[day_col] == d[f"__{out}_d"])
    t = joined[local]
    tod_us = (
        t.hour().cast("int64") * 3_600_000_000
        + t.minute().cast("int64") * 60_000_000
        + t.second().cast("int64") * 1_000_000
        + t.microsecond().cast("int64")
    )
    span = calendar.close_us - calendar.open_us
    inside = ibis.greatest(ibis.least(tod_us - calendar.open_us, span), 0)
    clock = joined[f"__{out}_before"] + joined[f"__{out}_work"].ifelse(inside, 0)
    clock = joined[col].isnull().ifelse(ibis.null("int64"), clock)
    helper = [local, day_col, f"__{out}_before", f"__{out}_work", f"__{out}_d"]
    return joined.mutate(**{out: clock.cast("int64")}).drop(*helper)

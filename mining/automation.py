"""System-versus-human signals per event: which steps are already done by machines.

Three signals, each a boolean column added to the events (``event_signals``):

- ``name``: the resource's name looks like a system account: a word of it
  (case-insensitive; a word starts at the beginning or after a non-letter)
  starts with one of ``SYSTEM_PATTERNS`` ('SYSTEM', 'batch_user', 'RPA-01',
  'AutoClose'; not 'Abbott', 'Capital').
- ``same_second``: at least ``same_second_cases`` different cases have an
  event of the same activity at the same second, and that second is not a
  whole minute (hh:mm:00): whole minutes are as often times rounded or
  scheduled by people (Sepsis: blood samples stamped 07:00:00 in hundreds
  of cases) as a job's.
- ``off_hours``: local time (``ts`` plus ``utc_offset_min``) falls outside the
  working calendar: not a working weekday, a holiday, or before ``day_start``
  / at or after ``day_end``.

An event is **automated** when ``name`` holds, or ``same_second`` and
``off_hours`` both hold (many cases in one second at night is a scheduled job;
either alone is common for people). Events stamped exactly at local midnight
carry only a date, so ``same_second`` and ``off_hours`` are false for them.
When no event of the selection has a non-zero second, the timestamps are
minute-level and ``same_second`` is off (the result says so).

Imports: ibis, mining.calendar, mining.variability_exprs.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import ibis
import ibis.expr.types as ir
from ibis import _

from mining.calendar import WorkingCalendar
from mining.variability_exprs import local_timestamp

SYSTEM_PATTERNS: tuple[str, ...] = (
    "system",
    "batch",
    "auto",
    "robot",
    "bot",
    "rpa",
    "script",
    "job",
    "scheduler",
    "interface",
    "api",
    "sys",
)
SAME_SECOND_CASES = 3
_US_PER_S = 1_000_000
_REGEX_SPECIAL = set("\\.^$|?*+()[]{}")


def name_regex(patterns: Sequence[str]) -> str:
    """The regular expression (over lower-cased names) matching a word that starts with a pattern.

    >>> name_regex(["SYSTEM", "a.b"])
    '(^|[^a-z])(system|a\\\\.b)'
    """
    escaped = ("".join(f"\\{c}" if c in _REGEX_SPECIAL else c for c in p.lower()) for p in patterns)
    return "(^|[^a-z])(" + "|".join(escaped) + ")"


def system_name(resource: ir.StringValue, patterns: Sequence[str]) -> ir.BooleanValue:
    """True where the resource name matches a pattern (false for a null resource or no patterns)."""
    if not patterns:
        return ibis.literal(False)
    return resource.lower().re_search(name_regex(patterns)).fill_null(False)


def time_of_day_us(local: ir.TimestampValue) -> ir.IntegerValue:
    """Microseconds since local midnight."""
    return (
        local.hour().cast("int64") * 3600 * _US_PER_S
        + local.minute().cast("int64") * 60 * _US_PER_S
        + local.second().cast("int64") * _US_PER_S
        + local.microsecond().cast("int64")
    )


def seconds_recorded(events: ir.Table) -> ir.BooleanScalar:
    """Whether any event's timestamp has a non-zero second or fraction (else minute-level stamps)."""
    return ((events.ts.second() != 0) | (events.ts.microsecond() != 0)).any().fill_null(False)


def event_signals(
    events: ir.Table,
    *,
    patterns: Sequence[str] = SYSTEM_PATTERNS,
    same_second_cases: int = SAME_SECOND_CASES,
    calendar: WorkingCalendar,
    holidays: Sequence[dt.date] = (),
    with_same_second: bool = True,
) -> ir.Table:
    """``events`` plus boolean columns name, same_second, off_hours, automated (and helpers)."""
    local = local_timestamp(events)
    tod = time_of_day_us(local)
    t = events.mutate(
        odd_second=(local.second() != 0) | (local.microsecond() != 0),
        second=events.ts.truncate("s"),
        off_hours=(tod != 0)
        & (
            ~local.day_of_week.index().isin(list(calendar.weekdays))
            | local.date().isin(list(holidays))
            | (tod < calendar.open_us)
            | (tod >= calendar.close_us)
        ),
        name=system_name(events.resource, patterns),
    )
    if with_same_second:
        busy = (
            t.filter(t.odd_second)
            .group_by(["activity_no", "second"])
            .agg(n_cases=_.case_no.nunique())
            .filter(_.n_cases >= same_second_cases)
        )
        t = t.left_join(
            busy, (t.activity_no == busy.activity_no) & (t.second == busy.second)
        ).select(*[t[c] for c in t.columns], same_second=busy.n_cases.notnull())
    else:
        t = t.mutate(same_second=ibis.literal(False))
    return t.mutate(automated=t.name | (t.same_second & t.off_hours))


def signal_shares(signals: ir.Table) -> ir.Table:
    """Per activity_no: events, resourced events, distinct resources and the count of each signal."""

    def count(flag: ir.BooleanColumn) -> ir.IntegerScalar:
        return flag.cast("int64").sum()

    return signals.group_by("activity_no").agg(
        events=_.count(),
        resourced_events=signals.resource.count(),
        distinct_resources=signals.resource.nunique(),
        name_events=count(signals.name),
        same_second_events=count(signals.same_second),
        off_hours_events=count(signals.off_hours),
        automated_events=count(signals.automated),
    )

"""Waiting and processing time of every step: the ibis expressions behind the bottleneck metrics.

A *step* is an event that completes an activity instance: every event except
the non-completing lifecycle transitions (``start``, ``schedule``, ``assign``,
``reassign``, ``suspend``, ``resume``). A ``start`` event is not a step of its
own: the ingest layer paired it with its ``complete`` event, whose
``start_ts`` it became.

Steps of a case are taken in event order (``position``: completion time, ties
by source order). For each step, with ``prev`` the previous step of its case:

* ``wait_us`` = begin − end(prev), where begin is ``start_ts`` when known, else
  ``ts`` (then the wait is an *upper bound*: it also holds the processing
  time). A step that starts before its predecessor completed (overlapping
  work) waited 0. The first step of a case has no wait (NULL).
* ``processing_us`` = ``ts`` − ``start_ts`` (NULL without a start).

Times are *clock* differences from ``mining.calendar.with_clocks``, so every
duration is in the chosen basis: calendar time or working time.

Imports: ibis, eventlogs.errors, mining.calendar, mining.source.
"""

from __future__ import annotations

from typing import Literal, TypeAlias

import ibis
import ibis.expr.types as ir
from ibis import _

from eventlogs.errors import InputError
from mining.calendar import TimeBasis, WorkingCalendar, with_clocks
from mining.source import LogTables

NOT_COMPLETING = ("start", "schedule", "assign", "reassign", "suspend", "resume")
QUANTILES = {"p50": 0.5, "p90": 0.9, "p95": 0.95}
TrendFreq: TypeAlias = Literal["D", "W", "M"]
TREND_FREQS: tuple[TrendFreq, ...] = ("D", "W", "M")


def step_events(events: ir.Table) -> ir.Table:
    """The events that are steps (completions); lifecycle NULL counts as complete."""
    return events.filter(events.lifecycle.isnull() | ~events.lifecycle.isin(NOT_COMPLETING))


def steps(clocked: ir.Table) -> ir.Table:
    """Steps with their predecessor, wait and processing time.

    ``clocked`` holds step events with clock columns ``end_us`` (of ``ts``) and
    ``begin_us`` (of ``start_ts``, NULL without a start). Adds
    ``prev_activity_no``, ``wait_us``, ``processing_us`` and ``upper_bound``
    (the wait was measured to the completion, not to a start).
    """
    w = ibis.window(group_by="case_no", order_by="position")
    lagged = clocked.mutate(
        prev_activity_no=clocked.activity_no.lag().over(w),
        gap_us=clocked.begin_us.coalesce(clocked.end_us) - clocked.end_us.lag().over(w),
    )
    gap = lagged.gap_us
    # NULL < 0 is NULL, so a first step keeps a NULL wait (greatest() would turn it into 0).
    return lagged.mutate(
        wait_us=(gap < 0).ifelse(ibis.literal(0, type="int64"), gap),
        processing_us=lagged.end_us - lagged.begin_us,
        upper_bound=lagged.begin_us.isnull(),
    ).drop("gap_us")


def step_table(
    tables: LogTables, *, basis: TimeBasis = "calendar", calendar: WorkingCalendar | None = None
) -> ir.Table:
    """``steps`` of the (filtered) ``tables.events`` with durations in ``basis``."""
    clocked = with_clocks(
        tables,
        step_events(tables.events),
        {"end_us": "ts", "begin_us": "start_ts"},
        basis=basis,
        calendar=calendar,
    )
    return steps(clocked)


def case_time(
    tables: LogTables, *, basis: TimeBasis = "calendar", calendar: WorkingCalendar | None = None
) -> ir.Table:
    """One row: ``cases`` and ``case_time_us`` = Σ over cases of (last event − first event) in ``basis``.

    Taken from the events (all of them, start events included) so that working
    time uses each event's own local offset.
    """
    clocked = with_clocks(tables, tables.events, {"clock_us": "ts"}, basis=basis, calendar=calendar)
    per_case = clocked.group_by("case_no").agg(
        duration_us=_.clock_us.argmax(_.position) - _.clock_us.argmin(_.position)
    )
    return per_case.aggregate(cases=_.count(), case_time_us=_.duration_us.sum())


def _wait_stats(wait: ir.IntegerColumn) -> dict[str, ir.Value]:
    return {
        "lost_us": wait.sum(),
        "mean_wait_us": wait.mean(),
        **{f"{name}_wait_us": wait.quantile(q) for name, q in QUANTILES.items()},
    }


def activity_waits(steps: ir.Table) -> ir.Table:
    """Per ``activity_no``: steps, cases, waits, wait and processing statistics (µs)."""
    wait, proc = steps.wait_us, steps.processing_us
    return steps.group_by("activity_no").agg(
        frequency=_.count(),
        cases=_.case_no.nunique(),
        waits=wait.count(),
        upper_bound_waits=(wait.notnull() & steps.upper_bound).ifelse(1, 0).sum(),
        processed=proc.count(),
        mean_processing_us=proc.mean(),
        **{f"{name}_processing_us": proc.quantile(q) for name, q in QUANTILES.items()},
        **_wait_stats(wait),
    )


def path_waits(steps: ir.Table) -> ir.Table:
    """Per (``prev_activity_no``, ``activity_no``): how often, in how many cases, and the waits (µs)."""
    pairs = steps.filter(steps.prev_activity_no.notnull())
    return pairs.group_by(["prev_activity_no", "activity_no"]).agg(
        frequency=_.count(),
        cases=_.case_no.nunique(),
        upper_bound_waits=pairs.upper_bound.ifelse(1, 0).sum(),
        **_wait_stats(pairs.wait_us),
    )


def trend_waits(steps: ir.Table, freq: TrendFreq) -> ir.Table:
    """Per (``period``, ``activity_no``): steps, waits, time lost, mean and p90 wait (µs).

    ``period`` is the first day of the day/week (Monday)/month holding the
    step's ``ts`` in the local time where it was recorded.
    """
    if freq not in TREND_FREQS:
        raise InputError(f"trend period {freq!r} is not one of: {', '.join(TREND_FREQS)}")
    local = steps.ts + steps.utc_offset_min.fill_null(0).cast("int64").as_interval("m")
    periods = steps.mutate(period=local.truncate(freq).date())
    wait = periods.wait_us
    return periods.group_by(["period", "activity_no"]).agg(
        frequency=_.count(),
        waits=wait.count(),
        lost_us=wait.sum(),
        mean_wait_us=wait.mean(),
        p90_wait_us=wait.quantile(QUANTILES["p90"]),
    )

"""Handling time per step: measured when the log has start times, estimated (and flagged) when not.

Measured: the step's processing times (start → complete) in *working* time, so a
task opened at 16:55 and closed at 09:05 the next working day counts 10
minutes of work; work done wholly outside working hours (working time 0)
counts its calendar time, since someone still did it. The point value is their median; up to ``samples`` of them
(a deterministic spread over the log) are kept for Monte-Carlo ranges.

Estimated (no start times): the 10th percentile of the step's waits in working
time (the gap since the previous step, which holds the handling plus any
queue; its fast end is mostly handling), clamped to ``[floor_s, cap_s]``
(default 1 to 30 minutes); with no waits at all, ``default_s``. The estimate
is an assumption, not a measurement: it is flagged and can be overridden per
step in the scoring file.

Imports: ibis, mining (calendar, filters, selection, source, waits).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

import ibis
import ibis.expr.types as ir
from ibis import _

from mining.calendar import WorkingCalendar, with_clocks
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
from mining.waits import step_events, steps

_US_PER_S = 1_000_000
ESTIMATE_QUANTILE = 0.1


@dataclass(frozen=True, slots=True, kw_only=True)
class Handling:
    """The handling time of one step."""

    activity: str
    handling_time_s: float
    estimated: bool
    basis: str  # how it was obtained, in words
    measured: int  # executions with a measured processing time
    samples_s: tuple[float, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class HandlingTimes:
    """Handling time per activity."""

    provenance: Provenance
    span_days: float  # first to last event of the selected cases
    steps: Mapping[str, Handling] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "steps", MappingProxyType(dict(self.steps)))


def compute_handling_times(
    con: Connection,
    dataset: DatasetRef,
    *,
    log_filter: LogFilter | None = None,
    calendar: WorkingCalendar | None = None,
    samples: int = 400,
    floor_s: float = 60.0,
    cap_s: float = 1800.0,
    default_s: float = 300.0,
) -> HandlingTimes:
    """Measured (median working processing time) or estimated handling time of every step."""
    log_filter = log_filter or LogFilter()
    tables = open_log(con, dataset, log_filter)
    names = name_lookup(tables)
    s = _handling_steps(tables, calendar)
    stats = s.group_by("activity_no").agg(
        measured=_.handling_us.count(),
        median_us=_.handling_us.median(),
        p10_wait_us=_.wait_us.quantile(ESTIMATE_QUANTILE),
    )
    spread = (s.case_no * 7919 + s.position * 104729) % 1_000_003
    timed = s.filter(s.handling_us.notnull()).mutate(spread=spread)
    ranked = timed.mutate(rank=ibis.row_number().over(group_by="activity_no", order_by="spread"))
    picked = ranked.filter(ranked.rank < samples).select("activity_no", "handling_us")
    by_step: dict[int, list[float]] = {}
    for row in fetch_rows(picked):
        by_step.setdefault(int(row["activity_no"]), []).append(row["handling_us"] / _US_PER_S)
    steps = {}
    for row in fetch_rows(stats):
        no = int(row["activity_no"])
        steps[names[no]] = _handling(names[no], row, by_step.get(no, []), floor_s, cap_s, default_s)
    c = tables.cases
    span = fetch_rows(
        c.aggregate(span_us=c.last_ts.max().delta(c.first_ts.min(), unit="microsecond"))
    )
    span_days = (span[0]["span_us"] or 0) / _US_PER_S / 86400
    params = {"calendar": (calendar or WorkingCalendar()).to_dict(), "samples": samples}
    params |= {"estimate": f"p10 of waits clamped to {floor_s:g}-{cap_s:g} s, else {default_s:g} s"}
    return HandlingTimes(
        provenance=provenance(tables, log_filter, **params), span_days=span_days, steps=steps
    )


def _handling_steps(tables: LogTables, calendar: WorkingCalendar | None) -> ir.Table:
    """Steps with ``wait_us`` (working time) and ``handling_us``: the working processing time,
    or the calendar one when the work fell wholly outside working hours (someone still did it)."""
    events = step_events(tables.events)
    clocked = with_clocks(
        tables, events, {"end_us": "ts", "begin_us": "start_ts"}, basis="working", calendar=calendar
    )
    clocked = with_clocks(tables, clocked, {"cal_end_us": "ts", "cal_begin_us": "start_ts"})
    s = steps(clocked)
    calendar_us = s.cal_end_us - s.cal_begin_us
    return s.mutate(handling_us=(s.processing_us > 0).ifelse(s.processing_us, calendar_us))


def _handling(
    activity: str,
    row: Mapping[str, object],
    samples: list[float],
    floor_s: float,
    cap_s: float,
    default_s: float,
) -> Handling:
    measured = int(row["measured"] or 0)  # type: ignore[call-overload]
    if measured:
        median = float(row["median_us"]) / _US_PER_S  # type: ignore[arg-type]
        return Handling(
            activity=activity,
            handling_time_s=median,
            estimated=False,
            basis=f"median of {measured:,} measured executions, working time",
            measured=measured,
            samples_s=tuple(sorted(samples)),
        )
    p10 = row["p10_wait_us"]
    if p10 is None:
        value, how = default_s, f"estimated: no waits to learn from, default {default_s / 60:g} min"
    else:
        value = min(max(float(p10) / _US_PER_S, floor_s), cap_s)  # type: ignore[arg-type]
        how = "estimated from the fastest waits (p10, working time); no start times in the log"
    return Handling(activity=activity, handling_time_s=value, estimated=True, basis=how, measured=0)

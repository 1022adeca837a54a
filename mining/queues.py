"""Per-step queues: at the end of each period, how many cases wait before each activity.

A case **waits before activity X** from its previous event (time ``ts``) until
its next event, an X event, starts: that event's ``start_ts`` when known (a
start-timestamp column, or the paired lifecycle ``start``), otherwise its
``ts``. Waits of zero or negative length (X began before its predecessor
ended, or a lifecycle ``complete`` right after its own ``start``) are not
waits. The queue before X at the end of a period (instant T, the next period's
start) counts the waits with enter < T <= leave, the convention of the backlog:
events at T itself belong to the next period.

Only waits that end with an X in the log are known: a case still open at the
end of the log has no recorded next step, so the queues of the last periods
undercount (the backlog's open cases show those).

Entries and exits are counted per (activity, period) in the query engine and
accumulated over the period grid in Python.

Imports: ibis, pandas (for ``to_frame``), mining.filters, mining.flow,
mining.periods, mining.selection, mining.source.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import ibis
import ibis.expr.types as ir
from ibis import _

from mining.filters import LogFilter, format_instant
from mining.flow import activity_numbers
from mining.periods import Freq, as_utc, check_freq, log_window, period_of
from mining.selection import apply_filter
from mining.source import (
    Connection,
    DatasetRef,
    Provenance,
    fetch_rows,
    load_tables,
    name_lookup,
    provenance,
)

if TYPE_CHECKING:
    import datetime as dt

    import pandas as pd


@dataclass(frozen=True, slots=True, kw_only=True)
class StepQueue:
    """The queue before one activity, at the end of every period of ``StepQueues.periods``."""

    activity: str
    waits: int  # waits before this activity (positive length) in the selected cases
    waiting: tuple[int, ...]  # cases waiting at the end of each period
    mean_waiting: float  # mean of ``waiting`` over the periods
    max_waiting: int
    peak_start: dt.datetime | None  # first period where ``max_waiting`` is reached


@dataclass(frozen=True, slots=True, kw_only=True)
class StepQueues:
    """Queues before each activity, longest on average first (then by name)."""

    provenance: Provenance
    freq: Freq
    periods: tuple[dt.datetime, ...]  # period starts (UTC)
    queues: tuple[StepQueue, ...]

    def get(self, activity: str) -> StepQueue | None:
        """The queue before one activity, or None when the activity is never waited for."""
        return next((q for q in self.queues if q.activity == activity), None)

    def to_frame(self) -> pd.DataFrame:
        """Long format: one row per (activity, period) with columns activity, start, waiting."""
        import pandas as pd

        rows = [
            (q.activity, start, n)
            for q in self.queues
            for start, n in zip(self.periods, q.waiting, strict=True)
        ]
        return pd.DataFrame(rows, columns=["activity", "start", "waiting"])

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: period starts, and per activity its series and summary."""
        return {
            "freq": self.freq,
            "periods": [format_instant(p) for p in self.periods],
            "activities": [
                {
                    "activity": q.activity,
                    "waits": q.waits,
                    "mean_waiting": q.mean_waiting,
                    "max_waiting": q.max_waiting,
                    "peak_start": None if q.peak_start is None else format_instant(q.peak_start),
                    "waiting": list(q.waiting),
                }
                for q in self.queues
            ],
        }


def waiting_intervals(events: ir.Table) -> ir.Table:
    """(case_no, activity_no, enter_ts, leave_ts): each positive wait before an activity."""
    after = events.select(
        next_case=_.case_no,
        previous_position=_.position - 1,
        activity_no=_.activity_no,
        leave_ts=_.start_ts.coalesce(_.ts),
    )
    before = events.select("case_no", "position", enter_ts=_.ts)
    pairs = before.join(
        after,
        [before.case_no == after.next_case, before.position == after.previous_position],
    )
    return pairs.filter(pairs.leave_ts > pairs.enter_ts).select(
        "case_no", "activity_no", "enter_ts", "leave_ts"
    )


def queue_flows(intervals: ir.Table, freq: Freq) -> ir.Table:
    """(activity_no, start, entered, left): waits starting and ending in each period."""
    entered = intervals.select(
        "activity_no", start=period_of(intervals.enter_ts, freq), e=ibis.literal(1), x=0
    )
    left = intervals.select(
        "activity_no", start=period_of(intervals.leave_ts, freq), e=ibis.literal(0), x=1
    )
    return (
        ibis.union(entered, left)
        .group_by(["activity_no", "start"])
        .agg(entered=_.e.sum(), left=_.x.sum())
    )


def compute_step_queues(
    con: Connection,
    dataset: DatasetRef,
    *,
    freq: str = "D",
    activities: Sequence[str] | None = None,
    log_filter: LogFilter | None = None,
) -> StepQueues:
    """Cases waiting before each activity at the end of each period (activities None: all).

    >>> from pathlib import Path
    >>> from eventlogs.engine import connect
    >>> from eventlogs.load import load_log
    >>> con = connect(":memory:")
    >>> _ = load_log(con, Path(__file__).parents[1] / "sample_logs" / "running-example.xes.gz")
    >>> q = compute_step_queues(con, "running-example", freq="M")
    >>> q.get("decide").waiting
    (2, 0)
    """
    freq = check_freq(freq)
    log_filter = log_filter or LogFilter()
    whole = load_tables(con, dataset)
    selected = apply_filter(whole, log_filter)
    intervals = waiting_intervals(selected.events)
    if activities is not None:
        numbers = activity_numbers(whole, list(activities))
        intervals = intervals.filter(intervals.activity_no.isin(list(numbers.values())))
    record = provenance(
        selected,
        log_filter,
        freq=freq,
        activities=None if activities is None else list(activities),
        wait_ends="start_ts when known, else ts",
    )
    window = log_window(whole, selected, freq)
    if window is None:
        return StepQueues(provenance=record, freq=freq, periods=(), queues=())
    rows = fetch_rows(queue_flows(intervals, freq))
    queues = _queues(rows, window.periods, name_lookup(whole))
    return StepQueues(provenance=record, freq=freq, periods=window.periods, queues=queues)


def _queues(
    rows: list[dict[str, Any]], grid: Sequence[dt.datetime], names: dict[int, str]
) -> tuple[StepQueue, ...]:
    index = {start: i for i, start in enumerate(grid)}
    net: dict[int, list[int]] = {}
    waits: dict[int, int] = {}
    for r in rows:
        no = int(r["activity_no"])
        series = net.setdefault(no, [0] * len(grid))
        series[index[as_utc(r["start"])]] += int(r["entered"]) - int(r["left"])
        waits[no] = waits.get(no, 0) + int(r["entered"])
    queues = []
    for no, changes in net.items():
        waiting, level = [], 0
        for change in changes:
            level += change
            waiting.append(level)
        peak = max(waiting)
        queues.append(
            StepQueue(
                activity=names[no],
                waits=waits[no],
                waiting=tuple(waiting),
                mean_waiting=sum(waiting) / len(waiting),
                max_waiting=peak,
                peak_start=grid[waiting.index(peak)] if peak > 0 else None,
            )
        )
    return tuple(sorted(queues, key=lambda q: (-q.mean_waiting, q.activity)))

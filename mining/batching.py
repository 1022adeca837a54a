"""Batching and workload as ibis expressions: who finishes many cases at once, and how much.

- A **batch** is a run of one resource's executions of one activity (events
  whose lifecycle is empty or ``complete``) in time order, each at most
  ``window_s`` seconds after the previous one, that holds at least
  ``min_cases`` different cases. Executions stamped exactly at local midnight
  carry only a date and never join a batch (they still count as executions).
- **Workload**: events and distinct cases per resource per period of local
  time (``D`` day, ``W`` ISO week from Monday, ``M`` month).

Events without a resource take part in neither.

Imports: ibis, eventlogs.errors, mining.automation, mining.variability_exprs.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir
from ibis import _

from eventlogs.errors import InputError
from mining.automation import time_of_day_us
from mining.variability_exprs import is_execution, local_timestamp

BATCH_WINDOW_S = 60.0
BATCH_MIN_CASES = 2
FREQS = ("D", "W", "M")
_PAIR = ["resource", "activity_no"]


def batch_pairs(
    events: ir.Table, *, window_s: float = BATCH_WINDOW_S, min_cases: int = BATCH_MIN_CASES
) -> ir.Table:
    """Per (resource, activity_no): executions, batched (executions in batches), batches."""
    done = events.filter(events.resource.notnull() & is_execution(events))
    timed = done.filter(time_of_day_us(local_timestamp(done)) != 0)
    order = ["ts", "event_index"]
    window = ibis.window(group_by=_PAIR, order_by=order)
    limit = round(window_s * 1_000_000)
    gap = timed.ts.delta(timed.ts.lag().over(window), unit="microsecond")
    next_gap = timed.ts.lead().over(window).delta(timed.ts, unit="microsecond")
    marked = timed.mutate(
        starts=(gap.isnull() | (gap > limit)).cast("int64"),
        near=(gap <= limit).fill_null(False) | (next_gap <= limit).fill_null(False),
    )
    if min_cases >= 2:
        # An execution with no neighbour within the window is a run of one case, never a
        # batch: dropping those (most of them) before numbering the runs halves the query
        # on 10M events (bench/RESULTS-metrics.md). Run starts were marked before the drop.
        marked = marked.filter(marked.near)
    runs = (
        marked.mutate(run=marked.starts.cumsum(group_by=_PAIR, order_by=order))
        .group_by([*_PAIR, "run"])
        .agg(n=_.count(), n_cases=_.case_no.nunique())
    )
    in_batch = runs.n_cases >= min_cases
    batched = runs.group_by(_PAIR).agg(
        batched=runs.n.sum(where=in_batch), batches=in_batch.cast("int64").sum()
    )
    executions = done.group_by(_PAIR).agg(executions=_.count())
    joined = executions.left_join(
        batched,
        (executions.resource == batched.resource) & (executions.activity_no == batched.activity_no),
    )
    return joined.select(
        resource=executions.resource,
        activity_no=executions.activity_no,
        executions=executions.executions,
        batched=batched.batched.fill_null(0),
        batches=batched.batches.fill_null(0),
    )


def check_freq(freq: str) -> None:
    """InputError unless ``freq`` is one of ``FREQS``."""
    if freq not in FREQS:
        raise InputError(f"workload period {freq!r} is not one of: {', '.join(FREQS)}")


def workload(events: ir.Table, freq: str) -> ir.Table:
    """(resource, period, events, cases): per resource and local period starting at ``period``."""
    check_freq(freq)
    staffed = events.filter(events.resource.notnull())
    period = local_timestamp(staffed).truncate(freq).date()
    return (
        staffed.mutate(period=period)
        .group_by(["resource", "period"])
        .agg(events=_.count(), cases=_.case_no.nunique())
    )


def resource_totals(events: ir.Table) -> ir.Table:
    """Per resource: events, cases, activities."""
    staffed = events.filter(events.resource.notnull())
    return staffed.group_by("resource").agg(
        events=_.count(), cases=_.case_no.nunique(), activities=_.activity_no.nunique()
    )

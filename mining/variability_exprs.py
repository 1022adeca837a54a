"""Variability metrics as ibis expressions: routing spread, durations, stability, exceptions.

Pure functions from the canonical tables (``events``, ``cases``) to ibis tables
with one row per activity (or one row for the process); nothing runs here.
``mining.variability.compute_variability`` runs them and assembles the result.
Definitions, units and examples: docs/metrics.md, "Variability".

- Routing: each event has one *successor outcome* (the next activity in its
  case, or end of case) and one *predecessor outcome* (the previous activity,
  or start of case). Entropy is in bits over those outcomes.
- Executions: events whose lifecycle is empty or ``complete`` (start, schedule
  and other transitions mark an execution's stages, not executions). An
  execution's duration is its processing time when ``start_ts`` is known, else
  the wait since the previous event of its case; the first event of a case
  without ``start_ts`` has none.
- Months are calendar months of local time (``ts`` plus ``utc_offset_min``).

Imports: ibis.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir
from ibis import _

NEXT, PREV = "next", "prev"
TOP_K = (1, 5, 10, 20)


def local_timestamp(table: ir.Table) -> ir.TimestampValue:
    """``ts`` shifted by the event's recorded UTC offset: its local wall-clock time."""
    offset = table.utc_offset_min.fill_null(0).cast("int64").as_interval("m")
    return table.ts + offset


def month_index(table: ir.Table) -> ir.IntegerValue:
    """Local calendar month of ``ts`` as year * 12 + month - 1 (consecutive months differ by 1)."""
    local = local_timestamp(table)
    return local.year().cast("int64") * 12 + local.month().cast("int64") - 1


def is_execution(table: ir.Table) -> ir.BooleanValue:
    """True for events that are executions: lifecycle empty or 'complete'."""
    return table.lifecycle.isnull() | (table.lifecycle == "complete")


def outcome_counts(events: ir.Table) -> ir.Table:
    """(activity_no, direction, other_no, n): how often each outcome follows/precedes an activity.

    direction 'next': other_no is the successor (null: end of case);
    direction 'prev': other_no is the predecessor (null: start of case).
    """
    code = events.activity_no.type().copy(nullable=True)
    succ = events.group_by(["activity_no", "next_activity_no"]).agg(n=_.count())
    inner = events.filter(events.next_activity_no.notnull())
    pred = inner.group_by(["next_activity_no", "activity_no"]).agg(n=_.count())
    starts = events.filter(events.position == 0).group_by("activity_no").agg(n=_.count())
    return ibis.union(
        succ.select(
            activity_no=succ.activity_no.cast(code),
            direction=ibis.literal(NEXT),
            other_no=succ.next_activity_no.cast(code),
            n=succ.n,
        ),
        pred.select(
            activity_no=pred.next_activity_no.cast(code),
            direction=ibis.literal(PREV),
            other_no=pred.activity_no.cast(code),
            n=pred.n,
        ),
        starts.select(
            activity_no=starts.activity_no.cast(code),
            direction=ibis.literal(PREV),
            other_no=ibis.null(code),
            n=starts.n,
        ),
    )


def outcome_spread(counts: ir.Table) -> ir.Table:
    """Per (activity_no, direction): entropy in bits, dominant outcome and its share, distinct activities.

    Ties for the dominant outcome go to the activity numbered first (numbers
    follow names), the case boundary (null) last. ``distinct`` does not count
    the case boundary.
    """
    keys = ["activity_no", "direction"]
    order = [ibis.desc("n"), ibis.asc("other_no", nulls_first=False)]
    ranked = counts.mutate(
        p=_.n / _.n.sum().over(group_by=keys),
        rank0=ibis.row_number().over(group_by=keys, order_by=order),
    )
    return ranked.group_by(keys).agg(
        entropy_bits=-(ranked.p * ranked.p.log2()).sum(),
        dominant_share=ranked.p.max(),
        dominant_no=ranked.other_no.max(where=ranked.rank0 == 0),
        distinct=ranked.other_no.count(),
    )


def execution_durations(events: ir.Table) -> ir.Table:
    """One row per execution: activity_no, case_no, month, processed, duration_us (null: unknown)."""
    prev_ts = events.ts.lag().over(group_by="case_no", order_by="position")
    t = events.mutate(prev_ts=prev_ts)
    processed = t.start_ts.notnull()
    duration = processed.ifelse(
        t.ts.delta(t.start_ts, unit="microsecond"), t.ts.delta(t.prev_ts, unit="microsecond")
    )
    executions = t.filter(is_execution(t))
    return executions.select(
        "activity_no",
        "case_no",
        month=month_index(executions),
        processed=processed,
        duration_us=duration,
    )


def duration_stats(durations: ir.Table) -> ir.Table:
    """Per activity_no: executions, timed (with a duration), processed, mean and population std (µs)."""
    timed = durations.duration_us.notnull()
    return durations.group_by("activity_no").agg(
        executions=_.count(),
        timed=timed.sum(),
        processed=(timed & durations.processed).sum(),
        mean_us=durations.duration_us.mean(),
        std_us=durations.duration_us.std(how="pop"),
    )


def ranked_months(events: ir.Table) -> ir.Table:
    """(month, total, rank0, months): each month with events, its event count and 0-based rank."""
    months = events.select(month=month_index(events)).group_by("month").agg(total=_.count())
    return months.mutate(
        rank0=ibis.row_number().over(order_by="month"),
        months=months.month.count().over(ibis.window()),
    )


def share_stability(events: ir.Table, months: ir.Table) -> ir.Table:
    """Per activity_no: population std and mean of its monthly share of events (0 in months without it)."""
    monthly = (
        events.select("activity_no", month=month_index(events))
        .group_by(["activity_no", "month"])
        .agg(k=_.count())
    )
    grid = monthly.select("activity_no").distinct().cross_join(months.select("month", "total"))
    joined = grid.left_join(
        monthly, (grid.activity_no == monthly.activity_no) & (grid.month == monthly.month)
    )
    shares = joined.select(activity_no=grid.activity_no, share=monthly.k.fill_null(0) / grid.total)
    return shares.group_by("activity_no").agg(
        share_std=shares.share.std(how="pop"), share_mean=shares.share.mean()
    )


def duration_drift(durations: ir.Table, months: ir.Table) -> ir.Table:
    """Per activity_no: median duration (µs) in the first and in the last third of the months.

    With n months, a third is k = max(1, n // 3) months: ranks < k and ranks >= n - k.
    """
    timed = durations.filter(durations.duration_us.notnull()).join(months, "month")
    k = ibis.greatest(timed.months // 3, 1)
    return timed.group_by("activity_no").agg(
        early_us=timed.duration_us.median(where=timed.rank0 < k),
        late_us=timed.duration_us.median(where=timed.rank0 >= timed.months - k),
    )


def rare_variants(cases: ir.Table, threshold: float) -> ir.Table:
    """(variant_no, n, rare): variants of the given cases; rare when n / cases < threshold."""
    counts = cases.group_by("variant_no").agg(n=_.count())
    return counts.mutate(rare=(counts.n / counts.n.sum().over(ibis.window())) < threshold)


def exception_cases(events: ir.Table, cases: ir.Table, threshold: float) -> ir.Table:
    """Per activity_no: cases through it that follow a rare variant (``rare_variants``)."""
    rare = rare_variants(cases, threshold).filter(_.rare).select("variant_no")
    rare_cases = cases.semi_join(rare, "variant_no").select("case_no")
    through = events.select("activity_no", "case_no").distinct()
    return (
        through.semi_join(rare_cases, "case_no").group_by("activity_no").agg(exceptions=_.count())
    )


def process_spread(cases: ir.Table, threshold: float, top_k: tuple[int, ...] = TOP_K) -> ir.Table:
    """One row: cases, variant_count, variant_entropy_bits, rare_cases, top_<k> (cases covered)."""
    counts = rare_variants(cases, threshold)
    order = [ibis.desc("n"), ibis.asc("variant_no")]
    ranked = counts.mutate(
        rank0=ibis.row_number().over(order_by=order),
        p=counts.n / counts.n.sum().over(ibis.window()),
    )
    return ranked.aggregate(
        cases=ranked.n.sum(),
        variant_count=ranked.count(),
        variant_entropy_bits=-(ranked.p * ranked.p.log2()).sum(),
        rare_cases=ranked.n.sum(where=ranked.rare),
        **{f"top_{k}": ranked.n.sum(where=ranked.rank0 < k) for k in top_k},
    )

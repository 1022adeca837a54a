"""Case flow as ibis expressions: arrivals, completions and ages of cases, and the end activities.

The building blocks of the backlog (``mining.backlog``): ``case_flow`` gives
each case its arrival (first event), its last activity and whether that
activity is an end activity (the case is complete at its last event);
``period_flows``, ``flow_totals`` and ``age_summary`` aggregate it. Each is a
pure function from ibis tables to an ibis table; nothing runs here except the
small look-ups of ``default_end_activities`` and ``activity_numbers``.

Default end activities: every activity that is the last activity of at least
``END_SHARE`` (5%) of the cases, at least the most frequent one.

Imports: ibis, eventlogs.errors, mining.periods, mining.source.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING

import ibis
import ibis.expr.types as ir
from ibis import _

from eventlogs.errors import InputError
from mining.periods import Freq, period_of, utc_literal
from mining.source import Connection, DatasetRef, LogTables, fetch_rows, load_tables, name_lookup

if TYPE_CHECKING:
    import datetime as dt

END_SHARE = 0.05  # default: activities that end at least 5% of the cases
US_PER_S = 1e6
S_PER_DAY = 86400.0
P90 = 0.9
# Age buckets of the open cases, in days: [lower, upper) with None for no upper bound.
AGE_BUCKETS_D: tuple[tuple[int, int | None], ...] = (
    (0, 7),
    (7, 30),
    (30, 90),
    (90, 365),
    (365, None),
)

# --- expressions -------------------------------------------------------------------


def end_activity_counts(events: ir.Table) -> ir.Table:
    """(activity_no, cases): how many cases end with each activity."""
    return events.filter(_.next_activity_no.isnull()).group_by("activity_no").agg(cases=_.count())


def case_flow(events: ir.Table, cases: ir.Table, end_nos: Iterable[int]) -> ir.Table:
    """(case_no, case_id, arrival_ts, last_ts, last_activity_no, completed) per case."""
    last = events.filter(_.next_activity_no.isnull()).select(
        "case_no", last_activity_no=_.activity_no
    )
    flow = cases.join(last, "case_no")
    return flow.select(
        "case_no",
        "case_id",
        "last_ts",
        "last_activity_no",
        arrival_ts=flow.first_ts,
        completed=flow.last_activity_no.isin(list(end_nos)),
    )


def period_flows(flow: ir.Table, freq: Freq) -> ir.Table:
    """(start, arrivals, completions) for each period with at least one of them."""
    arrived = flow.select(start=period_of(flow.arrival_ts, freq), a=ibis.literal(1), c=0)
    done = flow.filter(flow.completed)
    completed = done.select(start=period_of(done.last_ts, freq), a=ibis.literal(0), c=1)
    return (
        ibis.union(arrived, completed)
        .group_by("start")
        .agg(arrivals=_.a.sum(), completions=_.c.sum())
    )


def flow_totals(flow: ir.Table, end_ts: dt.datetime) -> ir.Table:
    """One row: cases, completed, time in system (s, open cases up to ``end_ts``), mean cycle time."""
    end = utc_literal(end_ts)
    left = flow.completed.ifelse(flow.last_ts, end)
    in_system_s = left.delta(flow.arrival_ts, unit="microsecond").cast("float64") / US_PER_S
    cycle_us = flow.last_ts.delta(flow.arrival_ts, unit="microsecond")
    span_us = flow.arrival_ts.max().delta(flow.arrival_ts.min(), unit="microsecond")
    return flow.aggregate(
        cases=_.count(),
        completed=flow.completed.ifelse(1, 0).sum(),
        in_system_s=in_system_s.sum(),
        mean_cycle_s=cycle_us.mean(where=flow.completed) / US_PER_S,
        arrival_span_us=span_us,
    )


def age_summary(open_flow: ir.Table, end_ts: dt.datetime) -> ir.Table:
    """One row: open cases, mean/median/p90/max age (µs) and a count per age bucket."""
    age_us = utc_literal(end_ts).delta(open_flow.arrival_ts, unit="microsecond")
    day_us = int(S_PER_DAY * US_PER_S)
    buckets = {}
    for i, (lo, hi) in enumerate(AGE_BUCKETS_D):
        inside = age_us >= lo * day_us
        if hi is not None:
            inside = inside & (age_us < hi * day_us)
        buckets[f"b{i}"] = inside.ifelse(1, 0).sum()
    return open_flow.aggregate(
        cases=_.count(),
        mean_us=age_us.mean(),
        median_us=age_us.median(),
        p90_us=age_us.quantile(P90),
        max_us=age_us.max(),
        **buckets,
    )


# --- end activities ------------------------------------------------------------------------


def choose_end_activities(
    counts: Mapping[str, int], min_share: float = END_SHARE
) -> tuple[str, ...]:
    """The activities ending at least ``min_share`` of the cases (at least the most frequent one).

    >>> choose_end_activities({"Closed": 90, "Wait": 3, "Resolve": 7})
    ('Closed', 'Resolve')
    """
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    total = sum(counts.values())
    kept = [name for i, (name, n) in enumerate(ranked) if i == 0 or n >= min_share * total]
    return tuple(kept)


def default_end_activities(
    con: Connection, dataset: DatasetRef, *, min_share: float = END_SHARE
) -> tuple[str, ...]:
    """The default end activities of a dataset (whole dataset, no filter), most frequent first."""
    return default_end_for(load_tables(con, dataset), min_share)


def default_end_for(tables: LogTables, min_share: float = END_SHARE) -> tuple[str, ...]:
    """The default end activities of ``tables`` (pass the unfiltered tables)."""
    names = name_lookup(tables)
    rows = fetch_rows(end_activity_counts(tables.events))
    return choose_end_activities(
        {names[r["activity_no"]]: int(r["cases"]) for r in rows}, min_share
    )


def activity_numbers(tables: LogTables, names: Sequence[str]) -> dict[str, int]:
    """activity name -> activity_no; an InputError naming close matches for an unknown name."""
    by_name = {name: no for no, name in name_lookup(tables).items()}
    for name in names:
        if name not in by_name:
            lowered = {known.lower(): known for known in by_name}
            close = [lowered[c] for c in difflib.get_close_matches(name.lower(), lowered, n=3)]
            hint = f"; did you mean {', '.join(repr(c) for c in close)}?" if close else ""
            raise InputError(
                f"no activity {name!r} in dataset {tables.dataset_name!r} "
                f"({len(by_name)} activities){hint}"
            )
    return {name: by_name[name] for name in names}

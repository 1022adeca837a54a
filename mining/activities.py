"""Activity statistics: how often each activity happens, in how many cases, and how often it repeats.

Per activity: ``events`` (occurrences), ``cases`` (cases containing it at least
once), ``case_share`` (cases / selected cases), ``rework_cases`` (cases where it
occurs more than once) and ``self_loops`` (times it is directly followed by
itself, i.e. the frequency of the DFG edge a -> a). All from ``events`` in one
aggregate per (activity, case), then per activity.

Imports: ibis, pandas, mining.filters, mining.selection, mining.source.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import ibis.expr.types as ir
from ibis import _

from mining.filters import LogFilter
from mining.selection import open_log
from mining.source import Connection, DatasetRef, Provenance, fetch_rows, provenance

if TYPE_CHECKING:
    import pandas as pd


@dataclass(frozen=True, slots=True, kw_only=True)
class ActivityStat:
    """Counts for one activity over the selected cases."""

    activity: str
    events: int
    cases: int
    case_share: float
    rework_cases: int
    self_loops: int


@dataclass(frozen=True, slots=True, kw_only=True)
class ActivityStats:
    """Statistics per activity, most events first (then by name)."""

    provenance: Provenance
    cases: int  # selected cases
    activities: tuple[ActivityStat, ...]

    def get(self, activity: str) -> ActivityStat | None:
        """The statistics of one activity, or None when it does not occur."""
        return next((a for a in self.activities if a.activity == activity), None)

    def to_frame(self) -> pd.DataFrame:
        """One row per activity with the fields of ``ActivityStat``."""
        import pandas as pd

        columns = list(ActivityStat.__dataclass_fields__)
        return pd.DataFrame(
            [[getattr(a, c) for c in columns] for a in self.activities], columns=columns
        )


def activity_stats(events: ir.Table, activities: ir.Table) -> ir.Table:
    """(activity, events, cases, rework_cases, self_loops) for each activity that occurs."""
    loop = (events.next_activity_no == events.activity_no).fill_null(False).ifelse(1, 0)
    per_case = (
        events.mutate(loop=loop)
        .group_by(["activity_no", "case_no"])
        .agg(n=_.count(), loops=_.loop.sum())
    )
    per_activity = per_case.group_by("activity_no").agg(
        events=_.n.sum(),
        cases=_.count(),
        rework_cases=(_.n > 1).ifelse(1, 0).sum(),
        self_loops=_.loops.sum(),
    )
    return per_activity.join(activities.select("activity_no", "activity"), "activity_no").drop(
        "activity_no"
    )


def compute_activity_stats(
    con: Connection, dataset: DatasetRef, *, log_filter: LogFilter | None = None
) -> ActivityStats:
    """Events, cases, rework and self-loops per activity.

    >>> from pathlib import Path
    >>> from eventlogs.engine import connect
    >>> from eventlogs.load import load_log
    >>> con = connect(":memory:")
    >>> _ = load_log(con, Path(__file__).parents[1] / "sample_logs" / "running-example.xes.gz")
    >>> stats = compute_activity_stats(con, "running-example")
    >>> s = stats.get("reinitiate request")
    >>> (s.events, s.cases, s.rework_cases, s.self_loops)
    (3, 2, 1, 0)
    """
    log_filter = log_filter or LogFilter()
    tables = open_log(con, dataset, log_filter)
    rows = fetch_rows(activity_stats(tables.events, tables.activities))
    total = int(tables.cases.count().to_pyarrow().as_py())
    found = [
        ActivityStat(
            activity=str(r["activity"]),
            events=int(r["events"]),
            cases=int(r["cases"]),
            case_share=int(r["cases"]) / total,
            rework_cases=int(r["rework_cases"]),
            self_loops=int(r["self_loops"]),
        )
        for r in rows
    ]
    found.sort(key=lambda a: (-a.events, a.activity))
    return ActivityStats(
        provenance=provenance(tables, log_filter), cases=total, activities=tuple(found)
    )

"""Resources: who does each step, how much, in batches or not, and how much is already automated.

``compute_resources(con, dataset, *, log_filter=None, freq="M", calendar=None, ...)``
returns a ``ResourceMetrics``: per activity the distinct resources, the
system-versus-human signals and the automated share (``mining.automation``)
and batching (``mining.batching``); per resource its totals; workload per
resource per period; batching per (resource, activity) pair that batches.
The handover-of-work network is ``mining.handover``.

A log without resource data still gets the same-second and working-hours
signals; ``reason`` says what is missing and the resource-based fields are
empty or None. Definitions: docs/metrics.md, "Resources".

Imports: ibis, pandas, mining.automation, mining.batching, mining.calendar,
mining.filters, mining.selection, mining.source.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import ibis.expr.types as ir

from mining import automation as au
from mining import batching as bt
from mining.calendar import WorkingCalendar, log_span
from mining.filters import LogFilter
from mining.selection import open_log
from mining.source import (
    Connection,
    DatasetRef,
    LogTables,
    Provenance,
    fetch_rows,
    fetch_scalar,
    name_lookup,
    provenance,
)

if TYPE_CHECKING:
    import pandas as pd

NO_RESOURCES = (
    "no resource data in the selected cases (no resource column, or every value empty): "
    "the name signal, batching, workload and handovers are unavailable; "
    "automated = same second and outside working hours"
)
NO_CASES = "no cases selected"
MINUTE_STAMPS = "timestamps carry no seconds: the same-second signal is off"


@dataclass(frozen=True, slots=True, kw_only=True)
class ActivityResources:
    """Resources and automation signals of one activity (shares are of its events)."""

    activity: str
    events: int
    resourced_events: int  # events with a resource
    distinct_resources: int
    automated_events: int
    automated_share: float
    name_share: float | None  # None when the selection has no resource data
    same_second_share: float
    off_hours_share: float
    executions: int  # executions with a resource (batching's denominator)
    batched_executions: int
    batches: int
    batch_share: float | None  # batched_executions / executions; None without executions


@dataclass(frozen=True, slots=True, kw_only=True)
class ResourceStat:
    """Totals of one resource over the selected cases."""

    resource: str
    events: int
    cases: int
    activities: int
    system_name: bool  # the name matches a system pattern
    executions: int
    batched_executions: int
    batches: int


@dataclass(frozen=True, slots=True, kw_only=True)
class WorkloadRow:
    """Events and distinct cases of one resource in one period (local time)."""

    resource: str
    period_start: dt.date
    events: int
    cases: int


@dataclass(frozen=True, slots=True, kw_only=True)
class BatchStat:
    """Batching of one resource on one activity."""

    resource: str
    activity: str
    executions: int
    batched_executions: int
    batches: int
    batch_share: float


@dataclass(frozen=True, slots=True, kw_only=True)
class ResourceMetrics:
    """Per-activity resource metrics (most events first), resources, workload and batching."""

    provenance: Provenance
    freq: str
    has_resources: bool
    resource_coverage: float  # share of events with a resource
    automated_share: float  # share of all selected events
    reason: str | None  # why resource-based metrics are missing, when they are
    notes: tuple[str, ...]
    activities: tuple[ActivityResources, ...]
    resources: tuple[ResourceStat, ...]  # most events first
    workload: tuple[WorkloadRow, ...]  # by resource, then period
    batching: tuple[BatchStat, ...]  # pairs with at least one batch, most batched first

    def get(self, activity: str) -> ActivityResources | None:
        """The row of one activity, or None when it does not occur."""
        return next((a for a in self.activities if a.activity == activity), None)

    def to_frame(self) -> pd.DataFrame:
        """One row per activity with the fields of ``ActivityResources``."""
        import pandas as pd

        columns = list(ActivityResources.__dataclass_fields__)
        return pd.DataFrame(
            [[getattr(a, c) for c in columns] for a in self.activities], columns=columns
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready record of every field (dates as ISO text)."""

        def rows(items: Sequence[Any]) -> list[dict[str, Any]]:
            return [
                {f: _jsonable(getattr(i, f)) for f in type(i).__dataclass_fields__} for i in items
            ]

        return {
            "freq": self.freq,
            "has_resources": self.has_resources,
            "resource_coverage": self.resource_coverage,
            "automated_share": self.automated_share,
            "reason": self.reason,
            "notes": list(self.notes),
            "activities": rows(self.activities),
            "resources": rows(self.resources),
            "workload": rows(self.workload),
            "batching": rows(self.batching),
            "provenance": self.provenance.to_dict(),
        }


def _jsonable(value: object) -> object:
    return value.isoformat() if isinstance(value, dt.date) else value


def compute_resources(
    con: Connection,
    dataset: DatasetRef,
    *,
    log_filter: LogFilter | None = None,
    freq: str = "M",
    calendar: WorkingCalendar | None = None,
    system_patterns: Sequence[str] = au.SYSTEM_PATTERNS,
    same_second_cases: int = au.SAME_SECOND_CASES,
    batch_window_s: float = bt.BATCH_WINDOW_S,
    batch_min_cases: int = bt.BATCH_MIN_CASES,
) -> ResourceMetrics:
    """Distinct resources, automation signals, batching and workload for a dataset.

    >>> from pathlib import Path
    >>> from eventlogs.engine import connect
    >>> from eventlogs.load import load_log
    >>> con = connect(":memory:")
    >>> _ = load_log(con, Path(__file__).parents[1] / "sample_logs" / "running-example.xes.gz")
    >>> r = compute_resources(con, "running-example")
    >>> r.has_resources, r.get("decide").distinct_resources, len(r.resources)
    (True, 1, 6)
    """
    log_filter = log_filter or LogFilter()
    calendar = calendar or WorkingCalendar()
    bt.check_freq(freq)
    tables = open_log(con, dataset, log_filter)
    with_seconds = bool(fetch_scalar(au.seconds_recorded(tables.events)))
    signals = au.event_signals(
        tables.events,
        patterns=tuple(system_patterns),
        same_second_cases=same_second_cases,
        calendar=calendar,
        holidays=sorted(calendar.holidays_between(*log_span(tables))),
        with_same_second=with_seconds,
    )
    # One row per (resource, activity) pair: few enough to sum per activity and resource here,
    # and the windowed query runs once.
    pairs = fetch_rows(
        bt.batch_pairs(tables.events, window_s=batch_window_s, min_cases=batch_min_cases)
    )
    names = name_lookup(tables)
    activities = _activities(signals, pairs, names)
    events = sum(a.events for a in activities)
    resourced = sum(a.resourced_events for a in activities)
    params = {
        "freq": freq,
        "calendar": calendar.to_dict(),
        "system_patterns": list(system_patterns),
        "same_second_cases": same_second_cases,
        "batch_window_s": batch_window_s,
        "batch_min_cases": batch_min_cases,
    }
    return ResourceMetrics(
        provenance=provenance(tables, log_filter, **params),
        freq=freq,
        has_resources=resourced > 0,
        resource_coverage=resourced / events if events else 0.0,
        automated_share=sum(a.automated_events for a in activities) / events if events else 0.0,
        reason=None if resourced else NO_RESOURCES if events else NO_CASES,
        notes=() if with_seconds or not events else (MINUTE_STAMPS,),
        activities=activities,
        resources=_resources(tables, pairs, system_patterns),
        workload=_workload(tables, freq),
        batching=_batching(pairs, names),
    )


def _summed(pairs: Sequence[Mapping[str, Any]], key: str) -> dict[Any, dict[str, int]]:
    """executions, batched, batches of the pairs summed per value of ``key``."""
    sums: dict[Any, dict[str, int]] = {}
    for r in pairs:
        total = sums.setdefault(r[key], {"executions": 0, "batched": 0, "batches": 0})
        for field in total:
            total[field] += int(r[field])
    return sums


def _activities(
    signals: ir.Table, pairs: Sequence[Mapping[str, Any]], names: Mapping[int, str]
) -> tuple[ActivityResources, ...]:
    batching = _summed(pairs, "activity_no")
    found = []
    for r in fetch_rows(au.signal_shares(signals)):
        b = batching.get(r["activity_no"], {})
        n, executions, batched = int(r["events"]), b.get("executions", 0), b.get("batched", 0)
        found.append(
            ActivityResources(
                activity=names[int(r["activity_no"])],
                events=n,
                resourced_events=int(r["resourced_events"]),
                distinct_resources=int(r["distinct_resources"]),
                automated_events=int(r["automated_events"]),
                automated_share=int(r["automated_events"]) / n,
                name_share=int(r["name_events"]) / n if int(r["resourced_events"]) else None,
                same_second_share=int(r["same_second_events"]) / n,
                off_hours_share=int(r["off_hours_events"]) / n,
                executions=executions,
                batched_executions=batched,
                batches=b.get("batches", 0),
                batch_share=batched / executions if executions else None,
            )
        )
    found.sort(key=lambda a: (-a.events, a.activity))
    return tuple(found)


def _resources(
    tables: LogTables, pairs: Sequence[Mapping[str, Any]], patterns: Sequence[str]
) -> tuple[ResourceStat, ...]:
    totals = bt.resource_totals(tables.events)
    totals = totals.mutate(system_name=au.system_name(totals.resource, tuple(patterns)))
    batching = _summed(pairs, "resource")
    found = []
    for r in fetch_rows(totals):
        b = batching.get(r["resource"], {})
        found.append(
            ResourceStat(
                resource=str(r["resource"]),
                events=int(r["events"]),
                cases=int(r["cases"]),
                activities=int(r["activities"]),
                system_name=bool(r["system_name"]),
                executions=b.get("executions", 0),
                batched_executions=b.get("batched", 0),
                batches=b.get("batches", 0),
            )
        )
    found.sort(key=lambda s: (-s.events, s.resource))
    return tuple(found)


def _workload(tables: LogTables, freq: str) -> tuple[WorkloadRow, ...]:
    rows = fetch_rows(bt.workload(tables.events, freq))
    found = [
        WorkloadRow(
            resource=str(r["resource"]),
            period_start=r["period"],
            events=int(r["events"]),
            cases=int(r["cases"]),
        )
        for r in rows
    ]
    found.sort(key=lambda w: (w.resource, w.period_start))
    return tuple(found)


def _batching(
    pairs: Sequence[Mapping[str, Any]], names: Mapping[int, str]
) -> tuple[BatchStat, ...]:
    found = [
        BatchStat(
            resource=str(r["resource"]),
            activity=names[int(r["activity_no"])],
            executions=int(r["executions"]),
            batched_executions=int(r["batched"]),
            batches=int(r["batches"]),
            batch_share=int(r["batched"]) / int(r["executions"]),
        )
        for r in pairs
        if int(r["batches"]) > 0
    ]
    found.sort(key=lambda b: (-b.batched_executions, b.resource, b.activity))
    return tuple(found)

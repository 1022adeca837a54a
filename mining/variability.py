"""Variability: how predictable each step is (routing, duration, rework, exceptions, stability).

``compute_variability(con, dataset, *, log_filter=None, ...)`` returns a
``Variability``: one ``ActivityVariability`` per activity of the selected cases
and a ``ProcessVariability`` summary (variants, top-k coverage, variant
entropy). The queries are in ``mining.variability_exprs``; only per-activity
rows and one summary row come to Python. Definitions: docs/metrics.md,
"Variability".

Imports: pandas (for ``to_frame``), eventlogs.errors, mining.activities,
mining.filters, mining.selection, mining.source, mining.variability_exprs.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from eventlogs.errors import InputError
from mining import variability_exprs as vx
from mining.activities import activity_stats
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

_US_PER_S = 1e6
RARE_VARIANT_SHARE = 0.01


@dataclass(frozen=True, slots=True, kw_only=True)
class ActivityVariability:
    """Variability of one activity over the selected cases (see docs/metrics.md)."""

    activity: str
    events: int
    cases: int  # cases containing it
    successor_entropy_bits: float
    dominant_successor: str | None  # None: the case ends
    dominant_successor_share: float
    distinct_successors: int  # activities; end of case not counted
    predecessor_entropy_bits: float
    dominant_predecessor: str | None  # None: the case starts
    dominant_predecessor_share: float
    distinct_predecessors: int  # activities; start of case not counted
    executions: int  # events that are executions (lifecycle empty or 'complete')
    timed_executions: int  # executions with a duration
    duration_basis: str  # 'processing', 'wait', 'mixed' or 'none'
    mean_duration_s: float | None
    duration_cv: float | None  # population std / mean; None when no duration or mean 0
    rework_cases: int
    rework_rate: float  # rework_cases / cases
    exception_cases: int  # cases through it that follow a rare variant
    exception_share: float  # exception_cases / cases
    monthly_share_cv: float | None  # None with fewer than 2 months
    median_duration_drift: float | None  # (late - early) / early median; see docs


@dataclass(frozen=True, slots=True, kw_only=True)
class ProcessVariability:
    """Variant spread of the selected cases."""

    cases: int
    events: int
    months: int  # local calendar months holding events
    variant_count: int
    top_k_coverage: Mapping[int, float]  # k -> share of cases in the k most frequent variants
    variant_entropy_bits: float
    rare_variant_cases: int  # cases following a variant that holds < rare_variant_share of cases


@dataclass(frozen=True, slots=True, kw_only=True)
class Variability:
    """Per-activity variability (most events first, then by name) and the process summary."""

    provenance: Provenance
    process: ProcessVariability
    activities: tuple[ActivityVariability, ...]

    def get(self, activity: str) -> ActivityVariability | None:
        """The row of one activity, or None when it does not occur."""
        return next((a for a in self.activities if a.activity == activity), None)

    def to_frame(self) -> pd.DataFrame:
        """One row per activity with the fields of ``ActivityVariability``."""
        import pandas as pd

        columns = list(ActivityVariability.__dataclass_fields__)
        return pd.DataFrame(
            [[getattr(a, c) for c in columns] for a in self.activities], columns=columns
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: {"process": {...}, "activities": [{...}, ...], "provenance": {...}}."""
        process = {f: getattr(self.process, f) for f in ProcessVariability.__dataclass_fields__}
        process["top_k_coverage"] = {str(k): v for k, v in self.process.top_k_coverage.items()}
        fields = list(ActivityVariability.__dataclass_fields__)
        return {
            "process": process,
            "activities": [{f: getattr(a, f) for f in fields} for a in self.activities],
            "provenance": self.provenance.to_dict(),
        }


def compute_variability(
    con: Connection,
    dataset: DatasetRef,
    *,
    log_filter: LogFilter | None = None,
    rare_variant_share: float = RARE_VARIANT_SHARE,
    top_k: tuple[int, ...] = vx.TOP_K,
) -> Variability:
    """Routing entropy, duration CV, rework, exceptions and stability per activity; variant spread.

    >>> from pathlib import Path
    >>> from eventlogs.engine import connect
    >>> from eventlogs.load import load_log
    >>> con = connect(":memory:")
    >>> _ = load_log(con, Path(__file__).parents[1] / "sample_logs" / "running-example.xes.gz")
    >>> v = compute_variability(con, "running-example")
    >>> v.process.variant_count, dict(v.process.top_k_coverage)[1]
    (6, 0.16666666666666666)
    >>> r = v.get("decide")
    >>> r.dominant_successor, r.dominant_successor_share, r.rework_cases
    ('pay compensation', 0.3333333333333333, 2)
    """
    if not 0 <= rare_variant_share <= 1 or not top_k or min(top_k) < 1:
        raise InputError(
            f"rare_variant_share must be 0-1 and top_k whole numbers >= 1; "
            f"got {rare_variant_share} and {top_k}"
        )
    log_filter = log_filter or LogFilter()
    tables = open_log(con, dataset, log_filter)
    names = name_lookup(tables)
    months_n = int(fetch_scalar(vx.ranked_months(tables.events).count()))
    rows = _activity_rows(tables, names, months_n, rare_variant_share)
    found = [_activity(row, names) for row in rows.values()]
    found.sort(key=lambda a: (-a.events, a.activity))
    return Variability(
        provenance=provenance(
            tables,
            log_filter,
            rare_variant_share=rare_variant_share,
            top_k=list(top_k),
            std="population",
            months="local calendar months",
        ),
        process=_process(tables, months_n, rare_variant_share, top_k),
        activities=tuple(found),
    )


def _activity_rows(
    tables: LogTables, names: Mapping[int, str], months_n: int, threshold: float
) -> dict[int, dict[str, Any]]:
    """activity_no -> one merged dict of every per-activity query."""
    events, cases = tables.events, tables.cases
    numbers = {name: no for no, name in names.items()}
    rows: dict[int, dict[str, Any]] = {
        numbers[r["activity"]]: {**r, "activity_no": numbers[r["activity"]], "months": months_n}
        for r in fetch_rows(activity_stats(events, tables.activities))
    }
    for r in fetch_rows(vx.outcome_spread(vx.outcome_counts(events))):
        rows[int(r["activity_no"])].update({f"{r['direction']}_{k}": v for k, v in r.items()})
    durations = vx.execution_durations(events)
    months = vx.ranked_months(events)
    for expr in (
        vx.duration_stats(durations),
        vx.share_stability(events, months),
        vx.duration_drift(durations, months),
        vx.exception_cases(events, cases, threshold),
    ):
        for r in fetch_rows(expr):
            rows[int(r["activity_no"])].update(r)
    return rows


def _activity(row: Mapping[str, Any], names: Mapping[int, str]) -> ActivityVariability:
    cases = int(row["cases"])
    mean_us, std_us = row.get("mean_us"), row.get("std_us")
    timed, processed = int(row.get("timed") or 0), int(row.get("processed") or 0)
    basis = "none" if not timed else "processing" if processed == timed else "wait"
    basis = "mixed" if 0 < processed < timed else basis
    exceptions = int(row.get("exceptions") or 0)
    several_months = int(row["months"]) >= 2
    return ActivityVariability(
        activity=names[int(row["activity_no"])],
        events=int(row["events"]),
        cases=cases,
        **_routing(row, names, "next", "successor"),
        **_routing(row, names, "prev", "predecessor"),
        executions=int(row.get("executions") or 0),
        timed_executions=timed,
        duration_basis=basis,
        mean_duration_s=None if mean_us is None else float(mean_us) / _US_PER_S,
        duration_cv=float(std_us) / float(mean_us) if mean_us and std_us is not None else None,
        rework_cases=int(row["rework_cases"]),
        rework_rate=int(row["rework_cases"]) / cases,
        exception_cases=exceptions,
        exception_share=exceptions / cases,
        monthly_share_cv=float(row["share_std"]) / float(row["share_mean"])
        if several_months
        else None,
        median_duration_drift=_drift(row.get("early_us"), row.get("late_us"))
        if several_months
        else None,
    )


def _routing(
    row: Mapping[str, Any], names: Mapping[int, str], direction: str, word: str
) -> dict[str, Any]:
    dominant = row[f"{direction}_dominant_no"]
    return {
        f"{word}_entropy_bits": max(0.0, float(row[f"{direction}_entropy_bits"])),
        f"dominant_{word}": None if dominant is None else names[int(dominant)],
        f"dominant_{word}_share": float(row[f"{direction}_dominant_share"]),
        f"distinct_{word}s": int(row[f"{direction}_distinct"]),
    }


def _drift(early_us: float | None, late_us: float | None) -> float | None:
    """Relative change of the median duration from the first to the last third of the months."""
    if early_us is None or late_us is None or float(early_us) == 0:
        return None
    return (float(late_us) - float(early_us)) / float(early_us)


def _process(
    tables: LogTables, months_n: int, threshold: float, top_k: tuple[int, ...]
) -> ProcessVariability:
    row = fetch_rows(vx.process_spread(tables.cases, threshold, top_k))[0]
    cases = int(row["cases"] or 0)
    return ProcessVariability(
        cases=cases,
        events=int(fetch_scalar(tables.events.count())),
        months=months_n,
        variant_count=int(row["variant_count"]),
        top_k_coverage=MappingProxyType(
            {k: int(row[f"top_{k}"] or 0) / cases if cases else 0.0 for k in top_k}
        ),
        variant_entropy_bits=max(0.0, float(row["variant_entropy_bits"] or 0.0)),
        rare_variant_cases=int(row["rare_cases"] or 0),
    )

"""Case durations: how long each case ran, first event to last event.

Duration = ``last_ts - first_ts`` of the case (from the ``cases`` table), in exact
microseconds turned into seconds; a single-event case lasts 0 s. The summary
(mean, exact median, min, max, p90 with linear interpolation) is one ibis
aggregate over the same cases.

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

_US_PER_S = 1e6
P90 = 0.9


@dataclass(frozen=True, slots=True, kw_only=True)
class DurationSummary:
    """Distribution of case durations in seconds (None when no case is selected)."""

    cases: int
    mean_s: float | None
    median_s: float | None
    min_s: float | None
    max_s: float | None
    p90_s: float | None


@dataclass(frozen=True, slots=True, kw_only=True)
class CaseDurations:
    """The duration of every selected case (in case order: by first event) and their summary."""

    provenance: Provenance
    case_ids: tuple[str, ...]
    events: tuple[int, ...]  # events per case
    durations_s: tuple[float, ...]
    summary: DurationSummary

    def as_dict(self) -> dict[str, float]:
        """case_id -> duration in seconds."""
        return dict(zip(self.case_ids, self.durations_s, strict=True))

    def to_frame(self) -> pd.DataFrame:
        """Columns case_id, events, duration_s."""
        import pandas as pd

        return pd.DataFrame(
            {"case_id": self.case_ids, "events": self.events, "duration_s": self.durations_s}
        )


def case_durations(cases: ir.Table) -> ir.Table:
    """(case_no, case_id, events, duration_us) for each case."""
    return cases.select(
        "case_no",
        "case_id",
        "events",
        duration_us=cases.last_ts.delta(cases.first_ts, unit="microsecond"),
    )


def duration_summary(durations: ir.Table) -> ir.Table:
    """One row: cases, mean/median/min/max/p90 of ``duration_us`` in seconds."""
    seconds = durations.duration_us / _US_PER_S
    return durations.aggregate(
        cases=_.count(),
        mean_s=durations.duration_us.mean() / _US_PER_S,
        median_s=durations.duration_us.median() / _US_PER_S,
        min_s=seconds.min(),
        max_s=seconds.max(),
        p90_s=durations.duration_us.quantile(P90) / _US_PER_S,
    )


def compute_case_durations(
    con: Connection, dataset: DatasetRef, *, log_filter: LogFilter | None = None
) -> CaseDurations:
    """Each selected case's duration in seconds, with a summary.

    >>> from pathlib import Path
    >>> from eventlogs.engine import connect
    >>> from eventlogs.load import load_log
    >>> con = connect(":memory:")
    >>> _ = load_log(con, Path(__file__).parents[1] / "sample_logs" / "running-example.xes.gz")
    >>> compute_case_durations(con, "running-example").as_dict()["3"]
    1368780.0
    """
    log_filter = log_filter or LogFilter()
    tables = open_log(con, dataset, log_filter)
    durations = case_durations(tables.cases)
    rows = fetch_rows(durations.order_by("case_no"))
    summary = fetch_rows(duration_summary(durations))[0]
    return CaseDurations(
        provenance=provenance(tables, log_filter, median="exact", p90="linear interpolation"),
        case_ids=tuple(str(r["case_id"]) for r in rows),
        events=tuple(int(r["events"]) for r in rows),
        durations_s=tuple(int(r["duration_us"]) / _US_PER_S for r in rows),
        summary=DurationSummary(**summary),
    )

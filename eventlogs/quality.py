"""Data-quality report for a loaded dataset (CLI ``hyperpath quality`` and the app).

Imports: duckdb, eventlogs.engine, eventlogs.datasets, eventlogs.schema.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass

import duckdb

from eventlogs.datasets import get_dataset, iso_utc
from eventlogs.engine import fetch_row
from eventlogs.engine import quote_identifier as qi
from eventlogs.schema import event_attrs_table

EARLIEST_PLAUSIBLE = dt.datetime(1990, 1, 1, tzinfo=dt.UTC)


@dataclass(frozen=True, slots=True, kw_only=True)
class QualityReport:
    """Facts about a dataset a user should check before trusting its metrics."""

    dataset: str
    name: str
    events: int
    cases: int
    activities: int
    resources: int
    variants: int
    first_ts: str | None
    last_ts: str | None
    null_share: dict[str, float]
    events_per_case: dict[str, float]
    tied_timestamp_share: float
    future_events: int
    events_before_1990: int
    single_event_cases: int
    duplicates: int
    quarantined: int
    quarantine_by_reason: dict[str, int]
    has_start_timestamps: bool

    def to_dict(self) -> dict[str, object]:
        """JSON-ready dictionary."""
        return asdict(self)


def _one(con: duckdb.DuckDBPyConnection, sql: str, params: list) -> tuple:
    row = fetch_row(con, sql, params)
    assert row is not None
    return tuple(row)


def _null_shares(
    con: duckdb.DuckDBPyConnection, dataset_id: int, attrs: list[str]
) -> dict[str, float]:
    row = _one(
        con,
        "SELECT count(*), count(resource), count(start_ts), count(lifecycle) FROM events WHERE dataset_id = ?",
        [dataset_id],
    )
    total = max(int(row[0]), 1)
    shares = {
        "resource": 1 - row[1] / total,
        "start_ts": 1 - row[2] / total,
        "lifecycle": 1 - row[3] / total,
    }
    if attrs:
        parts = ", ".join(f"count({qi(a)})" for a in attrs)
        counts = _one(con, f"SELECT {parts} FROM {qi(event_attrs_table(dataset_id))}", [])
        shares.update({a: 1 - int(n) / total for a, n in zip(attrs, counts, strict=True)})
    return {k: round(v, 6) for k, v in shares.items()}


def compute_quality(con: duckdb.DuckDBPyConnection, ref: str | int) -> QualityReport:
    """Compute the data-quality report of a dataset (by id or name)."""
    ds = get_dataset(con, ref)
    did = ds.dataset_id
    dist = _one(
        con,
        """SELECT min(events), quantile_cont(events, 0.25), median(events),
                  quantile_cont(events, 0.75), quantile_cont(events, 0.9), max(events),
                  avg(events), count(*) FILTER (WHERE events = 1)
           FROM cases WHERE dataset_id = ?""",
        [did],
    )
    tied = _one(
        con,
        """SELECT coalesce(sum(n), 0) FROM (SELECT count(*) AS n FROM events WHERE dataset_id = ?
           GROUP BY case_no, ts HAVING count(*) > 1)""",
        [did],
    )[0]
    future, early = _one(
        con,
        "SELECT count(*) FILTER (WHERE ts > now()), count(*) FILTER (WHERE ts < ?) FROM events WHERE dataset_id = ?",
        [EARLIEST_PLAUSIBLE, did],
    )
    reasons = con.execute(
        "SELECT reason, count(*) FROM quarantine WHERE dataset_id = ? GROUP BY reason ORDER BY 2 DESC, 1",
        [did],
    ).fetchall()
    keys = ("min", "p25", "median", "p75", "p90", "max", "mean")
    return QualityReport(
        dataset=str(did),
        name=ds.name,
        events=ds.events,
        cases=ds.cases,
        activities=ds.activities,
        resources=ds.resources,
        variants=ds.variants,
        first_ts=iso_utc(ds.first_ts),
        last_ts=iso_utc(ds.last_ts),
        null_share=_null_shares(con, did, list(ds.event_attributes)),
        events_per_case={k: float(v) for k, v in zip(keys, dist[:7], strict=True)},
        tied_timestamp_share=round(int(tied) / max(ds.events, 1), 6),
        future_events=int(future),
        events_before_1990=int(early),
        single_event_cases=int(dist[7]),
        duplicates=ds.duplicates,
        quarantined=ds.quarantined,
        quarantine_by_reason={str(r): int(n) for r, n in reasons},
        has_start_timestamps=ds.has_start_ts,
    )

"""Datasets in a workspace: list, look up by id or name, delete, export quarantine.

Imports: duckdb, eventlogs.engine, eventlogs.errors, eventlogs.schema.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path

import duckdb

from eventlogs.engine import quote_identifier as qi
from eventlogs.engine import transaction
from eventlogs.errors import DatasetNotFoundError
from eventlogs.schema import case_attrs_table, event_attrs_table


@dataclass(frozen=True, slots=True, kw_only=True)
class Dataset:
    """One loaded dataset, as recorded at load."""

    dataset_id: int
    name: str
    source_file: str
    source_format: str
    sha256: str
    loaded_at: dt.datetime
    mapping: dict[str, str | None]
    timestamp_format: str
    time_zone: str
    options: dict[str, object]
    source_rows: int
    events: int
    cases: int
    activities: int
    resources: int
    variants: int
    quarantined: int
    duplicates: int
    first_ts: dt.datetime | None
    last_ts: dt.datetime | None
    has_start_ts: bool
    event_attributes: dict[str, str]
    case_attributes: dict[str, str]

    def summary(self) -> dict[str, object]:
        """The JSON shape of ``hyperpath datasets --json`` (CLI contract)."""
        return {
            "dataset": str(self.dataset_id),
            "name": self.name,
            "cases": self.cases,
            "events": self.events,
            "activities": self.activities,
            "variants": self.variants,
            "resources": self.resources,
            "quarantined": self.quarantined,
            "duplicates": self.duplicates,
            "source_file": self.source_file,
            "format": self.source_format,
            "sha256": self.sha256,
            "loaded_at": iso_utc(self.loaded_at),
            "first_ts": iso_utc(self.first_ts),
            "last_ts": iso_utc(self.last_ts),
            "timestamp_format": self.timestamp_format,
            "has_start_timestamps": self.has_start_ts,
            "mapping": self.mapping,
        }


def iso_utc(value: dt.datetime | None) -> str | None:
    """ISO 8601 in UTC with 'Z' (the CLI contract's timestamp form), None for None."""
    if value is None:
        return None
    return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


_JSON_FIELDS = {"mapping", "options", "event_attributes", "case_attributes"}


def _from_row(names: list[str], row: tuple) -> Dataset:
    values = dict(zip(names, row, strict=True))
    for key in _JSON_FIELDS:
        values[key] = json.loads(values[key]) if isinstance(values[key], str) else values[key]
    return Dataset(**values)


def list_datasets(con: duckdb.DuckDBPyConnection) -> list[Dataset]:
    """All datasets, oldest first."""
    cur = con.execute("SELECT * FROM datasets ORDER BY dataset_id")
    names = [d[0] for d in cur.description]
    return [_from_row(names, row) for row in cur.fetchall()]


def get_dataset(con: duckdb.DuckDBPyConnection, ref: str | int) -> Dataset:
    """A dataset by id (``3``, ``'3'``) or by name; DatasetNotFoundError lists what exists."""
    cur = con.execute(
        "SELECT * FROM datasets WHERE name = ? OR CAST(dataset_id AS VARCHAR) = ? ORDER BY name = ? DESC LIMIT 1",
        [str(ref), str(ref), str(ref)],
    )
    names = [d[0] for d in cur.description]
    rows = cur.fetchall()
    if not rows:
        known = ", ".join(f"{d.dataset_id} ({d.name})" for d in list_datasets(con)) or "none"
        raise DatasetNotFoundError(f"no dataset {ref!r} in the workspace; datasets are: {known}")
    return _from_row(names, rows[0])


def delete_dataset(con: duckdb.DuckDBPyConnection, ref: str | int) -> Dataset:
    """Remove a dataset and everything derived from it, atomically."""
    ds = get_dataset(con, ref)
    with transaction(con):
        for table in ("events", "cases", "activities", "variants", "quarantine", "datasets"):
            con.execute(f"DELETE FROM {table} WHERE dataset_id = ?", [ds.dataset_id])
        for table in (event_attrs_table(ds.dataset_id), case_attrs_table(ds.dataset_id)):
            con.execute(f"DROP TABLE IF EXISTS {qi(table)}")
    return ds


def export_quarantine_csv(con: duckdb.DuckDBPyConnection, ref: str | int, out: str | Path) -> int:
    """Write a dataset's quarantined rows (position, reason, raw content) to CSV; return the count.

    Cells that a spreadsheet would run as a formula are prefixed with a quote.
    """
    ds = get_dataset(con, ref)
    rows = con.execute(
        "SELECT position, reason, CAST(raw AS VARCHAR) FROM quarantine WHERE dataset_id = ? "
        "ORDER BY source_row NULLS FIRST, position",
        [ds.dataset_id],
    ).fetchall()
    with Path(out).open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["position", "reason", "raw"])
        for row in rows:
            writer.writerow([neutralise_cell(str(v)) for v in row])
    return len(rows)


def neutralise_cell(text: str) -> str:
    """Defuse spreadsheet formula injection: '=SUM(A1)' -> "'=SUM(A1)".

    >>> neutralise_cell('=1+1'), neutralise_cell('plain')
    ("'=1+1", 'plain')
    """
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text

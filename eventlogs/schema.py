"""The canonical tables of a workspace (documented in docs/schema.md).

Only ``eventlogs`` writes these tables. Per-dataset attribute tables are named
by ``event_attrs_table`` and ``case_attrs_table``; everything else is shared by
all datasets and keyed by ``dataset_id``.

Imports: duckdb only.
"""

from __future__ import annotations

import duckdb

SCHEMA_VERSION = 1

_DDL = """
CREATE TABLE IF NOT EXISTS hyperpath_meta (key VARCHAR PRIMARY KEY, value VARCHAR);
CREATE SEQUENCE IF NOT EXISTS dataset_id_seq START 1;
CREATE TABLE IF NOT EXISTS datasets (
    dataset_id INTEGER PRIMARY KEY,
    name VARCHAR NOT NULL UNIQUE,
    source_file VARCHAR NOT NULL,
    source_format VARCHAR NOT NULL,
    sha256 VARCHAR NOT NULL,
    loaded_at TIMESTAMPTZ NOT NULL,
    mapping JSON NOT NULL,
    timestamp_format VARCHAR NOT NULL,
    time_zone VARCHAR NOT NULL,
    options JSON NOT NULL,
    source_rows BIGINT NOT NULL,
    events BIGINT NOT NULL,
    cases BIGINT NOT NULL,
    activities BIGINT NOT NULL,
    resources BIGINT NOT NULL,
    variants BIGINT NOT NULL,
    quarantined BIGINT NOT NULL,
    duplicates BIGINT NOT NULL,
    first_ts TIMESTAMPTZ,
    last_ts TIMESTAMPTZ,
    has_start_ts BOOLEAN NOT NULL,
    event_attributes JSON NOT NULL,
    case_attributes JSON NOT NULL
);
CREATE TABLE IF NOT EXISTS activities (
    dataset_id INTEGER NOT NULL,
    activity_no INTEGER NOT NULL,
    activity VARCHAR NOT NULL,
    events BIGINT NOT NULL,
    PRIMARY KEY (dataset_id, activity_no)
);
CREATE TABLE IF NOT EXISTS variants (
    dataset_id INTEGER NOT NULL,
    variant_no INTEGER NOT NULL,
    activity_nos INTEGER[] NOT NULL,
    cases BIGINT NOT NULL,
    PRIMARY KEY (dataset_id, variant_no)
);
CREATE TABLE IF NOT EXISTS cases (
    dataset_id INTEGER NOT NULL,
    case_no INTEGER NOT NULL,
    case_id VARCHAR NOT NULL,
    events INTEGER NOT NULL,
    first_ts TIMESTAMPTZ NOT NULL,
    last_ts TIMESTAMPTZ NOT NULL,
    variant_no INTEGER NOT NULL,
    PRIMARY KEY (dataset_id, case_no)
);
CREATE TABLE IF NOT EXISTS events (
    dataset_id INTEGER NOT NULL,
    case_no INTEGER NOT NULL,
    position INTEGER NOT NULL,
    activity_no INTEGER NOT NULL,
    event_index BIGINT NOT NULL,
    ts TIMESTAMPTZ NOT NULL,
    start_ts TIMESTAMPTZ,
    utc_offset_min SMALLINT,
    resource VARCHAR,
    lifecycle VARCHAR,
    next_activity_no INTEGER,
    next_delta_us BIGINT
);
CREATE TABLE IF NOT EXISTS quarantine (
    dataset_id INTEGER NOT NULL,
    source_row BIGINT,
    position VARCHAR NOT NULL,
    reason VARCHAR NOT NULL,
    raw JSON NOT NULL
);
CREATE OR REPLACE VIEW event_log AS
SELECT e.dataset_id, c.case_id, a.activity, e.ts, e.start_ts, e.utc_offset_min,
       e.resource, e.lifecycle, e.event_index, e.case_no, e.position,
       e.activity_no, e.next_activity_no, e.next_delta_us
FROM events e
JOIN cases c USING (dataset_id, case_no)
JOIN activities a USING (dataset_id, activity_no);
"""


def create_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create the canonical tables when missing (idempotent)."""
    con.execute(_DDL)
    con.execute(
        "INSERT INTO hyperpath_meta VALUES ('schema_version', ?) ON CONFLICT DO NOTHING",
        [str(SCHEMA_VERSION)],
    )


def event_attrs_table(dataset_id: int) -> str:
    """Name of the table holding a dataset's extra event attributes (keyed by event_index)."""
    return f"event_attrs_{int(dataset_id)}"


def case_attrs_table(dataset_id: int) -> str:
    """Name of the table holding a dataset's case attributes (keyed by case_no)."""
    return f"case_attrs_{int(dataset_id)}"

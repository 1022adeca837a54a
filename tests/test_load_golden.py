"""Loading tiny hand-made logs: every canonical value worked out by hand."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import duckdb

from eventlogs.load import LoadOptions, load_log

UTC = dt.UTC

# Semicolon-delimited, Windows-1252 (the euro sign is byte 0x80), day-first dates.
LEGACY_CSV = (
    "Case ID;Activity;Complete Timestamp;Resource;Amount;Note\n"
    "C2;Register;02/01/2023 09:00;Anne;100;first\n"  # row 0
    "C1;Register;01/01/2023 10:00;Bob;50;caf\u00e9 \u20ac5\n"  # row 1
    "C1;Check;01/01/2023 10:30;Bob;50;\n"  # row 2
    "C1;Decide;01/01/2023 10:30;C\u00e9line;50;\n"  # row 3: same time as Check, later in file
    "C2;Check;03/01/2023 09:00;Anne;100;\n"  # row 4
    ";Check;04/01/2023 09:00;Anne;1;\n"  # row 5: no case id -> quarantine (line 7)
    "C2;Decide;31/02/2023 09:00;Anne;100;\n"  # row 6: 31 February -> quarantine (line 8)
    "C2;Decide;13/01/2023 17:15;Anne;100;\n"  # row 7: 13 > 12, so the file is day-first
    "C3;Register;05/01/2023 08:00;;7;\n"  # row 8: a single-event case without resource
)


def _load(
    con: duckdb.DuckDBPyConnection,
    tmp_path: Path,
    file_name: str,
    text: str,
    encoding: str = "utf-8",
    **options: object,
):
    path = tmp_path / file_name
    path.write_bytes(text.encode(encoding))
    return load_log(con, path, options=LoadOptions(**options))  # type: ignore[arg-type]


def test_legacy_csv_canonical_events(workspace: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    result = _load(workspace, tmp_path, "claims.csv", LEGACY_CSV, encoding="cp1252")
    assert (result.counts.events, result.counts.cases, result.counts.activities) == (7, 3, 3)
    assert result.counts.quarantined == 2
    assert (
        result.mapping["case"] == "Case ID" and result.mapping["timestamp"] == "Complete Timestamp"
    )
    rows = workspace.execute(
        """SELECT case_id, position, activity, event_index, ts, next_activity_no, next_delta_us
           FROM event_log ORDER BY case_no, position"""
    ).fetchall()
    t = lambda d, h, m=0: dt.datetime(2023, 1, d, h, m, tzinfo=UTC)  # noqa: E731
    # activities are numbered by name: Check 0, Decide 1, Register 2; cases by first event time.
    assert rows == [
        ("C1", 0, "Register", 1, t(1, 10), 0, 30 * 60 * 10**6),
        ("C1", 1, "Check", 2, t(1, 10, 30), 1, 0),  # tie broken by file order
        ("C1", 2, "Decide", 3, t(1, 10, 30), None, None),
        ("C2", 0, "Register", 0, t(2, 9), 0, 86_400 * 10**6),
        ("C2", 1, "Check", 4, t(3, 9), 1, (10 * 86_400 + 8 * 3600 + 15 * 60) * 10**6),
        ("C2", 2, "Decide", 7, t(13, 17, 15), None, None),
        ("C3", 0, "Register", 8, t(5, 8), None, None),
    ]


def test_legacy_csv_quarantine_dictionary_and_attributes(
    workspace: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    result = _load(workspace, tmp_path, "claims.csv", LEGACY_CSV, encoding="cp1252")
    did = result.dataset_id
    quarantined = workspace.execute(
        "SELECT source_row, position, reason, raw->>'Activity' FROM quarantine WHERE dataset_id = ? ORDER BY source_row",
        [did],
    ).fetchall()
    assert quarantined == [
        (5, "line 7", "missing case id (column 'Case ID')", "Check"),
        (6, "line 8", "unparseable timestamp (column 'Complete Timestamp')", "Decide"),
    ]
    assert workspace.execute(
        "SELECT activity_no, activity, events FROM activities WHERE dataset_id = ? ORDER BY 1",
        [did],
    ).fetchall() == [
        (0, "Check", 2),
        (1, "Decide", 2),
        (2, "Register", 3),
    ]
    assert workspace.execute(
        "SELECT variant_no, activity_nos, cases FROM variants WHERE dataset_id = ? ORDER BY 1",
        [did],
    ).fetchall() == [
        (0, [2, 0, 1], 2),
        (1, [2], 1),
    ]
    types = dict(
        workspace.execute(
            f"SELECT column_name, data_type FROM duckdb_columns() WHERE table_name = 'event_attrs_{did}'"
        ).fetchall()
    )
    assert types == {"event_index": "BIGINT", "Amount": "BIGINT", "Note": "VARCHAR"}
    note = workspace.execute(f"SELECT Note FROM event_attrs_{did} WHERE event_index = 1").fetchall()
    assert note == [("caf\u00e9 \u20ac5",)]  # cp1252 detected and decoded
    names = workspace.execute(
        "SELECT resource FROM events WHERE dataset_id = ? ORDER BY event_index", [did]
    ).fetchall()
    assert names == [("Anne",), ("Bob",), ("Bob",), ("C\u00e9line",), ("Anne",), ("Anne",), (None,)]
    options = json.loads(workspace.execute("SELECT options FROM datasets").fetchall()[0][0])
    assert (options["encoding"], options["delimiter"]) == ("cp1252", ";")


LIFECYCLE_CSV = (
    "case,activity,timestamp,lifecycle,user\n"
    "1,A,2023-03-01T09:00:00+01:00,start,u1\n"
    "1,A,2023-03-01T09:30:00+01:00,complete,u1\n"
    "1,B,2023-03-01T10:00:00+01:00,start,u2\n"
    "1,B,2023-03-01T10:05:00+01:00,start,u3\n"
    "1,B,2023-03-01T11:00:00+01:00,complete,u2\n"
    "1,B,2023-03-01T11:30:00+01:00,complete,u3\n"
)


def test_lifecycle_start_complete_paired_fifo(
    workspace: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    result = _load(workspace, tmp_path, "lc.csv", LIFECYCLE_CSV)
    assert result.mapping["lifecycle"] == "lifecycle" and result.mapping["resource"] == "user"
    assert result.counts.events == 6  # every source event is kept, as pm4py counts them
    rows = workspace.execute(
        "SELECT lifecycle, ts, start_ts, utc_offset_min FROM events ORDER BY position"
    ).fetchall()
    z = lambda h, m=0: dt.datetime(2023, 3, 1, h, m, tzinfo=UTC)  # noqa: E731
    assert rows == [
        ("start", z(8), None, 60),
        ("complete", z(8, 30), z(8), 60),
        ("start", z(9), None, 60),
        ("start", z(9, 5), None, 60),
        ("complete", z(10), z(9), 60),  # first complete of B takes the first start (FIFO)
        ("complete", z(10, 30), z(9, 5), 60),
    ]
    assert result.counts.has_start_ts


def test_start_timestamp_column_and_bad_start(
    workspace: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    text = (
        "Case,Activity,Start Timestamp,Complete Timestamp\n"
        "k1,Triage,2024-05-01 08:00:00,2024-05-01 08:20:00\n"
        "k1,Assess,2024-05-01 09:00:00,2024-05-01 08:00:00\n"  # starts after it ends
        "k1,Pay,2024-05-01 10:00:00,2024-05-01 10:10:00\n"
    )
    result = _load(workspace, tmp_path, "disco.csv", text)
    assert result.mapping["start_timestamp"] == "Start Timestamp"
    assert workspace.execute(
        "SELECT epoch(ts - start_ts) FROM events ORDER BY position"
    ).fetchall() == [(1200.0,), (600.0,)]
    assert workspace.execute("SELECT reason FROM quarantine").fetchall() == [
        ("start timestamp after the (complete) timestamp (column 'Start Timestamp')",)
    ]


def test_duplicates_counted_and_kept_or_removed(
    workspace: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    text = (
        "case,activity,timestamp\n1,A,2023-01-01\n1,A,2023-01-01\n1,B,2023-01-02\n1,A,2023-01-01\n"
    )
    kept = _load(workspace, tmp_path, "dup.csv", text)
    assert (kept.counts.duplicates, kept.counts.events, kept.counts.quarantined) == (2, 4, 0)
    removed = _load(
        workspace, tmp_path, "dup.csv", text, name="dedup", dedupe=True, allow_same_file=True
    )
    assert (removed.counts.duplicates, removed.counts.events, removed.counts.quarantined) == (
        2,
        2,
        2,
    )
    assert removed.quarantine_reasons == {"exact duplicate event, removed by --dedupe": 2}


def test_source_columns_named_like_canonical_ones(
    workspace: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    # A source column called 'ts' (and 'reason', 'start_ts') must not shadow the parsed values.
    text = "case_id,activity,ts,start_ts,reason\n1,A,2020-01-01T10:00:00Z,2020-01-01T09:00:00Z,x\n1,B,2020-01-01T11:00:00Z,,y\n"
    result = _load(workspace, tmp_path, "odd.csv", text, timestamp="ts", start_timestamp="start_ts")
    assert (result.counts.events, result.counts.quarantined) == (2, 0)
    assert workspace.execute(
        "SELECT epoch(ts - start_ts) FROM events ORDER BY position"
    ).fetchall() == [(3600.0,), (None,)]


def test_lifecycle_complete_without_start_does_not_shift_the_pairs(
    workspace: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    # The oldest open start is taken (pm4py's to_interval): a complete with no open start stays
    # unpaired and does not push later completes onto the wrong starts.
    text = (
        "case,activity,time,lifecycle\n"
        "1,a,2024-01-01T09:00:00Z,complete\n"  # no open start: unpaired
        "1,a,2024-01-01T10:00:00Z,start\n"
        "1,a,2024-01-01T11:00:00Z,complete\n"  # takes 10:00
        "1,a,2024-01-01T12:00:00Z,start\n"
        "1,a,2024-01-01T12:30:00Z,start\n"
        "1,a,2024-01-01T13:00:00Z,complete\n"  # takes 12:00 (oldest open)
        "1,a,2024-01-01T14:00:00Z,complete\n"  # takes 12:30
        "1,a,2024-01-01T15:00:00Z,complete\n"  # queue empty again: unpaired
    )
    _load(workspace, tmp_path, "shift.csv", text)
    starts = workspace.execute(
        "SELECT hour(start_ts) + minute(start_ts) / 60 FROM events "
        "WHERE lifecycle = 'complete' ORDER BY position"
    ).fetchall()
    assert starts == [(None,), (10.0,), (12.0,), (12.5,), (None,)]

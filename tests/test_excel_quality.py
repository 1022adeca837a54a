"""Excel workbooks load like CSV; the data-quality report on a hand-made log."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import openpyxl
import pytest

from eventlogs.load import load_log
from eventlogs.quality import compute_quality


def _workbook(path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Case Number", "Event Name", "End Time", "User", "Fee"])
    sheet.append(["P1", "Receive", dt.datetime(2021, 6, 1, 9, 0), "ann", 12.5])
    sheet.append(["P1", "Review", dt.datetime(2021, 6, 1, 9, 0), "ann", 12.5])  # tied with Receive
    sheet.append(["P1", "Approve", dt.datetime(2021, 6, 3, 15, 30), "bo", 12.5])
    sheet.append(["P2", "Receive", dt.datetime(1985, 1, 1, 0, 0), None, None])  # implausibly early
    sheet.append(["P3", "Receive", dt.datetime(2099, 1, 1, 0, 0), "cy", 3])  # in the future
    sheet.append(["P3", None, dt.datetime(2099, 1, 2, 0, 0), "cy", 3])  # no activity -> quarantine
    book.save(path)


def test_xlsx_loads_with_types_and_quality(
    workspace: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    path = tmp_path / "permits.xlsx"
    _workbook(path)
    result = load_log(workspace, path)
    assert result.source_format == "xlsx"
    assert result.mapping["case"] == "Case Number" and result.mapping["timestamp"] == "End Time"
    assert (result.counts.events, result.counts.cases, result.counts.quarantined) == (5, 3, 1)
    assert workspace.execute("SELECT position, reason FROM quarantine").fetchall() == [
        ("row 7", "missing activity (column 'Event Name')")
    ]
    assert workspace.execute(
        f"SELECT typeof(Fee), count(*) FROM event_attrs_{result.dataset_id} GROUP BY 1"
    ).fetchall() == [("DOUBLE", 5)]
    q = compute_quality(workspace, "permits")
    assert (q.events, q.cases, q.activities, q.resources) == (5, 3, 3, 3)
    assert q.single_event_cases == 2  # P2 and P3 (P3's second row was quarantined)
    assert q.tied_timestamp_share == pytest.approx(2 / 5)
    assert (q.future_events, q.events_before_1990) == (1, 1)
    assert q.null_share["resource"] == pytest.approx(1 / 5)
    assert q.null_share["Fee"] == pytest.approx(1 / 5)
    assert q.events_per_case["max"] == 3 and q.events_per_case["median"] == 1
    assert q.quarantine_by_reason == {"missing activity (column 'Event Name')": 1}
    assert q.first_ts == "1985-01-01T00:00:00Z"

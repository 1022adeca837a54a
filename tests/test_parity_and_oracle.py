"""The same log as CSV, XES and Parquet loads identically; real logs match pm4py's counts."""

from __future__ import annotations

import duckdb
import pytest

from eventlogs.load import LoadOptions, load_log
from tests.conftest import SAMPLE_LOGS, SHARED_XES

CANONICAL = """
    SELECT c.case_id, a.activity, e.ts, e.resource, e.lifecycle, e.event_index, e.position,
           e.next_delta_us, e.start_ts
    FROM events e JOIN cases c USING (dataset_id, case_no) JOIN activities a USING (dataset_id, activity_no)
    WHERE e.dataset_id = ? ORDER BY e.case_no, e.position"""


def _canonical(con: duckdb.DuckDBPyConnection, dataset_id: int) -> list[tuple]:
    return con.execute(CANONICAL, [dataset_id]).fetchall()


def _attrs(con: duckdb.DuckDBPyConnection, table: str) -> list[tuple]:
    return con.execute(f'SELECT * FROM "{table}" ORDER BY 1').fetchall()


def test_csv_xes_parquet_parity(workspace: duckdb.DuckDBPyConnection) -> None:
    ids = {}
    for ext in ("xes.gz", "csv", "parquet"):
        path = SAMPLE_LOGS / f"roadtraffic100traces.{ext}"
        ids[ext] = load_log(workspace, path, options=LoadOptions(name=ext)).dataset_id
    xes = _canonical(workspace, ids["xes.gz"])
    assert len(xes) == 390
    assert _canonical(workspace, ids["csv"]) == xes
    assert _canonical(workspace, ids["parquet"]) == xes
    for kind in ("event_attrs", "case_attrs"):
        reference = _attrs(workspace, f"{kind}_{ids['xes.gz']}")
        assert _attrs(workspace, f"{kind}_{ids['csv']}") == reference
        assert _attrs(workspace, f"{kind}_{ids['parquet']}") == reference
    types = dict(workspace.execute("SELECT name, event_attributes FROM datasets").fetchall())
    assert types["csv"] == types["xes.gz"] == types["parquet"]
    # The local offset is kept where the source has one (CSV and XES strings).
    offsets = workspace.execute(
        "SELECT dataset_id, list(DISTINCT utc_offset_min ORDER BY utc_offset_min) FROM events GROUP BY 1 ORDER BY 1"
    ).fetchall()
    assert offsets[0][1] == offsets[1][1] == [60, 120]


def test_day_level_stamps_keep_local_offset(workspace: duckdb.DuckDBPyConnection) -> None:
    load_log(workspace, SAMPLE_LOGS / "roadtraffic100traces.xes.gz")
    # '2005-07-22T00:00:00.000+02:00' (local midnight) is 22:00 UTC the day before.
    row = workspace.execute(
        """SELECT e.ts, e.utc_offset_min, e.ts + to_minutes(e.utc_offset_min) FROM event_log e
           WHERE case_id = 'N77802' AND activity = 'Send Fine'"""
    ).fetchall()
    assert [(str(r[0]), r[1]) for r in row] == [("2005-07-21 22:00:00+00:00", 120)]
    assert str(row[0][2]).startswith("2005-07-22 00:00:00")


def _complete_rows(frame):  # type: ignore[no-untyped-def]
    """pm4py keeps events without an activity (NaN); Hyperpath quarantines them."""
    return frame.dropna(subset=["case:concept:name", "concept:name", "time:timestamp"])


@pytest.mark.parametrize("name", SHARED_XES)
def test_real_log_counts_equal_pm4py(
    name: str, real_workspace: duckdb.DuckDBPyConnection, pm4py_logs: dict
) -> None:
    frame = pm4py_logs[name]
    complete = _complete_rows(frame)
    ours = real_workspace.execute(
        "SELECT events, cases, activities, quarantined, source_rows FROM datasets WHERE name = ?",
        [name.removesuffix(".xes.gz")],
    ).fetchall()
    expected = (
        len(complete),
        frame["case:concept:name"].nunique(),
        frame["concept:name"].nunique(),
        len(frame) - len(complete),  # CoSeLoG_WABO_1 has one event with no concept:name
        len(frame),
    )
    assert ours == [expected]


@pytest.mark.parametrize("name", SHARED_XES)
def test_real_log_events_equal_pm4py(
    name: str, real_workspace: duckdb.DuckDBPyConnection, pm4py_logs: dict
) -> None:
    """Every event (case, activity, UTC instant, resource) in the same order within its case."""
    ours = real_workspace.execute(
        """SELECT c.case_id, a.activity, epoch_us(e.ts), coalesce(e.resource, '')
           FROM events e JOIN cases c USING (dataset_id, case_no) JOIN activities a USING (dataset_id, activity_no)
           JOIN datasets d USING (dataset_id)
           WHERE d.name = ? ORDER BY c.case_id, e.position""",
        [name.removesuffix(".xes.gz")],
    ).fetchall()
    frame = _complete_rows(pm4py_logs[name]).reset_index(drop=True)
    frame = frame.assign(_i=range(len(frame)))
    frame = frame.sort_values(["case:concept:name", "time:timestamp", "_i"], kind="stable")
    stamps = frame["time:timestamp"].dt.tz_convert("UTC").dt.as_unit("us").astype("int64")
    if "org:resource" in frame:
        resources = frame["org:resource"].fillna("").astype(str).tolist()
    else:
        resources = [""] * len(frame)
    expected = list(
        zip(
            frame["case:concept:name"].astype(str),
            frame["concept:name"].astype(str),
            stamps.tolist(),
            resources,
            strict=True,
        )
    )
    assert ours == expected

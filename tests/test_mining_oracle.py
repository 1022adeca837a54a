"""Oracle tests: our DFG, performance DFG, variants, case durations and time filters equal pm4py's.

On every XES log of ../shared/logs: our numbers come from the workspace that
loaded the file (``real_workspace``); pm4py's from its own reading of the same
file (``pm4py_logs``), prepared the way pm4py itself asks for a frame:

* events without a case id, activity or timestamp are dropped, because ingest
  quarantines them (the test checks the counts agree);
* ``pm4py.format_dataframe`` sorts by case, timestamp and file order (a stable
  sort: ties keep the order of the file, as ingest does). pm4py's DFG sorts by
  itself, but its start/end activities and variants read the frame's order.

Performance values must agree within a relative 1e-9 (pm4py: seconds from
``Timedelta.total_seconds``; ours: microsecond integers divided by 1e6).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import math
from collections.abc import Callable
from typing import Any

import duckdb
import pandas as pd
import pytest

from eventlogs.datasets import get_dataset
from eventlogs.load import default_name
from mining.cases import compute_case_durations
from mining.dfg import discover_dfg
from mining.filters import LogFilter
from mining.variants import discover_variants
from tests.conftest import SHARED_LOGS, SHARED_XES

with contextlib.redirect_stdout(io.StringIO()):  # pm4py prints a banner on import
    import pm4py
    from pm4py.statistics.traces.generic.pandas import case_statistics

pytestmark = pytest.mark.slow

CASE, ACTIVITY, TIME = "case:concept:name", "concept:name", "time:timestamp"
REL = 1e-9
UTC = dt.UTC


def dataset_name(file_name: str) -> str:
    return default_name(SHARED_LOGS / file_name)


@pytest.fixture(scope="module")
def pm4py_frame(pm4py_logs: dict[str, Any]) -> Callable[[str], pd.DataFrame]:
    """file name -> pm4py's frame of it, prepared as the module docstring says (built once)."""
    prepared: dict[str, pd.DataFrame] = {}

    def frame(file_name: str) -> pd.DataFrame:
        if file_name not in prepared:
            raw = pm4py_logs[file_name]
            assert isinstance(raw, pd.DataFrame)
            complete = raw.dropna(subset=[CASE, ACTIVITY, TIME]).copy()
            prepared[file_name] = pm4py.format_dataframe(
                complete, case_id=CASE, activity_key=ACTIVITY, timestamp_key=TIME
            )
        return prepared[file_name]

    return frame


def close(ours: float, theirs: float) -> bool:
    return math.isclose(ours, theirs, rel_tol=REL, abs_tol=0.0)


@pytest.mark.parametrize("file_name", SHARED_XES)
def test_same_events_as_pm4py(
    real_workspace: duckdb.DuckDBPyConnection,
    pm4py_logs: dict[str, Any],
    pm4py_frame: Callable[[str], pd.DataFrame],
    file_name: str,
) -> None:
    ds = get_dataset(real_workspace, dataset_name(file_name))
    raw = pm4py_logs[file_name]
    assert isinstance(raw, pd.DataFrame)
    df = pm4py_frame(file_name)
    # Every event pm4py reads is either loaded or quarantined (one CoSeLoG event has no activity).
    assert (ds.events, ds.quarantined) == (len(df), len(raw) - len(df))
    assert ds.cases == df[CASE].nunique()


@pytest.mark.parametrize("file_name", SHARED_XES)
def test_dfg_equals_pm4py(
    real_workspace: duckdb.DuckDBPyConnection,
    pm4py_frame: Callable[[str], pd.DataFrame],
    file_name: str,
) -> None:
    df = pm4py_frame(file_name)
    ours = discover_dfg(real_workspace, dataset_name(file_name))
    frequency, starts, ends = pm4py.discover_dfg(df)
    assert {(e.source, e.target): e.frequency for e in ours.edges} == dict(frequency)
    assert dict(ours.start_activities) == dict(starts)
    assert dict(ours.end_activities) == dict(ends)
    assert dict(ours.activities) == df[ACTIVITY].value_counts().to_dict()


@pytest.mark.parametrize("file_name", SHARED_XES)
def test_performance_dfg_equals_pm4py(
    real_workspace: duckdb.DuckDBPyConnection,
    pm4py_frame: Callable[[str], pd.DataFrame],
    file_name: str,
) -> None:
    ours = {
        (e.source, e.target): e for e in discover_dfg(real_workspace, dataset_name(file_name)).edges
    }
    # pm4py: {(a, b): {'mean', 'median', 'max', 'min', 'sum', 'stdev'}} in seconds
    performance, _, _ = pm4py.discover_performance_dfg(pm4py_frame(file_name))
    assert set(ours) == set(performance)
    mismatches = [
        (pair, key, getattr(ours[pair], f"{key}_s"), stats[key])
        for pair, stats in performance.items()
        for key in ("mean", "median", "min", "max", "sum")
        if not close(getattr(ours[pair], f"{key}_s"), stats[key])
    ]
    assert mismatches == []


@pytest.mark.parametrize("file_name", SHARED_XES)
def test_variants_equal_pm4py(
    real_workspace: duckdb.DuckDBPyConnection,
    pm4py_frame: Callable[[str], pd.DataFrame],
    file_name: str,
) -> None:
    ours = discover_variants(real_workspace, dataset_name(file_name))
    theirs = pm4py.get_variants(pm4py_frame(file_name))
    assert {v.activities: v.cases for v in ours.variants} == {
        tuple(k): int(n) for k, n in theirs.items()
    }
    counts = [v.cases for v in ours.variants]
    assert counts == sorted(counts, reverse=True)
    assert ours.pareto()[-1].cases == ours.cases


@pytest.mark.parametrize("file_name", SHARED_XES)
def test_case_durations_equal_pm4py(
    real_workspace: duckdb.DuckDBPyConnection,
    pm4py_frame: Callable[[str], pd.DataFrame],
    file_name: str,
) -> None:
    ours = compute_case_durations(real_workspace, dataset_name(file_name)).as_dict()
    theirs = {
        str(case): float(d["caseDuration"])
        for case, d in case_statistics.get_cases_description(pm4py_frame(file_name)).items()
    }
    assert set(ours) == set(theirs)
    assert [c for c in theirs if not close(ours[c], theirs[c])] == []


# (our window mode, pm4py's mode). pm4py's 'traces_intersecting' uses strict
# inequalities and ours inclusive ones; the test checks no event sits on a bound.
MODES = [
    ("contained", "traces_contained"),
    ("intersecting", "traces_intersecting"),
    ("started", "traces_starting_in"),
]
WINDOWS = {
    "BPI_Challenge_2012.xes.gz": ("2011-12-01T00:00:00Z", "2012-01-15T00:00:00Z"),
    "receipt.xes.gz": ("2011-03-01T06:30:00Z", "2011-07-31T06:30:00Z"),
}


@pytest.mark.parametrize("file_name", sorted(WINDOWS))
@pytest.mark.parametrize(("mode", "pm4py_mode"), MODES)
def test_time_window_filter_equals_pm4py(
    real_workspace: duckdb.DuckDBPyConnection,
    pm4py_frame: Callable[[str], pd.DataFrame],
    file_name: str,
    mode: str,
    pm4py_mode: str,
) -> None:
    start, end = WINDOWS[file_name]
    log_filter = LogFilter.from_query(f"from={start}&to={end}&window={mode}")
    assert log_filter.time_from is not None and log_filter.time_to is not None
    df = pm4py_frame(file_name)
    assert not df[TIME].isin([pd.Timestamp(start), pd.Timestamp(end)]).any()
    kept = pm4py.filter_time_range(df, log_filter.time_from, log_filter.time_to, mode=pm4py_mode)
    name = dataset_name(file_name)
    ours = compute_case_durations(real_workspace, name, log_filter=log_filter)
    assert 0 < len(ours.case_ids) < get_dataset(real_workspace, name).cases
    assert set(ours.case_ids) == set(kept[CASE])
    dfg = discover_dfg(real_workspace, name, log_filter=log_filter)
    frequency, starts, ends = pm4py.discover_dfg(kept)
    assert {(e.source, e.target): e.frequency for e in dfg.edges} == dict(frequency)
    assert (dict(dfg.start_activities), dict(dfg.end_activities)) == (dict(starts), dict(ends))
    performance, _, _ = pm4py.discover_performance_dfg(kept)
    assert all(
        close(dfg.edges[i].median_s, performance[(e.source, e.target)]["median"])
        for i, e in enumerate(dfg.edges)
    )

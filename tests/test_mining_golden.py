"""Mining on tiny hand-made logs: every number worked out by hand in the comments."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from eventlogs.engine import connect
from eventlogs.errors import DatasetNotFoundError
from eventlogs.load import LoadOptions, load_log
from mining.activities import compute_activity_stats
from mining.cases import compute_case_durations
from mining.dfg import DfgEdge, discover_dfg
from mining.filters import LogFilter
from mining.source import as_backend
from mining.variants import discover_variants

# Five cases, in file order but not in time order (C5 is listed backwards).
# Case  events (time order)                             duration
# C1    A 09:00, B 09:10, C 09:10 (tie: file order), D 10:00     3600 s
# C2    A 08:00, C 08:30, B 08:30 (tie: C first in file), D 09:00 3600 s
# C3    A 12:00, B 12:20, B 12:50, B 13:00, D 14:00         7200 s  (rework + self-loops on B)
# C4    D 07:00                                              0 s     (single event)
# C5    A 10:00, B 10:15, C 10:15 (tie), D 11:30             5400 s
TINY = """case,activity,timestamp,case:channel,case:amount
C1,A,2024-01-01T09:00:00Z,web,100
C1,B,2024-01-01T09:10:00Z,web,100
C1,C,2024-01-01T09:10:00Z,web,100
C1,D,2024-01-01T10:00:00Z,web,100
C2,A,2024-01-02T08:00:00Z,desk,250
C2,C,2024-01-02T08:30:00Z,desk,250
C2,B,2024-01-02T08:30:00Z,desk,250
C2,D,2024-01-02T09:00:00Z,desk,250
C3,A,2024-01-03T12:00:00Z,web,100
C3,B,2024-01-03T12:20:00Z,web,100
C3,B,2024-01-03T12:50:00Z,web,100
C3,B,2024-01-03T13:00:00Z,web,100
C3,D,2024-01-03T14:00:00Z,web,100
C4,D,2024-01-04T07:00:00Z,,50
C5,D,2024-01-05T11:30:00Z,desk,1000
C5,A,2024-01-05T10:00:00Z,desk,1000
C5,B,2024-01-05T10:15:00Z,desk,1000
C5,C,2024-01-05T10:15:00Z,desk,1000
"""

# A start/complete log: every lifecycle transition is an event (as in pm4py).
# L1  Register start 09:00, Register complete 09:05, Check start 09:30, Check complete 10:00
# L2  Register start 09:00, Register complete 09:20 (next day)
LIFECYCLE = """case,activity,timestamp,lifecycle
L1,Register,2024-02-01T09:00:00Z,start
L1,Register,2024-02-01T09:05:00Z,complete
L1,Check,2024-02-01T09:30:00Z,start
L1,Check,2024-02-01T10:00:00Z,complete
L2,Register,2024-02-02T09:00:00Z,start
L2,Register,2024-02-02T09:20:00Z,complete
"""


def load_csv(con: duckdb.DuckDBPyConnection, tmp_path: Path, name: str, text: str) -> int:
    """Write ``text`` to ``name``.csv under tmp_path and load it with an explicit mapping."""
    path = tmp_path / f"{name}.csv"
    path.write_text(text, encoding="utf-8")
    lifecycle = "lifecycle" if "lifecycle" in text.splitlines()[0] else None
    options = LoadOptions(
        case="case", activity="activity", timestamp="timestamp", lifecycle=lifecycle
    )
    return load_log(con, path, options=options).dataset_id


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Iterator[duckdb.DuckDBPyConnection]:
    """A workspace holding TINY as dataset 1, 'tiny'; loaded once per module, only read."""
    folder = tmp_path_factory.mktemp("tiny")
    con = connect(folder / "ws.duckdb")
    load_csv(con, folder, "tiny", TINY)
    yield con
    con.close()


def edge(source: str, target: str, durations_s: list[float], p90_s: float) -> DfgEdge:
    ordered = sorted(durations_s)
    n = len(ordered)
    median = (ordered[(n - 1) // 2] + ordered[n // 2]) / 2
    return DfgEdge(
        source=source,
        target=target,
        frequency=n,
        mean_s=sum(ordered) / n,
        median_s=median,
        min_s=ordered[0],
        max_s=ordered[-1],
        sum_s=float(sum(ordered)),
        p90_s=p90_s,
    )


def test_dfg_pairs_counts_and_performance(tiny: duckdb.DuckDBPyConnection) -> None:
    dfg = discover_dfg(tiny, "tiny")
    # p90 by linear interpolation at position 0.9 * (n - 1) of the sorted gaps.
    expected = {
        # C1 A->B 600, C3 A->B 1200, C5 A->B 900; p90 at 1.8: 900 + 0.8 * 300 = 1140
        ("A", "B"): edge("A", "B", [600, 1200, 900], 1140),
        # C3: B 12:50 -> B 13:00 is 600 s, B 12:20 -> B 12:50 is 1800 s; p90 600 + 0.9 * 1200
        ("B", "B"): edge("B", "B", [1800, 600], 1680),
        # C1 and C5 tie B/C at the same time: file order gives B -> C, 0 s
        ("B", "C"): edge("B", "C", [0, 0], 0),
        # C1 C 09:10 -> D 10:00 = 3000 s, C5 C 10:15 -> D 11:30 = 4500 s; p90 3000 + 0.9 * 1500
        ("C", "D"): edge("C", "D", [3000, 4500], 4350),
        # C2 B 08:30 -> D 09:00 = 1800 s, C3 B 13:00 -> D 14:00 = 3600 s; p90 1800 + 0.9 * 1800
        ("B", "D"): edge("B", "D", [1800, 3600], 3420),
        # C2 only: A 08:00 -> C 08:30, and the tie C -> B at 08:30 in file order
        ("A", "C"): edge("A", "C", [1800], 1800),
        ("C", "B"): edge("C", "B", [0], 0),
    }
    assert {(e.source, e.target): e for e in dfg.edges} == expected
    # 18 events - 5 cases = 13 successions; most frequent first, then by name
    assert sum(e.frequency for e in dfg.edges) == 13
    assert [(e.source, e.target) for e in dfg.edges][:2] == [("A", "B"), ("B", "B")]
    # C4 (a single event) starts and ends with D and adds no edge
    assert dict(dfg.start_activities) == {"A": 4, "D": 1}
    assert dict(dfg.end_activities) == {"D": 5}
    assert dict(dfg.activities) == {"B": 6, "D": 5, "A": 4, "C": 3}
    assert dfg.edge("D", "A") is None


def test_dfg_record_and_frame(tiny: duckdb.DuckDBPyConnection) -> None:
    dfg = discover_dfg(as_backend(tiny), 1)  # an ibis backend and a dataset id work too
    assert (dfg.provenance.dataset_id, dfg.provenance.dataset_name) == (1, "tiny")
    assert dfg.provenance.log_filter == LogFilter()
    frame = dfg.to_frame()
    assert list(frame.columns) == [
        "source",
        "target",
        "frequency",
        "mean_s",
        "median_s",
        "min_s",
        "max_s",
        "sum_s",
        "p90_s",
    ]
    assert frame["frequency"].sum() == 13
    shape = dfg.to_dict()
    assert shape["edges"][0] == {
        "source": "A",
        "target": "B",
        "frequency": 3,
        "mean_s": 900.0,
        "median_s": 900.0,
        "min_s": 600.0,
        "max_s": 1200.0,
        "sum_s": 2700.0,
        "p90_s": 1140.0,
    }
    assert shape["start_activities"] == {"A": 4, "D": 1}


def test_variants_shares_and_pareto(tiny: duckdb.DuckDBPyConnection) -> None:
    found = discover_variants(tiny, "tiny")
    # ABCD: C1 (3600 s) and C5 (5400 s): mean = median = 4500 s.
    # ACBD (C2), ABBBD (C3), D (C4): one case each; ties keep the dataset's variant
    # order, which ranks equal counts by their first case (C2 < C3 < C4).
    rows = [
        (v.rank, v.activities, v.cases, v.share, v.cumulative_share, v.mean_duration_s)
        for v in found.variants
    ]
    assert rows == [
        (1, ("A", "B", "C", "D"), 2, 0.4, 0.4, 4500.0),
        (2, ("A", "C", "B", "D"), 1, 0.2, pytest.approx(0.6), 3600.0),
        (3, ("A", "B", "B", "B", "D"), 1, 0.2, pytest.approx(0.8), 7200.0),
        (4, ("D",), 1, 0.2, 1.0, 0.0),
    ]
    assert found.variants[0].median_duration_s == 4500.0
    assert found.cases == 5
    assert [(p.k, p.cases) for p in found.pareto()] == [(1, 2), (2, 3), (3, 4), (4, 5)]
    assert found.variants_for_coverage(0.5) == 2  # 2 variants cover 60% >= 50%
    assert found.to_list()[0]["activities"] == ["A", "B", "C", "D"]


def test_case_durations(tiny: duckdb.DuckDBPyConnection) -> None:
    durations = compute_case_durations(tiny, "tiny")
    # Case order is by first event: C1 .. C5.
    assert durations.as_dict() == {
        "C1": 3600.0,
        "C2": 3600.0,
        "C3": 7200.0,
        "C4": 0.0,
        "C5": 5400.0,
    }
    assert durations.events == (4, 4, 5, 1, 4)
    s = durations.summary
    # sorted 0, 3600, 3600, 5400, 7200: mean 19800 / 5 = 3960; p90 at 3.6: 5400 + 0.6 * 1800
    assert (s.cases, s.mean_s, s.median_s, s.min_s, s.max_s) == (5, 3960.0, 3600.0, 0.0, 7200.0)
    assert s.p90_s == pytest.approx(6480.0, rel=1e-12)
    assert list(durations.to_frame().columns) == ["case_id", "events", "duration_s"]


def test_activity_stats_rework_and_self_loops(tiny: duckdb.DuckDBPyConnection) -> None:
    stats = compute_activity_stats(tiny, "tiny")
    rows = [
        (a.activity, a.events, a.cases, a.case_share, a.rework_cases, a.self_loops)
        for a in stats.activities
    ]
    assert rows == [
        # B: C1, C2, C5 once, C3 three times (6 events, 4 cases); rework in C3 only;
        # C3's B -> B -> B holds two self-loops.
        ("B", 6, 4, 0.8, 1, 2),
        ("D", 5, 5, 1.0, 0, 0),
        ("A", 4, 4, 0.8, 0, 0),
        ("C", 3, 3, 0.6, 0, 0),
    ]
    assert stats.cases == 5
    assert stats.get("Z") is None


def test_lifecycle_transitions_are_events(
    workspace: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    load_csv(workspace, tmp_path, "life", LIFECYCLE)
    dfg = discover_dfg(workspace, "life")
    # Register start -> complete is a self-loop: L1 300 s, L2 1200 s (p90 300 + 0.9 * 900)
    assert dfg.edge("Register", "Register") == edge("Register", "Register", [300, 1200], 1110)
    # L1: Register complete 09:05 -> Check start 09:30 = 1500 s; Check start -> complete 1800 s
    assert dfg.edge("Register", "Check") == edge("Register", "Check", [1500], 1500)
    assert dfg.edge("Check", "Check") == edge("Check", "Check", [1800], 1800)
    assert dict(dfg.start_activities) == {"Register": 2}
    assert dict(dfg.end_activities) == {"Check": 1, "Register": 1}
    assert dict(dfg.activities) == {"Register": 4, "Check": 2}
    variants = discover_variants(workspace, "life")
    assert [(v.activities, v.cases) for v in variants.variants] == [
        (("Register", "Register", "Check", "Check"), 1),
        (("Register", "Register"), 1),
    ]
    # L1 09:00 -> 10:00, L2 09:00 -> 09:20
    assert compute_case_durations(workspace, "life").as_dict() == {"L1": 3600.0, "L2": 1200.0}
    register = compute_activity_stats(workspace, "life").get("Register")
    assert register is not None
    # Each case has one Register instance but two Register events: that counts as rework.
    assert (register.events, register.cases, register.rework_cases, register.self_loops) == (
        4,
        2,
        2,
        2,
    )


def test_filtered_dfg_counts_only_selected_cases(tiny: duckdb.DuckDBPyConnection) -> None:
    desk = LogFilter(where={"channel": ["desk"]})  # C2 and C5
    dfg = discover_dfg(tiny, "tiny", log_filter=desk)
    assert {(e.source, e.target): e.frequency for e in dfg.edges} == {
        ("A", "C"): 1,  # C2
        ("C", "B"): 1,
        ("B", "D"): 1,
        ("A", "B"): 1,  # C5
        ("B", "C"): 1,
        ("C", "D"): 1,
    }
    assert dfg.edge("C", "D") == edge("C", "D", [4500], 4500)  # C5 only
    assert dict(dfg.start_activities) == {"A": 2}
    assert dfg.provenance.log_filter == desk
    variants = discover_variants(tiny, "tiny", log_filter=desk)
    assert [(v.activities, v.cases, v.share) for v in variants.variants] == [
        (("A", "B", "C", "D"), 1, 0.5),  # the dataset's variant 0 wins the tie
        (("A", "C", "B", "D"), 1, 0.5),
    ]
    stats = compute_activity_stats(tiny, "tiny", log_filter=desk)
    assert stats.cases == 2 and stats.get("B") is not None


def test_a_filter_that_selects_nothing(tiny: duckdb.DuckDBPyConnection) -> None:
    none = LogFilter(end_activities=["A"])
    dfg = discover_dfg(tiny, "tiny", log_filter=none)
    assert (dfg.edges, dict(dfg.start_activities), dict(dfg.activities)) == ((), {}, {})
    assert discover_variants(tiny, "tiny", log_filter=none).variants == ()
    assert compute_case_durations(tiny, "tiny", log_filter=none).summary.mean_s is None


def test_unknown_dataset(tiny: duckdb.DuckDBPyConnection) -> None:
    with pytest.raises(DatasetNotFoundError, match=r"no dataset 'nope'.*1 \(tiny\)"):
        discover_dfg(tiny, "nope")

"""Variability metrics: every number worked out by hand on tiny logs; rework equal to pm4py's."""

from __future__ import annotations

import contextlib
import io
import json
import math
from collections.abc import Iterator
from typing import Any

import duckdb
import pandas as pd
import pytest

from eventlogs.engine import connect
from eventlogs.errors import InputError
from eventlogs.load import LoadOptions, default_name, load_log
from mining.filters import LogFilter
from mining.variability import ActivityVariability, compute_variability
from tests.conftest import SHARED_LOGS, SHARED_XES

# Five cases over three months (all times UTC); 'start' gives a start timestamp.
# K1 Jan  A 09:00, B 09:10, C 09:40                      variant ABC
# K2 Jan  A 09:00, B 09:20, C 10:00                      variant ABC
# K3 Feb  A 09:00, B 09:30, B 10:30, C 11:00             variant ABBC (rework on B)
# K4 Mar  A 09:00, C 09:05 (started 09:01), D 09:15 (started 09:10)   variant ACD
# K5 Mar  A 09:00, B 09:40, D 10:00 (started 09:50)      variant ABD
# Variants: ABC 2 cases (0.4), ABBC, ACD, ABD 1 case each (0.2).
ROUTES = """case,activity,timestamp,start
K1,A,2024-01-10T09:00:00Z,
K1,B,2024-01-10T09:10:00Z,
K1,C,2024-01-10T09:40:00Z,
K2,A,2024-01-11T09:00:00Z,
K2,B,2024-01-11T09:20:00Z,
K2,C,2024-01-11T10:00:00Z,
K3,A,2024-02-12T09:00:00Z,
K3,B,2024-02-12T09:30:00Z,
K3,B,2024-02-12T10:30:00Z,
K3,C,2024-02-12T11:00:00Z,
K4,A,2024-03-13T09:00:00Z,
K4,C,2024-03-13T09:05:00Z,2024-03-13T09:01:00Z
K4,D,2024-03-13T09:15:00Z,2024-03-13T09:10:00Z
K5,A,2024-03-14T09:00:00Z,
K5,B,2024-03-14T09:40:00Z,
K5,D,2024-03-14T10:00:00Z,2024-03-14T09:50:00Z
"""

# Start/complete pairs: L1 Register 09:00-09:05, Check 09:30-10:00; L2 Register 09:00-09:20.
LIFECYCLE = """case,activity,timestamp,lifecycle
L1,Register,2024-02-01T09:00:00Z,start
L1,Register,2024-02-01T09:05:00Z,complete
L1,Check,2024-02-01T09:30:00Z,start
L1,Check,2024-02-01T10:00:00Z,complete
L2,Register,2024-02-02T09:00:00Z,start
L2,Register,2024-02-02T09:20:00Z,complete
"""


def entropy(*probabilities: float) -> float:
    return -sum(p * math.log2(p) for p in probabilities)


def pop_cv(values: list[float]) -> float:
    mean = sum(values) / len(values)
    return math.sqrt(sum((v - mean) ** 2 for v in values) / len(values)) / mean


@pytest.fixture(scope="module")
def routes(tmp_path_factory: pytest.TempPathFactory) -> Iterator[duckdb.DuckDBPyConnection]:
    folder = tmp_path_factory.mktemp("routes")
    con = connect(folder / "ws.duckdb")
    for name, text, extra in (
        ("routes", ROUTES, {"start_timestamp": "start"}),
        ("lifecycle", LIFECYCLE, {"lifecycle": "lifecycle"}),
    ):
        path = folder / f"{name}.csv"
        path.write_text(text, encoding="utf-8")
        options = LoadOptions(case="case", activity="activity", timestamp="timestamp", **extra)
        load_log(con, path, options=options)
    yield con
    con.close()


def row(con: duckdb.DuckDBPyConnection, activity: str, **kwargs: Any) -> ActivityVariability:
    found = compute_variability(con, "routes", **kwargs).get(activity)
    assert found is not None
    return found


def test_routing_entropy_and_dominant_outcomes(routes: duckdb.DuckDBPyConnection) -> None:
    v = compute_variability(routes, "routes")
    a, b, c, d = (v.get(x) for x in "ABCD")
    assert a is not None and b is not None and c is not None and d is not None
    # A -> B in K1, K2, K3, K5; A -> C in K4: p = 0.8, 0.2
    assert (a.dominant_successor, a.dominant_successor_share, a.distinct_successors) == (
        "B",
        0.8,
        2,
    )
    assert a.successor_entropy_bits == pytest.approx(entropy(0.8, 0.2), rel=1e-12)  # 0.7219
    # every A starts its case: one outcome, start of case (None), 0 bits
    assert (a.dominant_predecessor, a.dominant_predecessor_share, a.distinct_predecessors) == (
        None,
        1.0,
        0,
    )
    assert a.predecessor_entropy_bits == 0.0
    # B -> C (K1, K2, K3's second B), B -> B (K3), B -> D (K5): 3/5, 1/5, 1/5
    assert (b.dominant_successor, b.dominant_successor_share, b.distinct_successors) == (
        "C",
        0.6,
        3,
    )
    assert b.successor_entropy_bits == pytest.approx(entropy(0.6, 0.2, 0.2), rel=1e-12)
    # B after A 4 times, after B once
    assert b.predecessor_entropy_bits == pytest.approx(entropy(0.8, 0.2), rel=1e-12)
    # C ends K1, K2, K3 (3 of 4) and precedes D in K4: the dominant outcome is the end (None)
    assert (c.dominant_successor, c.dominant_successor_share, c.distinct_successors) == (
        None,
        0.75,
        1,
    )
    assert c.successor_entropy_bits == pytest.approx(entropy(0.75, 0.25), rel=1e-12)  # 0.8113
    # D: after C (K4) and after B (K5), a tie broken by name: B; 1 bit
    assert (d.dominant_predecessor, d.dominant_predecessor_share, d.predecessor_entropy_bits) == (
        "B",
        0.5,
        1.0,
    )
    assert (d.successor_entropy_bits, d.dominant_successor, d.distinct_successors) == (0.0, None, 0)


def test_duration_cv_processing_or_wait(routes: duckdb.DuckDBPyConnection) -> None:
    v = compute_variability(routes, "routes")
    a, b, c, d = (v.get(x) for x in "ABCD")
    assert a is not None and b is not None and c is not None and d is not None
    # A always opens its case and has no start time: no duration
    assert (a.timed_executions, a.duration_basis, a.mean_duration_s, a.duration_cv) == (
        0,
        "none",
        None,
        None,
    )
    # B waits since the previous event: 600, 1200, 1800, 3600 (10:30 - 09:30), 2400 s; mean 1920
    assert (b.executions, b.timed_executions, b.duration_basis) == (5, 5, "wait")
    assert b.mean_duration_s == 1920.0
    assert b.duration_cv == pytest.approx(pop_cv([600, 1200, 1800, 3600, 2400]), rel=1e-12)
    assert b.duration_cv == pytest.approx(math.sqrt(1_065_600) / 1920, rel=1e-12)  # 0.5376
    # C: waits 1800, 2400, 1800 and one processing time 240 s (K4 09:01-09:05): mixed, mean 1560
    assert (c.duration_basis, c.mean_duration_s) == ("mixed", 1560.0)
    assert c.duration_cv == pytest.approx(pop_cv([1800, 2400, 1800, 240]), rel=1e-12)
    # D: processing 300 and 600 s: mean 450, population std 150, CV 1/3
    assert (d.duration_basis, d.mean_duration_s) == ("processing", 450.0)
    assert d.duration_cv == pytest.approx(1 / 3, rel=1e-12)


def test_rework_and_exceptions(routes: duckdb.DuckDBPyConnection) -> None:
    b = row(routes, "B")
    # B is in K1, K2, K3, K5 and twice in K3
    assert (b.cases, b.rework_cases, b.rework_rate) == (4, 1, 0.25)
    # no variant holds < 1% of 5 cases
    assert b.exception_cases == 0
    # with a 25% threshold the single-case variants (20% each: K3, K4, K5) are exceptions
    shares = {
        x: (r.exception_cases, r.exception_share)
        for x in "ABCD"
        if (r := row(routes, x, rare_variant_share=0.25))
    }
    # A: all 5 cases, 3 rare; B: K1 K2 K3 K5, rare K3 K5; C: K1 K2 K3 K4, rare K3 K4; D: K4 K5
    assert shares == {"A": (3, 0.6), "B": (2, 0.5), "C": (2, 0.5), "D": (2, 1.0)}


def test_month_to_month_stability(routes: duckdb.DuckDBPyConnection) -> None:
    v = compute_variability(routes, "routes")
    rows = {x: v.get(x) for x in "ABCD"}
    # Jan 6 events (A2 B2 C2), Feb 4 (A1 B2 C1), Mar 6 (A2 B1 C1 D2)
    monthly = {
        "A": [2 / 6, 1 / 4, 2 / 6],  # CV sqrt(2)/11
        "B": [2 / 6, 2 / 4, 1 / 6],  # CV 1/sqrt(6)
        "C": [2 / 6, 1 / 4, 1 / 6],
        "D": [0, 0, 2 / 6],  # zero in months without it: CV sqrt(2)
    }
    for activity, shares in monthly.items():
        r = rows[activity]
        assert r is not None
        assert r.monthly_share_cv == pytest.approx(pop_cv(shares), rel=1e-12)
    assert rows["A"].monthly_share_cv == pytest.approx(math.sqrt(2) / 11, rel=1e-12)  # type: ignore[union-attr]
    assert rows["D"].monthly_share_cv == pytest.approx(math.sqrt(2), rel=1e-12)  # type: ignore[union-attr]
    # 3 months: first third = Jan, last third = Mar.
    # B: Jan waits 600, 1200 (median 900), Mar 2400: (2400 - 900) / 900
    assert rows["B"].median_duration_drift == pytest.approx(1500 / 900, rel=1e-12)  # type: ignore[union-attr]
    # C: Jan 1800, 2400 (median 2100), Mar 240
    assert rows["C"].median_duration_drift == pytest.approx((240 - 2100) / 2100, rel=1e-12)  # type: ignore[union-attr]
    # A has no durations, D none in January
    assert rows["A"].median_duration_drift is None  # type: ignore[union-attr]
    assert rows["D"].median_duration_drift is None  # type: ignore[union-attr]


def test_process_level(routes: duckdb.DuckDBPyConnection) -> None:
    p = compute_variability(routes, "routes", rare_variant_share=0.25).process
    assert (p.cases, p.events, p.months, p.variant_count) == (5, 16, 3, 4)
    # top 1 = ABC 2/5; 5, 10, 20 cover everything
    assert dict(p.top_k_coverage) == {1: 0.4, 5: 1.0, 10: 1.0, 20: 1.0}
    assert p.variant_entropy_bits == pytest.approx(entropy(0.4, 0.2, 0.2, 0.2), rel=1e-12)  # 1.922
    assert p.rare_variant_cases == 3


def test_filters_and_provenance(routes: duckdb.DuckDBPyConnection) -> None:
    only_top = LogFilter(top_variants=1)  # K1 and K2: A B C, both in January
    v = compute_variability(routes, "routes", log_filter=only_top, top_k=(1, 2))
    assert (v.process.cases, v.process.variant_count, v.process.months) == (2, 1, 1)
    assert dict(v.process.top_k_coverage) == {1: 1.0, 2: 1.0}
    assert v.get("D") is None
    a = v.get("A")
    assert a is not None
    assert (a.dominant_successor_share, a.successor_entropy_bits) == (1.0, 0.0)
    # one month: no month-to-month comparison
    assert (a.monthly_share_cv, a.median_duration_drift) == (None, None)
    assert v.provenance.log_filter == only_top
    assert v.provenance.parameters["top_k"] == [1, 2]
    assert v.provenance.parameters["rare_variant_share"] == 0.01
    document = json.loads(json.dumps(v.to_dict()))
    assert document["process"]["top_k_coverage"] == {"1": 1.0, "2": 1.0}
    assert [r["activity"] for r in document["activities"]] == ["A", "B", "C"]
    assert document["provenance"]["filter"] == only_top.to_dict()


def test_bad_parameters(routes: duckdb.DuckDBPyConnection) -> None:
    with pytest.raises(InputError, match="rare_variant_share must be 0-1"):
        compute_variability(routes, "routes", rare_variant_share=5)
    with pytest.raises(InputError, match="top_k whole numbers >= 1"):
        compute_variability(routes, "routes", top_k=(0, 5))


def test_lifecycle_executions_are_complete_events(routes: duckdb.DuckDBPyConnection) -> None:
    register = compute_variability(routes, "lifecycle").get("Register")
    assert register is not None
    # 4 events, 2 executions (the complete events), processing 300 and 1200 s
    assert (register.events, register.executions, register.timed_executions) == (4, 2, 2)
    assert (register.duration_basis, register.mean_duration_s) == ("processing", 750.0)
    assert register.duration_cv == pytest.approx(450 / 750, rel=1e-12)
    # successors of all 4 events: Register (start -> complete) x2, Check, end of case
    assert register.successor_entropy_bits == pytest.approx(entropy(0.5, 0.25, 0.25), rel=1e-12)
    assert (register.dominant_successor, register.rework_cases) == ("Register", 2)


def test_empty_selection(routes: duckdb.DuckDBPyConnection) -> None:
    v = compute_variability(routes, "routes", log_filter=LogFilter(with_activities=["A", "D"]))
    assert v.process.cases == 2  # K4, K5
    none = compute_variability(
        routes, "routes", log_filter=LogFilter(min_duration_s=1e9)
    )  # no case lasts 30 years
    assert (none.activities, none.process.cases, none.process.variant_count) == ((), 0, 0)
    assert none.process.variant_entropy_bits == 0.0


@pytest.mark.slow
@pytest.mark.parametrize("file_name", SHARED_XES)
def test_rework_equals_pm4py(
    real_workspace: duckdb.DuckDBPyConnection, pm4py_logs: dict[str, Any], file_name: str
) -> None:
    with contextlib.redirect_stdout(io.StringIO()):
        import pm4py
    raw = pm4py_logs[file_name]
    assert isinstance(raw, pd.DataFrame)
    case, activity, time = "case:concept:name", "concept:name", "time:timestamp"
    frame = pm4py.format_dataframe(
        raw.dropna(subset=[case, activity, time]).copy(),
        case_id=case,
        activity_key=activity,
        timestamp_key=time,
    )
    theirs = pm4py.get_rework_cases_per_activity(frame)
    v = compute_variability(real_workspace, default_name(SHARED_LOGS / file_name))
    ours = {a.activity: a.rework_cases for a in v.activities if a.rework_cases}
    assert ours == {str(k): int(n) for k, n in theirs.items()}
    assert all(0 <= a.rework_rate <= 1 and a.successor_entropy_bits >= 0 for a in v.activities)
    assert sum(a.events for a in v.activities) == v.process.events == len(frame)

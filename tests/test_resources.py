"""Resource metrics and handovers: numbers worked out by hand; handovers equal to pm4py's."""

from __future__ import annotations

import contextlib
import datetime as dt
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
from mining.calendar import WorkingCalendar
from mining.filters import LogFilter
from mining.handover import discover_handover_network
from mining.resources import NO_RESOURCES, ActivityResources, compute_resources
from tests.conftest import SHARED_LOGS, SHARED_XES

# Working calendar: Mon-Fri 09:00-17:00 local time, England bank holidays (1 Jan 2024 is one).
# 2024-01-01 Mon (holiday), 01-02 Tue, 01-03 Wed, 01-06 Sat, 01-08 Mon.
# N1-N3 Submit at 10:00:03 (same second, working hours); Notify at 22:00:05 (same second, night);
# Check by SYSTEM / batch_runner (system names); Abbott is a person (no 'bot' at a word start).
# N4: Submit on the bank holiday; Check on a Saturday without a resource; Review stamped
# 00:00 local (+01:00: 23:00 UTC the day before) = a date only; Notify 09:30 local = 08:30 UTC.
STAFF = """case,activity,resource,timestamp
N1,Submit,Alice,2024-01-02T10:00:03+00:00
N1,Check,SYSTEM,2024-01-02T10:00:30+00:00
N1,Notify,Bob,2024-01-02T22:00:05+00:00
N1,Review,Abbott,2024-01-03T14:00:10+00:00
N2,Submit,Alice,2024-01-02T10:00:03+00:00
N2,Check,SYSTEM,2024-01-02T10:01:00+00:00
N2,Notify,Bob,2024-01-02T22:00:05+00:00
N2,Review,Abbott,2024-01-03T14:00:40+00:00
N3,Submit,Bob,2024-01-02T10:00:03+00:00
N3,Check,batch_runner,2024-01-02T10:02:00+00:00
N3,Notify,Bob,2024-01-02T22:00:05+00:00
N3,Review,Abbott,2024-01-03T14:01:30+00:00
N4,Submit,Bob,2024-01-01T10:00:00+00:00
N4,Check,,2024-01-06T12:00:00+00:00
N4,Review,Abbott,2024-01-08T00:00:00+01:00
N4,Notify,Bob,2024-01-08T09:30:00+01:00
"""

# No resource column. A: P1 on the bank holiday, P2 at 08:00 (before opening), P3 at 09:00;
# B: all three at 10:00:07 Tue (same second, working hours); C: all three at 23:15:07 (night).
FACELESS = """case,activity,timestamp
P1,A,2024-01-01T09:00:00Z
P1,B,2024-01-02T10:00:07Z
P1,C,2024-01-02T23:15:07Z
P2,A,2024-01-02T08:00:00Z
P2,B,2024-01-02T10:00:07Z
P2,C,2024-01-02T23:15:07Z
P3,A,2024-01-02T09:00:00Z
P3,B,2024-01-02T10:00:07Z
P3,C,2024-01-02T23:15:07Z
"""


@pytest.fixture(scope="module")
def staff(tmp_path_factory: pytest.TempPathFactory) -> Iterator[duckdb.DuckDBPyConnection]:
    folder = tmp_path_factory.mktemp("staff")
    con = connect(folder / "ws.duckdb")
    for name, text, resource in (("staff", STAFF, "resource"), ("faceless", FACELESS, None)):
        path = folder / f"{name}.csv"
        path.write_text(text, encoding="utf-8")
        options = LoadOptions(
            case="case", activity="activity", timestamp="timestamp", resource=resource
        )
        assert load_log(con, path, options=options).counts.events == text.count("\n") - 1
    yield con
    con.close()


def by_activity(rows: tuple[ActivityResources, ...]) -> dict[str, ActivityResources]:
    return {r.activity: r for r in rows}


def test_signals_and_automated_share(staff: duckdb.DuckDBPyConnection) -> None:
    r = compute_resources(staff, "staff")
    assert (r.has_resources, r.reason, r.notes) == (True, None, ())
    assert r.resource_coverage == 15 / 16  # N4's Check has no resource
    rows = by_activity(r.activities)
    shares = {
        a: (x.automated_share, x.name_share, x.same_second_share, x.off_hours_share)
        for a, x in rows.items()
    }
    assert shares == {
        # N1-N3 same second but in working hours; N4 on the bank holiday: nothing automated
        "Submit": (0.0, 0.0, 3 / 4, 1 / 4),
        # SYSTEM (N1, N2) and batch_runner (N3) are system names; N4 on a Saturday
        "Check": (3 / 4, 3 / 4, 0.0, 1 / 4),
        # N1-N3 at 22:00:05: same second AND outside hours; N4 09:30 local is inside
        "Notify": (3 / 4, 0.0, 3 / 4, 3 / 4),
        # N4 at local midnight carries a date only: not counted as outside hours
        "Review": (0.0, 0.0, 0.0, 0.0),
    }
    assert r.automated_share == 6 / 16
    assert [(a, x.distinct_resources) for a, x in rows.items()] == [
        ("Check", 2),  # the empty resource is not one
        ("Notify", 1),
        ("Review", 1),
        ("Submit", 2),
    ]


def test_batching(staff: duckdb.DuckDBPyConnection) -> None:
    r = compute_resources(staff, "staff")
    # Alice: N1 and N2 Submit at the same second; SYSTEM: Check 30 s apart; Bob: Notify N1-N3 at
    # one second (N4 six days later); Abbott: Review 30 s then 50 s apart (N4 date only: alone)
    assert [
        (b.resource, b.activity, b.executions, b.batched_executions, b.batches, b.batch_share)
        for b in r.batching
    ] == [
        ("Abbott", "Review", 4, 3, 1, 0.75),
        ("Bob", "Notify", 4, 3, 1, 0.75),
        ("Alice", "Submit", 2, 2, 1, 1.0),
        ("SYSTEM", "Check", 2, 2, 1, 1.0),
    ]
    rows = by_activity(r.activities)
    # Submit: Alice's 2 batched of 4 (Bob's N3 and N4 are a day apart); Check: 2 of 3 with a resource
    assert (rows["Submit"].executions, rows["Submit"].batched_executions) == (4, 2)
    assert (rows["Check"].executions, rows["Check"].batch_share) == (3, 2 / 3)
    # a 40 s window splits Abbott's run: N1-N2 (30 s) batch, N3 (50 s later) alone
    narrow = by_activity(compute_resources(staff, "staff", batch_window_s=40).activities)
    assert (narrow["Review"].batched_executions, narrow["Review"].batches) == (2, 1)
    assert narrow["Check"].batched_executions == 2


def test_resources_and_workload(staff: duckdb.DuckDBPyConnection) -> None:
    r = compute_resources(staff, "staff", freq="W")
    assert [
        (s.resource, s.events, s.cases, s.activities, s.system_name, s.batched_executions)
        for s in r.resources
    ] == [
        ("Bob", 6, 4, 2, False, 3),
        ("Abbott", 4, 4, 1, False, 3),
        ("Alice", 2, 2, 1, False, 2),
        ("SYSTEM", 2, 2, 1, True, 2),
        ("batch_runner", 1, 1, 1, True, 0),
    ]
    week1, week2 = dt.date(2024, 1, 1), dt.date(2024, 1, 8)
    # Abbott's N4 Review is 2024-01-08 00:00 local (week 2), though 2024-01-07 in UTC
    assert [(w.resource, w.period_start, w.events, w.cases) for w in r.workload] == [
        ("Abbott", week1, 3, 3),
        ("Abbott", week2, 1, 1),
        ("Alice", week1, 2, 2),
        ("Bob", week1, 5, 4),
        ("Bob", week2, 1, 1),
        ("SYSTEM", week1, 2, 2),
        ("batch_runner", week1, 1, 1),
    ]
    monthly = compute_resources(staff, "staff")
    assert {
        (w.resource, w.period_start, w.events) for w in monthly.workload if w.resource == "Bob"
    } == {("Bob", week1, 6)}
    with pytest.raises(InputError, match="not one of: D, W, M"):
        compute_resources(staff, "staff", freq="Q")


def test_parameters_change_the_signals(staff: duckdb.DuckDBPyConnection) -> None:
    # 4 cases needed at one second: no same-second event, only the system names remain
    assert compute_resources(staff, "staff", same_second_cases=4).automated_share == 3 / 16
    # patterns are words' beginnings: 'abb' makes Abbott a system account, SYSTEM no longer
    rows = by_activity(compute_resources(staff, "staff", system_patterns=["abb"]).activities)
    assert (rows["Review"].name_share, rows["Check"].name_share) == (1.0, 0.0)
    # working until 23:00: the 22:00:05 notifications are in hours, so not automated
    late = WorkingCalendar(day_end="23:00")
    rows = by_activity(compute_resources(staff, "staff", calendar=late).activities)
    assert (rows["Notify"].off_hours_share, rows["Notify"].automated_share) == (0.0, 0.0)
    p = compute_resources(staff, "staff", calendar=late).provenance.parameters
    assert p["calendar"]["day_end"] == "23:00"  # type: ignore[index]


def test_resource_less_log_degrades(staff: duckdb.DuckDBPyConnection) -> None:
    r = compute_resources(staff, "faceless")
    assert (r.has_resources, r.reason, r.resource_coverage) == (False, NO_RESOURCES, 0.0)
    assert (r.resources, r.workload, r.batching) == ((), (), ())
    rows = by_activity(r.activities)
    got = {
        a: (x.automated_share, x.name_share, x.same_second_share, x.off_hours_share, x.batch_share)
        for a, x in rows.items()
    }
    assert got == {
        "A": (0.0, None, 0.0, 2 / 3, None),  # P1 bank holiday, P2 08:00; P3 09:00 is in hours
        "B": (0.0, None, 1.0, 0.0, None),  # same second, working hours
        "C": (1.0, None, 1.0, 1.0, None),  # same second at night
    }
    assert r.automated_share == 3 / 9
    net = discover_handover_network(staff, "faceless")
    assert (net.edges, net.handovers, net.graph.number_of_nodes()) == ((), 0, 0)
    assert net.reason is not None and "no resource data" in net.reason


def test_handover_network(staff: duckdb.DuckDBPyConnection) -> None:
    net = discover_handover_network(staff, "staff")
    # N1, N2: Alice > SYSTEM > Bob > Abbott; N3: Bob > batch_runner > Bob > Abbott;
    # N4 (by time): Bob, [Check without resource, skipped], Abbott, Bob
    expected = {
        ("Bob", "Abbott"): 4,
        ("Alice", "SYSTEM"): 2,
        ("SYSTEM", "Bob"): 2,
        ("Abbott", "Bob"): 1,
        ("Bob", "batch_runner"): 1,
        ("batch_runner", "Bob"): 1,
    }
    assert {(e.source, e.target): e.handovers for e in net.edges} == expected
    assert net.handovers == 11
    assert net.edges[0].share == 4 / 11
    graph = net.graph
    assert graph["Bob"]["Abbott"] == {"weight": 4 / 11, "handovers": 4}
    assert sorted(graph.nodes) == ["Abbott", "Alice", "Bob", "SYSTEM", "batch_runner"]
    assert json.loads(json.dumps(net.to_dict()))["edges"][0] == {
        "source": "Bob",
        "target": "Abbott",
        "handovers": 4,
        "share": 4 / 11,
    }


def test_filters_apply(staff: duckdb.DuckDBPyConnection) -> None:
    # cases contained in 1-4 January: N1-N3 (N4 ends on the 8th)
    window = LogFilter(
        time_from=dt.datetime(2024, 1, 1, tzinfo=dt.UTC),
        time_to=dt.datetime(2024, 1, 4, tzinfo=dt.UTC),
    )
    net = discover_handover_network(staff, "staff", log_filter=window)
    assert (net.handovers, net.edge("Bob", "Abbott").handovers) == (9, 3)  # type: ignore[union-attr]
    assert net.provenance.log_filter == window
    r = compute_resources(staff, "staff", log_filter=window)
    assert r.automated_share == 6 / 12  # Check N1-N3 by name, Notify N1-N3 same second at night
    assert [(s.resource, s.events) for s in r.resources][:1] == [("Bob", 4)]
    assert r.provenance.log_filter == window
    nothing = LogFilter(min_duration_s=1e9)  # no case lasts 30 years
    empty = compute_resources(staff, "staff", log_filter=nothing)
    assert (empty.activities, empty.reason, empty.automated_share) == ((), "no cases selected", 0.0)
    assert (
        discover_handover_network(staff, "staff", log_filter=nothing).reason == "no cases selected"
    )
    document = json.loads(json.dumps(r.to_dict()))
    assert document["workload"][0] == {
        "resource": "Abbott",
        "period_start": "2024-01-01",
        "events": 3,
        "cases": 3,
    }


CASE, ACTIVITY, TIME, RESOURCE = (
    "case:concept:name",
    "concept:name",
    "time:timestamp",
    "org:resource",
)


@pytest.mark.slow
@pytest.mark.parametrize("file_name", SHARED_XES)
def test_handover_equals_pm4py(
    real_workspace: duckdb.DuckDBPyConnection, pm4py_logs: dict[str, Any], file_name: str
) -> None:
    """pm4py computes on the frame without events lacking a resource (it fails on missing ones)."""
    with contextlib.redirect_stdout(io.StringIO()):
        import pm4py
    net = discover_handover_network(real_workspace, default_name(SHARED_LOGS / file_name))
    raw = pm4py_logs[file_name]
    assert isinstance(raw, pd.DataFrame)
    if RESOURCE not in raw.columns:  # Sepsis
        assert (net.edges, net.reason is not None) == ((), True)
        return
    frame = pm4py.format_dataframe(
        raw.dropna(subset=[CASE, ACTIVITY, TIME]).copy(),
        case_id=CASE,
        activity_key=ACTIVITY,
        timestamp_key=TIME,
    )
    frame = frame.dropna(subset=[RESOURCE])
    frame[RESOURCE] = frame[RESOURCE].astype(str)
    # pm4py's denominator: every consecutive pair of resourced events, summed over cases
    sizes = frame.groupby(CASE).size()
    assert net.handovers == int((sizes - 1).sum())
    assert net.reason is None
    if net.handovers == 0:  # roadtraffic100traces: at most one resourced event per case
        assert net.edges == ()
        with pytest.raises(ValueError, match="zero-size array"):  # pm4py fails on no pairs
            pm4py.discover_handover_of_work_network(frame)
        return
    sna = pm4py.discover_handover_of_work_network(frame)  # beta=0 by default
    theirs = {(str(a), str(b)): float(v) for (a, b), v in sna.connections.items()}
    ours = {(e.source, e.target): e.share for e in net.edges}
    assert ours.keys() == theirs.keys()
    assert all(math.isclose(ours[k], theirs[k], rel_tol=1e-12) for k in ours)

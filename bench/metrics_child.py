"""One measured metric computation, run in its own process by bench_metrics.py.

The parent reads this process's peak RSS and CPU time from the kernel
(``os.wait4``); here we time only the work (imports and data preparation
excluded) and write a small JSON result file.

    python bench/metrics_child.py JOB WORKSPACE PARQUET --result OUT.json

Hyperpath jobs connect read-only to WORKSPACE (dataset ``events``) and call the
public verbs. pm4py jobs read PARQUET with pandas, ``pm4py.format_dataframe``
it and prepare what the call needs (not timed), then call pm4py. Every job
reports a small ``answer`` (a count or a mean) so the two sides can be checked
against each other.

Imports: eventlogs + mining (Hyperpath jobs) or pandas + pm4py (pm4py jobs), never both.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

DATASET = "events"
CASE, ACT, TIME, START = "case:concept:name", "concept:name", "time:timestamp", "start_timestamp"
RESOURCE, LIFECYCLE = "resource", "lifecycle"
# Monday 00:00 = 0 s; Monday to Friday 09:00-17:00, as WorkingCalendar's defaults.
WORK_SLOTS = [(d * 86_400 + 9 * 3600, d * 86_400 + 17 * 3600) for d in range(5)]

Timed = Callable[[], dict[str, Any]]  # runs the work, returns {"answer": ..., "parts": {...}}


def _rss_mb() -> float:
    """Current resident set size of this process, in MB (10^6 bytes)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024 / 1e6
    return float("nan")


def _parts(steps: list[tuple[str, Callable[[], Any]]]) -> tuple[dict[str, float], list[Any]]:
    """Run named steps in order; their seconds and results."""
    seconds, results = {}, []
    for name, step in steps:
        started = time.perf_counter()
        results.append(step())
        seconds[name] = time.perf_counter() - started
    return seconds, results


def hyperpath_job(job: str, workspace: Path) -> Timed:
    """The Hyperpath work of ``job`` on a read-only connection to ``workspace``."""
    from eventlogs.engine import connect
    from mining import backlog, bottlenecks, findings, handover, queues, resources, variability
    from mining.source import fetch_scalar, load_tables

    con = connect(workspace, read_only=True)
    # Warm-up, not timed: the first query imports ibis's DuckDB backend, pandas and pyarrow
    # (~1 s); pm4py's imports are outside its timing too.
    fetch_scalar(load_tables(con, DATASET).activities.count())
    jobs: dict[str, Callable[[], Any]] = {
        "bottlenecks-calendar": lambda: bottlenecks.compute_bottlenecks(con, DATASET),
        "bottlenecks-working": lambda: bottlenecks.compute_bottlenecks(
            con, DATASET, basis="working"
        ),
        "trend-W": lambda: bottlenecks.compute_bottleneck_trend(con, DATASET, freq="W"),
        "backlog-W": lambda: backlog.compute_backlog(con, DATASET, freq="W"),
        "queues-D": lambda: queues.compute_step_queues(con, DATASET, freq="D"),
        "variability": lambda: variability.compute_variability(con, DATASET),
        "resources": lambda: resources.compute_resources(con, DATASET),
        "handover": lambda: handover.discover_handover_network(con, DATASET).graph,
        "findings": lambda: findings.compute_findings(con, DATASET),
    }
    if job == "suite":
        return lambda: _suite(jobs, findings.build_findings)
    call = jobs[job]
    return lambda: {"answer": _answer(job, call())}


def _suite(jobs: dict[str, Callable[[], Any]], build: Callable[..., Any]) -> dict[str, Any]:
    """Every metric once, in one process; findings built from the results already computed."""
    names = [j for j in jobs if j != "findings"]
    parts, results = _parts([(name, jobs[name]) for name in names])
    got = dict(zip(names, results, strict=True))
    started = time.perf_counter()
    found = build(
        got["bottlenecks-calendar"], got["backlog-W"], got["variability"], got["resources"]
    )
    parts["findings (from the results above)"] = time.perf_counter() - started
    return {"answer": f"{len(found.findings)} findings", "parts": parts}


def _answer(job: str, result: Any) -> str:
    """A short, comparable summary of a result."""
    if job.startswith("bottlenecks"):
        return f"{len(result.paths)} paths"
    if job == "backlog-W":
        return f"mean inter-arrival {result.mean_interarrival_s:,.1f} s"
    if job == "variability":
        return f"{sum(a.rework_cases for a in result.activities):,} rework cases"
    if job == "handover":
        return f"{result.number_of_edges()} edges"
    if job == "resources":
        batched = sum(a.batched_executions for a in result.activities)
        return f"{batched:,} batched executions, {len(result.workload):,} workload rows"
    if job == "findings":
        return f"{len(result.findings)} findings"
    if job == "trend-W":
        return f"{len(result.points):,} points"
    if job == "queues-D":
        return f"{len(result.queues)} queues × {len(result.periods):,} days"
    return type(result).__name__


def pm4py_job(job: str, parquet: Path) -> Timed:
    """The pm4py work of ``job`` on a formatted frame of ``parquet`` (read and prep not timed)."""
    import pandas as pd

    with contextlib.redirect_stdout(io.StringIO()):  # pm4py prints a banner on import
        import pm4py
    from pm4py.algo.discovery.dfg.adapters.pandas.df_statistics import get_dfg_graph

    frame = pm4py.format_dataframe(
        pd.read_parquet(parquet),
        case_id="case_id",
        activity_key="activity",
        timestamp_key="timestamp",
    )
    if job in ("pm4py-waits", "pm4py-waits-business"):
        frame = intervals(frame)
    if job == "pm4py-handover":  # pm4py fails on events without a resource
        frame = frame.dropna(subset=[RESOURCE])

    def waits(business: bool) -> dict[str, Any]:
        extra = {"business_hours": True, "business_hours_slot": WORK_SLOTS} if business else {}
        parts, (dfg, *_) = _parts(
            [
                ("performance DFG", lambda: get_dfg_graph(
                    frame, measure="performance", start_timestamp_key=START,
                    perf_aggregation_key="all", **extra)),
                ("service time mean", lambda: pm4py.get_service_time(
                    frame, start_timestamp_key=START, aggregation_measure="mean")),
                ("service time median", lambda: pm4py.get_service_time(
                    frame, start_timestamp_key=START, aggregation_measure="median")),
            ]
        )  # fmt: skip
        return {"answer": f"{len(dfg)} paths", "parts": parts}

    jobs: dict[str, Timed] = {
        "pm4py-waits": lambda: waits(False),
        "pm4py-waits-business": lambda: waits(True),
        "pm4py-arrival": lambda: {
            "answer": f"mean inter-arrival {pm4py.get_case_arrival_average(frame):,.1f} s"
        },
        "pm4py-rework": lambda: {
            "answer": f"{sum(pm4py.get_rework_cases_per_activity(frame).values()):,} rework cases"
        },
        "pm4py-handover": lambda: {
            "answer": f"{len(pm4py.discover_handover_of_work_network(frame, resource_key=RESOURCE).connections)} edges"
        },
    }
    return jobs[job]


def intervals(frame: Any) -> Any:
    """One row per completion with ``start_timestamp``: its start paired first-in first-out.

    The k-th start of an activity in a case pairs with its k-th completion (as
    Hyperpath's loader pairs them); a completion without a start gets its own
    time (0 s of service). Schedule events are dropped, as pm4py's
    ``interval_lifecycle.to_interval`` keeps only start/complete pairs.
    """
    life = frame[LIFECYCLE].str.lower()
    keys = [CASE, ACT]
    starts = frame.loc[life == "start", [*keys, TIME]]
    ends = frame[(life == "complete") | life.isna()]
    starts = starts.assign(k=starts.groupby(keys, sort=False).cumcount()).rename(
        columns={TIME: START}
    )
    ends = ends.assign(k=ends.groupby(keys, sort=False).cumcount())
    paired = ends.merge(starts, on=[*keys, "k"], how="left").drop(columns="k")
    paired[START] = paired[START].fillna(paired[TIME])
    return paired


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="one measured metric (used by bench_metrics.py)")
    parser.add_argument("job")
    parser.add_argument("workspace", type=Path)
    parser.add_argument("parquet", type=Path)
    parser.add_argument("--result", type=Path, required=True, help="JSON file to write")
    args = parser.parse_args(argv)
    if args.job.startswith("pm4py"):
        work = pm4py_job(args.job, args.parquet)
    else:
        work = hyperpath_job(args.job, args.workspace)
    before_mb = _rss_mb()
    cpu, started = time.process_time(), time.perf_counter()
    out = work()
    out["seconds"] = time.perf_counter() - started
    out["work_cpu_s"] = time.process_time() - cpu
    out["rss_before_mb"] = before_mb
    args.result.write_text(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())

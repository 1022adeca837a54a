"""Benchmark the metric suite (issue 4): each metric and the whole suite, against pm4py, same run.

For each size (1M and 10M events from make_logs.py), the log is loaded once
into ``bench/data/mining_<size>.duckdb`` (shared with bench_mining.py; not
timed). Every measurement then runs in a fresh child process
(bench/metrics_child.py); the parent takes its peak RSS and CPU time from the
kernel (``os.wait4``) and the 1-minute load average around it.

- Hyperpath: bottlenecks (calendar and working time), bottleneck trend per week,
  backlog per week, step queues per day, variability, resources, the handover
  network, findings (which computes four metrics itself) and the whole suite in
  one process (findings built from the results already computed).
- pm4py, on the same events as a formatted pandas frame (read and preparation not
  timed), where an equivalent exists: performance DFG + service time (waits and
  processing time), the same with business hours, ``get_case_arrival_average``,
  ``get_rework_cases_per_activity``, ``discover_handover_of_work_network``. A
  pm4py child is stopped above ``--pm4py-max-mb`` or ``--pm4py-timeout``, and is
  not started on a bigger log when its time on the smaller one, scaled by the
  event count, already exceeds the timeout.

    .venv/bin/python bench/bench_metrics.py                 # 1m and 10m
    .venv/bin/python bench/bench_metrics.py --sizes 1m --skip-pm4py
    .venv/bin/python bench/bench_metrics.py --profile resources --sizes 10m

``--profile JOB`` runs one Hyperpath job in this process and prints the time of
every query it runs (which query dominates); it writes nothing.

Results: ``bench/RESULTS-metrics.md`` (text after its notes marker is kept across
runs). Runs are appended to ``bench/data/runs-metrics.jsonl``.

Imports: standard library and the sibling bench modules; eventlogs/mining only
in ``--profile`` and to build a missing workspace.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from make_logs import DATA_DIR, ensure_logs, parse_size, size_label
from report import machine

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
CHILD = HERE / "metrics_child.py"
RESULTS = HERE / "RESULTS-metrics.md"

# job -> what it calls; the order of the table.
HYPERPATH = {
    "bottlenecks-calendar": "compute_bottlenecks(basis='calendar')",
    "bottlenecks-working": "compute_bottlenecks(basis='working')",
    "trend-W": "compute_bottleneck_trend(freq='W')",
    "backlog-W": "compute_backlog(freq='W')",
    "queues-D": "compute_step_queues(freq='D')",
    "variability": "compute_variability",
    "resources": "compute_resources",
    "handover": "discover_handover_network(...).graph",
    "findings": "compute_findings (bottlenecks, backlog, variability, resources)",
    "suite": "all of the above in one process; findings via build_findings",
}
# pm4py job -> (what it calls, the Hyperpath job it is compared with)
PM4PY = {
    "pm4py-waits": (
        "performance DFG (get_dfg_graph, start_timestamp_key) + get_service_time mean, median",
        "bottlenecks-calendar",
    ),
    "pm4py-waits-business": (
        "the same DFG with business_hours=True (Mon-Fri 09-17)",
        "bottlenecks-working",
    ),
    "pm4py-arrival": ("get_case_arrival_average", "backlog-W"),
    "pm4py-rework": ("get_rework_cases_per_activity", "variability"),
    "pm4py-handover": ("discover_handover_of_work_network (beta=0)", "handover"),
}


@dataclass(frozen=True, slots=True, kw_only=True)
class Run:
    """One child process: its own timing and the kernel's accounting."""

    seconds: float  # the work only (imports, connect, pm4py frame preparation excluded)
    work_cpu_s: float  # CPU seconds of the work (all threads)
    process_s: float  # wall time of the whole child process
    cpu_s: float  # user + system CPU of the whole child
    peak_mb: float  # ru_maxrss, MB (10^6 bytes)
    before_mb: float  # RSS when the work started (data loaded for pm4py)
    load_avg: float  # highest 1-minute load average seen around the run
    answer: str
    parts: dict[str, float] = field(default_factory=dict)
    stopped: str = ""  # why the run was stopped ('' when it finished)


@dataclass(frozen=True, slots=True, kw_only=True)
class Row:
    """Median of the runs of one job on one size."""

    size: str
    events: int
    job: str
    tool: str
    how: str
    runs: list[Run]
    versus: str = ""  # pm4py rows: the Hyperpath job they are compared with
    note: str = ""

    def median(self, name: str) -> float:
        return statistics.median(getattr(r, name) for r in self.runs)

    @property
    def ok(self) -> bool:
        return bool(self.runs) and not any(r.stopped for r in self.runs)


def _rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024 / 1e6
    except OSError:
        pass
    return 0.0


def run_child(job: str, size: str, *, timeout_s: float, max_mb: float) -> Run:
    """Run one job in a fresh interpreter, stopping it above ``max_mb`` or after ``timeout_s``."""
    with tempfile.TemporaryDirectory(prefix="bench-metrics-", dir=DATA_DIR) as tmp:
        result, log = Path(tmp) / "result.json", Path(tmp) / "child.log"
        cmd = [sys.executable, str(CHILD), job, str(_workspace(size)), str(_parquet(size))]
        cmd += ["--result", str(result)]
        load_avg, started = os.getloadavg()[0], time.perf_counter()
        stopped = ""
        with log.open("w") as out:
            proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, cwd=REPO)
            while True:
                pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
                if pid:
                    break
                load_avg = max(load_avg, os.getloadavg()[0])
                elapsed, rss = time.perf_counter() - started, _rss_mb(proc.pid)
                if not stopped and (rss > max_mb or elapsed > timeout_s):
                    stopped = f"stopped at {rss:,.0f} MB after {elapsed:.0f} s"
                    proc.kill()
                time.sleep(0.2)
        proc.returncode = os.waitstatus_to_exitcode(status)
        process_s = time.perf_counter() - started
        if proc.returncode != 0 and not stopped:
            tail = "\n".join(log.read_text(errors="replace").splitlines()[-15:])
            raise RuntimeError(f"{shlex.join(cmd)} exited {proc.returncode}:\n{tail}")
        data = {} if stopped else json.loads(result.read_text())
    return Run(
        seconds=float(data.get("seconds", process_s)),
        work_cpu_s=float(data.get("work_cpu_s", usage.ru_utime + usage.ru_stime)),
        process_s=process_s,
        cpu_s=usage.ru_utime + usage.ru_stime,
        peak_mb=usage.ru_maxrss * 1024 / 1e6,
        before_mb=float(data.get("rss_before_mb", 0.0)),
        load_avg=max(load_avg, os.getloadavg()[0]),
        answer=str(data.get("answer", "")),
        parts={k: float(v) for k, v in data.get("parts", {}).items()},
        stopped=stopped,
    )


def _workspace(size: str) -> Path:
    return DATA_DIR / f"mining_{size}.duckdb"


def _parquet(size: str) -> Path:
    return DATA_DIR / f"events_{size}.parquet"


def ensure_workspace(size: str) -> None:
    """Load the generated Parquet log as dataset 'events' (as bench_mining.py does), once."""
    if _workspace(size).exists():
        return
    code = (
        "import sys; from pathlib import Path; from eventlogs.engine import connect;"
        "from eventlogs.load import LoadOptions, load_log;"
        "con = connect(Path(sys.argv[1])); load_log(con, Path(sys.argv[2]),"
        " options=LoadOptions(name='events')); con.close()"
    )
    part = _workspace(size).with_suffix(".part.duckdb")
    part.unlink(missing_ok=True)
    subprocess.run(
        [sys.executable, "-c", code, str(part), str(_parquet(size))], check=True, cwd=REPO
    )
    part.rename(_workspace(size))


def measure(args: argparse.Namespace) -> list[Row]:
    """Every Hyperpath job, then the pm4py jobs, per size (smallest first)."""
    rows: list[Row] = []
    for size in args.sizes:
        events = parse_size(size)
        ensure_workspace(size)
        for job, how in HYPERPATH.items():
            runs = [_one(job, size, args, 3 * 3600.0, float("inf")) for _ in range(args.repeat)]
            rows.append(
                Row(size=size, events=events, job=job, tool="Hyperpath", how=how, runs=runs)
            )
        for job, (how, versus) in ({} if args.skip_pm4py else PM4PY).items():
            skip = _skip_reason(rows, job, events, args.pm4py_timeout)
            runs = [] if skip else [
                _one(job, size, args, args.pm4py_timeout, args.pm4py_max_mb) for _ in range(args.repeat)
            ]  # fmt: skip
            rows.append(
                Row(size=size, events=events, job=job, tool="pm4py", how=how, runs=runs,
                    versus=versus, note=skip)
            )  # fmt: skip
    return rows


def _one(job: str, size: str, args: argparse.Namespace, timeout_s: float, max_mb: float) -> Run:
    run = run_child(job, size, timeout_s=timeout_s, max_mb=max_mb)
    print(
        f"  {size:>4} {job:<22} {run.seconds:8.2f} s  work cpu {run.work_cpu_s:7.1f} s  "
        f"peak {run.peak_mb:7,.0f} MB  load {run.load_avg:4.1f}  {run.answer} {run.stopped}",
        flush=True,
    )
    with (DATA_DIR / "runs-metrics.jsonl").open("a") as out:
        out.write(json.dumps({"size": size, "job": job, "at": time.time(), **asdict(run)}) + "\n")
    return run


def _skip_reason(rows: list[Row], job: str, events: int, timeout_s: float) -> str:
    """Why not to start ``job`` on ``events``: a smaller run, scaled linearly, exceeds the timeout."""
    for row in rows:
        if row.job != job or row.events >= events:
            continue
        if not row.ok:
            return f"not run: stopped on {row.events:,} events ({row.runs[0].stopped if row.runs else row.note})"
        estimate = row.median("seconds") * events / row.events
        if estimate > timeout_s:
            return (
                f"not run: {row.median('seconds'):.0f} s on {row.events:,} events scales to "
                f"~{estimate / 60:.0f} min (limit {timeout_s / 60:.0f} min)"
            )
    return ""


def profile(job: str, size: str) -> None:
    """Run one Hyperpath job here, timing every query it sends (ibis ``to_pyarrow``)."""
    import traceback

    import ibis.expr.types.core as core
    from metrics_child import hyperpath_job

    original, log = core.Expr.to_pyarrow, []

    def timed(self: Any, *a: Any, **k: Any) -> Any:
        frames = traceback.extract_stack(limit=14)[:-1]
        where = " < ".join(
            f"{f.name}:{f.lineno}" for f in reversed(frames) if "/mining/" in f.filename
        )
        cpu, started = time.process_time(), time.perf_counter()
        out = original(self, *a, **k)
        log.append((time.perf_counter() - started, time.process_time() - cpu, where))
        return out

    core.Expr.to_pyarrow = timed
    ensure_workspace(size)
    work = hyperpath_job(job, _workspace(size))
    log.clear()  # the warm-up query
    started = time.perf_counter()
    work()
    print(f"{job} on {size}: {time.perf_counter() - started:.2f} s; per query (s, cpu s, caller):")
    for seconds, cpu, where in sorted(log, reverse=True):
        print(f"  {seconds:7.2f} {cpu:7.2f}  {where}")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1m,10m", help="comma list of log sizes (1m,10m)")
    parser.add_argument("--repeat", type=int, default=1, help="fresh runs per job; median reported")
    parser.add_argument("--skip-pm4py", action="store_true", help="measure Hyperpath only")
    parser.add_argument("--pm4py-timeout", type=float, default=600.0, help="seconds (default 600)")
    parser.add_argument("--pm4py-max-mb", type=float, default=10_000.0, help="MB (default 10,000)")
    parser.add_argument("--profile", choices=list(HYPERPATH), help="profile one job; no results")
    parser.add_argument("--results", type=Path, default=RESULTS, help="Markdown report to write")
    args = parser.parse_args(argv)
    args.sizes = sorted(
        {size_label(parse_size(s)) for s in args.sizes.split(",") if s.strip()}, key=parse_size
    )
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    ensure_logs([parse_size(s) for s in args.sizes], DATA_DIR)
    if args.profile:
        for size in args.sizes:
            profile(args.profile, size)
        return 0
    from metrics_report import write_results

    facts = machine()
    rows = measure(args)
    end_commit = machine()["commit"]
    if end_commit != facts["commit"]:
        facts["commit"] = f"{facts['commit']} at start, {end_commit} at end"
    command = "python bench/bench_metrics.py " + shlex.join(
        argv if argv is not None else sys.argv[1:]
    )
    write_results(args.results, rows, facts, command.strip())
    print(f"\nwrote {args.results}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Load benchmark: Hyperpath ``load_log`` against pm4py's reading path.

For each size (CSV and Parquet from make_logs.py) and for the largest real XES
log, runs Hyperpath and pm4py in fresh child processes (bench/child.py), takes
each child's peak RSS from the kernel (``os.wait4``), prints a table and writes
bench/RESULTS.md. Missing generated logs are generated first.

    .venv/bin/python bench/bench_load.py                  # 1m and 10m, once each
    .venv/bin/python bench/bench_load.py --sizes 1m --repeat 3 --skip-pm4py

Imports: standard library and the sibling bench modules (never pm4py or
duckdb: the parent stays small and measures nothing itself).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from make_logs import DATA_DIR, SOURCE_XES, ensure_logs, log_path, parse_size
from report import Row, machine, table_lines, target_lines, write_results

HERE = Path(__file__).resolve().parent
CHILD = HERE / "child.py"
XES_EVENTS = 262_200  # BPI_Challenge_2012 (MANIFEST.md)


@dataclass(frozen=True, slots=True, kw_only=True)
class Run:
    """One child process: its own timing and the kernel's accounting."""

    seconds: float
    process_s: float
    cpu_s: float
    peak_mb: float
    events: int
    load_avg: float


def run_child(tool: str, path: Path, *, scratch: Path) -> Run:
    """Run bench/child.py in a fresh interpreter; raise with its log tail on failure."""
    result = scratch / "result.json"
    log = scratch / "child.log"
    cmd = [sys.executable, str(CHILD), tool, str(path), "--result", str(result)]
    if tool == "hyperpath":
        cmd += ["--workspace", str(scratch / "bench.duckdb")]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    load_avg = os.getloadavg()[0]
    started = time.perf_counter()
    with log.open("w") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env=env)
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
    process_s = time.perf_counter() - started
    if proc.returncode != 0:
        tail = "\n".join(log.read_text(errors="replace").splitlines()[-15:])
        raise RuntimeError(f"{shlex.join(cmd)} exited {proc.returncode}:\n{tail}")
    data = json.loads(result.read_text())
    return Run(
        seconds=float(data["seconds"]),
        process_s=process_s,
        cpu_s=usage.ru_utime + usage.ru_stime,
        peak_mb=usage.ru_maxrss * 1024 / 1e6,
        events=int(data["events"]),
        load_avg=max(load_avg, os.getloadavg()[0]),
    )


def measure(tool: str, path: Path, *, repeat: int, data_dir: Path) -> list[Run]:
    """``repeat`` fresh runs, each with its own empty scratch folder (workspace, logs)."""
    runs = []
    for i in range(repeat):
        with tempfile.TemporaryDirectory(prefix="bench-", dir=data_dir) as tmp:
            run = run_child(tool, path, scratch=Path(tmp))
        print(
            f"  {tool:<9} {path.name:<28} run {i + 1}/{repeat}: {run.seconds:7.2f} s (cpu {run.cpu_s:6.1f} s), peak {run.peak_mb:8,.0f} MB, {run.events:,} events, load {run.load_avg:.1f}",
            flush=True,
        )
        runs.append(run)
    return runs


def _save_runs(path: Path, name: str, tool: str, runs: list[Run]) -> None:
    """Append every run to a JSON-lines file (git-ignored) for later inspection."""
    with path.open("a") as out:
        for run in runs:
            out.write(
                json.dumps({"input": name, "tool": tool, "at": time.time(), **asdict(run)}) + "\n"
            )


def _row(
    name: str, kind: str, tool: str, how: str, runs: list[Run], events: int, note: str = ""
) -> Row:
    if not runs:
        return Row(
            input=name,
            kind=kind,
            events=events,
            tool=tool,
            how=how,
            seconds=-1.0,
            process_s=-1.0,
            cpu_s=-1.0,
            peak_mb=-1.0,
            load_avg=-1.0,
            runs=0,
            note=note,
        )
    return Row(
        input=name,
        kind=kind,
        events=runs[0].events,
        tool=tool,
        how=how,
        seconds=statistics.median(r.seconds for r in runs),
        process_s=statistics.median(r.process_s for r in runs),
        cpu_s=statistics.median(r.cpu_s for r in runs),
        load_avg=max(r.load_avg for r in runs),
        peak_mb=statistics.median(r.peak_mb for r in runs),
        runs=len(runs),
        note=note,
    )


def inputs(sizes: list[int], data_dir: Path, xes: Path | None) -> list[tuple[Path, str, int]]:
    """(file, kind, expected events) in benchmark order: CSV, Parquet per size, then XES."""
    found = [(log_path(data_dir, n, kind), kind, n) for n in sizes for kind in ("csv", "parquet")]
    if xes is not None:
        found.append((xes, "xes", XES_EVENTS))
    return found


def xes_reader_missing() -> str:
    """Why Hyperpath cannot load XES yet ('' when it can)."""
    if importlib.util.find_spec("eventlogs.readers.xes") is None:
        return "eventlogs/readers/xes.py is not there yet; no Hyperpath XES number"
    return ""


def bench(args: argparse.Namespace) -> list[Row]:
    """Run every measurement and return the median rows."""
    rows = []
    pm4py_how = {
        "csv": "pandas.read_csv + format_dataframe",
        "parquet": "pandas.read_parquet + format_dataframe",
        "xes": "read_xes(variant='iterparse')",
    }
    for path, kind, events in inputs(args.sizes, args.data, None if args.skip_xes else args.xes):
        print(f"{path.name} ({kind}, {events:,} events)", flush=True)
        missing = xes_reader_missing() if kind == "xes" else ""
        runs = [] if missing else measure("hyperpath", path, repeat=args.repeat, data_dir=args.data)
        _save_runs(args.data / "runs.jsonl", path.name, "Hyperpath", runs)
        rows.append(_row(path.name, kind, "Hyperpath", "load_log", runs, events, note=missing))
        if not args.skip_pm4py:
            runs = measure("pm4py", path, repeat=args.repeat, data_dir=args.data)
            _save_runs(args.data / "runs.jsonl", path.name, "pm4py", runs)
            rows.append(_row(path.name, kind, "pm4py", pm4py_how[kind], runs, events))
    return rows


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Hyperpath vs pm4py load benchmark")
    parser.add_argument(
        "--sizes", default="1m,10m", help="comma list of generated log sizes (default 1m,10m)"
    )
    parser.add_argument(
        "--repeat", type=int, default=1, help="fresh runs per measurement; the median is reported"
    )
    parser.add_argument("--skip-pm4py", action="store_true", help="measure Hyperpath only")
    parser.add_argument("--skip-xes", action="store_true", help="leave out the real XES log")
    parser.add_argument(
        "--xes", type=Path, default=SOURCE_XES, help=f"real XES log (default {SOURCE_XES})"
    )
    parser.add_argument(
        "--data",
        type=Path,
        default=DATA_DIR,
        help=f"generated logs and scratch (default {DATA_DIR})",
    )
    parser.add_argument(
        "--results", type=Path, default=HERE / "RESULTS.md", help="Markdown report to write"
    )
    args = parser.parse_args(argv)
    args.sizes = [parse_size(s) for s in args.sizes.split(",") if s.strip()]
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    args.data.mkdir(parents=True, exist_ok=True)
    ensure_logs(args.sizes, args.data)
    facts = machine()  # date and commit as the measurements start
    rows = bench(args)
    end_commit = machine()["commit"]
    if end_commit != facts["commit"]:  # others committed while we measured
        facts["commit"] = f"{facts['commit']} at start, {end_commit} at end"
    print()
    print("\n".join(table_lines(rows, markdown=False)))
    print()
    print("\n".join(target_lines(rows)))
    command = "python bench/bench_load.py " + shlex.join(argv if argv is not None else sys.argv[1:])
    write_results(args.results, rows, facts, command.strip())
    print(f"\nwrote {args.results}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

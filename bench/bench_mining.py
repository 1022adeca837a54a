"""Benchmark the 'open a dataset' bundle: Hyperpath (DuckDB) against pm4py, same run.

The bundle is what a user sees first: directly-follows graph with performance,
variants and case durations. Each side runs in a fresh child process, so its
peak memory (ru_maxrss) is its own:

- Hyperpath: the dataset is loaded once into ``bench/data/mining_<size>.duckdb``
  (not timed); the child connects and runs discover_dfg (frequencies and
  performance), discover_variants and compute_case_durations.
- pm4py: the child reads the same events from Parquet with pandas and
  ``pm4py.format_dataframe`` (not timed), then runs discover_dfg,
  discover_performance_dfg, get_variants and get_all_case_durations.
- CLI: the whole process ``hyperpath map DATASET --json`` (imports included).

    .venv/bin/python bench/bench_mining.py --sizes 1m,10m

Results go to ``bench/RESULTS-mining.md``. Input data come from make_logs.py.
Imports: eventlogs, mining, pm4py (children only), standard library.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import io
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
DATA = HERE / "data"
SIZES = {"1m": 1_000_000, "10m": 10_000_000}


def _child_hyperpath(size: str) -> dict[str, float]:
    from eventlogs.engine import connect
    from mining.cases import compute_case_durations
    from mining.dfg import discover_dfg
    from mining.variants import discover_variants

    con = connect(DATA / f"mining_{size}.duckdb", read_only=True)
    started = time.perf_counter()
    dfg = discover_dfg(con, "events")
    variants = discover_variants(con, "events")
    durations = compute_case_durations(con, "events")
    seconds = time.perf_counter() - started
    return {
        "seconds": seconds,
        "edges": len(dfg.edges),
        "variants": len(variants.variants),
        "cases": len(durations.case_ids),
    }


def _child_pm4py(size: str) -> dict[str, float]:
    import pandas as pd

    with contextlib.redirect_stdout(io.StringIO()):
        import pm4py
    frame = pd.read_parquet(DATA / f"events_{size}.parquet")
    frame = pm4py.format_dataframe(
        frame, case_id="case_id", activity_key="activity", timestamp_key="timestamp"
    )
    started = time.perf_counter()
    dfg, _, _ = pm4py.discover_dfg(frame)
    pm4py.discover_performance_dfg(frame)
    variants = pm4py.get_variants(frame)
    durations = pm4py.get_all_case_durations(frame)
    seconds = time.perf_counter() - started
    return {
        "seconds": seconds,
        "edges": len(dfg),
        "variants": len(variants),
        "cases": len(durations),
    }


def _run_child(tool: str, size: str) -> dict[str, float]:
    done = subprocess.run(
        [sys.executable, __file__, "--child", tool, "--sizes", size],
        capture_output=True,
        text=True,
        check=True,
        cwd=REPO,
    )
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def _cli_seconds(size: str, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        subprocess.run(
            [
                str(REPO / ".venv/bin/hyperpath"),
                "map",
                "events",
                "--json",
                "--workspace",
                str(DATA / f"mining_{size}.duckdb"),
            ],
            capture_output=True,
            check=True,
        )
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def _ensure_workspace(size: str) -> None:
    target = DATA / f"mining_{size}.duckdb"
    if target.exists():
        return
    source = DATA / f"events_{size}.parquet"
    if not source.exists():
        subprocess.run(
            [sys.executable, str(HERE / "make_logs.py"), "--events", str(SIZES[size])], check=True
        )
    from eventlogs.engine import connect
    from eventlogs.load import LoadOptions, load_log

    con = connect(target)
    load_log(con, source, options=LoadOptions(name="events"))
    con.close()


def _machine() -> str:
    model = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return (
        f"{model}, {os.cpu_count()} cores, {memory:.1f} GiB RAM, Python {platform.python_version()}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1m,10m")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--child", choices=("hyperpath", "pm4py"))
    args = parser.parse_args()
    if args.child:
        run = _child_hyperpath if args.child == "hyperpath" else _child_pm4py
        result = run(args.sizes)
        result["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(json.dumps(result))
        return
    rows = []
    for size in args.sizes.split(","):
        _ensure_workspace(size)
        ours = [_run_child("hyperpath", size) for _ in range(args.repeat)]
        theirs = [_run_child("pm4py", size) for _ in range(max(1, args.repeat // 2))]
        cli = _cli_seconds(size, args.repeat)
        ours_s = statistics.median(r["seconds"] for r in ours)
        theirs_s = statistics.median(r["seconds"] for r in theirs)
        assert (
            ours[0]["edges"] == theirs[0]["edges"] and ours[0]["variants"] == theirs[0]["variants"]
        )
        rows.append(
            (
                size,
                ours_s,
                max(r["peak_mb"] for r in ours),
                theirs_s,
                max(r["peak_mb"] for r in theirs),
                cli,
            )
        )
        print(rows[-1], flush=True)
    _write(rows, args.repeat)


def _write(rows: list[tuple[str, float, float, float, float, float]], repeat: int) -> None:
    lines = [
        "# Mining benchmark: the 'open a dataset' bundle",
        "",
        f"Generated by `python bench/bench_mining.py` on {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC; machine: {_machine()}.",
        "Bundle = DFG with performance + variants + case durations, data already loaded (Hyperpath: the",
        "workspace on disk; pm4py: a formatted pandas frame in memory). Median of the runs; peak = child RSS.",
        f"`map --json` = the whole `hyperpath map DATASET --json` process, imports included (median of {repeat}).",
        "",
        "| events | Hyperpath s | Hyperpath peak MB | pm4py s | pm4py peak MB | pm4py/Hyperpath | `map --json` s |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for size, ours, ours_mb, theirs, theirs_mb, cli in rows:
        lines.append(
            f"| {SIZES[size]:,} | {ours:.2f} | {ours_mb:,.0f} | {theirs:.2f} | {theirs_mb:,.0f} | {theirs / ours:.1f}× | {cli:.2f} |"
        )
    lines += [
        "",
        "Targets (issue 3): bundle at 10M events ≤ 2 s (≥ 30× pm4py), peak ≤ 3 GB; at 1M ≤ 0.5 s;",
        "`hyperpath map --json` on 1M events ≤ 1.5 s as a whole process.",
    ]
    (HERE / "RESULTS-mining.md").write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()

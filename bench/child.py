"""One measured load, run in its own process by bench_load.py.

The parent reads this process's peak RSS from the kernel (``os.wait4``), so
each measurement starts from a clean interpreter. Here we only time the work
itself (imports excluded) and write a small JSON result file.

    python bench/child.py hyperpath FILE --workspace W.duckdb --result OUT.json
    python bench/child.py pm4py FILE --result OUT.json

``hyperpath``: ``connect(W)`` + ``load_log`` + ``close`` into a new workspace file.
``pm4py``: the usual pm4py reading path for the file type:
CSV ``pandas.read_csv`` + ``pm4py.format_dataframe``; Parquet ``pandas.read_parquet`` +
``format_dataframe``; XES ``pm4py.read_xes(path, variant="iterparse")``.

Imports: eventlogs (hyperpath) or pandas + pm4py (pm4py), never both.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

CASE, ACTIVITY, TIMESTAMP = "case_id", "activity", "timestamp"


def _rss_mb() -> float:
    """Current resident set size of this process, in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024 / 1e6
    return float("nan")


def run_hyperpath(path: Path, workspace: Path) -> dict[str, object]:
    """Load ``path`` into a new workspace file with the public API."""
    from eventlogs.engine import connect
    from eventlogs.load import LoadOptions, load_log

    base_mb = _rss_mb()
    started = time.perf_counter()
    con = connect(workspace)
    result = load_log(con, path, options=LoadOptions())
    con.close()
    seconds = time.perf_counter() - started
    return {
        "seconds": seconds,
        "events": result.counts.events,
        "cases": result.counts.cases,
        "load_log_seconds": result.seconds,
        "rss_before_mb": base_mb,
        "workspace_mb": workspace.stat().st_size / 1e6,
    }


def run_pm4py(path: Path) -> dict[str, object]:
    """Read ``path`` the way a pm4py user would, into a formatted DataFrame."""
    import pandas as pd
    import pm4py

    base_mb = _rss_mb()
    started = time.perf_counter()
    name = path.name.lower()
    if name.endswith((".xes", ".xes.gz")):
        df = pm4py.read_xes(str(path), variant="iterparse")
    else:
        raw = pd.read_parquet(path) if name.endswith(".parquet") else pd.read_csv(path)
        df = pm4py.format_dataframe(
            raw, case_id=CASE, activity_key=ACTIVITY, timestamp_key=TIMESTAMP
        )
        del raw
    seconds = time.perf_counter() - started
    return {
        "seconds": seconds,
        "events": len(df),
        "cases": int(df["case:concept:name"].nunique()),
        "rss_before_mb": base_mb,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="one measured load (used by bench_load.py)")
    parser.add_argument("tool", choices=("hyperpath", "pm4py"))
    parser.add_argument("file", type=Path)
    parser.add_argument("--result", type=Path, required=True, help="JSON file to write")
    parser.add_argument("--workspace", type=Path, help="new workspace file (hyperpath)")
    args = parser.parse_args(argv)
    if args.tool == "hyperpath":
        if args.workspace is None or args.workspace.exists():
            parser.error("--workspace must name a file that does not exist yet")
        out = run_hyperpath(args.file, args.workspace)
    else:
        out = run_pm4py(args.file)
    args.result.write_text(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Where does ``load_log`` spend its time? A phase and SQL-statement breakdown.

Runs the real ``load_log`` once, with two probes that change nothing it does:

* the internal functions of eventlogs.load / readers.tabular / prepare /
  attributes are wrapped (at run time, in this process only) with timers, so
  each statement is attributed to the phase that issued it;
* the connection is handed over behind a thin proxy that times every
  ``execute`` and records the peak RSS during it (``/proc/self/clear_refs``
  resets the kernel's high-water mark before each statement).

With ``--operators`` DuckDB's JSON profiler is switched on and the slowest
operators of each slow statement are printed (this adds some overhead).

    .venv/bin/python bench/profile_load.py bench/data/events_10m.csv
    .venv/bin/python bench/profile_load.py bench/data/events_10m.csv --threads 2 --memory-limit 2GB

Imports: eventlogs (internals, read-only), duckdb.
"""

from __future__ import annotations

import argparse
import functools
import json
import sys
import tempfile
import time
from collections import defaultdict
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import eventlogs.attributes
import eventlogs.load
import eventlogs.prepare
import eventlogs.readers.tabular
from eventlogs.engine import connect
from eventlogs.load import LoadOptions, load_log

WRAPPED = {
    eventlogs.load: (
        "file_sha256",
        "sniff_format",
        "_check_new",
        "_stage",
        "_detect",
        "_apply_privacy",
        "prepare_events",
        "_quarantine_rejects",
        "_insert_dataset",
    ),
    eventlogs.readers.tabular: (
        "detect_encoding",
        "_stage_from",
        "_delimiter",
        "_rejects",
        "_check_columns",
    ),
    eventlogs.prepare: (
        "count_duplicates",
        "_mark_duplicates",
        "_pair_lifecycle",
        "_quarantine",
        "_dictionaries",
        "_events",
        "_variants",
    ),
    eventlogs.attributes: ("infer_types", "write_attribute_tables"),
}


def _status_mb(key: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1]) * 1024 / 1e6
    return float("nan")


def _reset_peak() -> None:
    """Reset VmHWM to the current RSS (Linux >= 4.0), so the next peak is this step's."""
    with suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")


@dataclass(slots=True)
class Step:
    """One timed step: a function of the load path or one SQL statement."""

    path: tuple[str, ...]
    start_no: int
    seconds: float
    cpu_s: float
    peak_mb: float
    sql: str = ""


class Recorder:
    """Collects steps; keeps the stack of wrapped functions being run."""

    def __init__(self, operators: Path | None) -> None:
        self.stack: list[str] = []
        self.started = 0
        self.steps: list[Step] = []
        self.operators = operators
        self.slow_plans: list[tuple[str, list[tuple[str, float]]]] = []

    @contextmanager
    def step(self, name: str, sql: str = "") -> Any:
        self.stack.append(name)
        self.started += 1
        start_no = self.started
        if sql:
            _reset_peak()
        started, cpu = time.perf_counter(), time.process_time()
        try:
            yield
        finally:
            seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
            peak = _status_mb("VmHWM") if sql else float("nan")
            self.steps.append(Step(tuple(self.stack), start_no, seconds, cpu, peak, sql))
            self.stack.pop()
            if sql and self.operators and seconds > 0.5:
                self.slow_plans.append((sql, _top_operators(self.operators)))

    def wrap(self, module: Any, name: str) -> None:
        original = getattr(module, name)

        @functools.wraps(original)
        def timed(*args: Any, **kwargs: Any) -> Any:
            with self.step(name):
                return original(*args, **kwargs)

        setattr(module, name, timed)


class TimedConnection:
    """Forwards everything to a DuckDB connection; times ``execute``."""

    def __init__(self, con: Any, recorder: Recorder) -> None:
        self._con = con
        self._rec = recorder

    def execute(self, sql: str, *args: Any, **kwargs: Any) -> Any:
        with self._rec.step("sql", sql=" ".join(sql.split())):
            return self._con.execute(sql, *args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._con, name)


def _top_operators(profile: Path, count: int = 5) -> list[tuple[str, float]]:
    """The slowest operators of the last profiled statement (DuckDB 2 JSON profile),
    plus DuckDB's own peak buffer memory as a pseudo-operator."""
    try:
        tree = json.loads(profile.read_text())
    except (OSError, ValueError):
        return []
    found: list[tuple[str, float]] = []

    def walk(node: dict[str, Any]) -> None:
        name = str(node.get("type") or node.get("operator_type") or "").strip()
        rows = node.get("intermediate_rows")
        if name:
            label = f"{name} ({rows:,} rows)" if isinstance(rows, int) else name
            found.append((label, float(node.get("timing", node.get("operator_timing", 0.0)))))
        for child in node.get("children", []):
            walk(child)

    for root in tree.get("operator", [tree]):
        walk(root)
    top = sorted(found, key=lambda x: -x[1])[:count]
    buffer = tree.get("system", {}).get("peak_buffer_memory")
    if isinstance(buffer, int | float):
        top.append((f"[duckdb peak buffer {buffer / 1e6:,.0f} MB]", 0.0))
    return top


def summary_lines(rec: Recorder, total: float) -> list[str]:
    """Per phase (nested function path) its total seconds and the peak RSS of its statements.

    "own SQL" lines are the statements a function runs itself, outside the
    functions it calls.
    """
    seconds: dict[tuple[str, ...], float] = defaultdict(float)
    cpu: dict[tuple[str, ...], float] = defaultdict(float)
    peaks: dict[tuple[str, ...], float] = defaultdict(float)
    order: dict[tuple[str, ...], int] = {}
    for s in rec.steps:
        key = (*s.path[:-1], "own SQL") if s.sql else s.path
        seconds[key] += s.seconds
        cpu[key] += s.cpu_s
        order[key] = min(order.get(key, s.start_no), s.start_no)
        if s.sql:
            for n in range(1, len(key) + 1):
                peaks[key[:n]] = max(peaks[key[:n]], s.peak_mb)
    lines = [f"{'phase':<44} {'seconds':>8} {'share':>6} {'cpu s':>7} {'peak MB':>8}"]
    for key in sorted(seconds, key=lambda k: order[k]):
        label = "  " * (len(key) - 1) + key[-1]
        peak = f"{peaks[key]:8,.0f}" if key in peaks else f"{'':>8}"
        lines.append(
            f"{label:<44} {seconds[key]:8.2f} {seconds[key] / total:6.1%} {cpu[key]:7.2f} {peak}"
        )
    return lines


def statement_lines(rec: Recorder, top: int) -> list[str]:
    """The slowest SQL statements with the phase that ran them."""
    sql = sorted((s for s in rec.steps if s.sql), key=lambda s: -s.seconds)[:top]
    lines = [f"{'seconds':>8} {'cpu s':>7} {'peak MB':>8}  phase / statement"]
    for s in sql:
        lines.append(
            f"{s.seconds:8.2f} {s.cpu_s:7.2f} {s.peak_mb:8,.0f}  {'/'.join(s.path[:-1]) or '-'}: {s.sql[:150]}"
        )
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="phase breakdown of one load_log run")
    parser.add_argument("file", type=Path)
    parser.add_argument("--threads", type=int, help="DuckDB threads (connect(threads=...))")
    parser.add_argument(
        "--memory-limit", help="DuckDB memory_limit (connect(memory_limit=...)), e.g. 2GB"
    )
    parser.add_argument(
        "--operators", action="store_true", help="DuckDB JSON profile of slow statements"
    )
    parser.add_argument("--top", type=int, default=12, help="slowest statements to list")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(
        prefix="profile-", dir=Path(__file__).resolve().parent / "data"
    ) as tmp:
        profile = Path(tmp) / "profile.json" if args.operators else None
        rec = Recorder(profile)
        for module, names in WRAPPED.items():
            for name in names:
                rec.wrap(module, name)
        con = connect(Path(tmp) / "ws.duckdb", threads=args.threads, memory_limit=args.memory_limit)
        if profile:
            con.execute(f"SET enable_profiling = 'json'; SET profiling_output = '{profile}'")
        started, cpu0 = time.perf_counter(), time.process_time()
        result = load_log(TimedConnection(con, rec), args.file, options=LoadOptions())  # type: ignore[arg-type]
        with rec.step("close (checkpoint)"):
            con.close()
        total = time.perf_counter() - started
    peak = max((s.peak_mb for s in rec.steps if s.sql), default=float("nan"))
    print(
        f"{args.file.name}: {result.counts.events:,} events, {result.counts.cases:,} cases "
        f"in {total:.2f} s (cpu {time.process_time() - cpu0:.2f} s); peak RSS during SQL {peak:,.0f} MB"
    )
    print("\n".join(summary_lines(rec, total)))
    print()
    print("\n".join(statement_lines(rec, args.top)))
    for sql, ops in rec.slow_plans:
        print(
            f"\n{sql[:120]}\n  "
            + ", ".join(f"{name} {sec:.2f}s" if sec else name for name, sec in ops)
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())

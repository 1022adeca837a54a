"""Render load-benchmark results: machine facts, the table, the targets, RESULTS.md.

Imports: standard library only (versions are read from package metadata, so
pm4py is never imported here).
"""

from __future__ import annotations

import datetime as dt
import os
import platform
import subprocess
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

TARGET_CSV_S = 20.0
TARGET_CSV_MB = 3000.0  # "3 GB", read strictly as 3,000 MB (10^6 bytes)
TARGET_XES_RATIO = 5.0
PACKAGES = ("hyperpath", "duckdb", "pm4py", "pandas", "pyarrow", "lxml")


@dataclass(frozen=True, slots=True, kw_only=True)
class Row:
    """Median of the runs of one tool on one input."""

    input: str
    kind: str  # 'csv', 'parquet', 'xes'
    events: int
    tool: str  # 'Hyperpath' or 'pm4py'
    how: str  # what was called
    seconds: float  # median time of the work itself (imports excluded)
    process_s: float  # median wall time of the whole child process
    cpu_s: float  # median user+system CPU time of the child (all threads)
    peak_mb: float  # median peak RSS of the child process, MB (10^6 bytes)
    runs: int
    load_avg: (
        float  # highest 1-minute load average seen around the runs (other work on the machine)
    )
    note: str = ""


def machine() -> dict[str, str]:
    """CPU model, cores, RAM, OS, Python and package versions, date."""
    cpu = "unknown"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    mem_kb = next(
        int(line.split()[1])
        for line in Path("/proc/meminfo").read_text().splitlines()
        if line.startswith("MemTotal:")
    )
    facts = {
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "cpu": f"{cpu}, {os.cpu_count()} cores",
        "ram": f"{mem_kb / 1024**2:.1f} GiB",
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "commit": _commit(),
    }
    for name in PACKAGES:
        try:
            facts[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            facts[name] = "not installed"
    return facts


def _commit() -> str:
    """Short commit of the checkout (read-only git), or a note when there is none."""
    root = Path(__file__).resolve().parent.parent
    try:
        done = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except OSError:
        return "unknown"
    dirty = subprocess.run(
        ["git", "-C", str(root), "status", "--porcelain", "--untracked-files=no"],
        capture_output=True,
        text=True,
        timeout=10,
        check=False,
    ).stdout.strip()
    if done.returncode != 0:
        return "no commit yet (working tree)"
    return done.stdout.strip() + (" + local changes" if dirty else "")


def _ratio(rows: list[Row], row: Row) -> tuple[str, str]:
    """pm4py / Hyperpath for time and memory, on the pm4py row of an input."""
    if row.tool != "pm4py":
        return "", ""
    ours = next(
        (r for r in rows if r.input == row.input and r.tool == "Hyperpath" and r.seconds > 0), None
    )
    if ours is None:
        return "", ""
    return f"{row.seconds / ours.seconds:.1f}×", f"{row.peak_mb / ours.peak_mb:.1f}×"


def table_lines(rows: list[Row], *, markdown: bool) -> list[str]:
    """The results table, as Markdown or as aligned plain text."""
    head = [
        "input",
        "events",
        "tool",
        "seconds",
        "peak MB",
        "pm4py/Hyperpath time",
        "pm4py/Hyperpath memory",
        "cpu s",
        "process s",
        "load",
        "runs",
    ]
    body = []
    for r in rows:
        t_ratio, m_ratio = _ratio(rows, r)
        seconds = "n/a" if r.seconds < 0 else f"{r.seconds:.2f}"
        peak = "n/a" if r.seconds < 0 else f"{r.peak_mb:,.0f}"
        process = "n/a" if r.seconds < 0 else f"{r.process_s:.1f}"
        cpu = "n/a" if r.seconds < 0 else f"{r.cpu_s:.1f}"
        load = "n/a" if r.seconds < 0 else f"{r.load_avg:.1f}"
        body.append(
            [
                r.input,
                f"{r.events:,}",
                r.tool,
                seconds,
                peak,
                t_ratio,
                m_ratio,
                cpu,
                process,
                load,
                str(r.runs),
            ]
        )
    if markdown:
        lines = [
            "| " + " | ".join(head) + " |",
            "|" + "|".join("---" if i in (0, 2) else "---:" for i in range(len(head))) + "|",
        ]
        return lines + ["| " + " | ".join(cells) + " |" for cells in body]
    widths = [max(len(x[i]) for x in [head, *body]) for i in range(len(head))]
    fmt = "  ".join(f"{{:{'<' if i in (0, 2) else '>'}{w}}}" for i, w in enumerate(widths))
    return [fmt.format(*head)] + [fmt.format(*cells) for cells in body]


def target_lines(rows: list[Row]) -> list[str]:
    """The issue's targets, each stated as met / not met / not measured."""

    def find(kind: str, tool: str, events: int | None = None) -> Row | None:
        return next(
            (
                r
                for r in rows
                if r.kind == kind
                and r.tool == tool
                and r.seconds >= 0
                and (events is None or r.events == events)
            ),
            None,
        )

    lines = []
    csv10 = find("csv", "Hyperpath", 10_000_000)
    if csv10 is None:
        lines.append(
            "- 10M-event CSV loaded and prepared in ≤ 20 s with peak ≤ 3 GB: **not measured** (run with --sizes including 10m)"
        )
    else:
        ok_s, ok_m = csv10.seconds <= TARGET_CSV_S, csv10.peak_mb <= TARGET_CSV_MB
        verdict = "met" if ok_s and ok_m else "NOT met"
        cores = os.cpu_count() or 1
        lines.append(
            f"- 10M-event CSV loaded and prepared in ≤ {TARGET_CSV_S:.0f} s with peak memory ≤ 3 GB (3,000 MB): "
            f"**{verdict}** — {csv10.seconds:.1f} s ({'met' if ok_s else 'not met'}), "
            f"peak {csv10.peak_mb:,.0f} MB ({'met' if ok_m else 'not met'}). It used {csv10.cpu_s:.0f} CPU-seconds, "
            f"so even with all {cores} cores to itself it cannot finish under {csv10.cpu_s / cores:.0f} s."
        )
    ours, theirs = find("xes", "Hyperpath"), find("xes", "pm4py")
    if ours is None or theirs is None:
        lines.append(
            "- XES ≥ 5× faster than pm4py.read_xes: **not measured** (Hyperpath XES reader or pm4py run missing)"
        )
    else:
        ratio = theirs.seconds / ours.seconds
        verdict = "met" if ratio >= TARGET_XES_RATIO else "NOT met"
        lines.append(
            f"- XES ≥ {TARGET_XES_RATIO:.0f}× faster than pm4py.read_xes: **{verdict}** — "
            f"{ratio:.1f}× ({theirs.seconds:.1f} s vs {ours.seconds:.1f} s on {ours.input}); "
            f"on CPU time {theirs.cpu_s / ours.cpu_s:.1f}× ({theirs.cpu_s:.1f} vs {ours.cpu_s:.1f} CPU-seconds)"
        )
    return lines


def write_results(path: Path, rows: list[Row], facts: dict[str, str], command: str) -> None:
    """Write RESULTS.md: machine, versions, table, targets, what each row measures."""
    versions = ", ".join(f"{name} {facts[name]}" for name in PACKAGES)
    notes = [f"- {r.input} / {r.tool}: {r.note}" for r in rows if r.note]
    text = [
        "# Load benchmark results",
        "",
        f"Generated by `{command}` on {facts['date']}. Do not edit by hand; rerun the benchmark.",
        "",
        f"- Machine: {facts['cpu']}, {facts['ram']} RAM, {facts['os']}",
        f"- Python {facts['python']}; {versions}",
        f"- Code: {facts['commit']}",
        "",
        "## Results",
        "",
        "Seconds = the work only (imports excluded); process s = the whole child process.",
        "Peak MB = peak resident memory of the child process (ru_maxrss, 10^6 bytes), interpreter and libraries included.",
        "Cpu s = user + system CPU time of the child (all threads; DuckDB uses both cores, pandas one).",
        "Load = the highest 1-minute load average seen around the runs: above the core count means other",
        "work shared the CPU and wall times are inflated; cpu s is less affected.",
        "Each number is the median of `runs` fresh processes.",
        "",
        *table_lines(rows, markdown=True),
        "",
        "## Targets (from the issue)",
        "",
        *target_lines(rows),
        "",
        "## What each row measures",
        "",
        "- Hyperpath: `connect(new_workspace_file)` + `load_log(con, path)` + `close()` — read, map, parse",
        "  timestamps, quarantine, sort, build cases/activities/variants/attributes, commit to disk.",
        "- pm4py, CSV: `pandas.read_csv(path)` + `pm4py.format_dataframe(df, case_id='case_id',",
        "  activity_key='activity', timestamp_key='timestamp')` (parses timestamps, sorts, adds indices; in memory only).",
        "- pm4py, Parquet: `pandas.read_parquet(path)` + the same `format_dataframe`.",
        "- pm4py, XES: `pm4py.read_xes(path, variant='iterparse')` (pm4py's default without rustxes).",
        *(["", "## Notes", "", *notes] if notes else []),
        "",
    ]
    path.write_text("\n".join(text))

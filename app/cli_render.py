"""Human output of the CLI: summary tables (stdout) and the progress bar (stderr).

Imports: rich, eventlogs result types.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from rich.console import Console
from rich.table import Table

if TYPE_CHECKING:
    from eventlogs.datasets import Dataset
    from eventlogs.load import LoadResult
    from eventlogs.quality import QualityReport
    from mining.dfg import DirectlyFollowsGraph
    from mining.variants import Variants

_out = Console(highlight=False, soft_wrap=True, width=None if sys.stdout.isatty() else 140)


def load_document(result: LoadResult) -> dict[str, object]:
    """The JSON shape of ``hyperpath load --json`` (CLI contract, plus extra keys)."""
    c = result.counts
    return {
        "dataset": str(result.dataset_id),
        "name": result.name,
        "cases": c.cases,
        "events": c.events,
        "activities": c.activities,
        "quarantined": c.quarantined,
        "duplicates": c.duplicates,
        "mapping": result.mapping,
        "found_by": result.found_by,
        "variants": c.variants,
        "resources": c.resources,
        "source_rows": result.source_rows,
        "format": result.source_format,
        "sha256": result.sha256,
        "timestamp_format": result.timestamp_format,
        "has_start_timestamps": c.has_start_ts,
        "quarantine_reasons": result.quarantine_reasons,
        "seconds": round(result.seconds, 3),
    }


@contextmanager
def progress_bar(label: str) -> Iterator[Callable[[str, float], None]]:
    """A progress bar on stderr (only on a terminal, or with HYPERPATH_PROGRESS=1)."""
    if not (sys.stderr.isatty() or os.environ.get("HYPERPATH_PROGRESS") == "1"):
        yield lambda stage, fraction: None
        return
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    console = Console(stderr=True, force_terminal=sys.stderr.isatty())
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.percentage:>3.0f}%"),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console, transient=True) as progress:
        task = progress.add_task(f"loading {os.path.basename(label)}", total=1.0)

        def report(stage: str, fraction: float) -> None:
            progress.update(
                task, completed=fraction, description=f"{os.path.basename(label)}: {stage}"
            )

        yield report


def print_load(result: LoadResult) -> None:
    """Summary table of a load."""
    c = result.counts
    table = Table(
        title=f"Loaded {result.source_file} as dataset {result.dataset_id} ({result.name})",
        show_header=False,
    )
    table.add_column("what")
    table.add_column("value", justify="right")
    rows = [
        ("events", f"{c.events:,}"),
        ("cases", f"{c.cases:,}"),
        ("activities", f"{c.activities:,}"),
        ("variants", f"{c.variants:,}"),
        ("resources", f"{c.resources:,}"),
        ("quarantined rows", f"{c.quarantined:,}"),
        ("exact duplicate events", f"{c.duplicates:,}"),
        ("timestamps", result.timestamp_format),
        ("start timestamps", "yes" if c.has_start_ts else "no"),
        ("seconds", f"{result.seconds:.2f}"),
    ]
    for role, column in result.mapping.items():
        if column:
            rows.append((f"{role} column", f"{column} ({result.found_by.get(role, '?')})"))
    for row in rows:
        table.add_row(*row)
    _out.print(table)
    for reason, n in result.quarantine_reasons.items():
        _out.print(f"  quarantined: {n:,} × {reason}")
    if c.quarantined:
        _out.print(
            f"  see them with: hyperpath quarantine {result.dataset_id} --csv quarantine.csv"
        )


def print_datasets(found: list[Dataset]) -> None:
    """Table of datasets."""
    if not found:
        _out.print("no datasets yet; load one with: hyperpath load FILE")
        return
    table = Table(title="Datasets")
    for col in (
        "id",
        "name",
        "file",
        "events",
        "cases",
        "activities",
        "variants",
        "quarantined",
        "from",
        "to",
    ):
        table.add_column(
            col,
            justify="right"
            if col in ("events", "cases", "activities", "variants", "quarantined")
            else "left",
        )
    for d in found:
        s = d.summary()
        table.add_row(
            str(d.dataset_id),
            d.name,
            d.source_file,
            f"{d.events:,}",
            f"{d.cases:,}",
            f"{d.activities:,}",
            f"{d.variants:,}",
            f"{d.quarantined:,}",
            str(s["first_ts"] or "")[:10],
            str(s["last_ts"] or "")[:10],
        )
    _out.print(table)


def print_quality(report: QualityReport) -> None:
    """The data-quality report as a table."""
    table = Table(
        title=f"Data quality of dataset {report.dataset} ({report.name})", show_header=False
    )
    table.add_column("what")
    table.add_column("value", justify="right")
    epc = report.events_per_case
    for what, value in (
        (
            "events / cases / activities",
            f"{report.events:,} / {report.cases:,} / {report.activities:,}",
        ),
        ("resources", f"{report.resources:,}"),
        ("variants", f"{report.variants:,}"),
        ("time span (UTC)", f"{report.first_ts} → {report.last_ts}"),
        (
            "events per case (min/median/p90/max)",
            f"{epc['min']:g} / {epc['median']:g} / {epc['p90']:g} / {epc['max']:g}",
        ),
        ("single-event cases", f"{report.single_event_cases:,}"),
        ("events sharing their timestamp in a case", f"{report.tied_timestamp_share:.1%}"),
        (
            "events in the future / before 1990",
            f"{report.future_events:,} / {report.events_before_1990:,}",
        ),
        ("exact duplicate events", f"{report.duplicates:,}"),
        ("quarantined rows", f"{report.quarantined:,}"),
        ("start timestamps", "yes" if report.has_start_timestamps else "no"),
    ):
        table.add_row(what, value)
    for column, share in report.null_share.items():
        table.add_row(f"empty share: {column}", f"{share:.1%}")
    for reason, n in report.quarantine_by_reason.items():
        table.add_row(f"quarantined: {reason}", f"{n:,}")
    _out.print(table)


def human_duration(seconds: float | None) -> str:
    """Seconds as people read them: '45 s', '12 min', '3.5 h', '2.1 d'.

    >>> human_duration(90), human_duration(5400), human_duration(302400)
    ('1.5 min', '1.5 h', '3.5 d')
    """
    if seconds is None:
        return "-"
    for unit, size in (("d", 86400.0), ("h", 3600.0), ("min", 60.0)):
        if abs(seconds) >= size:
            return f"{seconds / size:.3g} {unit}"
    return f"{seconds:.3g} s"


def print_map(dfg: DirectlyFollowsGraph, *, limit: int = 40, svg: str | None = None) -> None:
    """The directly-follows pairs, most frequent first, with their times."""
    table = Table(
        title=f"Process map of {dfg.provenance.dataset_name}: {len(dfg.activities)} activities, {len(dfg.edges)} paths"
    )
    for col in ("from", "to", "frequency", "mean", "median", "p90"):
        table.add_column(col, justify="right" if col not in ("from", "to") else "left")
    for e in dfg.edges[:limit]:
        table.add_row(
            e.source,
            e.target,
            f"{e.frequency:,}",
            human_duration(e.mean_s),
            human_duration(e.median_s),
            human_duration(e.p90_s),
        )
    _out.print(table)
    if len(dfg.edges) > limit:
        _out.print(f"  ... {len(dfg.edges) - limit} more paths (all of them with --json)")
    _out.print(
        "  starts: " + ", ".join(f"{a} ({n:,})" for a, n in list(dfg.start_activities.items())[:8])
    )
    _out.print(
        "  ends:   " + ", ".join(f"{a} ({n:,})" for a, n in list(dfg.end_activities.items())[:8])
    )
    if svg:
        _out.print(f"  map drawn to {svg}")


def print_variants(found: Variants, *, limit: int = 20) -> None:
    """The most frequent variants with their share and durations."""
    table = Table(
        title=f"Variants of {found.provenance.dataset_name}: {len(found.variants):,} variants"
    )
    for col in ("#", "cases", "share", "cumulative", "mean duration", "steps", "activities"):
        table.add_column(col, justify="left" if col == "activities" else "right")
    for v in found.variants[:limit]:
        steps = " → ".join(v.activities[:6]) + (" → …" if len(v.activities) > 6 else "")
        table.add_row(
            str(v.rank),
            f"{v.cases:,}",
            f"{v.share:.1%}",
            f"{v.cumulative_share:.1%}",
            human_duration(v.mean_duration_s),
            str(len(v.activities)),
            steps,
        )
    _out.print(table)


if TYPE_CHECKING:
    from mining.bottlenecks import (
        ActivityBottleneck,
        Bottlenecks,
        BottleneckTrend,
        PathBottleneck,
    )

_UPPER_BOUND_NOTE = (
    "  * upper bound: no start time, so the wait runs to the step's completion "
    "(it includes the processing time)"
)


def _wait(seconds: float, upper_bound: bool) -> str:
    return human_duration(seconds) + ("*" if upper_bound else "")


def _share(value: float | None) -> str:
    return "-" if value is None else f"{value:.1%}"


def _activity_cells(a: ActivityBottleneck) -> list[str]:
    return [
        a.activity,
        f"{a.frequency:,}",
        _wait(a.mean_wait_s, a.wait_is_upper_bound),
        _wait(a.p90_wait_s, a.wait_is_upper_bound),
        human_duration(a.mean_processing_s),
        human_duration(a.time_lost_s),
        _share(a.share_of_case_time),
    ]


def _path_cells(p: PathBottleneck) -> list[str]:
    return [
        p.source,
        p.target,
        f"{p.frequency:,}",
        _wait(p.mean_wait_s, p.wait_is_upper_bound),
        _wait(p.p90_wait_s, p.wait_is_upper_bound),
        human_duration(p.time_lost_s),
        _share(p.share_of_case_time),
    ]


def print_bottlenecks(found: Bottlenecks, *, top: int = 20, paths: bool = False) -> None:
    """Activities (or paths) ranked by time lost, with their waits and processing times."""
    what = "paths" if paths else "activities"
    cells = (
        [_path_cells(p) for p in found.paths]
        if paths
        else [_activity_cells(a) for a in found.activities]
    )
    names = ["from", "to"] if paths else ["activity"]
    processing = [] if paths else ["mean processing"]
    table = Table(
        title=f"Bottlenecks of {found.provenance.dataset_name}: {len(cells):,} {what}, "
        f"{found.cases:,} cases, {found.basis} time"
    )
    for col in [
        "#",
        *names,
        "frequency",
        "mean wait",
        "p90 wait",
        *processing,
        "time lost",
        "share",
    ]:
        table.add_column(col, justify="left" if col in ("from", "to", "activity") else "right")
    for rank, row in enumerate(cells[:top], start=1):
        table.add_row(str(rank), *row)
    _out.print(table)
    if len(cells) > top:
        _out.print(f"  ... {len(cells) - top} more {what} (all of them with --json)")
    if any("*" in cell for row in cells[:top] for cell in row[len(names) + 1 : len(names) + 3]):
        _out.print(_UPPER_BOUND_NOTE)


def print_bottleneck_trend(trend: BottleneckTrend, *, top: int = 5) -> None:
    """Per period, the waits of the activities losing the most time overall."""
    kept = trend.top(top)
    table = Table(
        title=f"Waits per {dict(D='day', W='week', M='month')[trend.freq]} in "
        f"{trend.provenance.dataset_name} ({trend.basis} time, top {top} activities)"
    )
    for col in ("period", "activity", "steps", "mean wait", "p90 wait", "time lost"):
        table.add_column(col, justify="left" if col in ("period", "activity") else "right")
    for p in kept.points:
        table.add_row(
            p.period.isoformat(),
            p.activity,
            f"{p.frequency:,}",
            human_duration(p.mean_wait_s),
            human_duration(p.p90_wait_s),
            human_duration(p.time_lost_s),
        )
    _out.print(table)

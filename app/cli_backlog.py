"""The ``hyperpath backlog`` command's flags, JSON document and human output.

Imports: argparse, rich, app.cli_render, mining result types (for type hints).
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from rich.table import Table

from app.cli_render import _out, human_duration

if TYPE_CHECKING:
    from mining.backlog import Backlog
    from mining.queues import StepQueues

_UNIT = {"D": "day", "W": "week", "M": "month"}


def add_backlog_arguments(p: argparse.ArgumentParser) -> None:
    """The flags of ``hyperpath backlog`` beyond the shared filters."""
    p.add_argument(
        "--freq",
        type=str.upper,
        choices=("D", "W", "M"),
        default="W",
        help="period: D day, W ISO week (from Monday), M month; UTC (default W)",
    )
    p.add_argument(
        "--end-activity",
        action="append",
        default=[],
        metavar="ACTIVITY",
        help="an activity that completes a case (repeatable; default: those ending >= 5%% of cases)",
    )
    p.add_argument(
        "--last",
        type=int,
        default=12,
        metavar="N",
        help="trend over the last N periods (default 12)",
    )
    p.add_argument(
        "--open-cases",
        type=int,
        default=100,
        metavar="N",
        help="list at most N open cases, oldest first (default 100)",
    )
    p.add_argument(
        "--queues",
        action="store_true",
        help="also count the cases waiting before each activity at each period end",
    )
    p.add_argument(
        "--queue-activity",
        action="append",
        default=[],
        metavar="ACTIVITY",
        help="queues only before this activity (repeatable; implies --queues)",
    )
    p.add_argument(
        "--limit", type=int, default=24, help="periods in the human table (JSON has all)"
    )


def backlog_document(backlog: Backlog, queues: StepQueues | None) -> dict[str, Any]:
    """The JSON shape of ``hyperpath backlog --json`` (CLI contract, plus extra keys)."""
    document = backlog.to_dict()
    if queues is not None:
        document["queues"] = queues.to_dict()
    return document


def print_backlog(backlog: Backlog, queues: StepQueues | None, *, limit: int = 24) -> None:
    """The last periods as a table, then the backlog at the end of the log, its age and trend."""
    unit = _UNIT[backlog.freq]
    name = backlog.provenance.dataset_name
    shown = backlog.periods[-limit:] if limit > 0 else ()
    table = Table(title=f"Backlog of {name} per {unit} (UTC)")
    for col in (unit, "open at start", "arrivals", "completions", "net", "open at end"):
        table.add_column(col, justify="left" if col == unit else "right")
    for p in shown:
        table.add_row(
            p.start.date().isoformat(),
            f"{p.open_at_start:,}",
            f"{p.arrivals:,}",
            f"{p.completions:,}",
            f"{p.net_flow:+,}",
            f"{p.open_at_end:,}",
        )
    _out.print(table)
    if len(backlog.periods) > len(shown):
        _out.print(f"  ... {len(backlog.periods) - len(shown)} earlier {unit}s (all with --json)")
    for line in summary_lines(backlog):
        _out.print(line)
    if queues is not None:
        print_queues(queues)


def summary_lines(backlog: Backlog) -> list[str]:
    """The summary under the table, one line per figure."""
    if backlog.end_of_log is None:
        return ["  no case selected"]
    unit = _UNIT[backlog.freq]
    end = backlog.end_of_log.strftime("%Y-%m-%d %H:%M")
    lines = [
        f"  open at the end of the log ({end} UTC): {backlog.open_at_end_of_log:,} "
        f"of {backlog.cases:,} cases ({backlog.completed:,} completed)",
        "  end activities: " + ", ".join(backlog.end_activities),
    ]
    ages = backlog.ages
    if ages.cases:
        buckets = ", ".join(f"{b.label}: {b.cases:,}" for b in ages.buckets)
        lines.append(
            f"  age of the open cases: {buckets}; median {human_duration(ages.median_s)}, "
            f"p90 {human_duration(ages.p90_s)}"
        )
    law = backlog.littles_law
    if law is not None and law.mean_wip is not None and law.predicted_wip is not None:
        lines.append(
            f"  Little's law: mean open {law.mean_wip:,.1f} vs arrivals {law.arrival_rate_per_day:,.2f}/day"
            f" × mean cycle time {human_duration(law.mean_cycle_time_s)} = {law.predicted_wip:,.1f}"
            f" (ratio {law.ratio:.2f})"
        )
    trend = backlog.trend
    if trend.direction is not None and trend.slope_per_period is not None:
        lines.append(
            f"  trend over the last {trend.periods} {unit}s: {trend.direction} "
            f"({trend.change:+,} cases, {trend.slope_per_period:+,.1f} per {unit})"
        )
    for case in backlog.open_cases[:5]:
        lines.append(
            f"  open: {case.case_id} since {case.arrival.date().isoformat()} "
            f"({human_duration(case.age_s)}), last step {case.last_activity}"
        )
    return lines


def print_queues(queues: StepQueues, *, limit: int = 10) -> None:
    """The longest queues before activities (mean over the periods), with their peak."""
    unit = _UNIT[queues.freq]
    table = Table(title=f"Cases waiting before each activity at the end of each {unit}")
    for col in ("activity", "waits", f"mean per {unit}", "max", "peak"):
        table.add_column(col, justify="left" if col in ("activity", "peak") else "right")
    for q in queues.queues[:limit]:
        table.add_row(
            q.activity,
            f"{q.waits:,}",
            f"{q.mean_waiting:,.1f}",
            f"{q.max_waiting:,}",
            "" if q.peak_start is None else q.peak_start.date().isoformat(),
        )
    _out.print(table)
    if len(queues.queues) > limit:
        _out.print(f"  ... {len(queues.queues) - limit} more activities (all with --json)")

"""Builders for the Bottlenecks page: findings, the ranked table, the wait/processing bars, the trend.

Durations in calendar time show in the largest fitting unit; in working time
they show in working hours (a "day" of working time would be ambiguous).
Waits measured to a completion because the log has no start time are upper
bounds: the table marks them "at most".

Imports: csv, plotly, dash, dash-bootstrap-components, eventlogs.datasets, mining (results), app.
"""

from __future__ import annotations

import csv
import io
from dataclasses import fields

import dash_bootstrap_components as dbc
import plotly.graph_objects as go
from dash import html

from app.components.common import duration, escape_label, fmt, placeholder, share
from eventlogs.datasets import neutralise_cell
from mining.bottlenecks import ActivityBottleneck, Bottlenecks, BottleneckTrend
from mining.calendar import TimeBasis
from mining.findings import Findings

BARS_SHOWN = 15  # activities in the stacked bar chart
TREND_SHOWN = 5  # activities in the trend chart
_WAIT_COLOUR, _WORK_COLOUR = "#d63384", "#0d6efd"
_HEADER = (
    "Activity",
    "Steps",
    "Mean wait",
    "P90 wait",
    "Mean processing",
    "Time lost",
    "Share of case time",
    "Wait measured",
)


def span(seconds: float | None, basis: TimeBasis) -> str:
    """A duration for the table: human units in calendar time, working hours in working time.

    >>> span(5400, "calendar"), span(5400, "working"), span(None, "working")
    ('1.5 h', '1.5 working h', '–')
    """
    if seconds is None:
        return "–"
    return duration(seconds) if basis == "calendar" else f"{seconds / 3600:,.1f} working h"


def findings_list(found: Findings) -> html.Div | html.P:
    """The findings as a short list of sentences, most important first."""
    if not found.findings:
        return placeholder("No finding stands out for this selection.")
    return html.Div(
        [
            html.H2("Findings", className="h5"),
            html.Ul([html.Li(text) for text in found.texts()], className="mb-0"),
        ],
        className="border rounded p-3 bg-body-tertiary",
    )


def _measured(row: ActivityBottleneck) -> html.Span | str:
    if row.waits == 0:
        return "no wait"
    if not row.wait_is_upper_bound:
        return "exactly"
    return html.Span(
        f"at most ({row.upper_bound_waits:,} of {row.waits:,})",
        className="badge text-bg-warning fw-normal",
        title="Measured to the step's completion: the log has no start time for these steps",
    )


def _row(row: ActivityBottleneck, basis: TimeBasis) -> html.Tr:
    cells = [
        row.activity,
        fmt(row.frequency),
        span(row.mean_wait_s, basis),
        span(row.p90_wait_s, basis),
        span(row.mean_processing_s, basis),
        span(row.time_lost_s, basis),
        "–" if row.share_of_case_time is None else share(row.share_of_case_time),
    ]
    return html.Tr([html.Td(c) for c in cells] + [html.Td(_measured(row))])


def bottleneck_table(result: Bottlenecks) -> html.Div | html.P:
    """Activities ranked by time lost (the sum of the waits before them), most first."""
    if not result.activities:
        return placeholder("No step in this selection.")
    head = html.Thead(html.Tr([html.Th(h, scope="col") for h in _HEADER]))
    body = html.Tbody([_row(a, result.basis) for a in result.activities])
    note = (
        "Waits marked “at most” run to the step's completion because the log has no start "
        "time for them: the true wait is shorter."
        if result.wait_is_upper_bound
        else "Every wait runs to the start of the step."
    )
    return html.Div(
        [
            html.P(note, className="small text-body-secondary mb-1"),
            dbc.Table([head, body], size="sm", striped=True, hover=True, responsive=True),
        ]
    )


def summary(result: Bottlenecks, describe: str) -> str:
    """'1,434 cases · 36 days of waiting in all · calendar time'."""
    lost = sum(a.time_lost_s for a in result.activities)
    basis = "calendar time" if result.basis == "calendar" else f"working time ({describe})"
    return f"{result.cases:,} cases · {span(lost, result.basis)} of waiting in all · {basis}"


def _unit(seconds: list[float], basis: TimeBasis) -> tuple[float, str]:
    """(seconds per unit, unit name) for a chart axis."""
    if basis == "working":
        return 3600.0, "working hours"
    return (86400.0, "days") if max(seconds, default=0) >= 3 * 86400 else (3600.0, "hours")


def wait_processing_figure(result: Bottlenecks) -> go.Figure:
    """Mean wait before and mean processing of each step, stacked, for the top activities."""
    rows = list(result.activities[:BARS_SHOWN])[::-1]  # plotly draws the first bar at the bottom
    names = [escape_label(a.activity) for a in rows]
    size, unit = _unit([a.mean_wait_s + (a.mean_processing_s or 0) for a in rows], result.basis)
    figure = go.Figure(
        [
            go.Bar(
                name="waiting",
                y=names,
                x=[a.mean_wait_s / size for a in rows],
                orientation="h",
                marker_color=_WAIT_COLOUR,
                hovertemplate=f"%{{y}}: waits %{{x:.2f}} {unit}<extra></extra>",
            ),
            go.Bar(
                name="processing",
                y=names,
                x=[(a.mean_processing_s or 0) / size for a in rows],
                orientation="h",
                marker_color=_WORK_COLOUR,
                hovertemplate=f"%{{y}}: processing %{{x:.2f}} {unit}<extra></extra>",
            ),
        ]
    )
    figure.update_layout(
        barmode="stack",
        height=max(260, 28 * len(rows) + 90),
        margin={"l": 10, "r": 10, "t": 30, "b": 40},
        plot_bgcolor="white",
        legend={"orientation": "h", "y": 1.08},
        xaxis={"title": f"Mean per step ({unit})", "gridcolor": "#e9ecef"},
        yaxis={"automargin": True},
    )
    return figure


def trend_figure(trend: BottleneckTrend) -> go.Figure:
    """Mean wait per period of the activities losing the most time (one line each)."""
    top = trend.top(TREND_SHOWN)
    names = list(dict.fromkeys(p.activity for p in top.points))
    waits = [p.mean_wait_s or 0.0 for p in top.points]
    size, unit = _unit(waits, trend.basis)
    figure = go.Figure()
    for name in names:
        points = top.activity(name)
        figure.add_trace(
            go.Scatter(
                name=escape_label(name),
                x=[p.period for p in points],
                y=[None if p.mean_wait_s is None else p.mean_wait_s / size for p in points],
                mode="lines+markers",
                hovertemplate=f"%{{x}}: mean wait %{{y:.2f}} {unit}<extra>%{{fullData.name}}</extra>",
            )
        )
    period = {"D": "day", "W": "week", "M": "month"}[trend.freq]
    figure.update_layout(
        height=320,
        margin={"l": 50, "r": 10, "t": 10, "b": 40},
        plot_bgcolor="white",
        xaxis={"title": f"{period.title()} (local time of the step)", "gridcolor": "#e9ecef"},
        yaxis={"title": f"Mean wait ({unit})", "gridcolor": "#e9ecef", "rangemode": "tozero"},
    )
    return figure


def metrics_csv(result: Bottlenecks) -> str:
    """The ranked table as CSV (every field of a row; text cells defused for spreadsheets)."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=[f.name for f in fields(ActivityBottleneck)])
    writer.writeheader()
    for row in result.to_list():
        writer.writerow(
            {k: neutralise_cell(v) if isinstance(v, str) else v for k, v in row.items()}
        )
    return out.getvalue()

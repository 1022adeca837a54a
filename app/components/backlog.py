"""Builders for the Backlog page: open cases with arrivals and completions, ages, open cases,
Little's law with the trend sentence, and the queues before each step.

Imports: plotly, dash, dash-bootstrap-components, mining (results), app.components.common.
"""

from __future__ import annotations

import plotly.graph_objects as go
from dash import html
from plotly.subplots import make_subplots

from app.components.common import (
    Cell,
    duration,
    escape_label,
    key_values,
    placeholder,
    plural,
    table,
    timestamp,
)
from mining.backlog import Backlog
from mining.queues import StepQueues

QUEUES_SHOWN = 10  # steps in the queue heatmap
OPEN_SHOWN = 100  # open cases listed
_UNIT = {"D": "day", "W": "week", "M": "month"}


def backlog_figure(backlog: Backlog) -> go.Figure:
    """Open cases at the end of each period (line, above) and arrivals vs completions (bars, below)."""
    starts = [p.start for p in backlog.periods]
    figure = make_subplots(rows=2, cols=1, shared_xaxes=True, vertical_spacing=0.08)
    figure.add_trace(
        go.Scatter(
            name="open cases",
            x=starts,
            y=[p.open_at_end for p in backlog.periods],
            mode="lines+markers" if len(starts) <= 60 else "lines",
            line={"color": "#6f42c1", "width": 2},
            hovertemplate="%{x|%Y-%m-%d}: %{y:,} open at the end<extra></extra>",
        ),
        row=1,
        col=1,
    )
    for name, values, colour in (
        ("arrivals", [p.arrivals for p in backlog.periods], "#0d6efd"),
        ("completions", [p.completions for p in backlog.periods], "#198754"),
    ):
        figure.add_trace(
            go.Bar(
                name=name,
                x=starts,
                y=values,
                marker_color=colour,
                hovertemplate=f"%{{x|%Y-%m-%d}}: %{{y:,}} {name}<extra></extra>",
            ),
            row=2,
            col=1,
        )
    unit = _UNIT[backlog.freq]
    figure.update_layout(
        barmode="group",
        height=460,
        margin={"l": 50, "r": 10, "t": 30, "b": 40},
        plot_bgcolor="white",
        legend={"orientation": "h", "y": 1.08},
    )
    figure.update_yaxes(title_text="Open cases", row=1, col=1, gridcolor="#e9ecef")
    figure.update_yaxes(title_text=f"Cases per {unit}", row=2, col=1, gridcolor="#e9ecef")
    figure.update_xaxes(title_text=f"{unit.title()} (UTC)", row=2, col=1)
    return figure


def ages_figure(backlog: Backlog) -> go.Figure:
    """How long the cases open at the end of the log have been open, by age band."""
    buckets = backlog.ages.buckets
    figure = go.Figure(
        go.Bar(
            name="open cases by age",
            x=[b.label for b in buckets],
            y=[b.cases for b in buckets],
            marker_color="#6f42c1",
            hovertemplate="%{x}: %{y:,} open cases<extra></extra>",
        )
    )
    figure.update_layout(
        height=280,
        margin={"l": 50, "r": 10, "t": 10, "b": 40},
        plot_bgcolor="white",
        xaxis={"title": "Age at the end of the log"},
        yaxis={"title": "Open cases", "gridcolor": "#e9ecef"},
    )
    return figure


def trend_sentence(backlog: Backlog) -> str:
    """'Over the last 12 weeks the backlog is growing: 40 → 52 open cases (+12, +0.9 a week).'"""
    t, unit = backlog.trend, _UNIT[backlog.freq]
    if t.direction is None or t.first is None or t.last is None:
        return "Too few periods to tell a trend."
    slope = t.slope_per_period or 0.0
    return (
        f"Over the last {plural(t.periods, unit)} the backlog is {t.direction}: "
        f"{t.first:,} → {t.last:,} open cases ({t.change:+,}, {slope:+,.1f} a {unit})."
    )


def littles_law_panel(backlog: Backlog) -> html.Div:
    """Little's law (mean WIP against arrival rate × cycle time) and the trend sentence."""
    law = backlog.littles_law
    sentence = html.P(trend_sentence(backlog), className="mb-2")
    if law is None:
        return html.Div([sentence, placeholder("Little's law needs at least one case.")])
    rows: list[tuple[str, Cell]] = [
        ("Mean open cases over the log", _number(law.mean_wip)),
        ("Arrivals per day", _number(law.arrival_rate_per_day)),
        ("Mean cycle time (completed cases)", duration(law.mean_cycle_time_s)),
        ("Predicted open cases (rate × cycle time)", _number(law.predicted_wip)),
        ("Ratio observed / predicted", _number(law.ratio)),
    ]
    return html.Div([sentence, key_values(rows, caption="Little's law")])


def _number(value: float | None) -> str:
    return "–" if value is None else f"{value:,.2f}"


def open_cases_table(backlog: Backlog) -> html.Div | html.P:
    """The cases open at the end of the log, oldest first (at most the first 100)."""
    shown = backlog.open_cases[:OPEN_SHOWN]
    if not shown:
        return placeholder("No case is open at the end of the log.")
    note = plural(backlog.open_at_end_of_log, "open case") + (
        f", the {len(shown)} oldest shown" if len(shown) < backlog.open_at_end_of_log else ""
    )
    rows = [(c.case_id, timestamp(c.arrival), c.last_activity, duration(c.age_s)) for c in shown]
    return html.Div(
        [
            html.P(note, className="small text-body-secondary mb-1"),
            table(["Case", "Arrived (UTC)", "Last activity", "Age"], rows),
        ]
    )


def backlog_summary(backlog: Backlog) -> str:
    """'52 of 1,434 cases open at the end of the log (2012-03-14 16:04 UTC); ends: A, B'."""
    if backlog.end_of_log is None:
        return "No case in this selection."
    return (
        f"{backlog.open_at_end_of_log:,} of {plural(backlog.cases, 'case')} open at the end of the "
        f"log ({timestamp(backlog.end_of_log)} UTC) · a case is complete when it ends with: "
        + ", ".join(backlog.end_activities)
    )


def queues_figure(queues: StepQueues) -> go.Figure:
    """Cases waiting before each of the steps with the longest queues, at each period end."""
    shown = queues.queues[:QUEUES_SHOWN]
    figure = go.Figure(
        go.Heatmap(
            name="queues",
            x=list(queues.periods),
            y=[escape_label(q.activity) for q in shown],
            z=[list(q.waiting) for q in shown],
            colorscale="Purples",
            colorbar={"title": {"text": "waiting"}},
            hovertemplate="%{y}, end of %{x|%Y-%m-%d}: %{z:,} waiting<extra></extra>",
        )
    )
    figure.update_layout(
        height=max(240, 30 * len(shown) + 110),
        margin={"l": 10, "r": 10, "t": 10, "b": 40},
        plot_bgcolor="white",
        xaxis={"title": f"{_UNIT[queues.freq].title()} (UTC)"},
        yaxis={"automargin": True, "autorange": "reversed"},
    )
    return figure

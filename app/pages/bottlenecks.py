"""Bottlenecks: findings, activities ranked by time lost, waiting against processing, the trend.

Three background jobs, each cached per (dataset, filter, parameters): the
findings (they compute several metric families), the ranked table with its
chart, and the trend. Waits are in calendar time or in the working time of the
default ``WorkingCalendar`` (Mon-Fri 09:00-17:00, England's holidays).

Imports: dash, dash-bootstrap-components, mining, app.
"""

from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
from dash import Input, Output, State, callback, dcc, html
from dash.exceptions import PreventUpdate

from app import ids
from app.alerts import job
from app.components.bottlenecks import (
    bottleneck_table,
    findings_list,
    metrics_csv,
    summary,
    trend_figure,
    wait_processing_figure,
)
from app.components.common import busy_bar, empty_figure, placeholder
from app.settings import Settings
from app.urlstate import parse_search
from app.workspace import current_settings, memoize, open_workspace
from mining.calendar import TimeBasis, WorkingCalendar
from mining.filters import LogFilter

PATH = "/bottlenecks"
NAME = "Bottlenecks"
ORDER = 3
NO_DATASET = "Choose a dataset in the filter bar (or load one on the Datasets page)."


def _radio(label: str, radio_id: str, value: str, options: list[tuple[str, str]]) -> list[Any]:
    return [
        dbc.Label(label, html_for=radio_id, className="small mb-0 d-block"),
        dbc.RadioItems(
            id=radio_id,
            value=value,
            inline=True,
            options=[{"label": text, "value": v} for text, v in options],
        ),
    ]


def _controls() -> dbc.Row:
    working = f"Working time ({WorkingCalendar().describe()})"
    basis = [("Calendar time", "calendar"), (working, "working")]
    download = dbc.Button(
        "Metrics CSV", id=ids.BN_DOWNLOAD_CSV, outline=True, color="primary", size="sm"
    )
    return dbc.Row(
        [
            dbc.Col(_radio("Measure waits in", ids.BN_BASIS, "calendar", basis), md=6),
            dbc.Col(_radio("Trend per", ids.BN_FREQ, "W", [("Week", "W"), ("Month", "M")]), md=3),
            dbc.Col(download, md=3, className="text-md-end"),
        ],
        className="g-3 align-items-end mb-2",
    )


def layout(**_query: str) -> html.Div:
    """Controls, findings, the ranked table, the wait/processing chart and the trend."""
    return html.Div(
        [
            html.H1("Bottlenecks", className="h3 mb-3"),
            _controls(),
            html.P(id=ids.BN_SUMMARY, className="small text-body-secondary mb-2", role="status"),
            busy_bar(ids.BN_FINDINGS_PROGRESS, "Computing the findings"),
            html.Div(id=ids.BN_FINDINGS, className="mb-3"),
            busy_bar(ids.BN_PROGRESS, "Computing the bottlenecks"),
            html.H2("Activities by time lost", className="h5"),
            html.Div(id=ids.BN_TABLE),
            html.H2("Waiting and processing per step", className="h5 mt-3"),
            dcc.Graph(
                id=ids.BN_BARS, figure=empty_figure("Loading…"), config={"displaylogo": False}
            ),
            html.H2("Trend of the waits", className="h5 mt-3"),
            busy_bar(ids.BN_TREND_PROGRESS, "Computing the trend"),
            dcc.Graph(
                id=ids.BN_TREND, figure=empty_figure("Loading…"), config={"displaylogo": False}
            ),
            dcc.Download(id=ids.BN_DOWNLOAD),
        ]
    )


def _basis(value: str | None) -> TimeBasis:
    return "working" if value == "working" else "calendar"


def compute_table(
    settings: Settings, dataset: str, log_filter: LogFilter, basis: TimeBasis
) -> tuple[Any, Any, str]:
    """The ranked table, the stacked bar chart and the summary line."""
    from mining.bottlenecks import compute_bottlenecks

    calendar = WorkingCalendar()
    with open_workspace(settings) as con:
        found = compute_bottlenecks(
            con, dataset, log_filter=log_filter, basis=basis, calendar=calendar
        )
    return (
        bottleneck_table(found),
        wait_processing_figure(found),
        summary(found, calendar.describe()),
    )


@callback(
    Output(ids.BN_TABLE, "children"),
    Output(ids.BN_BARS, "figure"),
    Output(ids.BN_SUMMARY, "children"),
    Input(ids.URL, "search"),
    Input(ids.BN_BASIS, "value"),
    background=True,
    running=[(Output(ids.BN_PROGRESS, "hidden"), False, True)],
    interval=250,
)
@job
def draw_bottlenecks(search: str | None, basis: str) -> tuple[Any, Any, str]:
    """The ranked activities of the URL's dataset and filter, in the chosen time basis."""
    dataset, log_filter = parse_search(search)
    if dataset is None:
        return placeholder(NO_DATASET), empty_figure(NO_DATASET), NO_DATASET
    settings = current_settings()
    key = ("bottlenecks", dataset, log_filter.to_query(), _basis(basis))
    return memoize(
        settings, key, lambda: compute_table(settings, dataset, log_filter, _basis(basis))
    )


def compute_findings_list(
    settings: Settings, dataset: str, log_filter: LogFilter, basis: TimeBasis
) -> Any:
    """The findings (bottlenecks, backlog, rework, variants, automation) as sentences."""
    from mining.findings import compute_findings

    with open_workspace(settings) as con:
        found = compute_findings(
            con, dataset, log_filter=log_filter, basis=basis, calendar=WorkingCalendar()
        )
    return findings_list(found)


@callback(
    Output(ids.BN_FINDINGS, "children"),
    Input(ids.URL, "search"),
    Input(ids.BN_BASIS, "value"),
    background=True,
    running=[(Output(ids.BN_FINDINGS_PROGRESS, "hidden"), False, True)],
    interval=250,
)
@job
def draw_findings(search: str | None, basis: str) -> Any:
    """The findings of the URL's dataset and filter."""
    dataset, log_filter = parse_search(search)
    if dataset is None:
        return placeholder(NO_DATASET)
    settings = current_settings()
    key = ("findings", dataset, log_filter.to_query(), _basis(basis))
    return memoize(
        settings, key, lambda: compute_findings_list(settings, dataset, log_filter, _basis(basis))
    )


def compute_trend(
    settings: Settings, dataset: str, log_filter: LogFilter, basis: TimeBasis, freq: str
) -> Any:
    """The trend chart of the mean waits of the activities losing the most time."""
    from mining.bottlenecks import compute_bottleneck_trend

    with open_workspace(settings) as con:
        trend = compute_bottleneck_trend(
            con,
            dataset,
            freq="M" if freq == "M" else "W",
            log_filter=log_filter,
            basis=basis,
            calendar=WorkingCalendar(),
        )
    return trend_figure(trend)


@callback(
    Output(ids.BN_TREND, "figure"),
    Input(ids.URL, "search"),
    Input(ids.BN_BASIS, "value"),
    Input(ids.BN_FREQ, "value"),
    background=True,
    running=[(Output(ids.BN_TREND_PROGRESS, "hidden"), False, True)],
    interval=250,
)
@job
def draw_trend(search: str | None, basis: str, freq: str) -> Any:
    """Mean wait per week or month of the top activities."""
    dataset, log_filter = parse_search(search)
    if dataset is None:
        return empty_figure(NO_DATASET)
    settings = current_settings()
    key = ("bottleneck-trend", dataset, log_filter.to_query(), _basis(basis), freq)
    return memoize(
        settings, key, lambda: compute_trend(settings, dataset, log_filter, _basis(basis), freq)
    )


def metrics_csv_of(
    settings: Settings, dataset: str, log_filter: LogFilter, basis: TimeBasis
) -> str:
    """The ranked table as CSV text."""
    from mining.bottlenecks import compute_bottlenecks

    with open_workspace(settings) as con:
        found = compute_bottlenecks(
            con, dataset, log_filter=log_filter, basis=basis, calendar=WorkingCalendar()
        )
    return metrics_csv(found)


@callback(
    Output(ids.BN_DOWNLOAD, "data"),
    Input(ids.BN_DOWNLOAD_CSV, "n_clicks"),
    State(ids.URL, "search"),
    State(ids.BN_BASIS, "value"),
    prevent_initial_call=True,
)
def download_metrics(clicks: int | None, search: str | None, basis: str) -> dict[str, Any]:
    """The ranked table as CSV."""
    dataset, log_filter = parse_search(search)
    if dataset is None or not clicks:
        raise PreventUpdate
    settings, chosen = current_settings(), _basis(basis)
    content = memoize(
        settings,
        ("bottlenecks-csv", dataset, log_filter.to_query(), chosen),
        lambda: metrics_csv_of(settings, dataset, log_filter, chosen),
    )
    return dcc.send_string(content, f"bottlenecks-{dataset}-{chosen}.csv")

"""Backlog: open cases over time with arrivals and completions, their ages, Little's law, queues.

Two background jobs, each cached per (dataset, filter, period): the backlog
(chart, ages, open cases, Little's law and trend) and the queues before each
step. Periods are days, ISO weeks or months in UTC.

Imports: dash, dash-bootstrap-components, mining, app.
"""

from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
from dash import Input, Output, callback, dcc, html

from app import ids
from app.alerts import job
from app.components.backlog import (
    ages_figure,
    backlog_figure,
    backlog_summary,
    littles_law_panel,
    open_cases_table,
    queues_figure,
)
from app.components.common import busy_bar, empty_figure, placeholder
from app.settings import Settings
from app.urlstate import parse_search
from app.workspace import current_settings, memoize, open_workspace
from mining.filters import LogFilter

PATH = "/backlog"
NAME = "Backlog"
ORDER = 4
NO_DATASET = "Choose a dataset in the filter bar (or load one on the Datasets page)."
_FREQS = ("D", "W", "M")


def _graph(graph_id: str) -> dcc.Graph:
    return dcc.Graph(id=graph_id, figure=empty_figure("Loading…"), config={"displaylogo": False})


def layout(**_query: str) -> html.Div:
    """The period toggle, the backlog chart, ages and Little's law, open cases, step queues."""
    freq = [
        dbc.Label("Periods", html_for=ids.BACKLOG_FREQ, className="small mb-0 d-block"),
        dbc.RadioItems(
            id=ids.BACKLOG_FREQ,
            value="W",
            inline=True,
            options=[
                {"label": "Days", "value": "D"},
                {"label": "Weeks", "value": "W"},
                {"label": "Months", "value": "M"},
            ],
        ),
    ]
    return html.Div(
        [
            html.H1("Backlog", className="h3 mb-3"),
            html.Div(freq, className="mb-2"),
            html.P(id=ids.BACKLOG_SUMMARY, className="small text-body-secondary", role="status"),
            busy_bar(ids.BACKLOG_PROGRESS, "Computing the backlog"),
            html.H2("Open cases, arrivals and completions", className="h5"),
            _graph(ids.BACKLOG_CHART),
            dbc.Row(
                [
                    dbc.Col(
                        [
                            html.H2("Age of the open cases", className="h5"),
                            _graph(ids.BACKLOG_AGES),
                        ],
                        lg=6,
                    ),
                    dbc.Col(
                        [
                            html.H2("Trend and Little's law", className="h5"),
                            html.Div(id=ids.BACKLOG_LAW),
                        ],
                        lg=6,
                    ),
                ],
                className="mt-3",
            ),
            html.H2("Open cases at the end of the log", className="h5 mt-3"),
            html.Div(id=ids.BACKLOG_OPEN),
            html.H2("Cases waiting before each step", className="h5 mt-3"),
            busy_bar(ids.BACKLOG_QUEUES_PROGRESS, "Computing the queues"),
            _graph(ids.BACKLOG_QUEUES),
        ]
    )


def _freq(value: str | None) -> str:
    return value if value in _FREQS else "W"


def compute_backlog_view(
    settings: Settings, dataset: str, log_filter: LogFilter, freq: str
) -> tuple[Any, ...]:
    """The backlog chart, the ages chart, Little's law, the open cases and the summary."""
    from mining.backlog import compute_backlog

    with open_workspace(settings) as con:
        backlog = compute_backlog(con, dataset, freq=freq, log_filter=log_filter)
    return (
        backlog_figure(backlog),
        ages_figure(backlog),
        littles_law_panel(backlog),
        open_cases_table(backlog),
        backlog_summary(backlog),
    )


@callback(
    Output(ids.BACKLOG_CHART, "figure"),
    Output(ids.BACKLOG_AGES, "figure"),
    Output(ids.BACKLOG_LAW, "children"),
    Output(ids.BACKLOG_OPEN, "children"),
    Output(ids.BACKLOG_SUMMARY, "children"),
    Input(ids.URL, "search"),
    Input(ids.BACKLOG_FREQ, "value"),
    background=True,
    running=[(Output(ids.BACKLOG_PROGRESS, "hidden"), False, True)],
    interval=250,
)
@job
def draw_backlog(search: str | None, freq: str) -> tuple[Any, ...]:
    """The backlog of the URL's dataset and filter per day, week or month."""
    dataset, log_filter = parse_search(search)
    if dataset is None:
        empty = empty_figure(NO_DATASET)
        return empty, empty, placeholder(NO_DATASET), placeholder(NO_DATASET), NO_DATASET
    settings = current_settings()
    key = ("backlog", dataset, log_filter.to_query(), _freq(freq))
    return memoize(
        settings, key, lambda: compute_backlog_view(settings, dataset, log_filter, _freq(freq))
    )


def compute_queues(settings: Settings, dataset: str, log_filter: LogFilter, freq: str) -> Any:
    """The heatmap of the cases waiting before the steps with the longest queues."""
    from mining.queues import compute_step_queues

    with open_workspace(settings) as con:
        queues = compute_step_queues(con, dataset, freq=freq, log_filter=log_filter)
    if not queues.queues:
        return empty_figure("No case waits before any step in this selection.")
    return queues_figure(queues)


@callback(
    Output(ids.BACKLOG_QUEUES, "figure"),
    Input(ids.URL, "search"),
    Input(ids.BACKLOG_FREQ, "value"),
    background=True,
    running=[(Output(ids.BACKLOG_QUEUES_PROGRESS, "hidden"), False, True)],
    interval=250,
)
@job
def draw_queues(search: str | None, freq: str) -> Any:
    """Cases waiting before each step at the end of each period."""
    dataset, log_filter = parse_search(search)
    if dataset is None:
        return empty_figure(NO_DATASET)
    settings = current_settings()
    key = ("queues", dataset, log_filter.to_query(), _freq(freq))
    return memoize(
        settings, key, lambda: compute_queues(settings, dataset, log_filter, _freq(freq))
    )

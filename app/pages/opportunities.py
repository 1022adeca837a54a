"""Opportunities: the ranked steps with their class, the value-versus-ease quadrant, why a step got its class.

The scoring runs the whole evidence chain (tens of seconds on a large log), so
it is a background job with progress, kept in the result cache per (dataset,
filter); clicking a step or a point only reads the cached report.

Imports: dash, dash-bootstrap-components, opportunity, app.
"""

from __future__ import annotations

import json
from typing import Any

from dash import ALL, Input, Output, State, callback, ctx, dcc, html
from dash.exceptions import PreventUpdate

from app import ids
from app.alerts import job
from app.components.business_case import as_mapping
from app.components.common import aria, empty_figure, placeholder
from app.components.opportunities import (
    opportunity_grid,
    opportunity_summary,
    quadrant_figure,
    step_explanation,
)
from app.reports import Progress, current_report
from app.settings import Settings
from app.urlstate import parse_search
from app.workspace import current_settings, memoize
from mining.filters import LogFilter

PATH = "/opportunities"
NAME = "Opportunities"
ORDER = 5
NO_DATASET = "Choose a dataset in the filter bar (or load one on the Datasets page)."


def progress_bar(bar_id: str, stage_id: str, label: str) -> html.Div:
    """A progress bar with its stage, hidden until the job runs (shared by the report pages)."""
    bar = html.Progress(id=bar_id, max=100, className="w-100", **aria(label))
    return html.Div([bar, html.Span(id=stage_id, className="small text-body-secondary")])


def layout(**_query: str) -> html.Div:
    """The summary, the quadrant and the grid, then the chosen step's explanation."""
    return html.Div(
        [
            html.H1("Opportunities", className="h3 mb-3"),
            dcc.Store(id=ids.ASSUMPTIONS_STORE, storage_type="session"),
            html.P(id=ids.OPP_SUMMARY, className="small text-body-secondary", role="status"),
            html.Div(
                progress_bar(ids.OPP_PROGRESS, ids.OPP_STAGE, "Scoring the steps"),
                id="opp-busy",
                hidden=True,
            ),
            dcc.Graph(
                id=ids.OPP_QUADRANT,
                figure=empty_figure("Scoring the steps…"),
                config={"displaylogo": False},
            ),
            html.Div(id=ids.OPP_GRID),
            html.Div(
                id=ids.OPP_DETAIL, children=placeholder("Click a step for how it was scored.")
            ),
        ]
    )


def compute_page(
    settings: Settings,
    dataset: str,
    log_filter: LogFilter,
    overrides: dict,
    progress: Progress | None = None,
) -> tuple[Any, Any, str, Any]:
    """Grid, quadrant, summary and the top step's explanation of a view."""
    report = current_report(settings, dataset, log_filter, overrides, progress)
    opps = report.opportunities
    top = opps.steps[0] if opps.steps else None
    detail = step_explanation(top, sensitivity(settings, dataset, log_filter, overrides))
    return opportunity_grid(opps), quadrant_figure(opps), opportunity_summary(opps), detail


def sensitivity(settings: Settings, dataset: str, log_filter: LogFilter, overrides: dict) -> Any:
    """``compute_sensitivity`` of the view's scores (cached)."""
    from opportunity.sensitivity import compute_sensitivity

    key = ("sensitivity", dataset, log_filter.to_query(), json.dumps(overrides, sort_keys=True))
    return memoize(
        settings,
        key,
        lambda: compute_sensitivity(
            current_report(settings, dataset, log_filter, overrides).opportunities
        ),
    )


@callback(
    Output(ids.OPP_GRID, "children"),
    Output(ids.OPP_QUADRANT, "figure"),
    Output(ids.OPP_SUMMARY, "children"),
    Output(ids.OPP_DETAIL, "children"),
    Input(ids.URL, "search"),
    Input(ids.ASSUMPTIONS_STORE, "data"),
    background=True,
    progress=[Output(ids.OPP_PROGRESS, "value"), Output(ids.OPP_STAGE, "children")],
    running=[(Output("opp-busy", "hidden"), False, True)],
    interval=300,
)
@job
def draw_opportunities(set_progress: Any, search: str | None, stored: Any) -> tuple[Any, ...]:
    """Score the URL's dataset under its filter (or take the cached scores) and draw them."""
    dataset, log_filter = parse_search(search)
    if dataset is None:
        return placeholder(NO_DATASET), empty_figure(NO_DATASET), NO_DATASET, placeholder("")

    def report(stage: str, fraction: float) -> None:
        set_progress((str(round(100 * fraction)), f"{stage} ({fraction:.0%})"))

    settings = current_settings()
    return compute_page(settings, dataset, log_filter, dict(as_mapping(stored)), report)


@callback(
    Output(ids.OPP_DETAIL, "children", allow_duplicate=True),
    Input(ids.opportunity_row(ALL), "n_clicks"),  # type: ignore[arg-type]
    Input(ids.OPP_QUADRANT, "clickData"),
    State(ids.URL, "search"),
    State(ids.ASSUMPTIONS_STORE, "data"),
    prevent_initial_call=True,
)
def show_step(_clicks: list[int], click: dict | None, search: str | None, stored: Any) -> Any:
    """The explanation of the step whose row or point was clicked."""
    dataset, log_filter = parse_search(search)
    trigger = ctx.triggered_id
    if dataset is None or not trigger or not ctx.triggered[0]["value"]:
        raise PreventUpdate
    settings, overrides = current_settings(), dict(as_mapping(stored))
    opps = current_report(settings, dataset, log_filter, overrides).opportunities
    if trigger == ids.OPP_QUADRANT:
        step = opps.get(_clicked_activity(click))
    else:
        step = dict(enumerate(opps.steps)).get(int(trigger["index"]))
    return step_explanation(step, sensitivity(settings, dataset, log_filter, overrides))


def _clicked_activity(click: dict | None) -> str:
    points = (click or {}).get("points") or [{}]
    return str((points[0].get("customdata") or [""])[0])

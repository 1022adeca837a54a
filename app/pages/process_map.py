"""Process map: the directly-follows map with activity and path sliders, click for details, downloads.

The map is computed in a background job and kept in the result cache per
(dataset, filter, sliders, colouring), so moving a slider back is instant.

Imports: dash, dash-bootstrap-components, mining, app.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import dash_bootstrap_components as dbc
from dash import Input, Output, State, callback, ctx, dcc, html
from dash.exceptions import PreventUpdate

from app import ids
from app.alerts import job
from app.components.common import busy_bar, empty_figure, placeholder
from app.components.process_map import activity_detail, map_figure, map_summary, path_detail
from app.settings import Settings
from app.urlstate import parse_search
from app.workspace import current_settings, memoize, open_workspace
from mining.filters import LogFilter

PATH = "/map"
NAME = "Process map"
ORDER = 1
NO_DATASET = "Choose a dataset in the filter bar (or load one on the Datasets page)."


def _slider(label: str, slider_id: str, value: int) -> html.Div:
    return html.Div(
        [
            dbc.Label(label, html_for=slider_id, className="small mb-0"),
            dbc.Input(
                id=slider_id,
                type="range",
                min=5,
                max=100,
                step=5,
                value=value,
                debounce=400,
                class_name="form-range",
            ),
            html.Div(
                [html.Span("5%"), html.Span("100%")],
                className="d-flex justify-content-between small text-body-secondary",
            ),
        ]
    )


def _downloads() -> dbc.ButtonGroup:
    buttons = [
        ("Map SVG", ids.DOWNLOAD_SVG),
        ("Metrics CSV", ids.DOWNLOAD_CSV),
        ("BPMN", ids.DOWNLOAD_BPMN),
    ]
    return dbc.ButtonGroup(
        [dbc.Button(text, id=i, outline=True, color="primary", size="sm") for text, i in buttons],
        className="flex-wrap",
    )


def _controls() -> dbc.Row:
    colouring = dbc.RadioItems(
        id=ids.MAP_COLOR_BY,
        value="frequency",
        inline=True,
        options=[
            {"label": "Frequency", "value": "frequency"},
            {"label": "Performance (mean time)", "value": "performance"},
        ],
    )
    show = [dbc.Label("Show", html_for=ids.MAP_COLOR_BY, className="small mb-0 d-block"), colouring]
    return dbc.Row(
        [
            dbc.Col(show, md=3),
            dbc.Col(_slider("Activities (% of events covered)", ids.MAP_ACTIVITIES, 100), md=3),
            dbc.Col(_slider("Paths (% of path frequency covered)", ids.MAP_PATHS, 80), md=3),
            dbc.Col(_downloads(), md=3, className="text-md-end"),
        ],
        className="g-3 align-items-end",
    )


def layout(**_query: str) -> html.Div:
    """Controls and downloads on top, the map, then the details of what was clicked."""
    controls = _controls()
    return html.Div(
        [
            html.H1("Process map", className="h3 mb-3"),
            controls,
            html.P(
                id=ids.MAP_SUMMARY, className="small text-body-secondary mt-2 mb-1", role="status"
            ),
            busy_bar(ids.MAP_PROGRESS, "Computing the map"),
            dbc.Button(
                "Cancel",
                id=ids.MAP_CANCEL,
                size="sm",
                color="secondary",
                outline=True,
                className="d-none",
            ),
            dcc.Graph(
                id=ids.MAP_GRAPH,
                figure=empty_figure("Loading the map…"),
                config={"displaylogo": False, "scrollZoom": True},
            ),
            html.Div(
                id=ids.MAP_DETAIL,
                children=placeholder("Click a step or a path label for its statistics and cases."),
            ),
            dcc.Download(id=ids.MAP_DOWNLOAD),
        ]
    )


def compute_map(
    settings: Settings,
    dataset: str,
    log_filter: LogFilter,
    activities: float,
    paths: float,
    color_by: str,
) -> tuple[Any, str]:
    """The figure and summary of a map (the public verbs, then the builders)."""
    from mining.dfg import discover_dfg
    from mining.graph import build_process_graph
    from mining.layout import layout_graph
    from mining.simplify import simplify_map

    with open_workspace(settings) as con:
        dfg = discover_dfg(con, dataset, log_filter=log_filter)
    simplified = simplify_map(dfg, activity_share=activities, path_share=paths)
    graph = build_process_graph(simplified)
    return map_figure(graph, layout_graph(graph), color_by=color_by), map_summary(simplified)


@callback(
    Output(ids.MAP_GRAPH, "figure"),
    Output(ids.MAP_SUMMARY, "children"),
    Input(ids.URL, "search"),
    Input(ids.MAP_COLOR_BY, "value"),
    Input(ids.MAP_ACTIVITIES, "value"),
    Input(ids.MAP_PATHS, "value"),
    background=True,
    running=[
        (Output(ids.MAP_PROGRESS, "hidden"), False, True),
        (Output(ids.MAP_CANCEL, "className"), "mb-2", "d-none"),
    ],
    cancel=[Input(ids.MAP_CANCEL, "n_clicks")],
    interval=250,
)
@job
def draw_map(search: str | None, color_by: str, activities: int, paths: int) -> tuple[Any, str]:
    """Recompute (or fetch from the cache) the map for the URL's dataset and filter and the sliders."""
    dataset, log_filter = parse_search(search)
    if dataset is None:
        return empty_figure(NO_DATASET), NO_DATASET
    settings = current_settings()
    activities, paths = int(float(activities)), int(float(paths))  # a range input may send text
    key = ("map", dataset, log_filter.to_query(), activities, paths, color_by)
    return memoize(
        settings,
        key,
        lambda: compute_map(settings, dataset, log_filter, activities / 100, paths / 100, color_by),
    )


def compute_detail(
    settings: Settings, dataset: str, log_filter: LogFilter, point: list[str]
) -> Any:
    """The statistics and cases of a clicked step or path."""
    from mining.activities import compute_activity_stats
    from mining.dfg import discover_dfg
    from mining.drilldown import list_cases

    with open_workspace(settings) as con:
        if point[0] == "activity":
            stat = compute_activity_stats(con, dataset, log_filter=log_filter).get(point[1])
            cases = list_cases(con, dataset, log_filter=log_filter, activity=point[1], limit=25)
            return activity_detail(stat, cases) if stat else placeholder("No such step.")
        edge = discover_dfg(con, dataset, log_filter=log_filter).edge(point[1], point[2])
        cases = list_cases(con, dataset, log_filter=log_filter, path=(point[1], point[2]), limit=25)
        return (
            path_detail(edge, cases)
            if edge
            else placeholder("This arc joins the virtual start or end.")
        )


@callback(
    Output(ids.MAP_DETAIL, "children"),
    Input(ids.MAP_GRAPH, "clickData"),
    State(ids.URL, "search"),
    prevent_initial_call=True,
)
def show_detail(click: dict | None, search: str | None) -> Any:
    """Statistics and cases of the step or path that was clicked."""
    points = (click or {}).get("points") or []
    point = points[0].get("customdata") if points else None
    dataset, log_filter = parse_search(search)
    if not point or dataset is None:
        raise PreventUpdate
    settings = current_settings()
    return memoize(
        settings,
        ("detail", dataset, log_filter.to_query(), tuple(point)),
        lambda: compute_detail(settings, dataset, log_filter, point),
    )


def export_file(
    settings: Settings,
    kind: str,
    dataset: str,
    log_filter: LogFilter,
    activities: float,
    paths: float,
    color_by: str,
) -> dict[str, Any]:
    """The download of one export: the map as SVG, the DFG metrics as CSV, or a BPMN model."""
    from mining.dfg import discover_dfg
    from mining.graph import build_process_graph
    from mining.models import export_bpmn
    from mining.render import render_svg
    from mining.simplify import simplify_map

    with open_workspace(settings) as con:
        if kind == ids.DOWNLOAD_BPMN:
            with tempfile.TemporaryDirectory() as tmp:
                out = Path(tmp) / f"model-{dataset}.bpmn"
                export_bpmn(con, dataset, out, log_filter=log_filter, time_budget_s=60.0)
                return dcc.send_file(str(out))
        dfg = discover_dfg(con, dataset, log_filter=log_filter)
    if kind == ids.DOWNLOAD_CSV:
        return dcc.send_string(dfg.to_frame().to_csv(index=False), f"map-metrics-{dataset}.csv")
    simplified = simplify_map(dfg, activity_share=activities, path_share=paths)
    svg = render_svg(build_process_graph(simplified), color_by=color_by)
    return dcc.send_string(svg, f"map-{dataset}.svg")


@callback(
    Output(ids.MAP_DOWNLOAD, "data"),
    Input(ids.DOWNLOAD_SVG, "n_clicks"),
    Input(ids.DOWNLOAD_CSV, "n_clicks"),
    Input(ids.DOWNLOAD_BPMN, "n_clicks"),
    State(ids.URL, "search"),
    State(ids.MAP_COLOR_BY, "value"),
    State(ids.MAP_ACTIVITIES, "value"),
    State(ids.MAP_PATHS, "value"),
    background=True,
    interval=300,
    prevent_initial_call=True,
)
@job
def download(
    _svg: Any, _csv: Any, _bpmn: Any, search: str | None, color_by: str, activities: int, paths: int
) -> dict[str, Any]:
    """Send the export whose button was pressed."""
    dataset, log_filter = parse_search(search)
    if dataset is None or not ctx.triggered_id:
        raise PreventUpdate
    shares = float(activities) / 100, float(paths) / 100
    return export_file(
        current_settings(), str(ctx.triggered_id), dataset, log_filter, *shares, color_by
    )

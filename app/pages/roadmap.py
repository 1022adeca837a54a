"""Roadmap: the Gantt chart and the waves, and the downloads (roadmap workbook, one-page ROI summary).

Everything follows the assumptions set on the Business case page (the same
session ``dcc.Store``); the downloads are written by
``opportunity.report.export_report`` from the same report the page shows.

Imports: dash, dash-bootstrap-components, opportunity, app.
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
from app.components.business_case import as_mapping, download_name, waves_table
from app.components.common import empty_figure, placeholder
from app.components.roadmap_chart import roadmap_figure
from app.pages.opportunities import NO_DATASET, progress_bar
from app.reports import Progress, current_report
from app.settings import Settings
from app.urlstate import parse_search
from app.workspace import current_settings
from mining.filters import LogFilter

PATH = "/roadmap"
NAME = "Roadmap"
ORDER = 7


def layout(**_query: str) -> html.Div:
    """Downloads on top, the Gantt chart, then the waves table."""
    buttons = dbc.ButtonGroup(
        [
            dbc.Button("Roadmap workbook (.xlsx)", id=ids.RM_XLSX, outline=True, color="primary", size="sm"),
            dbc.Button("ROI summary (.pdf)", id=ids.RM_PDF, outline=True, color="primary", size="sm"),
        ]
    )  # fmt: skip
    return html.Div(
        [
            html.H1("Roadmap", className="h3 mb-3"),
            dcc.Store(id=ids.ASSUMPTIONS_STORE, storage_type="session"),
            html.Div(buttons, className="mb-2"),
            html.Div(
                progress_bar(ids.RM_PROGRESS, ids.RM_STAGE, "Building the roadmap"),
                id="roadmap-busy",
                hidden=True,
            ),
            dcc.Graph(
                id=ids.RM_GANTT,
                figure=empty_figure("Loading the roadmap…"),
                config={"displaylogo": False},
            ),
            html.H2("Waves", className="h6 mt-3"),
            html.Div(id=ids.RM_WAVES),
            dcc.Download(id=ids.RM_DOWNLOAD),
        ]
    )


def compute_roadmap(
    settings: Settings,
    dataset: str,
    log_filter: LogFilter,
    overrides: dict,
    progress: Progress | None = None,
) -> tuple[Any, Any]:
    """The Gantt figure and the waves table of a view."""
    roadmap = current_report(settings, dataset, log_filter, overrides, progress).portfolio.roadmap
    figure = roadmap_figure(roadmap) if roadmap.items else empty_figure("The roadmap is empty.")
    return figure, waves_table(roadmap)


@callback(
    Output(ids.RM_GANTT, "figure"),
    Output(ids.RM_WAVES, "children"),
    Input(ids.URL, "search"),
    Input(ids.ASSUMPTIONS_STORE, "data"),
    background=True,
    progress=[Output(ids.RM_PROGRESS, "value"), Output(ids.RM_STAGE, "children")],
    running=[(Output("roadmap-busy", "hidden"), False, True)],
    interval=300,
)
@job
def draw_roadmap(set_progress: Any, search: str | None, stored: Any) -> tuple[Any, Any]:
    """The roadmap of the URL's view under the Business case page's assumptions."""
    dataset, log_filter = parse_search(search)
    if dataset is None:
        return empty_figure(NO_DATASET), placeholder(NO_DATASET)

    def report(stage: str, fraction: float) -> None:
        set_progress((str(round(100 * fraction)), f"{stage} ({fraction:.0%})"))

    settings = current_settings()
    return compute_roadmap(settings, dataset, log_filter, dict(as_mapping(stored)), report)


def export_file(
    settings: Settings, kind: str, dataset: str, log_filter: LogFilter, overrides: dict
) -> dict[str, Any]:
    """The workbook or the PDF summary of a view, as a download."""
    from opportunity.report import export_report

    report = current_report(settings, dataset, log_filter, overrides)
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / download_name(kind, dataset)
        export_report(
            report, xlsx=out if kind == "xlsx" else None, pdf=out if kind == "pdf" else None
        )
        return dcc.send_bytes(out.read_bytes(), out.name)


@callback(
    Output(ids.RM_DOWNLOAD, "data"),
    Input(ids.RM_XLSX, "n_clicks"),
    Input(ids.RM_PDF, "n_clicks"),
    State(ids.URL, "search"),
    State(ids.ASSUMPTIONS_STORE, "data"),
    background=True,
    interval=300,
    prevent_initial_call=True,
)
@job
def download(_xlsx: Any, _pdf: Any, search: str | None, stored: Any) -> dict[str, Any]:
    """Send the file whose button was pressed."""
    dataset, log_filter = parse_search(search)
    if dataset is None or ctx.triggered_id not in (ids.RM_XLSX, ids.RM_PDF):
        raise PreventUpdate
    kind = "xlsx" if ctx.triggered_id == ids.RM_XLSX else "pdf"
    return export_file(current_settings(), kind, dataset, log_filter, dict(as_mapping(stored)))

"""Business case: editable assumptions, headline figures with P10–P90 ranges, cash flow, backlog what-if.

The assumptions live in the browser as small JSON (a session ``dcc.Store``
holding only what differs from the defaults), so the Roadmap page and its
downloads use them too. Changing one recomputes only the portfolio, its
Monte-Carlo ranges and the what-if from the cached scores
(``opportunity.report.rebuild_report``): no query runs again.

Imports: dash, dash-bootstrap-components, opportunity, app.
"""

from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
from dash import ALL, Input, Output, State, callback, ctx, dcc, html, no_update

from app import ids
from app.alerts import job
from app.components.business_case import (
    as_mapping,
    assumption_form,
    backlog_figure,
    cashflow_figure,
    form_values,
    headline,
    overrides_from_form,
    whatif_text,
)
from app.components.common import empty_figure, placeholder
from app.pages.opportunities import NO_DATASET, progress_bar
from app.reports import Progress, assumptions_from, current_report
from app.settings import Settings
from app.urlstate import parse_search
from app.workspace import current_settings
from mining.filters import LogFilter
from opportunity.assumptions import Assumptions

PATH = "/business-case"
NAME = "Business case"
ORDER = 6


def layout(**_query: str) -> html.Div:
    """The assumptions form, the headline figures, then the two charts."""
    reset = dbc.Button(
        "Back to the defaults", id=ids.BC_RESET, size="sm", outline=True, color="dark"
    )
    return html.Div(
        [
            html.H1("Business case", className="h3 mb-3"),
            dcc.Store(id=ids.ASSUMPTIONS_STORE, storage_type="session"),
            dbc.Card(
                dbc.CardBody(
                    [
                        html.H2("Assumptions", className="h6"),
                        html.P("Defaults and their sources: docs/assumptions.md. A change recalculates at once.", className="small text-body-secondary"),
                        assumption_form(Assumptions()),
                        reset,
                    ]
                ),
                className="mb-3",
            ),
            html.Div(progress_bar(ids.BC_PROGRESS, ids.BC_STAGE, "Computing the business case"), id="bc-busy", hidden=True),
            html.Div(id=ids.BC_HEADLINE, role="status"),
            dbc.Row(
                [
                    dbc.Col([html.H2("Cumulative cash flow", className="h6"), dcc.Graph(id=ids.BC_CASHFLOW, figure=empty_figure("Loading…"), config={"displaylogo": False})], lg=6),
                    dbc.Col([html.H2("Backlog what-if", className="h6"), dcc.Graph(id=ids.BC_BACKLOG, figure=empty_figure("Loading…"), config={"displaylogo": False}), html.Div(id=ids.BC_WHATIF)], lg=6),
                ]
            ),
        ]
    )  # fmt: skip


@callback(
    Output(ids.ASSUMPTIONS_STORE, "data"),
    Output(ids.assumption_field(ALL), "value"),  # type: ignore[arg-type]
    Input(ids.ASSUMPTIONS_STORE, "data"),
    Input(ids.assumption_field(ALL), "value"),  # type: ignore[arg-type]
    Input(ids.BC_RESET, "n_clicks"),
    State(ids.assumption_field(ALL), "id"),  # type: ignore[arg-type]
)
def sync_assumptions(stored: Any, values: list[Any], _reset: Any, fields: list[dict]) -> tuple:
    """Form -> the overrides in the browser (checked first); the overrides -> the form on arrival."""
    names = [str(f["index"]) for f in fields]
    trigger = ctx.triggered_id
    if trigger == ids.BC_RESET:
        return {}, form_values(Assumptions(), names)
    if isinstance(trigger, dict):  # an input changed
        overrides = overrides_from_form(names, values)
        assumptions_from(overrides)  # a bad value raises here: the alert says which and why
        return overrides, [no_update] * len(names)  # a wildcard output takes one per input
    return no_update, form_values(assumptions_from(as_mapping(stored)), names)


def compute_business_case(
    settings: Settings,
    dataset: str,
    log_filter: LogFilter,
    overrides: dict,
    progress: Progress | None = None,
) -> tuple[Any, Any, Any, Any]:
    """Headline, cash-flow figure, backlog figure and what-if sentence of a view."""
    report = current_report(settings, dataset, log_filter, overrides, progress)
    backlog = backlog_figure(report.whatif, report.whatif_note)
    return (
        headline(report.portfolio, report.simulation),
        cashflow_figure(report.portfolio),
        backlog if backlog is not None else empty_figure(report.whatif_note),
        whatif_text(report.whatif, report.whatif_note),
    )


@callback(
    Output(ids.BC_HEADLINE, "children"),
    Output(ids.BC_CASHFLOW, "figure"),
    Output(ids.BC_BACKLOG, "figure"),
    Output(ids.BC_WHATIF, "children"),
    Input(ids.URL, "search"),
    Input(ids.ASSUMPTIONS_STORE, "data"),
    background=True,
    progress=[Output(ids.BC_PROGRESS, "value"), Output(ids.BC_STAGE, "children")],
    running=[(Output("bc-busy", "hidden"), False, True)],
    interval=300,
)
@job
def draw_business_case(set_progress: Any, search: str | None, stored: Any) -> tuple[Any, ...]:
    """The business case of the URL's view under the page's assumptions."""
    dataset, log_filter = parse_search(search)
    if dataset is None:
        return placeholder(NO_DATASET), empty_figure(NO_DATASET), empty_figure(NO_DATASET), ""

    def report(stage: str, fraction: float) -> None:
        set_progress((str(round(100 * fraction)), f"{stage} ({fraction:.0%})"))

    settings = current_settings()
    return compute_business_case(settings, dataset, log_filter, dict(as_mapping(stored)), report)

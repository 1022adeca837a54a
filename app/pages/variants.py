"""Variants: the Pareto curve of variant coverage, the variant list, and a variant's cases.

Imports: dash, dash-bootstrap-components, mining, app.
"""

from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
from dash import ALL, Input, Output, State, callback, ctx, dcc, html
from dash.exceptions import PreventUpdate

from app import ids
from app.alerts import job
from app.components.common import busy_bar, empty_figure, placeholder
from app.components.variants import pareto_figure, variant_cases, variant_list
from app.settings import Settings
from app.urlstate import parse_search
from app.workspace import current_settings, memoize, open_workspace
from mining.filters import LogFilter

PATH = "/variants"
NAME = "Variants"
ORDER = 2
NO_DATASET = "Choose a dataset in the filter bar (or load one on the Datasets page)."


def layout(**_query: str) -> html.Div:
    """The Pareto curve above, the list on the left, the chosen variant's cases on the right."""
    return html.Div(
        [
            html.H1("Variants", className="h3 mb-3"),
            busy_bar(ids.VARIANTS_PROGRESS, "Computing the variants"),
            dcc.Graph(
                id=ids.PARETO,
                figure=empty_figure("Loading the variants…"),
                config={"displaylogo": False},
            ),
            dbc.Row(
                [
                    dbc.Col(html.Div(id=ids.VARIANT_LIST), lg=6),
                    dbc.Col(
                        html.Div(
                            id=ids.VARIANT_CASES,
                            children=placeholder("Click a variant to see its cases."),
                        ),
                        lg=6,
                    ),
                ],
                className="mt-3",
            ),
        ]
    )


def compute_variants(settings: Settings, dataset: str, log_filter: LogFilter) -> tuple[Any, Any]:
    """The Pareto figure and the variant list of a dataset under a filter."""
    from mining.variants import discover_variants

    with open_workspace(settings) as con:
        found = discover_variants(con, dataset, log_filter=log_filter)
    return pareto_figure(found), variant_list(found)


@callback(
    Output(ids.PARETO, "figure"),
    Output(ids.VARIANT_LIST, "children"),
    Input(ids.URL, "search"),
    background=True,
    running=[(Output(ids.VARIANTS_PROGRESS, "hidden"), False, True)],
    interval=250,
)
@job
def draw_variants(search: str | None) -> tuple[Any, Any]:
    """The variants of the URL's dataset and filter (from the cache when computed before)."""
    dataset, log_filter = parse_search(search)
    if dataset is None:
        return empty_figure(NO_DATASET), placeholder(NO_DATASET)
    settings = current_settings()
    return memoize(
        settings,
        ("variants", dataset, log_filter.to_query()),
        lambda: compute_variants(settings, dataset, log_filter),
    )


def compute_variant_cases(
    settings: Settings, dataset: str, log_filter: LogFilter, variant_no: int
) -> Any:
    """One variant's sequence and its longest cases."""
    from mining.drilldown import list_cases
    from mining.variants import discover_variants

    with open_workspace(settings) as con:
        found = discover_variants(con, dataset, log_filter=log_filter)
        variant = next((v for v in found.variants if v.variant_no == variant_no), None)
        if variant is None:
            return placeholder("This variant has no case under the current filter.")
        return variant_cases(
            variant,
            list_cases(con, dataset, log_filter=log_filter, variant_no=variant_no, limit=50),
        )


@callback(
    Output(ids.VARIANT_CASES, "children"),
    Input(ids.variant_row(ALL), "n_clicks"),  # type: ignore[arg-type]
    State(ids.URL, "search"),
    prevent_initial_call=True,
)
def show_variant(_clicks: list[int], search: str | None) -> Any:
    """The cases of the variant that was clicked."""
    trigger = ctx.triggered_id
    dataset, log_filter = parse_search(search)
    if not trigger or not ctx.triggered[0]["value"] or dataset is None:
        raise PreventUpdate
    settings = current_settings()
    key = ("variant", dataset, log_filter.to_query(), int(trigger["index"]))
    return memoize(
        settings,
        key,
        lambda: compute_variant_cases(settings, dataset, log_filter, int(trigger["index"])),
    )

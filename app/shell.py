"""The frame around every page: navigation, the global filter bar, alerts, footer.

The filter lives in the URL (``app.urlstate``); one callback keeps the bar and
the URL in step: choosing a dataset or pressing Apply/Reset writes the URL, and
any change of the URL (a link, a bookmark, back/forward) refills the bar. The
navigation links carry the query string, so the filter follows the user from
page to page.

Imports: dash, dash-bootstrap-components, eventlogs, mining, app.
"""

from __future__ import annotations

from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import ALL, Input, Output, State, callback, ctx, dcc, html, no_update

from app import ids
from app.components.filter_bar import filter_bar, filter_bar_state, filter_from_controls
from app.settings import Settings
from app.urlstate import build_search, parse_search
from app.workspace import current_settings, open_workspace
from mining.filters import LogFilter

NAV_LINK = "nav-link"


def navbar() -> dbc.Navbar:
    """The top bar with one link per registered page, in page order."""
    pages = sorted(dash.page_registry.values(), key=lambda p: p.get("order") or 0)
    links = [
        dbc.NavItem(
            dbc.NavLink(
                p["name"], href=p["path"], id={"type": NAV_LINK, "index": p["path"]}, active="exact"
            )
        )
        for p in pages
    ]
    return dbc.Navbar(
        dbc.Container(
            [
                dbc.NavbarBrand("Hyperpath", href="/", className="fw-semibold"),
                dbc.Nav(links, navbar=True, className="flex-wrap"),
            ],
            fluid="lg",
        ),
        color="dark",
        dark=True,
        className="mb-3",
    )


def footer(settings: Settings) -> html.Footer:
    """License notice and the link to the source code the AGPL asks for."""
    return html.Footer(
        dbc.Container(
            [
                "Hyperpath is free software under the ",
                html.A("GNU AGPL v3", href="https://www.gnu.org/licenses/agpl-3.0.html"),
                ". ",
                html.A("Source code of this server", href=settings.source_url, id="source-link"),
                ".",
            ],
            fluid="lg",
            className="small text-body-secondary py-3",
        ),
        className="border-top mt-4",
    )


def shell_layout(settings: Settings) -> html.Div:
    """The whole page: navbar, filter bar, alerts, the current page, footer."""
    alerts = [
        dbc.Alert(id=ids.ERROR_ALERT, color="danger", is_open=False, dismissable=True),
        dbc.Alert(id=ids.NOTICE_ALERT, color="success", is_open=False, dismissable=True),
    ]
    return html.Div(
        [
            html.Header(navbar()),
            html.Main(
                dbc.Container([filter_bar(), *alerts, dash.page_container], fluid="lg"),
            ),
            dcc.Store(id=ids.DATASETS_CHANGED, data=0),
            footer(settings),
        ]
    )


@callback(
    Output(ids.URL, "search", allow_duplicate=True),
    Output(ids.FILTER_DATASET, "options"),
    Output(ids.FILTER_DATASET, "value"),
    Output(ids.FILTER_WHERE, "options"),
    Output(ids.FILTER_WHERE, "value"),
    Output(ids.FILTER_FROM, "value"),
    Output(ids.FILTER_TO, "value"),
    Output(ids.FILTER_TOP_VARIANTS, "value"),
    Output(ids.FILTER_SUMMARY, "children"),
    Input(ids.URL, "search"),
    Input(ids.DATASETS_CHANGED, "data"),
    Input(ids.FILTER_DATASET, "value"),
    Input(ids.FILTER_APPLY, "n_clicks"),
    Input(ids.FILTER_RESET, "n_clicks"),
    State(ids.FILTER_FROM, "value"),
    State(ids.FILTER_TO, "value"),
    State(ids.FILTER_WHERE, "value"),
    State(ids.FILTER_TOP_VARIANTS, "value"),
    prevent_initial_call="initial_duplicate",
)
def sync_filter_bar(
    search: str | None,
    _changed: Any,
    chosen: str | None,
    _apply: Any,
    _reset: Any,
    date_from: str | None,
    date_to: str | None,
    where: list[str] | None,
    top: Any,
) -> tuple[Any, ...]:
    """URL -> bar on navigation; bar -> URL (and the bar refreshed) on dataset choice, Apply, Reset."""
    trigger = ctx.triggered_id
    dataset, log_filter = parse_search(search)
    new_search: Any = no_update
    if trigger == ids.FILTER_DATASET and (chosen or None) != dataset:
        dataset, log_filter = chosen or None, LogFilter()  # another dataset: its own filters
        new_search = build_search(dataset)
    elif trigger in (ids.FILTER_APPLY, ids.FILTER_RESET):
        apply = trigger == ids.FILTER_APPLY
        log_filter = filter_from_controls(date_from, date_to, where, top) if apply else LogFilter()
        new_search = build_search(dataset, log_filter)
    with open_workspace(current_settings()) as con:
        datasets, values = _bar_data(con, dataset)
    return (new_search, *filter_bar_state(datasets, values, dataset, log_filter))


def _bar_data(con: Any, dataset: str | None) -> tuple[Any, Any]:
    from eventlogs.datasets import list_datasets
    from mining.drilldown import list_attribute_values

    known = list_datasets(con)
    if dataset is None or dataset not in {str(d.dataset_id) for d in known}:
        return known, {}
    return known, list_attribute_values(con, dataset)


@callback(
    Output({"type": NAV_LINK, "index": ALL}, "href"),
    Input(ids.URL, "search"),
    State({"type": NAV_LINK, "index": ALL}, "id"),
)
def carry_filter(search: str | None, links: list[dict[str, str]]) -> list[str]:
    """Each navigation link keeps the dataset and filter of the current view."""
    return [link["index"] + (search or "") for link in links]

"""The global filter bar: dataset, time window, case attribute values, top variants.

``filter_bar()`` is the empty bar; ``filter_bar_state`` turns the datasets, the
attribute values of the chosen dataset and the filter read from the URL into
the values of its controls; ``filter_from_controls`` goes back the other way.

Imports: dash, dash-bootstrap-components, eventlogs.datasets, mining.filters, app.ids.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import dash_bootstrap_components as dbc
from dash import html

from app import ids
from app.components.common import aria
from eventlogs.datasets import Dataset
from mining.filters import LogFilter, format_instant


def _field(label: str, control: Any, control_id: str, width: int) -> dbc.Col:
    return dbc.Col(
        [dbc.Label(label, html_for=control_id, className="small mb-0"), control], md=width
    )


def filter_bar() -> html.Section:
    """The bar above every page; its Apply button writes the filter into the URL."""
    controls = dbc.Row(
        [
            _field("Dataset", dbc.Select(id=ids.FILTER_DATASET, options=[]), ids.FILTER_DATASET, 3),
            _field("Cases from", dbc.Input(id=ids.FILTER_FROM, type="date"), ids.FILTER_FROM, 2),
            _field("to", dbc.Input(id=ids.FILTER_TO, type="date"), ids.FILTER_TO, 2),
            dbc.Col(attribute_picker(), md=3),
            _field(
                "Top variants",
                dbc.Input(id=ids.FILTER_TOP_VARIANTS, type="number", min=1, step=1),
                ids.FILTER_TOP_VARIANTS,
                2,
            ),
        ],
        className="g-2 align-items-end",
    )
    buttons = html.Div(
        [
            dbc.Button("Apply", id=ids.FILTER_APPLY, color="primary", size="sm", className="me-2"),
            dbc.Button("Reset", id=ids.FILTER_RESET, color="dark", outline=True, size="sm"),
            html.Span(id=ids.FILTER_SUMMARY, className="ms-3 small text-body-secondary"),
        ],
        className="mt-2",
    )
    return html.Section(
        dbc.Card(dbc.CardBody([controls, buttons], className="py-2"), className="bg-body-tertiary"),
        className="mb-3",
        role="search",
        **aria("Global filter"),
    )


def attribute_picker() -> html.Details:
    """Case attribute values as checkboxes in a fold-out (native, keyboard and screen-reader friendly)."""
    return html.Details(
        [
            html.Summary("Case attributes", className="small"),
            html.Div(
                dbc.Checklist(id=ids.FILTER_WHERE, options=[], value=[], class_name="small"),
                className="position-absolute bg-body border rounded p-2 shadow-sm",
                style={
                    "zIndex": 1000,
                    "maxHeight": "16rem",
                    "overflowY": "auto",
                    "minWidth": "16rem",
                },
            ),
        ],
        className="position-relative pb-2",
    )


def dataset_options(datasets: Sequence[Dataset]) -> list[dict[str, str]]:
    """Select options: one per dataset, newest last, plus a prompt."""
    options = [{"label": "Choose a dataset…", "value": ""}]
    return options + [
        {"label": f"{d.name} ({d.cases:,} cases)", "value": str(d.dataset_id)} for d in datasets
    ]


def where_options(values: Mapping[str, Sequence[str]]) -> list[dict[str, str]]:
    """Dropdown options 'attribute = value' (value text is untrusted: shown as text only)."""
    return [
        {"label": f"{attr} = {value}", "value": f"{attr}={value}"}
        for attr, found in values.items()
        for value in found
    ]


def filter_bar_state(
    datasets: Sequence[Dataset],
    attribute_values: Mapping[str, Sequence[str]],
    dataset: str | None,
    log_filter: LogFilter,
) -> tuple[Any, ...]:
    """Options and values of the controls: dataset options/value, where options/value, from, to, top-k, summary."""
    chosen = [f"{attr}={v}" for attr, values in log_filter.where.items() for v in values]
    options = where_options(attribute_values)
    known = {o["value"] for o in options}
    options += [{"label": c.replace("=", " = ", 1), "value": c} for c in chosen if c not in known]
    day = lambda t: None if t is None else format_instant(t)[:10]  # noqa: E731
    summary = "All cases" if log_filter.is_empty else f"Filter: {log_filter.to_query()}"
    return (
        dataset_options(datasets),
        dataset or "",
        options,
        chosen,
        day(log_filter.time_from),
        day(log_filter.time_to),
        log_filter.top_variants,
        summary,
    )


def filter_from_controls(
    date_from: str | None, date_to: str | None, where: Sequence[str] | None, top: object
) -> LogFilter:
    """The filter the controls describe (InputError for a value that cannot be used).

    >>> filter_from_controls("2012-01-01", None, ["channel=Desk"], 3).to_query()
    'from=2012-01-01T00:00:00Z&where=channel=Desk&top_variants=3'
    """
    return LogFilter.from_cli(
        date_from=date_from or None,
        date_to=date_to or None,
        where=list(where or []),
        top_variants=int(top) if top not in (None, "") else None,  # type: ignore[call-overload]
    )

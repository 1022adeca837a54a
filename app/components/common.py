"""Small builders shared by the pages: key-value tables, case tables, placeholders.

Imports: dash, dash-bootstrap-components, plotly, mining (result types and formatting).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

import dash_bootstrap_components as dbc
import plotly.graph_objects as go
from dash import html

from mining.drilldown import CaseList
from mining.render import format_count, format_duration

Cell = str | int | float | None


def fmt(value: Cell) -> str:
    """A value for a table cell: counts with separators, shares as %, floats rounded.

    >>> fmt(1234), fmt(0.1234), fmt(None), fmt("x")
    ('1,234', '0.1234', '–', 'x')
    """
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return format_count(value)
    if isinstance(value, float):
        return f"{value:,.4g}"
    return str(value)


def plural(count: int, noun: str) -> str:
    """'1 case', '2 cases', '1,234 cases'."""
    return f"{count:,} {noun}" + ("" if count == 1 else "s")


def share(value: float) -> str:
    """A share as a percentage: 0.1234 -> '12.3%'."""
    return f"{100 * value:.1f}%"


def duration(seconds: float | None) -> str:
    """A duration in human units, '–' for none."""
    return "–" if seconds is None else format_duration(seconds)


def timestamp(value: dt.datetime | None) -> str:
    """A UTC instant as 'YYYY-MM-DD HH:MM'."""
    return "–" if value is None else value.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M")


def key_values(rows: Iterable[tuple[str, Cell]], *, caption: str | None = None) -> dbc.Table:
    """A two-column table of labelled values."""
    body = [html.Tr([html.Th(label, scope="row"), html.Td(fmt(value))]) for label, value in rows]
    children = ([html.Caption(caption)] if caption else []) + [html.Tbody(body)]
    return dbc.Table(children, bordered=False, size="sm", className="mb-2 w-auto")


def table(header: Sequence[str], rows: Iterable[Sequence[Cell]], **kwargs: object) -> dbc.Table:
    """A plain table with a header row; cells go through ``fmt``."""
    head = html.Thead(html.Tr([html.Th(h, scope="col") for h in header]))
    body = html.Tbody([html.Tr([html.Td(fmt(c)) for c in row]) for row in rows])
    return dbc.Table([head, body], size="sm", striped=True, hover=True, responsive=True, **kwargs)


def case_table(found: CaseList, *, title: str) -> html.Div:
    """The cases of a drill-down, longest first, with how many there are in all."""
    shown = len(found.cases)
    note = plural(found.total, "case") + (
        f", the {shown} longest shown" if shown < found.total else ""
    )
    rows = [
        (c.case_id, c.events, timestamp(c.first_ts), timestamp(c.last_ts), duration(c.duration_s))
        for c in found.cases
    ]
    return html.Div(
        [
            html.H3(title, className="h6 mt-3"),
            html.P(note, className="text-body-secondary small mb-1"),
            table(["Case", "Events", "First event (UTC)", "Last event (UTC)", "Duration"], rows),
        ]
    )


def aria(label: str) -> dict[str, Any]:
    """Keyword arguments giving a Dash html component an accessible name."""
    return {"aria-label": label}


def placeholder(message: str) -> html.P:
    """A muted sentence standing in for content that cannot be shown yet."""
    return html.P(message, className="text-body-secondary fst-italic my-3")


def empty_figure(message: str) -> go.Figure:
    """A blank figure carrying a message (no axes)."""
    figure = go.Figure()
    figure.update_layout(
        xaxis={"visible": False},
        yaxis={"visible": False},
        annotations=[{"text": message, "showarrow": False, "font": {"size": 15}}],
        height=320,
        plot_bgcolor="white",
        margin={"l": 10, "r": 10, "t": 10, "b": 10},
    )
    return figure


def escape_label(text: str) -> str:
    """Log content for plotly text, which reads a little HTML: '<b>' shows as text.

    >>> escape_label('<a href="x">&</a>')
    '&lt;a href="x"&gt;&amp;&lt;/a&gt;'
    """
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def busy_bar(bar_id: str, label: str) -> html.Progress:
    """An indeterminate progress bar, hidden until a background job runs."""
    return html.Progress(id=bar_id, hidden=True, className="w-100", **aria(label))

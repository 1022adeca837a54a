"""Builders for the Variants page: the Pareto curve, the variant list, a variant's cases.

Imports: plotly, dash, dash-bootstrap-components, mining (results), app.
"""

from __future__ import annotations

import dash_bootstrap_components as dbc
import plotly.graph_objects as go
from dash import html

from app import ids
from app.components.common import case_table, duration, plural, share
from mining.drilldown import CaseList
from mining.variants import Variant, Variants

SHOWN = 50


def pareto_figure(found: Variants) -> go.Figure:
    """Share of cases covered by the k most frequent variants, k = 1..n."""
    points = found.pareto()
    figure = go.Figure(
        go.Scatter(
            x=[p.k for p in points],
            y=[100 * p.cumulative_share for p in points],
            mode="lines+markers" if len(points) <= 60 else "lines",
            line={"color": "#0d6efd", "width": 2},
            hovertemplate="%{x} variants cover %{y:.1f}% of cases<extra></extra>",
            name="coverage",
        )
    )
    for target in (80,):
        k = found.variants_for_coverage(target / 100)
        figure.add_vline(
            x=k,
            line={"dash": "dot", "color": "#6c757d"},
            annotation_text=f"{plural(k, 'variant')} cover {target}% of cases",
            annotation_position="bottom right",
        )
    figure.update_layout(
        height=300,
        margin={"l": 50, "r": 10, "t": 10, "b": 40},
        plot_bgcolor="white",
        xaxis={"title": "Most frequent variants (k)", "gridcolor": "#e9ecef"},
        yaxis={"title": "Cases covered (%)", "range": [0, 101], "gridcolor": "#e9ecef"},
    )
    return figure


def _sequence(variant: Variant, limit: int = 12) -> list[html.Span]:
    steps = list(variant.activities[:limit])
    chips = [
        html.Span(step, className="badge text-bg-light border me-1 mb-1 fw-normal")
        for step in steps
    ]
    if len(variant.activities) > limit:
        chips.append(
            html.Span(
                f"… +{len(variant.activities) - limit} steps", className="small text-body-secondary"
            )
        )
    return chips


def variant_list(found: Variants) -> html.Div:
    """The most frequent variants, each a button that opens its cases."""
    items = [
        dbc.ListGroupItem(
            [
                html.Div(
                    [
                        html.Strong(f"#{v.rank}"),
                        html.Span(
                            f" {share(v.share)} · {plural(v.cases, 'case')} · {plural(len(v.activities), 'step')} · "
                            f"median {duration(v.median_duration_s)}",
                            className="small",
                        ),
                    ]
                ),
                html.Div(_sequence(v), className="mt-1"),
            ],
            id=ids.variant_row(v.variant_no),
            action=True,
            n_clicks=0,
        )
        for v in found.variants[:SHOWN]
    ]
    note = f"{len(found.variants):,} variants over {found.cases:,} cases" + (
        f"; the {SHOWN} most frequent shown" if len(found.variants) > SHOWN else ""
    )
    return html.Div([html.P(note, className="small text-body-secondary"), dbc.ListGroup(items)])


def variant_cases(variant: Variant, cases: CaseList) -> dbc.Card:
    """A variant's full sequence and its cases."""
    return dbc.Card(
        dbc.CardBody(
            [
                html.H2(f"Variant #{variant.rank}", className="h6"),
                html.Ol([html.Li(step) for step in variant.activities], className="small mb-2"),
                case_table(cases, title="Cases"),
            ]
        ),
        id="variant-detail",
    )

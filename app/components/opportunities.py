"""Builders for the Opportunities page: the ranked grid, the value-versus-ease quadrant, a step's explanation.

Each class has one colour, dark enough for white text (contrast above 4.5:1),
and its badge always carries the class name too, so colour is never the only cue.

Imports: plotly, dash, dash-bootstrap-components, opportunity (results), app.
"""

from __future__ import annotations

import dash_bootstrap_components as dbc
import plotly.graph_objects as go
from dash import html

from app import ids
from app.components.common import Cell, escape_label, fmt, key_values, placeholder, plural
from opportunity.scoring import CLASSES, Opportunities, StepScore
from opportunity.sensitivity import Sensitivity

CLASS_COLOURS = {
    "RPA": "#0b5394",
    "AI": "#6a1b9a",
    "AI-assisted": "#8a4500",
    "Human": "#495057",
    "Already automated": "#1b5e20",
}
SHOWN = 100
_HEADER = ("#", "Step", "Class", "Value", "Ease", "RPA", "AI", "Hours a year", "Hours saved")


def class_badge(klass: str) -> html.Span:
    """The class as a coloured badge with its name."""
    colour = CLASS_COLOURS.get(klass, "#212529")
    return html.Span(klass, className="badge", style={"backgroundColor": colour, "color": "#fff"})


def _cell(value: Cell) -> html.Td:
    return html.Td(fmt(value), className="text-end")


def _row(rank: int, step: StepScore) -> html.Tr:
    scores = step.scores
    button = html.Button(
        step.activity,
        id=ids.opportunity_row(rank - 1),
        n_clicks=0,
        className="btn btn-link p-0 text-start",
        title="Show how this step was scored",
    )
    return html.Tr(
        [
            html.Td(rank),
            html.Td(button),
            html.Td(class_badge(step.automation_class)),
            *(_cell(round(scores[k], 1)) for k in ("value", "ease", "rpa", "ai")),
            _cell(round(step.features.annual_hours)),
            _cell(round(step.expected_hours_saved)),
        ]
    )


def opportunity_grid(opps: Opportunities) -> html.Div:
    """The ranked steps, best first; each step's name opens its explanation."""
    head = html.Thead(
        html.Tr(
            [
                html.Th(h, scope="col", className="text-end" if i > 2 else "")
                for i, h in enumerate(_HEADER)
            ]
        )
    )
    body = html.Tbody([_row(i, s) for i, s in enumerate(opps.steps[:SHOWN], start=1)])
    note = (
        plural(len(opps.steps), "step")
        + " ranked: automatable steps by expected hours saved x feasibility, then the rest by value."
    )
    return html.Div(
        [
            html.P(note, className="small text-body-secondary mb-1"),
            dbc.Table([head, body], size="sm", hover=True, responsive=True, id="opp-table"),
        ]
    )


def opportunity_summary(opps: Opportunities) -> str:
    """'12 steps: 3 RPA, 1 AI, ...'."""
    counts = [(k, sum(s.automation_class == k for s in opps.steps)) for k in CLASSES]
    return f"{plural(len(opps.steps), 'step')}: " + ", ".join(f"{n} {k}" for k, n in counts if n)


def quadrant_figure(opps: Opportunities) -> go.Figure:
    """Value against ease, one trace per class, marker area growing with annual hours."""
    points = opps.quadrant()
    biggest = max((float(p["annual_hours"]) for p in points), default=1.0) or 1.0  # type: ignore[arg-type]
    figure = go.Figure()
    for klass in CLASSES:
        mine = [p for p in points if p["class"] == klass]
        if not mine:
            continue
        figure.add_trace(
            go.Scatter(
                name=klass,
                x=[p["ease_score"] for p in mine],
                y=[p["value_score"] for p in mine],
                mode="markers",
                marker={
                    "color": CLASS_COLOURS[klass],
                    "size": [10 + 40 * (float(p["annual_hours"]) / biggest) ** 0.5 for p in mine],  # type: ignore[arg-type]
                    "line": {"color": "white", "width": 1},
                    "opacity": 0.85,
                },
                text=[escape_label(str(p["activity"])) for p in mine],
                customdata=[[p["activity"], round(float(p["annual_hours"]))] for p in mine],  # type: ignore[arg-type]
                hovertemplate="%{text}<br>value %{y:.0f}, ease %{x:.0f}<br>%{customdata[1]:,} h a year<extra>"
                + klass
                + "</extra>",
            )
        )
    for level in (50,):
        figure.add_hline(y=level, line={"dash": "dot", "color": "#adb5bd"})
        figure.add_vline(x=level, line={"dash": "dot", "color": "#adb5bd"})
    figure.update_layout(
        height=360,
        margin={"l": 50, "r": 10, "t": 10, "b": 40},
        plot_bgcolor="white",
        xaxis={"title": "Ease (0-100)", "range": [-2, 102], "gridcolor": "#e9ecef"},
        yaxis={"title": "Value (0-100)", "range": [-2, 102], "gridcolor": "#e9ecef"},
        legend_title_text="Class",
    )
    return figure


def _criteria_table(step: StepScore) -> dbc.Table:
    header = ("Criterion", "Value", "Threshold", "Weight", "Contribution (pts)", "Evidence")
    head = html.Thead(html.Tr([html.Th(h, scope="col") for h in header]))
    rows = []
    for c in step.explanation:
        d = c.to_dict()
        value = "missing" if c.missing else fmt(d["value"])  # type: ignore[arg-type]
        cells = (d["criterion"], value, d["threshold"], fmt(c.weight), f"{c.contribution:.1f}")
        rows.append(html.Tr([*(html.Td(str(x)) for x in cells), html.Td(c.evidence)]))
    return dbc.Table([head, html.Tbody(rows)], size="sm", striped=True, responsive=True)


def _sensitivity(step: StepScore, sensitivity: Sensitivity) -> html.Div | html.P:
    changes = sensitivity.changed(step.activity)
    moves = " and ".join(f"{f - 1:+.0%}" for f in sensitivity.factors)
    if not changes:
        text = f"Robust: the class stays {step.automation_class} when any weight moves by {moves}."
        return html.P(text, className="small")
    items = [
        html.Li(f"{c.criterion} weight {c.factor - 1:+.0%}: {c.from_class} → {c.to_class}")
        for c in changes
    ]
    lead = f"The class depends on these weights (each moved by {moves} in turn):"
    return html.Div([html.P(lead, className="small mb-1"), html.Ul(items, className="small")])


def step_explanation(step: StepScore | None, sensitivity: Sensitivity) -> html.Div | dbc.Card:
    """Why a step got its class: its scores, every criterion with its evidence, the sensitivity."""
    if step is None:
        return placeholder("No step to explain under the current filter.")
    s = step.scores
    facts = [
        ("Value / ease", f"{s['value']:.1f} / {s['ease']:.1f}"),
        ("RPA / AI suitability", f"{s['rpa']:.1f} / {s['ai']:.1f}"),
        ("Confidence", step.confidence),
        (
            "Hours a year / expected saved",
            f"{step.features.annual_hours:,.0f} / {step.expected_hours_saved:,.0f}",
        ),
        ("Decided by", step.deciding_criterion),
    ]
    return dbc.Card(
        dbc.CardBody(
            [
                html.H2(
                    [f"Step: {step.activity} ", class_badge(step.automation_class)],
                    className="h6",
                ),
                html.P(step.reason),
                key_values(facts),
                html.H3("Criteria", className="h6 mt-3"),
                _criteria_table(step),
                html.H3("Sensitivity to the weights", className="h6 mt-3"),
                _sensitivity(step, sensitivity),
            ]
        ),
        id="opp-explanation",
        className="mt-3",
    )

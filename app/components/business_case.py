"""Builders for the Business case and Roadmap pages: the assumptions form, headline figures, charts, waves.

The form shows the main assumptions, one labelled input each, named
``<field>`` or ``<field>.<key>`` (``build_cost_gbp.high``); for automation
rates the input is the *likely* value. ``overrides_from_form`` turns the
inputs into the small JSON of overrides kept in the browser (only what
differs from the defaults); ``form_values`` goes back the other way.

Imports: plotly, dash, dash-bootstrap-components, opportunity (results, assumptions), app.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

import dash_bootstrap_components as dbc
import plotly.graph_objects as go
from dash import html

from app import ids
from app.components.common import aria, fmt, placeholder, table
from opportunity.assumptions import Assumptions, field_info
from opportunity.montecarlo import Range, Simulation
from opportunity.portfolio import Portfolio
from opportunity.roadmap import Roadmap
from opportunity.whatif import Projection, WhatIf

FIELDS = (
    "default_grade",
    "hours_per_fte_year",
    "discount_rate",
    "horizon_years",
    "automation_rate.RPA",
    "automation_rate.AI",
    "automation_rate.AI-assisted",
    "rpa_licence_gbp_per_bot_year",
    "build_cost_gbp.high",
    "build_cost_gbp.medium",
    "build_cost_gbp.low",
    "ai_build_cost_gbp",
    "maintenance_rate",
    "optimism_bias",
    "cashable_share",
)


def value_of(a: Assumptions, name: str) -> Any:
    """The value one form input shows (the likely value of a range)."""
    field, _, key = name.partition(".")
    value = getattr(a, field)
    if key:
        value = value[key]
    return value[1] if isinstance(value, tuple) else value


def form_values(a: Assumptions, names: Sequence[str]) -> list[Any]:
    """The inputs' values for ``a``, in the order of ``names``."""
    return [value_of(a, n) for n in names]


def overrides_from_form(names: Sequence[str], values: Sequence[Any]) -> dict[str, Any]:
    """The overrides (TOML-shaped, as ``parse_assumptions`` reads them) that differ from the defaults.

    >>> overrides_from_form(["discount_rate", "automation_rate.RPA"], [0.05, 0.95])
    {'discount_rate': 0.05, 'automation_rate': {'RPA': [0.6, 0.95, 0.95]}}
    """
    base = Assumptions()
    out: dict[str, Any] = {}
    for name, raw in zip(names, values, strict=True):
        if raw is None or raw == "" or raw == value_of(base, name):
            continue
        field, _, key = name.partition(".")
        default = getattr(base, field)
        value: Any = raw if isinstance(default, str) else float(raw)
        if field == "horizon_years":
            value = int(value)
        if key and isinstance(default[key], tuple):  # move the range with its likely value
            low, _, high = default[key]
            value = [min(low, value), value, max(high, value)]
        if key:
            out.setdefault(field, {})[key] = value
        else:
            out[field] = value
    return out


def _label(name: str) -> str:
    field, _, key = name.partition(".")
    info = field_info(field)
    text = info["help"] + (f" ({key})" if key else "")
    unit = info["unit"].replace(" (low, likely, high)", ", likely")
    return f"{text} [{unit}]"


def _input(name: str, value: Any, grades: Sequence[str]) -> dbc.Col:
    control_id = "assumption-" + name.replace(".", "-")
    if name == "default_grade":
        control: Any = dbc.Select(
            id=ids.assumption_field(name),
            options=[{"label": g, "value": g} for g in grades],
            value=value,
        )
    else:
        step = 1 if name == "horizon_years" else "any"
        control = dbc.Input(
            id=ids.assumption_field(name), type="number", value=value, step=step, debounce=True
        )
    # The label wraps its input: a pattern-matching id cannot be named by a label's "for".
    label = html.Label(
        [html.Span(_label(name), className="small d-block"), control], className="w-100"
    )
    return dbc.Col(label, id=control_id, md=4, className="mb-2")


def assumption_form(a: Assumptions) -> html.Div:
    """One labelled input per assumption of ``FIELDS``, filled with ``a`` (no <form>: nothing to submit)."""
    grades = list(a.grade_salary_gbp)
    cols = [_input(n, value_of(a, n), grades) for n in FIELDS]
    return html.Div(dbc.Row(cols, className="g-2"), role="group", **aria("Assumptions"))


def gbp(value: float | None) -> str:
    """'£12,345' (or '–')."""
    return "–" if value is None else f"£{value:,.0f}"


def months(value: float | None) -> str:
    """'14.2 months' (None: never within the horizon)."""
    return "beyond the horizon" if value is None else f"{value:.1f} months"


def _card(title: str, figure: Any, spread: str, figure_id: str) -> dbc.Col:
    value = html.Div(figure, className="h4 mb-0", id=figure_id)
    body = [html.H2(title, className="h6 text-body-secondary"), value, html.Small(spread)]
    return dbc.Col(dbc.Card(dbc.CardBody(body)), md=3, className="mb-2")


def _range(r: Range, show: Any) -> str:
    return f"P10–P90: {show(r.p10)} to {show(r.p90)}"


def headline(portfolio: Portfolio, simulation: Simulation) -> html.Div:
    """NPV, net benefit, one-off cost and payback, each with its Monte-Carlo P10–P90 range."""
    p, s = portfolio, simulation
    steps = f"{len(p.inputs)} steps in the portfolio"
    cards = [
        _card(
            f"NPV over {p.assumptions.horizon_years} years",
            gbp(p.npv_gbp),
            _range(s.npv_gbp, gbp),
            ids.BC_NPV,
        ),
        _card(
            "Net benefit a year",
            gbp(p.annual_net_benefit_gbp),
            _range(s.annual_net_benefit_gbp, gbp),
            "bc-net-benefit",
        ),
        _card(
            "One-off cost", gbp(p.one_off_cost_gbp), _range(s.one_off_cost_gbp, gbp), "bc-one-off"
        ),
        _card("Payback", months(p.payback_months), _range(s.payback_months, months), "bc-payback"),
    ]
    hours = (
        f"{steps}: {p.annual_hours_saved:,.0f} staff hours a year saved ({p.fte_released:.1f} FTE; "
        f"{_range(s.annual_hours_saved, lambda v: fmt(round(v or 0)))}), of which "
        f"{gbp(p.cashable_saving_gbp)} a year cashable. Ranges from {s.runs:,} Monte-Carlo runs."
    )
    return html.Div([dbc.Row(cards, className="g-2"), html.P(hours, className="small")])


def cashflow_figure(portfolio: Portfolio) -> go.Figure:
    """Net cash flow per year (bars) and the cumulative position, plain and discounted (lines)."""
    years = [y.year for y in portfolio.years]
    figure = go.Figure(
        [
            go.Bar(name="net a year", x=years, y=[y.net_gbp for y in portfolio.years], marker_color="#9ec5fe"),
            go.Scatter(name="cumulative", x=years, y=[y.cumulative_gbp for y in portfolio.years], mode="lines+markers", line={"color": "#0b5394"}),
            go.Scatter(name="cumulative, discounted", x=years, y=[y.cumulative_discounted_gbp for y in portfolio.years], mode="lines+markers", line={"color": "#6a1b9a", "dash": "dash"}),
        ]
    )  # fmt: skip
    figure.add_hline(y=0, line={"color": "#495057", "width": 1})
    figure.update_layout(
        height=340,
        margin={"l": 60, "r": 10, "t": 10, "b": 40},
        plot_bgcolor="white",
        xaxis={"title": "Year (0 = the start: one-off costs)", "dtick": 1},
        yaxis={"title": "GBP", "gridcolor": "#e9ecef", "tickprefix": "£"},
        legend={"orientation": "h", "y": 1.1},
    )
    return figure


def _dates(whatif: WhatIf, p: Projection) -> list[dt.datetime]:
    step = dt.timedelta(days=whatif.rates.period_days)
    return [whatif.rates.start + i * step for i in range(len(p.open_cases))]


def backlog_figure(whatif: WhatIf | None, note: str) -> go.Figure | None:
    """Open cases projected without and with the automation; None when there is no what-if."""
    if whatif is None:
        return None
    figure = go.Figure()
    for p, colour, dash in (
        (whatif.baseline, "#495057", "solid"),
        (whatif.automated, "#0b5394", "dash"),
    ):
        name = "without automation" if p is whatif.baseline else "with automation"
        figure.add_trace(go.Scatter(name=name, x=_dates(whatif, p), y=list(p.open_cases), mode="lines", line={"color": colour, "dash": dash}))  # fmt: skip
        if p.clear_date is not None:
            figure.add_trace(go.Scatter(name=f"clears ({name})", x=[p.clear_date], y=[0], mode="markers", marker={"color": colour, "size": 10, "symbol": "diamond"}))  # fmt: skip
    figure.update_layout(
        height=340,
        margin={"l": 60, "r": 10, "t": 10, "b": 40},
        plot_bgcolor="white",
        xaxis={"title": "Projected period"},
        yaxis={"title": "Open cases", "gridcolor": "#e9ecef", "rangemode": "tozero"},
        legend={"orientation": "h", "y": 1.1},
    )
    return figure


def whatif_text(whatif: WhatIf | None, note: str) -> html.P:
    """The what-if in one sentence, with the clear dates."""
    return html.P(note if whatif is None else whatif.summary(), className="small")


def waves_table(roadmap: Roadmap) -> Any:
    """One row per roadmap item, in wave order: class, ease, months."""
    if not roadmap.items:
        return placeholder("No step pays for itself under these assumptions: the roadmap is empty.")
    rows = [
        (i.wave, i.activity, i.automation_class, i.ease_band, round(i.value_score, 1), i.start_month, i.end_month)
        for i in roadmap.items
    ]  # fmt: skip
    header = ["Wave", "Step", "Class", "Ease", "Value", "Start month", "End month"]
    return table(header, rows, id="roadmap-table")


def download_name(kind: str, dataset: str) -> str:
    """File name of a download."""
    return {"xlsx": f"roadmap-{dataset}.xlsx", "pdf": f"roi-summary-{dataset}.pdf"}[kind]


def as_mapping(data: Any) -> Mapping[str, Any]:
    """The overrides from the browser's Store (anything but a dict counts as none)."""
    return data if isinstance(data, dict) else {}

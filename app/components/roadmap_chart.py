"""Gantt chart of the automation roadmap: one bar per step, coloured by wave.

Months count from the programme start; a step's bar runs from its start month
to its end month. Dependencies are listed in the hover text.

Imports: plotly, opportunity.roadmap (result type only).
"""

from __future__ import annotations

import plotly.graph_objects as go

from opportunity.assumptions import WAVES
from opportunity.roadmap import Roadmap

WAVE_COLOURS = {"quick wins": "#2e7d32", "next": "#1565c0", "strategic": "#6a1b9a"}


def roadmap_figure(roadmap: Roadmap) -> go.Figure:
    """A horizontal bar per roadmap item (earliest start at the top), one trace per wave.

    >>> from opportunity.assumptions import Assumptions
    >>> from opportunity.business_case import CaseInput
    >>> from opportunity.roadmap import build_roadmap
    >>> step = CaseInput(activity="Check", process="P", automation_class="RPA",
    ...                  annual_executions=1, handling_time_s=1, ease_band="high", value_score=90)
    >>> fig = roadmap_figure(build_roadmap([step], Assumptions()))
    >>> [(t.name, list(t.base), list(t.x)) for t in fig.data]
    [('quick wins', [0.0], [2.0])]
    """
    items = roadmap.items
    order = sorted(range(len(items)), key=lambda i: (items[i].start_month, i))
    labels = {i: f"{items[i].activity} ({items[i].process})" for i in order}
    fig = go.Figure()
    for wave in WAVES:
        rows = [i for i in order if items[i].wave == wave]
        if not rows:
            continue
        hover = [
            f"{items[i].activity}<br>{items[i].automation_class}, ease {items[i].ease_band}"
            f"<br>months {items[i].start_month:g}–{items[i].end_month:g}"
            + ("" if items[i].depends_on is None else
               f"<br>after {items[items[i].depends_on].activity}")  # type: ignore[index]
            for i in rows
        ]  # fmt: skip
        fig.add_trace(
            go.Bar(
                name=wave,
                orientation="h",
                y=[labels[i] for i in rows],
                base=[items[i].start_month for i in rows],
                x=[items[i].duration_months for i in rows],
                marker_color=WAVE_COLOURS[wave],
                hovertext=hover,
                hoverinfo="text",
            )
        )
    fig.update_layout(
        barmode="overlay",
        xaxis_title="Months from the start",
        yaxis={"categoryorder": "array", "categoryarray": [labels[i] for i in reversed(order)]},
        legend_title_text="Wave",
        margin={"l": 10, "r": 10, "t": 30, "b": 40},
    )
    return fig

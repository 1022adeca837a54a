"""The process map as an interactive plotly figure, and the panels shown when a step or path is clicked.

The layered layout comes from Graphviz (``mining.layout``); colours, widths,
labels and line styles come from ``mining.render.to_cytoscape_elements``, so
the figure, the Cytoscape elements and the SVG export all look alike. Each
activity is a clickable point of the trace named ``activities``; each arc's
label is a clickable point of the trace named ``paths``; their ``customdata``
say what was clicked.

Imports: plotly, networkx, dash, dash-bootstrap-components, mining (results, layout, render), app.components.common.
"""

from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
import networkx as nx
import plotly.graph_objects as go
from dash import html

from app.components.common import Cell, case_table, duration, escape_label, key_values, share
from mining.activities import ActivityStat
from mining.dfg import DfgEdge
from mining.drilldown import CaseList
from mining.layout import ArcPath, GraphLayout
from mining.render import node_ids, to_cytoscape_elements
from mining.simplify import END, START, SimplifiedMap

_PX_PER_INCH = 72  # Graphviz lays out in inches at 72 points each
_WIDTH_PX = 1100  # the map's width on a laptop screen
_DASH = {"solid": "solid", "dashed": "dash", "dotted": "dot"}


def _arc_path(points: tuple[tuple[float, float], ...]) -> str:
    """An SVG path through Graphviz's cubic B-spline control points."""
    (x0, y0), rest = points[0], points[1:]
    parts = [f"M {x0},{y0}"]
    for i in range(0, len(rest) - len(rest) % 3, 3):
        (x1, y1), (x2, y2), (x3, y3) = rest[i : i + 3]
        parts.append(f"C {x1},{y1} {x2},{y2} {x3},{y3}")
    return " ".join(parts)


def _arrow(arc: ArcPath, colour: str) -> dict[str, Any]:
    """An arrowhead at the end of an arc, pointing along its last segment."""
    (xa, ya), (xb, yb) = arc.points[-2], arc.points[-1]
    return {
        "x": xb,
        "y": yb,
        "ax": xa,
        "ay": ya,
        "xref": "x",
        "yref": "y",
        "axref": "x",
        "ayref": "y",
        "showarrow": True,
        "arrowhead": 2,
        "arrowsize": 1.2,
        "arrowwidth": 1.4,
        "arrowcolor": colour,
        "text": "",
        "standoff": 0,
    }


def _styles(
    graph: nx.DiGraph, color_by: str
) -> tuple[dict[str, dict], dict[tuple[str, str], dict]]:
    """Element data by graph node and by (source, target) arc."""
    elements = to_cytoscape_elements(graph, color_by=color_by)
    by_id = {v: k for k, v in node_ids(graph).items()}
    nodes = {by_id[e["data"]["id"]]: e["data"] for e in elements if e["group"] == "nodes"}
    arcs = {
        (by_id[e["data"]["source"]], by_id[e["data"]["target"]]): e["data"]
        for e in elements
        if e["group"] == "edges"
    }
    return nodes, arcs


def _node_shapes(layout: GraphLayout, nodes: dict[str, dict]) -> list[dict[str, Any]]:
    shapes = []
    for node, box in layout.nodes.items():
        virtual = node in (START, END)
        shapes.append(
            {
                "type": "circle" if virtual else "rect",
                "layer": "below",
                "x0": box.x - box.width / 2,
                "x1": box.x + box.width / 2,
                "y0": box.y - box.height / 2,
                "y1": box.y + box.height / 2,
                "fillcolor": nodes[node]["color"],
                "line": {"color": "#495057", "width": 1},
            }
        )
    return shapes


def _scale(layout: GraphLayout) -> float:
    """Pixels per inch when the map fills the width (never larger than Graphviz's own size)."""
    return min(_WIDTH_PX / max(layout.width, 0.1), _PX_PER_INCH)


def _activity_trace(layout: GraphLayout, nodes: dict[str, dict], font: float) -> go.Scatter:
    names = [n for n in layout.nodes if n not in (START, END)]
    return go.Scatter(
        name="activities",
        x=[layout.nodes[n].x for n in names],
        y=[layout.nodes[n].y for n in names],
        mode="markers+text",
        text=[escape_label(nodes[n]["label"]).replace("\n", "<br>") for n in names],
        textfont={"color": [nodes[n]["text_color"] for n in names], "size": font},
        marker={"symbol": "square", "size": 28, "opacity": 0},
        customdata=[["activity", n] for n in names],
        hovertemplate="%{text}<extra>click for details</extra>",
    )


def _path_trace(layout: GraphLayout, arcs: dict[tuple[str, str], dict], font: float) -> go.Scatter:
    labelled = [a for a in layout.arcs if a.label_x is not None]
    return go.Scatter(
        name="paths",
        x=[a.label_x for a in labelled],
        y=[a.label_y for a in labelled],
        mode="markers+text",
        text=[arcs[(a.source, a.target)]["label"] for a in labelled],
        textfont={"size": max(font - 1, 6), "color": "#343a40"},
        marker={"size": 14, "opacity": 0},
        customdata=[["path", a.source, a.target] for a in labelled],
        hovertemplate="%{text}<extra>click for details</extra>",
    )


def map_figure(graph: nx.DiGraph, layout: GraphLayout, *, color_by: str) -> go.Figure:
    """The map drawn from a Graphviz layout: boxes, spline arcs with arrows, clickable labels."""
    nodes, arcs = _styles(graph, color_by)
    shapes: list[dict[str, Any]] = []
    arrows = []
    for arc in layout.arcs:
        style = arcs[(arc.source, arc.target)]
        line = {"color": style["color"], "width": style["width"], "dash": _DASH[style["line"]]}
        shapes.append(
            {"type": "path", "path": _arc_path(arc.points), "line": line, "layer": "below"}
        )
        arrows.append(_arrow(arc, style["color"]))
    shapes += _node_shapes(layout, nodes)  # after the arcs: boxes cover the arc ends
    scale = _scale(layout)
    font = min(max(11 * scale / _PX_PER_INCH, 6), 11)
    figure = go.Figure([_path_trace(layout, arcs, font), _activity_trace(layout, nodes, font)])
    height = min(max(layout.height * scale + 30, 360), 1400)
    figure.update_layout(
        shapes=shapes,
        annotations=arrows,
        showlegend=False,
        height=height,
        plot_bgcolor="white",
        paper_bgcolor="white",
        dragmode="pan",
        margin={"l": 10, "r": 10, "t": 10, "b": 10},
        xaxis={"visible": False, "range": [-0.2, layout.width + 0.2]},
        yaxis={"visible": False, "scaleanchor": "x", "range": [-0.2, layout.height + 0.2]},
        hoverlabel={"bgcolor": "white"},
    )
    return figure


def map_summary(simplified: SimplifiedMap) -> str:
    """'8 of 12 activities · 14 of 30 paths · 95.1% of events · 1,434 cases'."""
    return (
        f"{simplified.activities_kept} of {simplified.activities_total} activities · "
        f"{simplified.edges_kept} of {simplified.edges_total} paths · "
        f"{share(simplified.event_share)} of events · {simplified.cases:,} cases"
    )


def activity_detail(stat: ActivityStat, cases: CaseList) -> dbc.Card:
    """Statistics of a clicked step and its cases."""
    facts: list[tuple[str, Cell]] = [
        ("Events", stat.events),
        ("Cases", stat.cases),
        ("Share of cases", share(stat.case_share)),
        ("Cases repeating it (rework)", stat.rework_cases),
        ("Immediate repeats (self-loops)", stat.self_loops),
    ]
    return _detail_card(f"Step: {stat.activity}", key_values(facts), cases)


def path_detail(edge: DfgEdge, cases: CaseList) -> dbc.Card:
    """Statistics of a clicked path (time from the source to the next step) and its cases."""
    facts: list[tuple[str, Cell]] = [
        ("Times taken", edge.frequency),
        ("Mean time", duration(edge.mean_s)),
        ("Median time", duration(edge.median_s)),
        ("90th percentile", duration(edge.p90_s)),
        ("Shortest", duration(edge.min_s)),
        ("Longest", duration(edge.max_s)),
    ]
    return _detail_card(f"Path: {edge.source} → {edge.target}", key_values(facts), cases)


def _detail_card(title: str, facts: Any, cases: CaseList) -> dbc.Card:
    return dbc.Card(
        dbc.CardBody([html.H2(title, className="h6"), facts, case_table(cases, title="Cases")]),
        className="mt-3",
    )

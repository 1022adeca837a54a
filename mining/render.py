"""Drawing a process graph: Cytoscape elements for the Dash app, SVG through Graphviz.

Both read the graph of ``mining.graph.build_process_graph`` and colour it one of
two ways:

* ``color_by="frequency"``: activity fill by events, arc width and colour by
  frequency; labels show counts ("1,234");
* ``color_by="performance"``: arc colour by mean time to the next activity
  (``mean_s``), width still by frequency; edge labels show the mean in human
  units ("45 min", "3.2 d"); activities get a neutral fill.

Scale values run from 0 (the smallest value in the graph) to 1 (the largest) on
a log scale, (log(1 + v) - log(1 + min)) / (log(1 + max) - log(1 + min)), so
that rare arcs stay visible beside arcs a thousand times more frequent and
durations from minutes to weeks stay apart. Arcs added
for connectivity by a simplified map are dashed; bridge arcs (entries from or
exits to removed activities) are dotted.

Activity names are untrusted log content. Element ids never contain them (nodes
are ``n0``, ``n1``, ... in name order, plus ``start`` and ``end``). In DOT they
appear only inside quoted strings, escaped for DOT (backslash, quote, newline)
and for Graphviz's entity pass-through (``&``, ``<``, ``>``), with characters XML
cannot hold replaced by U+FFFD, so the SVG shows the name as text and holds no
markup from it.

Imports: standard library, networkx, eventlogs.errors, mining.simplify.
"""

from __future__ import annotations

import math
import re
import shutil
import subprocess
from dataclasses import dataclass
from typing import Any, Literal

import networkx as nx

from eventlogs.errors import HyperpathError, InputError
from mining.simplify import END, START

ColorBy = Literal["frequency", "performance"]
COLOR_BY: tuple[ColorBy, ...] = ("frequency", "performance")
_PALETTES = {  # (low, high) as RGB
    "node": ((0xF7, 0xFB, 0xFF), (0x08, 0x51, 0x9C)),
    "frequency": ((0xA6, 0xB1, 0xBD), (0x1F, 0x2D, 0x3A)),
    "performance": ((0xFD, 0xD4, 0x9E), (0xB3, 0x00, 0x00)),
}
_NEUTRAL = "#f2f2f2"
_VIRTUAL = {"start": "#2ca02c", "end": "#444444"}
_MAX_WIDTH_PX = 8.0
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_UNITS = ((86_400.0, "d"), (3_600.0, "h"), (60.0, "min"), (1.0, "s"))


class RenderError(HyperpathError, RuntimeError):
    """Graphviz could not draw a graph."""


class GraphvizNotFoundError(RenderError):
    """Graphviz's ``dot`` program is not installed."""


def format_duration(seconds: float) -> str:
    """A duration in the largest fitting unit, 2 significant digits below 10.

    >>> format_duration(2700), format_duration(3.2 * 86_400), format_duration(0.25)
    ('45 min', '3.2 d', '0.2 s')
    """
    value, unit = seconds, "s"
    for size, name in _UNITS:
        if abs(seconds) >= size:
            value, unit = seconds / size, name
            break
    text = f"{value:.1f}" if abs(value) < 10 else f"{value:.0f}"
    return f"{text} {unit}"


def format_count(count: int) -> str:
    """A count with thousands separators: 1234 -> '1,234'."""
    return f"{count:,}"


@dataclass(frozen=True, slots=True, kw_only=True)
class _Range:
    """Smallest and largest value of a quantity in the graph: the ends of its scale."""

    low: float = 0.0
    high: float = 0.0

    def scale(self, value: float) -> float:
        """0 at ``low``, 1 at ``high``, on a log(1 + v) scale."""
        top, bottom = math.log1p(max(self.high, 0.0)), math.log1p(max(self.low, 0.0))
        if top <= bottom:
            return 1.0 if value > 0 else 0.0
        return min(max((math.log1p(max(value, 0.0)) - bottom) / (top - bottom), 0.0), 1.0)


@dataclass(frozen=True, slots=True, kw_only=True)
class _Scales:
    events: _Range
    frequency: _Range
    mean_s: _Range


def _range(values: list[float]) -> _Range:
    return _Range(low=min(values), high=max(values)) if values else _Range()


def _scales(graph: nx.DiGraph) -> _Scales:
    arcs = [d for _, _, d in graph.edges(data=True)]
    return _Scales(
        events=_range([d["events"] for _, d in graph.nodes(data=True) if d["kind"] == "activity"]),
        frequency=_range([d["frequency"] for d in arcs]),
        mean_s=_range([d["mean_s"] for d in arcs if d["kind"] == "edge"]),
    )


def _colour(palette: str, scale: float) -> str:
    low, high = _PALETTES[palette]
    rgb = (round(lo + (hi - lo) * scale) for lo, hi in zip(low, high, strict=True))
    return "#" + "".join(f"{c:02x}" for c in rgb)


def _check(color_by: str) -> None:
    if color_by not in COLOR_BY:
        raise InputError(f"color_by must be one of {', '.join(COLOR_BY)}; got {color_by!r}")


def node_ids(graph: nx.DiGraph) -> dict[str, str]:
    """Graph node -> element id: 'start', 'end', and n0, n1, ... for activities by name."""
    activities = sorted(n for n, d in graph.nodes(data=True) if d["kind"] == "activity")
    return {START: "start", END: "end", **{a: f"n{i}" for i, a in enumerate(activities)}}


def _node_style(data: dict[str, Any], color_by: str, scales: _Scales) -> dict[str, Any]:
    """Label lines, scale value and colours of one node."""
    if data["kind"] != "activity":
        return {
            "lines": [data["kind"]],
            "scale": 0.0,
            "color": _VIRTUAL[data["kind"]],
            "text_color": "#ffffff",
        }
    scale = scales.events.scale(data["events"])
    fill = _colour("node", scale) if color_by == "frequency" else _NEUTRAL
    dark = color_by == "frequency" and scale > 0.6
    return {
        "lines": [data["activity"], format_count(data["events"])],
        "scale": scale,
        "color": fill,
        "text_color": "#ffffff" if dark else "#1a1a1a",
    }


def _edge_style(data: dict[str, Any], color_by: str, scales: _Scales) -> dict[str, Any]:
    """Label, scale value, width and colour of one arc."""
    width_scale = scales.frequency.scale(data["frequency"])
    label = format_count(data["frequency"])
    if color_by == "performance" and data["kind"] == "edge":
        scale = scales.mean_s.scale(data["mean_s"])
        colour, label = _colour("performance", scale), format_duration(data["mean_s"])
    elif color_by == "performance":
        scale, colour = 0.0, "#bbbbbb"  # virtual arcs have no duration
    else:
        scale, colour = width_scale, _colour("frequency", width_scale)
    line = "dashed" if data["added_for_connectivity"] else "solid"
    if data["kind"] in ("entry", "exit"):
        line = "dotted"
    return {
        "label": label,
        "scale": scale,
        "width": round(1.0 + (_MAX_WIDTH_PX - 1.0) * width_scale, 2),
        "color": colour,
        "line": line,
    }


def to_cytoscape_elements(
    graph: nx.DiGraph, *, color_by: ColorBy | str = "frequency"
) -> list[dict[str, Any]]:
    """Nodes then edges as Cytoscape elements: ids, labels, stats, scale, width and colour.

    >>> from mining.dfg import DfgEdge, DirectlyFollowsGraph
    >>> from mining.graph import build_process_graph
    >>> from mining.source import Provenance
    >>> dfg = DirectlyFollowsGraph(
    ...     provenance=Provenance(dataset_id=0, dataset_name="doc"),
    ...     edges=(DfgEdge(source="a", target="b", frequency=3, mean_s=2700.0, median_s=60.0,
    ...                    min_s=60.0, max_s=60.0, sum_s=180.0, p90_s=60.0),),
    ...     start_activities={"a": 3}, end_activities={"b": 3}, activities={"a": 3, "b": 3})
    >>> elements = to_cytoscape_elements(build_process_graph(dfg), color_by="performance")
    >>> [e["data"]["label"] for e in elements if e["group"] == "edges"]
    ['3', '45 min', '3']
    """
    _check(color_by)
    scales, ids = _scales(graph), node_ids(graph)
    elements: list[dict[str, Any]] = []
    for node, data in graph.nodes(data=True):
        style = _node_style(data, color_by, scales)
        lines = style.pop("lines")
        fields = {"id": ids[node], "label": "\n".join(lines), **data, **style}
        elements.append({"group": "nodes", "data": fields, "classes": data["kind"]})
    for index, (source, target, data) in enumerate(graph.edges(data=True)):
        style = _edge_style(data, color_by, scales)
        fields = {"id": f"e{index}", "source": ids[source], "target": ids[target], **data}
        classes = " ".join([data["kind"], style["line"]])
        elements.append({"group": "edges", "data": {**fields, **style}, "classes": classes})
    return elements


def dot_string(text: str) -> str:
    r"""``text`` as a quoted DOT string that Graphviz shows literally.

    >>> print(dot_string('<b>"a\\b"</b>'))
    "&lt;b&gt;\"a\\b\"&lt;/b&gt;"
    """
    text = _NOT_XML.sub("\ufffd", text)
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = text.replace("\\", "\\\\").replace('"', '\\"')
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ")
    return '"' + text.replace("\n", "\\n") + '"'


def to_dot(graph: nx.DiGraph, *, color_by: ColorBy | str = "frequency") -> str:
    """The graph in Graphviz's DOT language, styled like the Cytoscape elements."""
    _check(color_by)
    scales, ids = _scales(graph), node_ids(graph)
    lines = [
        "digraph process {",
        '  graph [rankdir=TB, bgcolor="white", nodesep=0.4, ranksep=0.5];',
        '  node [shape=box, style="rounded,filled", fontname="Helvetica", fontsize=11];',
        '  edge [fontname="Helvetica", fontsize=9, arrowsize=0.7];',
    ]
    for node, data in graph.nodes(data=True):
        style = _node_style(data, color_by, scales)
        shape = {"start": "circle", "end": "doublecircle"}.get(data["kind"], "box")
        label = dot_string("\n".join(str(x) for x in style["lines"]))
        lines.append(
            f'  {ids[node]} [label={label}, shape={shape}, fillcolor="{style["color"]}", '
            f'fontcolor="{style["text_color"]}"];'
        )
    for source, target, data in graph.edges(data=True):
        style = _edge_style(data, color_by, scales)
        lines.append(
            f"  {ids[source]} -> {ids[target]} [label={dot_string(style['label'])}, "
            f'penwidth={style["width"]}, color="{style["color"]}", style={style["line"]}];'
        )
    lines.append("}")
    return "\n".join(lines) + "\n"


def render_svg(
    graph: nx.DiGraph, *, color_by: ColorBy | str = "frequency", timeout_s: float = 120.0
) -> str:
    """The graph drawn by Graphviz ``dot -Tsvg`` (DOT on stdin), as SVG text.

    Raises GraphvizNotFoundError when ``dot`` is not installed, RenderError when it fails.
    """
    return run_dot(to_dot(graph, color_by=color_by), "svg", timeout_s=timeout_s)


def run_dot(source: str, output_format: str, *, timeout_s: float = 120.0) -> str:
    """Run Graphviz ``dot -T<output_format>`` on DOT text and return its output."""
    program = shutil.which("dot")
    if program is None:
        raise GraphvizNotFoundError(
            "Graphviz's 'dot' program was not found on PATH; install Graphviz "
            "(Debian/Ubuntu: apt-get install graphviz; macOS: brew install graphviz) and retry"
        )
    try:
        done = subprocess.run(
            [program, f"-T{output_format}"],
            input=source.encode("utf-8"),
            capture_output=True,
            timeout=timeout_s,
            check=False,
        )
    except subprocess.TimeoutExpired as error:
        raise RenderError(
            f"Graphviz took longer than {timeout_s:g} s; simplify the map and retry"
        ) from error
    if done.returncode != 0:
        message = done.stderr.decode("utf-8", errors="replace").strip()[:500]
        raise RenderError(f"Graphviz 'dot' failed (exit {done.returncode}): {message}")
    return done.stdout.decode("utf-8", errors="replace")

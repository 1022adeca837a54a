"""A layered layout of a process graph, computed by Graphviz ``dot``: where to draw what.

``layout_graph(graph)`` runs ``dot -Tplain`` on the DOT text of
``mining.render.to_dot`` and returns the position and size of every node and
the spline control points of every arc, in inches with the y axis pointing up
(Graphviz's own coordinates). The app draws the map from this with its own
plotting library, so clicks on steps and paths can be handled; the SVG export
uses ``render_svg`` on the same DOT text, so both pictures agree.

Activity names never reach the parser: DOT node ids are ``n0``, ``n1``, ...,
``start`` and ``end`` (``mining.render.node_ids``), and only ids and numbers are
read back from the output.

Imports: standard library, networkx, mining.render.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

import networkx as nx

from mining.render import node_ids, run_dot, to_dot


@dataclass(frozen=True, slots=True, kw_only=True)
class NodeBox:
    """A node's centre and size, in inches."""

    x: float
    y: float
    width: float
    height: float


@dataclass(frozen=True, slots=True, kw_only=True)
class ArcPath:
    """An arc's cubic B-spline control points (1 + 3k points) and its label position."""

    source: str  # graph node (activity name, or the virtual __start__/__end__)
    target: str
    points: tuple[tuple[float, float], ...]
    label_x: float | None
    label_y: float | None


@dataclass(frozen=True, slots=True, kw_only=True)
class GraphLayout:
    """Where each node and arc of a process graph goes; ``width``/``height`` in inches."""

    width: float
    height: float
    nodes: Mapping[str, NodeBox]  # graph node -> box
    arcs: tuple[ArcPath, ...]


def layout_graph(graph: nx.DiGraph, *, timeout_s: float = 120.0) -> GraphLayout:
    """Lay a process graph out top to bottom with Graphviz (layered, few crossings).

    >>> from mining.dfg import DfgEdge, DirectlyFollowsGraph
    >>> from mining.graph import build_process_graph
    >>> from mining.source import Provenance
    >>> dfg = DirectlyFollowsGraph(
    ...     provenance=Provenance(dataset_id=0, dataset_name="doc"),
    ...     edges=(DfgEdge(source="a", target="b", frequency=3, mean_s=60.0, median_s=60.0,
    ...                    min_s=60.0, max_s=60.0, sum_s=180.0, p90_s=60.0),),
    ...     start_activities={"a": 3}, end_activities={"b": 3}, activities={"a": 3, "b": 3})
    >>> layout = layout_graph(build_process_graph(dfg))
    >>> sorted(layout.nodes), len(layout.arcs)
    (['__end__', '__start__', 'a', 'b'], 3)
    >>> layout.nodes["a"].y > layout.nodes["b"].y  # top to bottom: a above b
    True
    """
    text = run_dot(to_dot(graph), "plain", timeout_s=timeout_s)
    by_id = {v: k for k, v in node_ids(graph).items()}
    width = height = 0.0
    nodes: dict[str, NodeBox] = {}
    arcs: list[ArcPath] = []
    for line in text.splitlines():
        kind = line.split(" ", 1)[0]
        if kind == "graph":
            _, _, w, h = line.split()[:4]
            width, height = float(w), float(h)
        elif kind == "node":
            _, node, x, y, w, h = line.split()[:6]
            nodes[by_id[node]] = NodeBox(x=float(x), y=float(y), width=float(w), height=float(h))
        elif kind == "edge":
            arcs.append(_arc(line.split(), by_id))
    return GraphLayout(width=width, height=height, nodes=MappingProxyType(nodes), arcs=tuple(arcs))


def _arc(tokens: list[str], by_id: Mapping[str, str]) -> ArcPath:
    """One ``edge tail head n x1 y1 ... xn yn [label xl yl] style color`` line."""
    count = int(tokens[3])
    flat = [float(v) for v in tokens[4 : 4 + 2 * count]]
    rest = tokens[4 + 2 * count :]
    labelled = len(rest) > 2  # the label itself may be quoted and hold spaces ("45 min")
    return ArcPath(
        source=by_id[tokens[1]],
        target=by_id[tokens[2]],
        points=tuple(zip(flat[0::2], flat[1::2], strict=True)),
        label_x=float(rest[-4]) if labelled else None,
        label_y=float(rest[-3]) if labelled else None,
    )

"""Drawing process graphs: Cytoscape elements and SVG through Graphviz's ``dot``.

The SVG tests need the ``dot`` program (Debian package graphviz) and fail, never
skip, when it is missing.
"""

from __future__ import annotations

import csv
import doctest
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import duckdb
import networkx as nx
import pytest

from eventlogs.errors import HyperpathError, InputError
from eventlogs.load import LoadOptions, load_log
from mining import render
from mining.dfg import DfgEdge, DirectlyFollowsGraph, discover_dfg
from mining.graph import build_process_graph
from mining.render import (
    GraphvizNotFoundError,
    format_count,
    format_duration,
    render_svg,
    to_cytoscape_elements,
    to_dot,
)
from mining.simplify import simplify_map
from mining.source import Provenance

SVG = "{http://www.w3.org/2000/svg}"
EVIL = '<script>alert(1)</script>" -> "x'
NASTY = [
    EVIL,
    "back\\slash \\N \\l",
    "two\nlines",
    "&amp; &#60;b&#62; &lt;i&gt;",
    "<b>bold</b> ]]> <!-- c -->",
    "ctrl\x01char",
    "ünïcödé ✓",
]


def edge(source: str, target: str, frequency: int, mean_s: float) -> DfgEdge:
    return DfgEdge(
        source=source,
        target=target,
        frequency=frequency,
        mean_s=mean_s,
        median_s=mean_s,
        min_s=mean_s,
        max_s=mean_s,
        sum_s=mean_s * frequency,
        p90_s=mean_s,
    )


def chain(names: list[str]) -> DirectlyFollowsGraph:
    """names[0] -> names[1] -> ... for 10 cases, each gap 45 minutes; plus one self-loop."""
    edges = tuple(edge(a, b, 10, 2700.0) for a, b in zip(names, names[1:], strict=False))
    events = {n: 10 for n in names}
    events[names[0]] = 12
    return DirectlyFollowsGraph(
        provenance=Provenance(dataset_id=0, dataset_name="chain"),
        edges=(*edges, edge(names[0], names[0], 2, 60.0)),
        start_activities={names[0]: 10},
        end_activities={names[-1]: 10},
        activities=events,
    )


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg.encode("utf-8"))


def groups(root: ET.Element, kind: str) -> list[ET.Element]:
    return [g for g in root.iter(f"{SVG}g") if g.get("class") == kind]


def texts(root: ET.Element) -> list[str]:
    return [t.text or "" for t in root.iter(f"{SVG}text")]


def test_graphviz_is_installed() -> None:
    assert shutil.which("dot"), "Graphviz's dot is missing: apt-get install graphviz"


def test_human_units() -> None:
    assert format_duration(2700) == "45 min"
    assert format_duration(3.2 * 86_400) == "3.2 d"
    assert format_duration(5400) == "1.5 h"
    assert format_duration(30) == "30 s"
    assert format_duration(0) == "0.0 s"
    assert format_duration(40 * 86_400) == "40 d"
    assert format_count(1234567) == "1,234,567"


def test_cytoscape_elements_match_the_graph() -> None:
    graph = build_process_graph(chain(["A", "B", "C"]))
    elements = to_cytoscape_elements(graph)
    nodes = [e for e in elements if e["group"] == "nodes"]
    edges = [e for e in elements if e["group"] == "edges"]
    assert (len(nodes), len(edges)) == (graph.number_of_nodes(), graph.number_of_edges()) == (5, 5)
    ids = {n["data"]["id"] for n in nodes}
    assert ids == {"start", "end", "n0", "n1", "n2"}
    assert all({e["data"]["source"], e["data"]["target"]} <= ids for e in edges)
    assert len({e["data"]["id"] for e in edges}) == 5
    a = next(n["data"] for n in nodes if n["data"]["activity"] == "A")
    assert (a["label"], a["events"], a["scale"], a["is_start"]) == ("A\n12", 12, 1.0, True)
    b = next(n["data"] for n in nodes if n["data"]["activity"] == "B")
    assert b["scale"] == 0.0  # the least frequent activity: the bottom of the scale
    loop = next(e["data"] for e in edges if e["data"]["source"] == e["data"]["target"])
    assert (loop["label"], loop["scale"], loop["width"]) == ("2", 0.0, 1.0)
    ab = next(
        e["data"] for e in edges if (e["data"]["source"], e["data"]["target"]) == ("n0", "n1")
    )
    assert (ab["frequency"], ab["mean_s"], ab["scale"], ab["width"]) == (10, 2700.0, 1.0, 8.0)


def test_cytoscape_performance_colours() -> None:
    graph = build_process_graph(chain(["A", "B", "C"]))
    edges = [
        e for e in to_cytoscape_elements(graph, color_by="performance") if e["group"] == "edges"
    ]
    labels = {(e["data"]["source"], e["data"]["target"]): e["data"]["label"] for e in edges}
    assert labels == {
        ("start", "n0"): "10",
        ("n0", "n0"): "1.0 min",
        ("n0", "n1"): "45 min",
        ("n1", "n2"): "45 min",
        ("n2", "end"): "10",
    }
    colours = {(e["data"]["source"], e["data"]["target"]): e["data"]["color"] for e in edges}
    assert colours["n0", "n0"] == "#fdd49e" and colours["n0", "n1"] == "#b30000"
    assert colours["start", "n0"] == "#bbbbbb"  # virtual arcs have no duration
    with pytest.raises(InputError, match="color_by must be one of frequency, performance"):
        to_cytoscape_elements(graph, color_by="size")


@pytest.mark.parametrize("color_by", ["frequency", "performance"])
def test_svg_has_one_group_per_node_and_edge(color_by: str) -> None:
    graph = build_process_graph(chain(["A", "B", "C", "D"]))
    root = parse(render_svg(graph, color_by=color_by))
    assert len(groups(root, "node")) == 4 + 2
    assert len(groups(root, "edge")) == graph.number_of_edges() == 6
    if color_by == "performance":  # the three edges A->B->C->D
        assert texts(root).count("45 min") == 3
    else:  # B, C, D (10 events each), A->B->C->D and the start and end arcs
        assert texts(root).count("10") == 3 + 3 + 2


def test_svg_of_a_simplified_map(workspace: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    path = tmp_path / "log.csv"
    path.write_text(
        "case,activity,timestamp\n"
        + "".join(
            f"c{i},{a},2024-01-0{i + 1}T0{h}:00:00Z\n"
            for i, trace in enumerate(["ABD", "ABD", "ACD"])
            for h, a in enumerate(trace)
        ),
        encoding="utf-8",
    )
    load_log(
        workspace,
        path,
        options=LoadOptions(case="case", activity="activity", timestamp="timestamp"),
    )
    m = simplify_map(discover_dfg(workspace, "log"), path_share=0.5)
    graph = build_process_graph(m)
    root = parse(render_svg(graph))
    assert len(groups(root, "node")) == m.activities_kept + 2 == 6
    assert len(groups(root, "edge")) == graph.number_of_edges()
    assert "stroke-dasharray" in render_svg(graph)  # arcs added for connectivity are dashed


def test_untrusted_names_from_a_loaded_log(
    workspace: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    path = tmp_path / "evil.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["case", "activity", "timestamp"])
        writer.writerow(["c1", "Register", "2024-01-01T09:00:00Z"])
        writer.writerow(["c1", EVIL, "2024-01-01T10:00:00Z"])
    load_log(
        workspace,
        path,
        options=LoadOptions(case="case", activity="activity", timestamp="timestamp"),
    )
    graph = build_process_graph(discover_dfg(workspace, "evil"))
    assert EVIL in graph
    svg = render_svg(graph)
    root = parse(svg)
    assert not [e for e in root.iter() if e.tag.rsplit("}", 1)[-1].lower() == "script"]
    assert "<script" not in svg.lower()
    assert EVIL in texts(root)  # shown as text, exactly
    assert len(groups(root, "node")) == 2 + 2


def test_every_nasty_name_is_shown_literally() -> None:
    graph = build_process_graph(chain(NASTY))
    svg = render_svg(graph)
    root = parse(svg)  # well-formed XML despite control characters
    shown = texts(root)
    for name in NASTY:
        if "\n" in name:
            assert all(part in shown for part in name.split("\n"))
        elif "\x01" in name:
            assert name.replace("\x01", "\ufffd") in shown
        else:
            assert name in shown, name
    elements = {e.tag.rsplit("}", 1)[-1] for e in root.iter()}
    assert elements <= {"svg", "g", "title", "polygon", "ellipse", "path", "text", "polyline"}
    assert len(groups(root, "node")) == len(NASTY) + 2


def test_dot_never_holds_a_raw_name() -> None:
    dot = to_dot(build_process_graph(chain(NASTY)))
    assert EVIL not in dot and "<script>" not in dot
    assert '"&lt;script&gt;alert(1)&lt;/script&gt;\\" -&gt; \\"x\\n12"' in dot


def test_missing_dot_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    graph = build_process_graph(chain(["A", "B"]))
    monkeypatch.setenv("PATH", "")
    with pytest.raises(GraphvizNotFoundError, match="install Graphviz") as raised:
        render_svg(graph)
    assert isinstance(raised.value, HyperpathError)


def test_empty_graph_renders() -> None:
    graph = nx.DiGraph()
    graph.add_node("__start__", kind="start", activity=None, events=0)
    graph.add_node("__end__", kind="end", activity=None, events=0)
    assert len(groups(parse(render_svg(graph)), "node")) == 2
    assert len(to_cytoscape_elements(graph)) == 2


def test_docstring_examples_run() -> None:
    result = doctest.testmod(render)
    assert (result.failed, result.attempted > 0) == (0, True)

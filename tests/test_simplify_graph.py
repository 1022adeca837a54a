"""Map simplification and graph analysis: kept sets worked out by hand, and properties.

The hand-made logs are loaded through the real loader into a real DuckDB
workspace; the property tests build DFGs in Python from random event sequences
(one DFG per example, so hypothesis can try hundreds of logs quickly).
"""

from __future__ import annotations

import csv
import datetime as dt
import doctest
from collections import Counter
from pathlib import Path
from types import ModuleType

import duckdb
import networkx as nx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from eventlogs.errors import InputError
from eventlogs.load import LoadOptions, load_log
from mining import graph as graph_module
from mining import simplify as simplify_module
from mining.dfg import DfgEdge, DirectlyFollowsGraph, discover_dfg
from mining.graph import analyse_graph, build_process_graph
from mining.simplify import END, START, SimplifiedMap, significance, simplify_map
from mining.source import Provenance
from mining.variants import discover_variants

# The five-case log of docs/metrics.md (C1 and C5 tie B/C in time; file order wins).
# Events: B 6, D 5, A 4, C 3 (18). Edges: A->B 3, B->B 2, B->C 2, B->D 2, C->D 2,
# A->C 1, C->B 1 (13). Starts {A: 4, D: 1}; ends {D: 5}; 5 cases.
TINY = [
    ("C1", "ABCD"),
    ("C2", "ACBD"),
    ("C3", "ABBBD"),
    ("C4", "D"),
    ("C5", "ABCD"),
]

# For the graph analyses:
# 4 x A B C E, 2 x A B C B C E (loop B <-> C), 1 x A D D C E (self-loop D), 1 x A E.
# Edges: A->B 6, B->C 8, C->B 2, C->E 7, A->D 1, D->D 1, D->C 1, A->E 1.
LOOPS = [(f"L{i}", "ABCE") for i in range(4)] + [
    ("L4", "ABCBCE"),
    ("L5", "ABCBCE"),
    ("L6", "ADDCE"),
    ("L7", "AE"),
]


def load_traces(con: duckdb.DuckDBPyConnection, folder: Path, traces: list[tuple[str, str]]) -> str:
    """Write one event per letter, 10 minutes apart within a case, and load it; the dataset name."""
    path = folder / "traces.csv"
    start = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["case", "activity", "timestamp"])
        for number, (case, letters) in enumerate(traces):
            for step, letter in enumerate(letters):
                when = start + dt.timedelta(days=number, minutes=10 * step)
                writer.writerow([case, letter, when.isoformat()])
    options = LoadOptions(case="case", activity="activity", timestamp="timestamp")
    return load_log(con, path, options=options).name


def dfg_from_traces(traces: list[list[str]]) -> DirectlyFollowsGraph:
    """The DFG of some event sequences, built in Python (durations all 0)."""
    pairs = Counter((a, b) for t in traces for a, b in zip(t, t[1:], strict=False))
    edges = tuple(
        DfgEdge(
            source=a,
            target=b,
            frequency=n,
            mean_s=0.0,
            median_s=0.0,
            min_s=0.0,
            max_s=0.0,
            sum_s=0.0,
            p90_s=0.0,
        )
        for (a, b), n in sorted(pairs.items(), key=lambda kv: (-kv[1], kv[0]))
    )
    return DirectlyFollowsGraph(
        provenance=Provenance(dataset_id=0, dataset_name="generated"),
        edges=edges,
        start_activities=dict(Counter(t[0] for t in traces)),
        end_activities=dict(Counter(t[-1] for t in traces)),
        activities=dict(Counter(a for t in traces for a in t)),
    )


def arcs(m: SimplifiedMap) -> set[tuple[str, str]]:
    """Every arc drawn in the map, the virtual ones included."""
    return (
        {(e.source, e.target) for e in m.edges}
        | {(START, a) for a in m.start_arcs}
        | {(a, END) for a in m.end_arcs}
    )


def connected(m: SimplifiedMap) -> bool:
    graph = build_process_graph(m)
    return all(nx.has_path(graph, START, a) and nx.has_path(graph, a, END) for a in m.activities)


@pytest.fixture
def tiny(workspace: duckdb.DuckDBPyConnection, tmp_path: Path) -> DirectlyFollowsGraph:
    return discover_dfg(workspace, load_traces(workspace, tmp_path, TINY))


def test_python_dfg_matches_the_loaded_one(tiny: DirectlyFollowsGraph) -> None:
    built = dfg_from_traces([list(letters) for _, letters in TINY])
    assert {(e.source, e.target, e.frequency) for e in built.edges} == {
        (e.source, e.target, e.frequency) for e in tiny.edges
    }
    assert dict(tiny.activities) == {"B": 6, "D": 5, "A": 4, "C": 3}


def test_full_sliders_keep_the_whole_dfg(tiny: DirectlyFollowsGraph) -> None:
    m = simplify_map(tiny)
    assert (m.activities_kept, m.activities_total, m.edges_kept, m.edges_total) == (4, 4, 7, 7)
    assert m.edges == tiny.edges
    assert dict(m.start_arcs) == {"A": 4, "D": 1} and dict(m.end_arcs) == {"D": 5}
    assert (m.event_share, m.edge_frequency_share, m.connectivity_arcs) == (1.0, 1.0, ())
    assert m.cases == 5


def test_path_slider_by_frequency(tiny: DirectlyFollowsGraph) -> None:
    # Arcs among A, B, C, D with start/end arcs: 13 + 5 + 5 = 23. Ranked by frequency,
    # then names ('B' < '__start__'): D->end 5, start->A 4, A->B 3, B->B 2, B->C 2,
    # B->D 2, C->D 2, A->C 1, C->B 1, start->D 1. Half is 11.5: 5 + 4 + 3 = 12 -> 3 arcs.
    m = simplify_map(tiny, path_share=0.5)
    # C is entered only by B->C (rank 4) or A->C (rank 7): B->C; D then by B->D (5) rather
    # than start->D (9); C leaves by C->D (6) rather than C->B (8). B->B helps nobody.
    assert m.connectivity_arcs == (("B", "C"), ("B", "D"), ("C", "D"))
    assert {(e.source, e.target) for e in m.edges} == {
        ("A", "B"),
        ("B", "C"),
        ("B", "D"),
        ("C", "D"),
    }
    assert dict(m.start_arcs) == {"A": 4} and dict(m.end_arcs) == {"D": 5}
    assert m.connectivity_arcs_added == 3
    assert (m.edges_kept, m.edges_total) == (4, 7)
    assert m.edge_frequency_share == pytest.approx(9 / 13)
    assert m.provenance.parameters["path_share"] == 0.5


def test_activity_slider_and_bridges(tiny: DirectlyFollowsGraph) -> None:
    # 0.6 * 18 = 10.8 events: B (6) then D (11) -> {B, D}.
    m = simplify_map(tiny, activity_share=0.6, path_share=0.5)
    assert dict(m.activities) == {"B": 6, "D": 5}
    # Arcs: D->end 5, B->B 2, B->D 2, start->D 1 (10); half: D->end alone.
    # B never starts a case: it is entered from A (3) and C (1), both removed -> bridge
    # start->B of 4. D is reached by start->D; B reaches the end through B->D.
    assert {(e.source, e.target) for e in m.edges} == {("B", "D")}
    assert dict(m.start_arcs) == {"B": 4, "D": 1}
    assert dict(m.end_arcs) == {"D": 5}
    assert m.bridge_arcs == ((START, "B"),)
    assert m.connectivity_arcs == (("B", "D"), (START, "D"), (START, "B"))
    assert m.event_share == pytest.approx(11 / 18)
    assert m.edge_frequency_share == pytest.approx(2 / 13)
    kinds = nx.get_edge_attributes(build_process_graph(m), "kind")
    assert kinds[START, "B"] == "entry" and kinds[START, "D"] == "start"


def test_significance_keeps_other_paths(tiny: DirectlyFollowsGraph) -> None:
    # significance = f / sqrt(out(x) in(y)), out/in = events, cases (5) for start/end:
    # A->B 3/sqrt(4*6) = 0.612, B->B 2/6 = 0.333, C->D 2/sqrt(15) = 0.516.
    assert significance(tiny, "A", "B") == pytest.approx(3 / 24**0.5)
    assert significance(tiny, "B", "B") == pytest.approx(2 / 6)
    assert significance(tiny, START, "A") == pytest.approx(4 / 20**0.5)
    # 0.7 * 23 = 16.1. By frequency: D->end, start->A, A->B, B->B, B->C, B->D (18), and
    # C->D (rank 6) is added so that C reaches the end.
    by_frequency = simplify_map(tiny, path_share=0.7)
    assert {(e.source, e.target) for e in by_frequency.edges} == {
        ("A", "B"),
        ("B", "B"),
        ("B", "C"),
        ("B", "D"),
        ("C", "D"),
    }
    assert by_frequency.connectivity_arcs == (("C", "D"),)
    # By significance: D->end 1.0, start->A 0.894, A->B 0.612, C->D 0.516, B->C 0.471,
    # B->D 0.365 (18 >= 16.1): already connected, and the self-loop B->B is left out.
    by_significance = simplify_map(tiny, path_share=0.7, path_metric="significance")
    assert {(e.source, e.target) for e in by_significance.edges} == {
        ("A", "B"),
        ("B", "C"),
        ("B", "D"),
        ("C", "D"),
    }
    assert by_significance.connectivity_arcs == ()


def test_at_least_one_activity_and_ties_by_name() -> None:
    dfg = dfg_from_traces([["x", "y"], ["y", "x"]])  # x and y: 2 events each
    m = simplify_map(dfg, activity_share=0.01, path_share=0.01)
    assert list(m.activities) == ["x"]
    assert connected(m)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"activity_share": 0.0}, "activity_share must be a share in (0, 1]"),
        ({"path_share": 1.5}, "path_share must be a share in (0, 1]"),
        ({"path_metric": "weight"}, "path_metric must be one of frequency, significance"),
    ],
)
def test_bad_parameters(
    tiny: DirectlyFollowsGraph, options: dict[str, object], message: str
) -> None:
    with pytest.raises(InputError, match=message.replace("(", r"\(").replace("]", r"\]")):
        simplify_map(tiny, **options)  # type: ignore[arg-type]


def test_activity_named_like_a_virtual_node() -> None:
    dfg = dfg_from_traces([["__start__", "b"]])
    with pytest.raises(InputError, match="name of a virtual node"):
        simplify_map(dfg)
    with pytest.raises(InputError, match="name of a virtual node"):
        build_process_graph(dfg)


traces_strategy = st.lists(
    st.lists(st.sampled_from("abcdef"), min_size=1, max_size=7), min_size=1, max_size=12
)
shares = st.floats(min_value=0.001, max_value=1.0)


@settings(max_examples=300, deadline=None)
@given(traces_strategy, shares, shares, shares, st.sampled_from(["frequency", "significance"]))
def test_connected_and_monotone(
    traces: list[list[str]], share_a: float, low: float, high: float, metric: str
) -> None:
    low, high = sorted((low, high))
    dfg = dfg_from_traces(traces)
    small = simplify_map(dfg, activity_share=share_a, path_share=low, path_metric=metric)
    large = simplify_map(dfg, activity_share=share_a, path_share=high, path_metric=metric)
    assert connected(small) and connected(large)
    assert arcs(small) <= arcs(large)
    fewer = simplify_map(dfg, activity_share=low, path_share=share_a, path_metric=metric)
    more = simplify_map(dfg, activity_share=high, path_share=share_a, path_metric=metric)
    assert connected(fewer) and connected(more)
    assert set(fewer.activities) <= set(more.activities)
    # The sliders' promises: shares covered, counts consistent, edges among kept only.
    total = sum(dfg.activities.values())
    assert sum(more.activities.values()) >= high * total * (1 - 1e-9)
    assert more.activities_kept == len(more.activities) >= 1
    assert all({e.source, e.target} <= set(more.activities) for e in more.edges)
    assert set(small.connectivity_arcs) <= arcs(small)


@pytest.fixture
def loops(workspace: duckdb.DuckDBPyConnection, tmp_path: Path) -> nx.DiGraph:
    return build_process_graph(discover_dfg(workspace, load_traces(workspace, tmp_path, LOOPS)))


def test_graph_attributes(loops: nx.DiGraph) -> None:
    assert loops.number_of_nodes() == 5 + 2
    a = loops.nodes["A"]
    assert (a["events"], a["is_start"], a["start_count"], a["is_end"], a["end_count"]) == (
        8,
        True,
        8,
        False,
        0,
    )
    assert loops.nodes["C"]["events"] == 9 and loops.nodes[START]["events"] == 8
    bc = loops.edges["B", "C"]
    # every gap is 10 minutes
    assert (bc["frequency"], bc["mean_s"], bc["median_s"], bc["p90_s"]) == (8, 600.0, 600.0, 600.0)
    assert (bc["min_s"], bc["max_s"], bc["sum_s"]) == (600.0, 600.0, 4800.0)
    assert loops.edges[START, "A"]["frequency"] == 8 and loops.edges["E", END]["frequency"] == 8
    assert loops.graph["provenance"].dataset_name == "traces"


def test_graph_analysis(loops: nx.DiGraph) -> None:
    found = analyse_graph(loops, top_hubs=2)
    assert [(x.activities, x.frequency) for x in found.loops] == [(("B", "C"), 8 + 2)]
    assert dict(found.self_loops) == {"D": 1}
    # start->A 8, A->B 6, B->C 8, C->E 7, E->end 8: bottleneck 6; the only other way
    # to E is A->E (1) or through D (1).
    path = found.happy_path
    assert path.activities == ("A", "B", "C", "E")
    assert path.arc_frequencies == (8, 6, 8, 7, 8) and path.bottleneck_frequency == 6
    # Betweenness, distance 1/frequency, 5 activities: normalised by (5-1)(5-2) = 12.
    # C lies on the shortest A->E, B->E, D->E and D->B paths (4), B on A->C and A->E (2).
    assert [(h.activity, h.betweenness) for h in found.hubs] == [
        ("C", pytest.approx(4 / 12)),
        ("B", pytest.approx(2 / 12)),
    ]
    assert found.to_dict()["happy_path"]["activities"] == ["A", "B", "C", "E"]


def test_happy_path_ties() -> None:
    # Two routes of bottleneck 2: a b d (3 arcs of 2+) and a c e d (4 arcs): fewer arcs win.
    dfg = dfg_from_traces([list("abd"), list("abd"), list("aced"), list("aced")])
    assert analyse_graph(build_process_graph(dfg)).happy_path.activities == ("a", "b", "d")
    # Equal width, length and total: the names decide (b before c).
    dfg = dfg_from_traces([list("abd"), list("acd")])
    assert analyse_graph(build_process_graph(dfg)).happy_path.activities == ("a", "b", "d")


def test_analysis_of_a_simplified_map(
    loops: nx.DiGraph, workspace: duckdb.DuckDBPyConnection
) -> None:
    dfg = discover_dfg(workspace, "traces")
    m = simplify_map(dfg, path_share=0.5)
    graph = build_process_graph(m)
    assert analyse_graph(graph).happy_path.activities == ("A", "B", "C", "E")
    assert graph.graph["provenance"].parameters["path_share"] == 0.5
    added = {(a, b) for a, b, d in graph.edges(data=True) if d["added_for_connectivity"]}
    assert added == set(m.connectivity_arcs)


# The tables of docs/metrics.md, "Map simplification": (activity share, path share, metric,
# activities kept, edges kept, start arcs, end arcs, added, bridges, event share, edge share).
MEASURED = {
    "BPI_Challenge_2012": [
        (1.0, 1.0, "frequency", 24, 125, 1, 11, 0, 0, 1.000, 1.000),
        (1.0, 0.8, "frequency", 24, 41, 1, 3, 18, 0, 1.000, 0.872),
        (1.0, 0.5, "frequency", 24, 38, 1, 3, 34, 0, 1.000, 0.815),
        (0.9, 0.9, "frequency", 13, 22, 1, 2, 1, 0, 0.903, 0.779),
        (0.8, 0.8, "frequency", 9, 16, 1, 2, 5, 0, 0.803, 0.666),
        (0.8, 0.5, "frequency", 9, 13, 1, 2, 12, 0, 0.803, 0.595),
        (0.5, 0.5, "frequency", 3, 4, 2, 2, 6, 2, 0.504, 0.338),
        (0.2, 0.2, "frequency", 1, 1, 1, 1, 2, 1, 0.209, 0.153),
        (1.0, 0.8, "significance", 24, 50, 1, 3, 12, 0, 1.000, 0.855),
        (0.8, 0.8, "significance", 9, 15, 1, 2, 4, 0, 0.803, 0.645),
    ],
    "receipt": [
        (1.0, 1.0, "frequency", 27, 99, 1, 14, 0, 0, 1.000, 1.000),
        (1.0, 0.8, "frequency", 27, 39, 1, 4, 35, 0, 1.000, 0.856),
        (1.0, 0.5, "frequency", 27, 38, 1, 3, 37, 0, 1.000, 0.823),
        (0.9, 0.9, "frequency", 6, 7, 1, 2, 0, 0, 0.945, 0.805),
        (0.8, 0.8, "frequency", 6, 5, 1, 1, 0, 0, 0.945, 0.746),
        (0.8, 0.5, "frequency", 6, 5, 1, 1, 3, 0, 0.945, 0.746),
        (0.5, 0.5, "frequency", 4, 5, 1, 2, 6, 0, 0.644, 0.381),
        (0.2, 0.2, "frequency", 2, 1, 1, 2, 3, 0, 0.332, 0.033),
        (1.0, 0.8, "significance", 27, 36, 1, 4, 21, 0, 1.000, 0.817),
        (0.8, 0.8, "significance", 6, 5, 1, 1, 0, 0, 0.945, 0.746),
    ],
}


@pytest.mark.slow
@pytest.mark.parametrize("dataset", sorted(MEASURED))
def test_documented_tables_on_real_logs(
    real_workspace: duckdb.DuckDBPyConnection, dataset: str
) -> None:
    dfg = discover_dfg(real_workspace, dataset)
    for row in MEASURED[dataset]:
        activity_share, path_share, metric = row[:3]
        m = simplify_map(
            dfg, activity_share=activity_share, path_share=path_share, path_metric=metric
        )
        found = (
            m.activities_kept,
            m.edges_kept,
            len(m.start_arcs),
            len(m.end_arcs),
            m.connectivity_arcs_added,
            len(m.bridge_arcs),
            round(m.event_share, 3),
            round(m.edge_frequency_share, 3),
        )
        assert found == row[3:], row[:3]
        assert connected(m), row[:3]


@pytest.mark.slow
@pytest.mark.parametrize("dataset", sorted(MEASURED))
def test_happy_path_is_the_top_variant_on_real_logs(
    real_workspace: duckdb.DuckDBPyConnection, dataset: str
) -> None:
    path = analyse_graph(build_process_graph(discover_dfg(real_workspace, dataset))).happy_path
    top = discover_variants(real_workspace, dataset).variants[0]
    assert path.activities == top.activities
    assert path.bottleneck_frequency >= top.cases


@pytest.mark.parametrize("module", [simplify_module, graph_module])
def test_docstring_examples_run(module: ModuleType) -> None:
    result = doctest.testmod(module)
    assert (result.failed, result.attempted > 0) == (0, True)

"""The process graph: a DFG or simplified map as a networkx graph, and its structure.

``build_process_graph(map_or_dfg)`` returns a ``networkx.DiGraph`` whose nodes are
the activities plus the virtual nodes ``__start__`` and ``__end__``:

* activity nodes: ``kind="activity"``, ``activity``, ``events``, ``start_count``,
  ``end_count``, ``is_start``, ``is_end`` (counts from the log: a start activity
  whose start arc a simplified map dropped still has ``is_start``);
* virtual nodes: ``kind="start"``/``"end"``, ``events`` = cases;
* directly-follows edges: ``kind="edge"``, ``frequency``, ``mean_s``, ``median_s``,
  ``min_s``, ``max_s``, ``sum_s``, ``p90_s``;
* arcs from ``__start__`` / to ``__end__``: ``kind="start"``/``"end"`` (cases
  starting / ending there) or ``"entry"``/``"exit"`` (bridges of a simplified
  map, see ``mining.simplify``), with ``frequency``;
* every arc: ``added_for_connectivity``.

``analyse_graph(graph)`` finds loops (strongly connected components of more than
one activity), self-loops, the happy path (widest start-to-end path) and hub
steps (betweenness centrality), as plain data.

Imports: networkx, standard library, mining.dfg, mining.simplify, mining.source.
"""

from __future__ import annotations

import heapq
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

import networkx as nx

from mining.dfg import DfgEdge, DirectlyFollowsGraph
from mining.simplify import END, START, SimplifiedMap, check_names
from mining.source import Provenance

_PERFORMANCE = ("mean_s", "median_s", "min_s", "max_s", "sum_s", "p90_s")


def build_process_graph(map_or_dfg: DirectlyFollowsGraph | SimplifiedMap) -> nx.DiGraph:
    """The graph of a DFG (every activity and arc) or of a simplified map (what it kept).

    >>> from mining.source import Provenance
    >>> dfg = DirectlyFollowsGraph(
    ...     provenance=Provenance(dataset_id=0, dataset_name="doc"),
    ...     edges=(DfgEdge(source="a", target="b", frequency=3, mean_s=60.0, median_s=60.0,
    ...                    min_s=60.0, max_s=60.0, sum_s=180.0, p90_s=60.0),),
    ...     start_activities={"a": 3}, end_activities={"b": 3}, activities={"a": 3, "b": 3})
    >>> g = build_process_graph(dfg)
    >>> sorted(g.edges)
    [('__start__', 'a'), ('a', 'b'), ('b', '__end__')]
    >>> g.edges["a", "b"]["mean_s"], g.nodes["a"]["is_start"]
    (60.0, True)
    """
    check_names(map_or_dfg.activities)
    graph = nx.DiGraph(provenance=map_or_dfg.provenance)
    cases = (
        map_or_dfg.cases
        if isinstance(map_or_dfg, SimplifiedMap)
        else sum(map_or_dfg.start_activities.values())
    )
    graph.add_node(START, kind="start", activity=None, events=cases)
    for activity in sorted(map_or_dfg.activities):
        graph.add_node(activity, **_node(map_or_dfg, activity))
    graph.add_node(END, kind="end", activity=None, events=cases)
    added = _connectivity(map_or_dfg)
    for e in sorted(map_or_dfg.edges, key=lambda e: (e.source, e.target)):
        added_here = (e.source, e.target) in added
        graph.add_edge(e.source, e.target, **_edge(e), added_for_connectivity=added_here)
    for source, target, kind, frequency in _virtual_arcs(map_or_dfg):
        graph.add_edge(
            source,
            target,
            kind=kind,
            frequency=frequency,
            added_for_connectivity=(source, target) in added,
        )
    return graph


def _node(source: DirectlyFollowsGraph | SimplifiedMap, activity: str) -> dict[str, Any]:
    starts = source.start_activities.get(activity, 0)
    ends = source.end_activities.get(activity, 0)
    return {
        "kind": "activity",
        "activity": activity,
        "events": source.activities[activity],
        "start_count": starts,
        "end_count": ends,
        "is_start": starts > 0,
        "is_end": ends > 0,
    }


def _edge(e: DfgEdge) -> dict[str, Any]:
    return {"kind": "edge", "frequency": e.frequency, **{k: getattr(e, k) for k in _PERFORMANCE}}


def _connectivity(source: DirectlyFollowsGraph | SimplifiedMap) -> set[tuple[str, str]]:
    return set(source.connectivity_arcs) if isinstance(source, SimplifiedMap) else set()


def _virtual_arcs(
    source: DirectlyFollowsGraph | SimplifiedMap,
) -> list[tuple[str, str, str, int]]:
    """(source, target, kind, frequency) of the arcs from __start__ and to __end__."""
    if isinstance(source, SimplifiedMap):
        bridges = set(source.bridge_arcs)
        starts, ends = source.start_arcs, source.end_arcs
    else:
        bridges = set()
        starts, ends = source.start_activities, source.end_activities
    arcs = [
        (START, a, "entry" if (START, a) in bridges else "start", n)
        for a, n in sorted(starts.items())
    ]
    arcs += [(a, END, "exit" if (a, END) in bridges else "end", n) for a, n in sorted(ends.items())]
    return arcs


@dataclass(frozen=True, slots=True, kw_only=True)
class Loop:
    """A strongly connected component of more than one activity: a loop of the process."""

    activities: tuple[str, ...]  # sorted by name
    frequency: int  # sum of the frequencies of the edges inside it (self-loops included)


@dataclass(frozen=True, slots=True, kw_only=True)
class HappyPath:
    """The widest start-to-end path: its weakest arc is as frequent as possible."""

    activities: tuple[str, ...]  # without the virtual nodes
    arc_frequencies: tuple[int, ...]  # of the arcs __start__ -> ... -> __end__, in order
    bottleneck_frequency: int  # the smallest of them (0 when no path)


@dataclass(frozen=True, slots=True, kw_only=True)
class Hub:
    """An activity many frequent routes pass through."""

    activity: str
    betweenness: float  # normalised betweenness centrality, 0-1


@dataclass(frozen=True, slots=True, kw_only=True)
class GraphAnalysis:
    """Structure of a process graph: loops, self-loops, happy path, hubs."""

    provenance: Provenance | None  # of the DFG or map the graph was built from
    loops: tuple[Loop, ...]  # largest first, then by name
    self_loops: Mapping[str, int]  # activity -> frequency of a -> a, most frequent first
    happy_path: HappyPath
    hubs: tuple[Hub, ...]  # highest betweenness first, then by name; at most top_hubs

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready shape."""
        return {
            "loops": [
                {"activities": list(x.activities), "frequency": x.frequency} for x in self.loops
            ],
            "self_loops": dict(self.self_loops),
            "happy_path": {
                "activities": list(self.happy_path.activities),
                "arc_frequencies": list(self.happy_path.arc_frequencies),
                "bottleneck_frequency": self.happy_path.bottleneck_frequency,
            },
            "hubs": [{"activity": h.activity, "betweenness": h.betweenness} for h in self.hubs],
            "provenance": self.provenance.to_dict() if self.provenance else None,
        }


def analyse_graph(graph: nx.DiGraph, *, top_hubs: int = 5) -> GraphAnalysis:
    """Loops, self-loops, happy path and the ``top_hubs`` hub steps of a process graph."""
    activities = graph.subgraph(n for n, d in graph.nodes(data=True) if d["kind"] == "activity")
    record = graph.graph.get("provenance")
    return GraphAnalysis(
        provenance=record if isinstance(record, Provenance) else None,
        loops=find_loops(activities),
        self_loops=find_self_loops(activities),
        happy_path=find_happy_path(graph),
        hubs=find_hubs(activities, top=top_hubs),
    )


def find_self_loops(activities: nx.DiGraph) -> Mapping[str, int]:
    """Activity -> frequency of its self-loop a -> a, most frequent first, then by name."""
    loops = [(a, int(d["frequency"])) for a, b, d in activities.edges(data=True) if a == b]
    return MappingProxyType(dict(sorted(loops, key=lambda kv: (-kv[1], kv[0]))))


def find_loops(activities: nx.DiGraph) -> tuple[Loop, ...]:
    """Strongly connected components of more than one activity, largest first."""
    loops = []
    for component in nx.strongly_connected_components(activities):
        if len(component) > 1:
            inside = activities.subgraph(component)
            frequency = sum(int(d["frequency"]) for _, _, d in inside.edges(data=True))
            loops.append(Loop(activities=tuple(sorted(component)), frequency=frequency))
    return tuple(sorted(loops, key=lambda x: (-len(x.activities), x.activities)))


def find_happy_path(graph: nx.DiGraph) -> HappyPath:
    """The widest path __start__ -> __end__; ties: fewest arcs, most total frequency, names.

    First the largest bottleneck b (the path's least frequent arc); then, over the
    arcs of frequency >= b only, a lexicographic shortest path on (arcs, -total
    frequency), remaining ties broken by the sequence of names.
    """
    bottleneck = _widest_bottleneck(graph)
    if bottleneck == 0:
        return HappyPath(activities=(), arc_frequencies=(), bottleneck_frequency=0)
    heap: list[tuple[int, int, tuple[str, ...]]] = [(0, 0, (START,))]
    settled: set[str] = set()
    while heap:
        hops, minus_total, path = heapq.heappop(heap)
        node = path[-1]
        if node in settled:
            continue
        settled.add(node)
        if node == END:
            break
        for head, data in graph.adj[node].items():
            if head not in settled and data["frequency"] >= bottleneck:
                heapq.heappush(heap, (hops + 1, minus_total - data["frequency"], (*path, head)))
    arcs = tuple(int(graph.edges[a, b]["frequency"]) for a, b in zip(path, path[1:], strict=False))
    return HappyPath(activities=path[1:-1], arc_frequencies=arcs, bottleneck_frequency=bottleneck)


def _widest_bottleneck(graph: nx.DiGraph) -> int:
    """The largest b such that some path __start__ -> __end__ uses only arcs of frequency >= b."""
    if START not in graph or END not in graph:
        return 0
    best = {START: float("inf")}
    heap: list[tuple[float, str]] = [(-best[START], START)]
    while heap:
        value, node = heapq.heappop(heap)
        if -value < best[node]:
            continue
        for head, data in graph.adj[node].items():
            width = min(-value, data["frequency"])
            if width > best.get(head, 0):
                best[head] = width
                heapq.heappush(heap, (-width, head))
    return int(best.get(END, 0))


def find_hubs(activities: nx.DiGraph, *, top: int) -> tuple[Hub, ...]:
    """The ``top`` activities by betweenness, shortest paths weighted 1 / frequency."""
    if activities.number_of_nodes() == 0 or top <= 0:
        return ()
    distance = {
        (a, b): 1.0 / max(int(d["frequency"]), 1) for a, b, d in activities.edges(data=True)
    }
    weighted = nx.DiGraph()
    weighted.add_nodes_from(sorted(activities.nodes))
    weighted.add_edges_from(
        (a, b, {"distance": w}) for (a, b), w in sorted(distance.items()) if a != b
    )
    centrality = nx.betweenness_centrality(weighted, weight="distance", normalized=True)
    ranked = sorted(centrality.items(), key=lambda kv: (-kv[1], kv[0]))[:top]
    return tuple(Hub(activity=a, betweenness=float(v)) for a, v in ranked)

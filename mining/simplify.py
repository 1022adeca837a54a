"""Map simplification: the activity and path sliders of Disco and Apromore, on a DFG.

``simplify_map(dfg, activity_share=..., path_share=..., path_metric=...)`` keeps

1. **activities**: the most frequent ones (by events; ties by name) until they
   hold ``activity_share`` of all events, and always at least one;
2. **arcs between kept activities**: the directly-follows edges among them plus
   the arcs from the virtual start node (cases starting with an activity) and
   to the virtual end node (cases ending with it). They are ranked by
   ``path_metric`` (then frequency, then names) and the best are kept until
   they hold ``path_share`` of the frequency of all those arcs;
3. **connectivity**: every kept activity must be reachable from ``__start__``
   and must reach ``__end__``. For each kept activity the map adds the path
   from the start (and to the end) whose weakest arc ranks best (a minimax
   path over the ranks). An activity already connected by the kept arcs has
   such a path among them, so arcs are only added where needed, and a larger
   ``path_share`` always gives a superset of arcs.

Events of removed activities are not re-linked: an edge a -> b of the map counts
only the times b directly followed a in the log. When a kept activity can only
be entered from (or only left to) removed activities, it is connected to the
virtual node by a *bridge* arc whose frequency counts those entries (exits):
the sum of the DFG edges from (to) removed activities. Bridges rank after every
other arc and are only drawn when nothing else connects the activity.

Significance of an arc x -> y with frequency f is f / sqrt(out(x) * in(y)),
with out(a) = in(a) = events of a and out(start) = in(end) = cases: the
geometric mean of the share of x's departures and of y's arrivals it carries.

Imports: standard library, eventlogs.errors, mining.dfg, mining.source.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Literal, NamedTuple, cast

from eventlogs.errors import InputError
from mining.dfg import DfgEdge, DirectlyFollowsGraph
from mining.source import Provenance

START = "__start__"
END = "__end__"
PathMetric = Literal["frequency", "significance"]
PATH_METRICS: tuple[PathMetric, ...] = ("frequency", "significance")
_TOLERANCE = 1e-9  # a share covered within this relative error counts as covered


@dataclass(frozen=True, slots=True, kw_only=True)
class SimplifiedMap:
    """A process map after the two sliders; arcs to/from the virtual nodes are kept apart."""

    provenance: Provenance  # the DFG's record plus the three slider parameters
    activity_share: float
    path_share: float
    path_metric: PathMetric
    cases: int  # cases of the log (the frequency of the virtual start and end nodes)
    activities: Mapping[str, int]  # kept activity -> events, most frequent first
    start_activities: Mapping[str, int]  # kept activity -> cases starting with it (arc or not)
    end_activities: Mapping[str, int]  # kept activity -> cases ending with it (arc or not)
    edges: tuple[DfgEdge, ...]  # kept directly-follows edges, most frequent first
    start_arcs: Mapping[str, int]  # drawn arcs __start__ -> activity: their frequency
    end_arcs: Mapping[str, int]  # drawn arcs activity -> __end__: their frequency
    bridge_arcs: tuple[tuple[str, str], ...]  # start/end arcs that stand for removed activities
    connectivity_arcs: tuple[tuple[str, str], ...]  # arcs added back for connectivity
    activities_kept: int
    activities_total: int
    edges_kept: int  # directly-follows edges (virtual arcs not counted)
    edges_total: int  # edges of the input DFG
    event_share: float  # events of kept activities / all events
    edge_frequency_share: float  # frequency of kept edges / frequency of all DFG edges

    @property
    def connectivity_arcs_added(self) -> int:
        """How many arcs (edges, start or end arcs) were added back for connectivity."""
        return len(self.connectivity_arcs)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready shape: parameters, counts, kept activities and arcs."""
        return {
            "activity_share": self.activity_share,
            "path_share": self.path_share,
            "path_metric": self.path_metric,
            "cases": self.cases,
            "activities": dict(self.activities),
            "edges": [
                {"source": e.source, "target": e.target, "frequency": e.frequency}
                for e in self.edges
            ],
            "start_arcs": dict(self.start_arcs),
            "end_arcs": dict(self.end_arcs),
            "bridge_arcs": [list(a) for a in self.bridge_arcs],
            "connectivity_arcs": [list(a) for a in self.connectivity_arcs],
            "counts": {
                "activities_kept": self.activities_kept,
                "activities_total": self.activities_total,
                "edges_kept": self.edges_kept,
                "edges_total": self.edges_total,
                "event_share": self.event_share,
                "edge_frequency_share": self.edge_frequency_share,
            },
            "provenance": self.provenance.to_dict(),
        }


class _Arc(NamedTuple):
    source: str
    target: str
    frequency: int
    weight: float  # the value of the path metric


def simplify_map(
    dfg: DirectlyFollowsGraph,
    *,
    activity_share: float = 1.0,
    path_share: float = 1.0,
    path_metric: str = "frequency",
) -> SimplifiedMap:
    """Keep the main activities and paths of a DFG, every kept activity still start-to-end connected.

    >>> from mining.source import Provenance
    >>> dfg = DirectlyFollowsGraph(
    ...     provenance=Provenance(dataset_id=0, dataset_name="doc"),
    ...     edges=(DfgEdge(source="a", target="b", frequency=3, mean_s=1.0, median_s=1.0,
    ...                    min_s=1.0, max_s=1.0, sum_s=3.0, p90_s=1.0),),
    ...     start_activities={"a": 3}, end_activities={"b": 3}, activities={"a": 3, "b": 3})
    >>> m = simplify_map(dfg, activity_share=0.5)
    >>> list(m.activities), dict(m.start_arcs), dict(m.end_arcs)
    (['a'], {'a': 3}, {'a': 3})
    >>> m.bridge_arcs, m.edges_kept
    ((('a', '__end__'),), 0)
    """
    metric = _check(dfg, activity_share, path_share, path_metric)
    kept = keep_activities(dfg.activities, activity_share)
    regular = _rank_arcs(dfg, kept, metric)
    chosen = set(range(_prefix_length([a.frequency for a in regular], path_share)))
    arcs = regular + _bridges(dfg, kept)  # bridges rank after every regular arc
    backbone = _minimax_tree(arcs, START, END) | _minimax_tree(arcs, END, START)
    added = sorted(backbone - chosen)
    chosen |= backbone
    parameters = {"activity_share": activity_share, "path_share": path_share, "path_metric": metric}
    return _assemble(
        dfg,
        kept,
        [arcs[i] for i in sorted(chosen)],
        added=[arcs[i] for i in added],
        bridges=[arcs[i] for i in sorted(chosen) if i >= len(regular)],
        provenance=_extend(dfg.provenance, parameters),
        parameters=parameters,
    )


def keep_activities(activities: Mapping[str, int], share: float) -> list[str]:
    """The fewest most frequent activities (ties by name) holding ``share`` of all events."""
    ranked = sorted(activities.items(), key=lambda kv: (-kv[1], kv[0]))
    frequencies = [n for _, n in ranked]
    count = max(1, _prefix_length(frequencies, share)) if ranked else 0
    return [name for name, _ in ranked[:count]]


def _rank_arcs(dfg: DirectlyFollowsGraph, kept: Sequence[str], metric: PathMetric) -> list[_Arc]:
    """Edges among ``kept`` and their start/end arcs, best first: metric, frequency, names."""
    inside = set(kept)
    cases = sum(dfg.start_activities.values())
    events = {**dfg.activities, START: cases, END: cases}

    def arc(source: str, target: str, frequency: int) -> _Arc:
        if metric == "frequency":
            return _Arc(source, target, frequency, float(frequency))
        scale = math.sqrt(max(events.get(source, 1), 1) * max(events.get(target, 1), 1))
        return _Arc(source, target, frequency, frequency / scale)

    arcs = [
        arc(e.source, e.target, e.frequency)
        for e in dfg.edges
        if e.source in inside and e.target in inside
    ]
    arcs += [arc(START, a, n) for a, n in dfg.start_activities.items() if a in inside and n > 0]
    arcs += [arc(a, END, n) for a, n in dfg.end_activities.items() if a in inside and n > 0]
    return sorted(arcs, key=lambda a: (-a.weight, -a.frequency, a.source, a.target))


def significance(dfg: DirectlyFollowsGraph, source: str, target: str) -> float:
    """f / sqrt(out(source) * in(target)) of one arc (START/END for the virtual nodes)."""
    found = [
        a
        for a in _rank_arcs(dfg, list(dfg.activities), "significance")
        if (a.source, a.target) == (source, target)
    ]
    return found[0].weight if found else 0.0


def _check(
    dfg: DirectlyFollowsGraph, activity_share: float, path_share: float, path_metric: str
) -> PathMetric:
    for name, value in (("activity_share", activity_share), ("path_share", path_share)):
        if not (isinstance(value, int | float) and 0.0 < value <= 1.0):
            raise InputError(f"{name} must be a share in (0, 1]; got {value!r}")
    if path_metric not in PATH_METRICS:
        raise InputError(
            f"path_metric must be one of {', '.join(PATH_METRICS)}; got {path_metric!r}"
        )
    check_names(dfg.activities)
    return cast(PathMetric, path_metric)


def check_names(activities: Iterable[str]) -> None:
    """Refuse activities named like the virtual nodes, which would merge with them."""
    clashes = sorted({START, END} & set(activities))
    if clashes:
        raise InputError(
            f"activity {clashes[0]!r} has the name of a virtual node ({START}, {END}); "
            "rename it when loading the log"
        )


def _prefix_length(frequencies: Sequence[int], share: float) -> int:
    """The length of the shortest prefix holding ``share`` of the total (all of it if needed)."""
    total = sum(frequencies)
    target = share * total * (1 - _TOLERANCE)
    running = 0
    for index, value in enumerate(frequencies):
        if running >= target and index > 0:
            return index
        running += value
    return len(frequencies)


def _bridges(dfg: DirectlyFollowsGraph, kept: Sequence[str]) -> list[_Arc]:
    """Entries from and exits to removed activities, as start/end arcs; most frequent first."""
    inside = set(kept)
    entries: dict[str, int] = {}
    exits: dict[str, int] = {}
    for e in dfg.edges:
        if e.target in inside and e.source not in inside:
            entries[e.target] = entries.get(e.target, 0) + e.frequency
        if e.source in inside and e.target not in inside:
            exits[e.source] = exits.get(e.source, 0) + e.frequency
    arcs = [_Arc(START, a, n, float(n)) for a, n in entries.items()]
    arcs += [_Arc(a, END, n, float(n)) for a, n in exits.items()]
    return sorted(arcs, key=lambda a: (-a.frequency, a.source, a.target))


def _minimax_tree(arcs: Sequence[_Arc], root: str, other: str) -> set[int]:
    """Indices of a tree of paths minimising the worst (largest) rank on the path.

    From START (other = END) the paths lead from the root to every activity; from
    END (other = START) they lead from every activity to the root, walking the
    arcs backwards. The other virtual node is left out: it needs no path. Ranks
    are the positions in ``arcs``, all distinct, so each node's value is unique.
    """
    forward = root == START
    adjacency: dict[str, list[tuple[int, str]]] = {}
    for rank, a in enumerate(arcs):
        tail, head = (a.source, a.target) if forward else (a.target, a.source)
        if head != other:
            adjacency.setdefault(tail, []).append((rank, head))
    best: dict[str, int] = {root: -1}
    parent: dict[str, int] = {}
    heap = [(-1, root)]
    while heap:
        value, node = heapq.heappop(heap)
        if value > best[node]:
            continue
        for rank, head in adjacency.get(node, []):
            candidate = max(value, rank)
            if candidate < best.get(head, len(arcs)):
                best[head], parent[head] = candidate, rank
                heapq.heappush(heap, (candidate, head))
    return set(parent.values())


def _assemble(
    dfg: DirectlyFollowsGraph,
    kept: Sequence[str],
    arcs: Sequence[_Arc],
    *,
    added: Sequence[_Arc],
    bridges: Sequence[_Arc],
    provenance: Provenance,
    parameters: Mapping[str, Any],
) -> SimplifiedMap:
    inside = set(kept)
    pairs = {(a.source, a.target) for a in arcs}
    edges = tuple(e for e in dfg.edges if (e.source, e.target) in pairs)
    edge_total = sum(e.frequency for e in dfg.edges)
    event_total = sum(dfg.activities.values())
    return SimplifiedMap(
        provenance=provenance,
        activity_share=float(parameters["activity_share"]),
        path_share=float(parameters["path_share"]),
        path_metric=parameters["path_metric"],
        cases=sum(dfg.start_activities.values()),
        activities=_ranked({a: dfg.activities[a] for a in kept}),
        start_activities=_ranked({a: n for a, n in dfg.start_activities.items() if a in inside}),
        end_activities=_ranked({a: n for a, n in dfg.end_activities.items() if a in inside}),
        edges=edges,
        start_arcs=_ranked({a.target: a.frequency for a in arcs if a.source == START}),
        end_arcs=_ranked({a.source: a.frequency for a in arcs if a.target == END}),
        bridge_arcs=tuple((a.source, a.target) for a in bridges),
        connectivity_arcs=tuple((a.source, a.target) for a in added),
        activities_kept=len(kept),
        activities_total=len(dfg.activities),
        edges_kept=len(edges),
        edges_total=len(dfg.edges),
        event_share=sum(dfg.activities[a] for a in kept) / event_total if event_total else 1.0,
        edge_frequency_share=(sum(e.frequency for e in edges) / edge_total if edge_total else 1.0),
    )


def _extend(record: Provenance, parameters: Mapping[str, object]) -> Provenance:
    return Provenance(
        dataset_id=record.dataset_id,
        dataset_name=record.dataset_name,
        log_filter=record.log_filter,
        parameters={**record.parameters, **parameters},
    )


def _ranked(counts: Mapping[str, int]) -> Mapping[str, int]:
    """Most frequent first, then by name; read-only."""
    return MappingProxyType(dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))))

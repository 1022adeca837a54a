"""Process models through pm4py: Petri nets and BPMN (inductive miner), heuristics nets.

pm4py is imported inside functions, never at module level (it takes 2-3 s and
the CLI's stdout may carry JSON); its output is silenced, its progress bars are
off, and its objects stay in ``mining``: results are frozen dataclasses of plain
data. pm4py gets the selection as variants with counts (one small query): its
inductive miner reduces a DataFrame to exactly that ``Counter`` before mining,
so the result is the same and memory stays at the size of the distinct variants.

Time budget (docs/metrics.md): a request whose calibrated lower-bound estimate
exceeds ``time_budget_s`` is refused up front (``BudgetExceededError``); the rest
runs in a forked worker that is killed when the budget expires (both in
``mining.pm4py_worker``). A stopped inductive miner falls back to IMd on the
directly-follows graph, flagged by ``budget_hit`` and ``algorithm``.

Imports: standard library, eventlogs.errors, mining.filters, mining.pm4py_worker,
mining.source, mining.variants; pm4py only inside functions.
"""

from __future__ import annotations

import dataclasses
import os
import time
import uuid
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

from eventlogs.errors import InputError
from mining.filters import LogFilter
from mining.pm4py_worker import DEFAULT_CALIBRATION as DEFAULT_CALIBRATION
from mining.pm4py_worker import BudgetExceededError as BudgetExceededError
from mining.pm4py_worker import Calibration as Calibration
from mining.pm4py_worker import LogSize as LogSize
from mining.pm4py_worker import ModelError as ModelError
from mining.pm4py_worker import discover_variant_counts as discover_variant_counts
from mining.pm4py_worker import im_estimate_s as im_estimate_s
from mining.pm4py_worker import import_pm4py as import_pm4py
from mining.pm4py_worker import plain as plain
from mining.pm4py_worker import quiet as quiet
from mining.pm4py_worker import refuse_if_over as refuse_if_over
from mining.pm4py_worker import run_budgeted as run_budgeted
from mining.source import Connection, DatasetRef, Provenance
from mining.variants import Variants

Counts = Mapping[tuple[str, ...], int]  # variant (activity sequence) -> cases
# pm4py's names for discover_heuristics_net's options, in the same order
_HEURISTICS_PARAMS = (
    "dependency_thresh",
    "and_measure_thresh",
    "loop_length_two_thresh",
    "min_act_count",
    "min_dfg_occurrences",
)


@dataclass(frozen=True, slots=True, kw_only=True)
class PetriNetModel:
    """An accepting Petri net mined by the inductive miner: counts, labels, PNML."""

    provenance: Provenance
    algorithm: str  # "IM" (noise 0), "IMf" (noise > 0), "IMd" (fallback: budget hit)
    places: int
    transitions: int
    silent_transitions: int
    arcs: int
    activities: tuple[str, ...]  # labels of the visible transitions, sorted
    pnml: str  # the net with its initial and final marking
    process_tree: str  # the same model in pm4py's process-tree notation
    budget_hit: bool
    seconds: float

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: the record as a dict, tuples as lists, the path as text."""
        return plain(self)


@dataclass(frozen=True, slots=True, kw_only=True)
class BpmnExport:
    """A BPMN 2.0 file written from the inductive miner's model."""

    provenance: Provenance
    path: Path
    algorithm: str  # as in PetriNetModel
    activities: tuple[str, ...]  # task names, sorted
    tasks: int
    gateways: int
    flows: int  # sequence flows
    events: int  # start and end events
    budget_hit: bool
    seconds: float

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: the record as a dict, tuples as lists, the path as text."""
        return plain(self)


@dataclass(frozen=True, slots=True, kw_only=True)
class HeuristicsNode:
    """An activity of a heuristics net with its number of events."""

    activity: str
    frequency: int
    is_start: bool
    is_end: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class HeuristicsEdge:
    """A kept dependency: (|a>b| - |b>a|) / (|a>b| + |b>a| + 1), or |a>a| / (|a>a| + 1)."""

    source: str
    target: str
    dependency: float  # 0 for an edge kept only by the length-two-loop rule
    frequency: int  # |source > target|: how often target directly follows source


@dataclass(frozen=True, slots=True, kw_only=True)
class HeuristicsNet:
    """A heuristics net: nodes (by name) and the edges above the thresholds (by pair)."""

    provenance: Provenance
    nodes: tuple[HeuristicsNode, ...]
    edges: tuple[HeuristicsEdge, ...]
    seconds: float

    def edge(self, source: str, target: str) -> HeuristicsEdge | None:
        """The edge source -> target, or None when it was not kept."""
        return next((e for e in self.edges if (e.source, e.target) == (source, target)), None)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: the record as a dict, tuples as lists, the path as text."""
        return plain(self)


def mine_tree(counts: Counts, noise_threshold: float) -> Any:
    """What pm4py.discover_process_tree_inductive does on a frame, from variant counts."""
    from pm4py.algo.discovery.inductive.dtypes.im_ds import IMDataStructureUVCL
    from pm4py.algo.discovery.inductive.variants.im import IMUVCL
    from pm4py.algo.discovery.inductive.variants.imf import IMFUVCL
    from pm4py.objects.process_tree.utils.generic import fold, tree_sort

    params = {"noise_threshold": noise_threshold, "multiprocessing": False}
    params["disable_fallthroughs"] = False
    miner = IMFUVCL(params) if noise_threshold > 0 else IMUVCL(params)
    tree = fold(miner.apply(IMDataStructureUVCL(Counter(counts)), params))
    tree_sort(tree)
    return tree


def mine_dfg_tree(counts: Counts) -> Any:
    """pm4py's IMd on the directly-follows graph of the counts (no noise filtering)."""
    from pm4py.algo.discovery.inductive.dtypes.im_dfg import InductiveDFG
    from pm4py.algo.discovery.inductive.dtypes.im_ds import IMDataStructureDFG
    from pm4py.algo.discovery.inductive.variants.imd import IMD
    from pm4py.objects.process_tree.utils.generic import fold, tree_sort
    from pm4py.util.compression.util import discover_dfg_uvcl

    uvcl = Counter(counts)
    dfg = InductiveDFG(dfg=discover_dfg_uvcl(uvcl), skip=() in uvcl)
    tree = fold(IMD({}).apply(IMDataStructureDFG(dfg), {}))
    tree_sort(tree)
    return tree


class Mined(NamedTuple):
    """A model summary (plain data), the algorithm that made it, and the budget outcome."""

    summary: dict[str, Any]
    algorithm: str
    budget_hit: bool
    seconds: float


def mine_within(
    counts: Counts, noise: float, budget_s: float, summarise: Callable[[Any], dict[str, Any]]
) -> Mined:
    """IM/IMf in a budgeted worker, then ``summarise(tree)``; on expiry IMd here, flagged."""
    start = time.perf_counter()
    run = run_budgeted(lambda emit, _: emit(summarise(mine_tree(counts, noise))), budget_s)
    if run.finished:
        return Mined(run.items[0], "IMf" if noise > 0 else "IM", False, run.seconds)
    with quiet():
        summary = summarise(mine_dfg_tree(counts))
    return Mined(summary, "IMd", True, time.perf_counter() - start)


def net_summary(tree: Any) -> dict[str, Any]:
    """Counts, labels, PNML and tree text of a process tree's accepting Petri net."""
    from pm4py.objects.conversion.process_tree import converter
    from pm4py.objects.petri_net.exporter.variants.pnml import export_petri_as_string

    net, initial, final = converter.apply(tree)
    return {
        "places": len(net.places),
        "transitions": len(net.transitions),
        "silent_transitions": sum(t.label is None for t in net.transitions),
        "arcs": len(net.arcs),
        "activities": tuple(sorted({t.label for t in net.transitions} - {None})),
        "pnml": export_petri_as_string(net, initial, final).decode("utf-8"),
        "process_tree": str(tree),
    }


def _record(found: Variants, log_filter: LogFilter | None, **parameters: object) -> Provenance:
    return dataclasses.replace(
        found.provenance, log_filter=log_filter or LogFilter(), parameters=parameters
    )


def _prepare(
    con: Connection,
    dataset: DatasetRef,
    f: LogFilter | None,
    noise: float,
    budget: float,
    cal: Calibration,
) -> tuple[Variants, dict[tuple[str, ...], int]]:
    if not 0.0 <= noise < 1.0:
        raise InputError(f"noise threshold must be in [0, 1), found {noise!r}")
    found, counts = discover_variant_counts(con, dataset, log_filter=f)
    size = LogSize.of(found)
    refuse_if_over(im_estimate_s(size, noise, cal), budget, "the inductive miner", size)
    return found, counts


def discover_petri_net(
    con: Connection,
    dataset: DatasetRef,
    *,
    log_filter: LogFilter | None = None,
    noise_threshold: float = 0.0,
    time_budget_s: float = 60.0,
    calibration: Calibration = DEFAULT_CALIBRATION,
) -> PetriNetModel:
    """An accepting Petri net by pm4py's inductive miner (IMf when noise_threshold > 0).

    >>> from pathlib import Path
    >>> from eventlogs.engine import connect
    >>> from eventlogs.load import load_log
    >>> con = connect(":memory:")
    >>> _ = load_log(con, Path(__file__).parents[1] / "sample_logs" / "running-example.xes.gz")
    >>> net = discover_petri_net(con, "running-example")
    >>> len(net.activities), net.algorithm, net.budget_hit
    (8, 'IM', False)
    """
    args = (noise_threshold, time_budget_s)
    found, counts = _prepare(con, dataset, log_filter, *args, calibration)
    mined = mine_within(counts, *args, net_summary)
    return PetriNetModel(
        provenance=_record(
            found, log_filter, noise_threshold=noise_threshold, time_budget_s=time_budget_s
        ),
        algorithm=mined.algorithm,
        budget_hit=mined.budget_hit,
        seconds=mined.seconds,
        **mined.summary,
    )


def export_bpmn(
    con: Connection,
    dataset: DatasetRef,
    path: str | os.PathLike[str],
    *,
    log_filter: LogFilter | None = None,
    noise_threshold: float = 0.0,
    time_budget_s: float = 60.0,
    calibration: Calibration = DEFAULT_CALIBRATION,
) -> BpmnExport:
    """Write the inductive miner's model as a laid-out BPMN 2.0 file (pm4py.write_bpmn).

    The file appears at ``path`` only once complete (written beside it, then renamed).
    """
    target = Path(path)
    if not target.parent.is_dir():
        raise InputError(f"cannot write {target}: folder {target.parent} does not exist")
    args = (noise_threshold, time_budget_s)
    found, counts = _prepare(con, dataset, log_filter, *args, calibration)
    partial = target.with_name(f".{target.name}.{uuid.uuid4().hex[:8]}.bpmn")
    try:
        mined = mine_within(counts, *args, lambda tree: _write_bpmn(tree, partial))
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    return BpmnExport(
        provenance=_record(
            found, log_filter, noise_threshold=noise_threshold, time_budget_s=time_budget_s
        ),
        path=target,
        algorithm=mined.algorithm,
        budget_hit=mined.budget_hit,
        seconds=mined.seconds,
        **mined.summary,
    )


def _write_bpmn(tree: Any, path: Path) -> dict[str, Any]:
    pm4py = import_pm4py()
    from pm4py.objects.bpmn.obj import BPMN

    model = pm4py.convert_to_bpmn(tree)
    pm4py.write_bpmn(model, str(path))  # the name ends in .bpmn, so pm4py keeps it
    nodes = model.get_nodes()
    tasks = sorted(n.get_name() for n in nodes if isinstance(n, BPMN.Task))
    return {
        "activities": tuple(tasks),
        "tasks": len(tasks),
        "gateways": sum(isinstance(n, BPMN.Gateway) for n in nodes),
        "flows": len(model.get_flows()),
        "events": sum(isinstance(n, BPMN.StartEvent | BPMN.EndEvent) for n in nodes),
    }


def discover_heuristics_net(
    con: Connection,
    dataset: DatasetRef,
    *,
    log_filter: LogFilter | None = None,
    dependency_threshold: float = 0.5,
    and_threshold: float = 0.65,
    loop_two_threshold: float = 0.5,
    min_act_count: int = 1,
    min_dfg_occurrences: int = 1,
    time_budget_s: float = 60.0,
    calibration: Calibration = DEFAULT_CALIBRATION,
) -> HeuristicsNet:
    """pm4py's heuristics miner (classic, pm4py's defaults), fed counts from the variants."""
    found, counts = discover_variant_counts(con, dataset, log_filter=log_filter)
    size = LogSize.of(found)
    estimate = calibration.worker_start_s + calibration.heuristics_s_per_event * size.variant_events
    refuse_if_over(estimate, time_budget_s, "the heuristics miner", size)
    options = {
        "dependency_threshold": dependency_threshold,
        "and_threshold": and_threshold,
        "loop_two_threshold": loop_two_threshold,
        "min_act_count": min_act_count,
        "min_dfg_occurrences": min_dfg_occurrences,
    }
    params = dict(zip(_HEURISTICS_PARAMS, options.values(), strict=True))
    run = run_budgeted(lambda emit, _: emit(_heuristics(counts, params)), time_budget_s)
    if not run.finished:
        raise BudgetExceededError(
            f"the heuristics miner did not finish within {time_budget_s:g} s on "
            f"{size.variants:,} variants; select fewer cases or raise the time budget"
        )
    nodes, edges = run.items[0]
    return HeuristicsNet(
        provenance=_record(found, log_filter, time_budget_s=time_budget_s, **options),
        nodes=tuple(HeuristicsNode(**n) for n in nodes),
        edges=tuple(HeuristicsEdge(**e) for e in edges),
        seconds=run.seconds,
    )


def heuristics_counts(counts: Counts) -> dict[str, Counter[Any]]:
    """What pm4py's heuristics miner counts on a log, weighted by the variant counts."""
    keys = ("dfg", "dfg_window_2", "freq_triples", "occurrences", "start", "end")
    out: dict[str, Counter[Any]] = {k: Counter() for k in keys}
    for trace, n in counts.items():
        out["start"][trace[0]] += n
        out["end"][trace[-1]] += n
        for i, activity in enumerate(trace):
            out["occurrences"][activity] += n
            if i + 1 < len(trace):
                out["dfg"][trace[i], trace[i + 1]] += n
            if i + 2 < len(trace):
                out["dfg_window_2"][trace[i], trace[i + 2]] += n
                out["freq_triples"][trace[i], trace[i + 1], trace[i + 2]] += n
    return out


def _heuristics(counts: Counts, params: dict[str, Any]) -> tuple[list[dict[str, Any]], ...]:
    from pm4py.algo.discovery.heuristics.variants.classic import apply_heu_dfg

    c = {k: dict(v) for k, v in heuristics_counts(counts).items()}
    net = apply_heu_dfg(
        c["dfg"],
        activities=list(c["occurrences"]),
        activities_occurrences=c["occurrences"],
        start_activities=c["start"],
        end_activities=c["end"],
        dfg_window_2=c["dfg_window_2"],
        freq_triples=c["freq_triples"],
        parameters=params,
    )
    nodes = [
        {"activity": name, "frequency": int(node.node_occ)}
        | {"is_start": name in c["start"], "is_end": name in c["end"]}
        for name, node in sorted(net.nodes.items())
    ]
    edges = [
        {"source": name, "target": other.node_name, "dependency": float(edge.dependency_value)}
        | {"frequency": int(edge.dfg_value)}
        for name, node in sorted(net.nodes.items())
        for other, kept in node.output_connections.items()
        for edge in kept
    ]
    return nodes, sorted(edges, key=lambda e: (e["source"], e["target"]))

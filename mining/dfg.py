"""The directly-follows graph (DFG): frequency and performance of each pair a -> b.

The ingest layer stored each event's successor in its case (``next_activity_no``,
``next_delta_us``, ties on equal timestamps broken by source order), so a DFG is
a plain aggregate over (activity_no, next_activity_no) of the events that have a
successor: no window, no sort. Names are joined after aggregating. Durations are
exact microseconds turned into seconds at the end; the median and p90 are exact
(linear interpolation between the two nearest values, as pandas and numpy do).

``dfg_edges`` and ``endpoint_counts`` are pure ibis functions (tables in, table
out); ``discover_dfg`` runs them for one dataset and filter and returns a
``DirectlyFollowsGraph``.

Imports: ibis, pandas, mining.filters, mining.selection, mining.source.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

import ibis
import ibis.expr.types as ir
from ibis import _

from mining.filters import LogFilter
from mining.selection import open_log
from mining.source import Connection, DatasetRef, Provenance, fetch_rows, provenance

if TYPE_CHECKING:
    import pandas as pd

_US_PER_S = 1e6
P90 = 0.9
_EDGE_FIELDS = ("frequency", "mean_s", "median_s", "min_s", "max_s", "sum_s", "p90_s")


@dataclass(frozen=True, slots=True, kw_only=True)
class DfgEdge:
    """One directly-follows pair: how often ``target`` directly follows ``source``, and how long after."""

    source: str
    target: str
    frequency: int
    mean_s: float
    median_s: float
    min_s: float
    max_s: float
    sum_s: float
    p90_s: float


@dataclass(frozen=True, slots=True, kw_only=True)
class DirectlyFollowsGraph:
    """A DFG with performance, start/end activities and activity counts (most frequent first)."""

    provenance: Provenance
    edges: tuple[DfgEdge, ...]
    start_activities: Mapping[str, int]  # activity -> cases starting with it
    end_activities: Mapping[str, int]  # activity -> cases ending with it
    activities: Mapping[str, int]  # activity -> events

    def edge(self, source: str, target: str) -> DfgEdge | None:
        """The edge source -> target, or None when target never directly follows source."""
        return next((e for e in self.edges if (e.source, e.target) == (source, target)), None)

    def to_frame(self) -> pd.DataFrame:
        """One row per edge: source, target, frequency, mean_s, median_s, min_s, max_s, sum_s, p90_s."""
        import pandas as pd

        columns = ["source", "target", *_EDGE_FIELDS]
        return pd.DataFrame([[getattr(e, c) for c in columns] for e in self.edges], columns=columns)

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape of ``hyperpath map --json`` (CLI contract), plus p90_s and the record."""
        return {
            "edges": [
                {"source": e.source, "target": e.target, **{k: getattr(e, k) for k in _EDGE_FIELDS}}
                for e in self.edges
            ],
            "start_activities": dict(self.start_activities),
            "end_activities": dict(self.end_activities),
            "activities": dict(self.activities),
            "provenance": self.provenance.to_dict(),
        }


def dfg_edges(events: ir.Table) -> ir.Table:
    """Per (activity_no, next_activity_no): frequency and the gap to the successor in microseconds."""
    pairs = events.filter(events.next_activity_no.notnull())
    gap = pairs.next_delta_us
    return pairs.group_by(["activity_no", "next_activity_no"]).agg(
        frequency=_.count(),
        mean_us=gap.mean(),
        median_us=gap.median(),
        min_us=gap.min(),
        max_us=gap.max(),
        sum_us=gap.sum(),
        p90_us=gap.quantile(P90),
    )


def named_edges(edges: ir.Table, activities: ir.Table) -> ir.Table:
    """``dfg_edges`` with activity names (source, target) and durations in seconds."""
    source = activities.select("activity_no", source="activity")
    target = activities.select(next_activity_no="activity_no", target="activity")
    named = edges.join(source, "activity_no").join(target, "next_activity_no")
    return named.select(
        "source",
        "target",
        "frequency",
        **{f"{m}_s": named[f"{m}_us"] / _US_PER_S for m in ("mean", "median", "min", "max")},
        sum_s=named.sum_us / _US_PER_S,
        p90_s=named.p90_us / _US_PER_S,
    )


def endpoint_counts(events: ir.Table, activities: ir.Table) -> ir.Table:
    """(kind, activity, n): kind 'start'/'end' count cases, kind 'events' counts events."""

    def count(kind: str, rows: ir.Table) -> ir.Table:
        return rows.group_by("activity_no").agg(n=_.count()).mutate(kind=ibis.literal(kind))

    counts = ibis.union(
        count("start", events.filter(events.position == 0)),
        count("end", events.filter(events.next_activity_no.isnull())),
        count("events", events),
    )
    return counts.join(activities, "activity_no").select("kind", "activity", "n")


def discover_dfg(
    con: Connection, dataset: DatasetRef, *, log_filter: LogFilter | None = None
) -> DirectlyFollowsGraph:
    """The directly-follows graph of a dataset (optionally filtered), with performance in seconds.

    >>> from pathlib import Path
    >>> from eventlogs.engine import connect
    >>> from eventlogs.load import load_log
    >>> con = connect(":memory:")
    >>> _ = load_log(con, Path(__file__).parents[1] / "sample_logs" / "running-example.xes.gz")
    >>> dfg = discover_dfg(con, "running-example")
    >>> dfg.edge("register request", "examine casually").frequency
    3
    >>> dict(dfg.start_activities)
    {'register request': 6}
    """
    log_filter = log_filter or LogFilter()
    tables = open_log(con, dataset, log_filter)
    edge_rows = fetch_rows(named_edges(dfg_edges(tables.events), tables.activities))
    edges = sorted((_edge(r) for r in edge_rows), key=lambda e: (-e.frequency, e.source, e.target))
    counts: dict[str, dict[str, int]] = {"start": {}, "end": {}, "events": {}}
    for row in fetch_rows(endpoint_counts(tables.events, tables.activities)):
        counts[row["kind"]][row["activity"]] = int(row["n"])
    return DirectlyFollowsGraph(
        provenance=provenance(tables, log_filter, median="exact", p90="linear interpolation"),
        edges=tuple(edges),
        start_activities=_ranked(counts["start"]),
        end_activities=_ranked(counts["end"]),
        activities=_ranked(counts["events"]),
    )


def _edge(row: Mapping[str, Any]) -> DfgEdge:
    return DfgEdge(
        source=str(row["source"]),
        target=str(row["target"]),
        frequency=int(row["frequency"]),
        **{k: float(row[k]) for k in _EDGE_FIELDS if k != "frequency"},
    )


def _ranked(counts: Mapping[str, int]) -> Mapping[str, int]:
    """Most frequent first, then by name; read-only."""
    return MappingProxyType(dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))))

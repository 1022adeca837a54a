"""Handover of work: which resource passes a case on to which, as a weighted networkx graph.

Within each case, take the events that have a resource, in case order; each
consecutive pair (r, r') is one handover r -> r' (r = r' included: the same
person carrying on). ``handovers`` counts the pairs over the selected cases;
``share`` = handovers / all handovers, which is pm4py's
``discover_handover_of_work_network`` with its default ``beta=0`` (pm4py
counts every case, not once per case, and divides by the total). Events without
a resource are skipped, as pm4py computes on a frame without them.

Imports: ibis, networkx, pandas, mining.filters, mining.selection, mining.source.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import ibis.expr.types as ir
from ibis import _

from mining.filters import LogFilter
from mining.selection import open_log
from mining.source import Connection, DatasetRef, Provenance, fetch_rows, provenance

if TYPE_CHECKING:
    import networkx as nx
    import pandas as pd

NO_RESOURCES = "no resource data in the selected cases: there are no handovers to show"
NO_CASES = "no cases selected"


@dataclass(frozen=True, slots=True, kw_only=True)
class Handover:
    """Work passed from ``source`` to ``target``: how often, and as a share of all handovers."""

    source: str
    target: str
    handovers: int
    share: float


@dataclass(frozen=True, slots=True, kw_only=True)
class HandoverNetwork:
    """The handover-of-work network (most handovers first); ``graph`` builds a networkx DiGraph."""

    provenance: Provenance
    handovers: int  # all handovers
    edges: tuple[Handover, ...]
    reason: str | None  # why the network is empty, when the log has no resource data

    @property
    def graph(self) -> nx.DiGraph:
        """A new DiGraph: nodes are resources, edge attributes ``weight`` (share) and ``handovers``."""
        import networkx as nx

        graph = nx.DiGraph()
        for e in self.edges:
            graph.add_edge(e.source, e.target, weight=e.share, handovers=e.handovers)
        return graph

    def edge(self, source: str, target: str) -> Handover | None:
        """The edge source -> target, or None."""
        return next((e for e in self.edges if (e.source, e.target) == (source, target)), None)

    def to_frame(self) -> pd.DataFrame:
        """Columns source, target, handovers, share."""
        import pandas as pd

        columns = list(Handover.__dataclass_fields__)
        return pd.DataFrame([[getattr(e, c) for c in columns] for e in self.edges], columns=columns)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: {"handovers": int, "edges": [...], "reason": str|null, "provenance": {...}}."""
        return {
            "handovers": self.handovers,
            "edges": [
                {"source": e.source, "target": e.target, "handovers": e.handovers, "share": e.share}
                for e in self.edges
            ],
            "reason": self.reason,
            "provenance": self.provenance.to_dict(),
        }


def handover_pairs(events: ir.Table) -> ir.Table:
    """(source, target, handovers): consecutive resourced events of a case, counted."""
    staffed = events.filter(events.resource.notnull())
    target = staffed.resource.lead().over(group_by="case_no", order_by="position")
    pairs = staffed.select(source=staffed.resource, target=target)
    return (
        pairs.filter(pairs.target.notnull()).group_by(["source", "target"]).agg(handovers=_.count())
    )


def discover_handover_network(
    con: Connection, dataset: DatasetRef, *, log_filter: LogFilter | None = None
) -> HandoverNetwork:
    """Resource-to-resource handovers of work, counted and as shares (pm4py's beta = 0).

    >>> from pathlib import Path
    >>> from eventlogs.engine import connect
    >>> from eventlogs.load import load_log
    >>> con = connect(":memory:")
    >>> _ = load_log(con, Path(__file__).parents[1] / "sample_logs" / "running-example.xes.gz")
    >>> net = discover_handover_network(con, "running-example")
    >>> net.handovers, net.edge("Pete", "Sara").handovers
    (36, 3)
    """
    log_filter = log_filter or LogFilter()
    tables = open_log(con, dataset, log_filter)
    rows = fetch_rows(handover_pairs(tables.events))
    total = sum(int(r["handovers"]) for r in rows)
    counts = fetch_rows(tables.events.aggregate(n=_.count(), staffed=_.resource.count()))[0]
    edges = sorted(
        (
            Handover(
                source=str(r["source"]),
                target=str(r["target"]),
                handovers=int(r["handovers"]),
                share=int(r["handovers"]) / total,
            )
            for r in rows
        ),
        key=lambda e: (-e.handovers, e.source, e.target),
    )
    return HandoverNetwork(
        provenance=provenance(tables, log_filter, beta=0, self_handovers=True),
        handovers=total,
        edges=tuple(edges),
        reason=None if counts["staffed"] else NO_RESOURCES if counts["n"] else NO_CASES,
    )

"""Variants: the distinct activity sequences of the cases, most frequent first, and their Pareto curve.

The ingest layer numbered each case's variant (its ordered activity sequence,
ties on equal timestamps broken by source order), so counting variants is an
aggregate of ``cases`` by ``variant_no``. Under a filter the counts, shares and
ranks are those of the selected cases; ties in frequency keep the dataset's
variant order. Case durations are last minus first event, in exact
microseconds turned into seconds.

Imports: ibis, pandas, mining.filters, mining.selection, mining.source.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import ibis.expr.types as ir
from ibis import _

from mining.filters import LogFilter
from mining.selection import open_log
from mining.source import Connection, DatasetRef, Provenance, fetch_rows, name_lookup, provenance

if TYPE_CHECKING:
    import pandas as pd

_US_PER_S = 1e6


@dataclass(frozen=True, slots=True, kw_only=True)
class Variant:
    """One variant: its activity sequence and the cases that follow it."""

    rank: int  # 1 = most frequent among the selected cases
    variant_no: int  # the dataset's own number (0 = most frequent in the whole log)
    activities: tuple[str, ...]
    cases: int
    share: float  # cases / all selected cases
    cumulative_share: float  # share of this variant and every more frequent one
    mean_duration_s: float
    median_duration_s: float


@dataclass(frozen=True, slots=True, kw_only=True)
class ParetoPoint:
    """The k most frequent variants cover ``cases`` cases, ``cumulative_share`` of them."""

    k: int
    cases: int
    cumulative_share: float


@dataclass(frozen=True, slots=True, kw_only=True)
class Variants:
    """The variants of a dataset (under a filter), most frequent first."""

    provenance: Provenance
    cases: int  # selected cases
    variants: tuple[Variant, ...]

    def pareto(self) -> tuple[ParetoPoint, ...]:
        """k -> share of cases covered by the k most frequent variants (k = 1..len(variants))."""
        points, covered = [], 0
        for v in self.variants:
            covered += v.cases
            points.append(
                ParetoPoint(k=v.rank, cases=covered, cumulative_share=covered / self.cases)
            )
        return tuple(points)

    def variants_for_coverage(self, share: float) -> int:
        """The fewest most-frequent variants whose cases reach ``share`` (0..1) of all cases."""
        return next((p.k for p in self.pareto() if p.cumulative_share >= share), len(self.variants))

    def to_frame(self) -> pd.DataFrame:
        """One row per variant; ``activities`` holds the sequence as a tuple of names."""
        import pandas as pd

        columns = list(Variant.__dataclass_fields__)
        return pd.DataFrame(
            [[getattr(v, c) for c in columns] for v in self.variants], columns=columns
        )

    def to_list(self) -> list[dict[str, Any]]:
        """The JSON shape of ``hyperpath variants --json`` (CLI contract), plus extra keys."""
        return [
            {
                "activities": list(v.activities),
                "cases": v.cases,
                "share": v.share,
                "mean_duration_s": v.mean_duration_s,
                "median_duration_s": v.median_duration_s,
                "cumulative_share": v.cumulative_share,
                "variant": v.variant_no,
            }
            for v in self.variants
        ]


def variant_counts(cases: ir.Table, variants: ir.Table) -> ir.Table:
    """Per variant of the given cases: its activity numbers, cases, mean and median duration (µs)."""
    timed = cases.mutate(duration_us=cases.last_ts.delta(cases.first_ts, unit="microsecond"))
    counts = timed.group_by("variant_no").agg(
        cases=_.count(),
        mean_duration_us=_.duration_us.mean(),
        median_duration_us=_.duration_us.median(),
    )
    return counts.join(variants.select("variant_no", "activity_nos"), "variant_no")


def discover_variants(
    con: Connection, dataset: DatasetRef, *, log_filter: LogFilter | None = None
) -> Variants:
    """The variants of a dataset, most frequent first, with shares and durations.

    >>> from pathlib import Path
    >>> from eventlogs.engine import connect
    >>> from eventlogs.load import load_log
    >>> con = connect(":memory:")
    >>> _ = load_log(con, Path(__file__).parents[1] / "sample_logs" / "running-example.xes.gz")
    >>> found = discover_variants(con, "running-example")
    >>> found.cases, len(found.variants), found.variants[0].share
    (6, 6, 0.16666666666666666)
    """
    log_filter = log_filter or LogFilter()
    tables = open_log(con, dataset, log_filter)
    rows = fetch_rows(variant_counts(tables.cases, tables.variants))
    rows.sort(key=lambda r: (-r["cases"], r["variant_no"]))
    names = name_lookup(tables) if rows else {}
    total = sum(int(r["cases"]) for r in rows)
    found, covered = [], 0
    for rank, row in enumerate(rows, start=1):
        covered += int(row["cases"])
        found.append(_variant(row, rank, names, total, covered))
    return Variants(
        provenance=provenance(tables, log_filter, order="cases desc, variant_no"),
        cases=total,
        variants=tuple(found),
    )


def _variant(
    row: Mapping[str, Any], rank: int, names: Mapping[int, str], total: int, covered: int
) -> Variant:
    return Variant(
        rank=rank,
        variant_no=int(row["variant_no"]),
        activities=tuple(names[n] for n in row["activity_nos"]),
        cases=int(row["cases"]),
        share=int(row["cases"]) / total,
        cumulative_share=covered / total,
        mean_duration_s=float(row["mean_duration_us"]) / _US_PER_S,
        median_duration_s=float(row["median_duration_us"]) / _US_PER_S,
    )

"""Drill-down look-ups for the app: the cases behind a step, a path or a variant; filter choices.

``list_cases`` returns the selected cases that contain an activity, that take a
path a -> b (b *directly* follows a at least once), or that follow one variant,
longest first, capped at ``limit`` rows (the total is always exact).
``list_attribute_values`` gives, per case attribute, its most frequent values:
the choices of the app's filter bar.

Imports: ibis, eventlogs.errors, mining.filters, mining.selection, mining.source.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

import ibis
import ibis.expr.types as ir
from ibis import _

from eventlogs.errors import InputError
from mining.filters import LogFilter
from mining.selection import open_log
from mining.source import (
    Connection,
    DatasetRef,
    LogTables,
    Provenance,
    fetch_rows,
    fetch_scalar,
    name_lookup,
    provenance,
)

_US_PER_S = 1e6


@dataclass(frozen=True, slots=True, kw_only=True)
class CaseRow:
    """One case: its id, events, first and last event (UTC) and duration in seconds."""

    case_id: str
    events: int
    first_ts: dt.datetime
    last_ts: dt.datetime
    duration_s: float


@dataclass(frozen=True, slots=True, kw_only=True)
class CaseList:
    """Cases matching a drill-down, longest first; ``total`` counts all of them, ``cases`` the first ``limit``."""

    provenance: Provenance
    total: int
    cases: tuple[CaseRow, ...]


def _activity_number(tables: LogTables, name: str) -> int:
    by_name = {n: no for no, n in name_lookup(tables).items()}
    if name not in by_name:
        raise InputError(f"no activity {name!r} in dataset {tables.dataset_name!r}")
    return by_name[name]


def _matching(
    tables: LogTables,
    activity: str | None,
    path: tuple[str, str] | None,
    variant_no: int | None,
) -> ir.Table:
    """The selected cases narrowed by the drill-down criterion."""
    cases, events = tables.cases, tables.events
    if variant_no is not None:
        cases = cases.filter(cases.variant_no == int(variant_no))
    if activity is not None:
        hits = events.filter(events.activity_no == _activity_number(tables, activity))
        cases = cases.semi_join(hits.select("case_no"), "case_no")
    if path is not None:
        a, b = (_activity_number(tables, name) for name in path)
        hits = events.filter((events.activity_no == a) & (events.next_activity_no == b))
        cases = cases.semi_join(hits.select("case_no"), "case_no")
    return cases


def list_cases(
    con: Connection,
    dataset: DatasetRef,
    *,
    log_filter: LogFilter | None = None,
    activity: str | None = None,
    path: tuple[str, str] | None = None,
    variant_no: int | None = None,
    limit: int = 100,
) -> CaseList:
    """The selected cases containing ``activity``, taking ``path`` (a, b) or following a variant.

    >>> from pathlib import Path
    >>> from eventlogs.engine import connect
    >>> from eventlogs.load import load_log
    >>> con = connect(":memory:")
    >>> _ = load_log(con, Path(__file__).parents[1] / "sample_logs" / "running-example.xes.gz")
    >>> found = list_cases(con, "running-example", path=("decide", "reinitiate request"))
    >>> found.total, sorted(c.case_id for c in found.cases)
    (2, ['3', '5'])
    """
    log_filter = log_filter or LogFilter()
    tables = open_log(con, dataset, log_filter)
    cases = _matching(tables, activity, path, variant_no)
    timed = cases.mutate(duration_us=cases.last_ts.delta(cases.first_ts, unit="microsecond"))
    order = [ibis.desc("duration_us"), ibis.asc("case_no")]
    rows = fetch_rows(timed.order_by(order).limit(max(int(limit), 0)))
    return CaseList(
        provenance=provenance(
            tables, log_filter, activity=activity, path=path, variant_no=variant_no, limit=limit
        ),
        total=int(fetch_scalar(cases.count())),
        cases=tuple(
            CaseRow(
                case_id=str(r["case_id"]),
                events=int(r["events"]),
                first_ts=r["first_ts"],
                last_ts=r["last_ts"],
                duration_s=int(r["duration_us"]) / _US_PER_S,
            )
            for r in rows
        ),
    )


def list_attribute_values(
    con: Connection, dataset: DatasetRef, *, limit: int = 30, max_distinct: int = 200
) -> Mapping[str, tuple[str, ...]]:
    """Case attribute -> its most frequent values as text (attributes with at most ``max_distinct`` values).

    >>> from pathlib import Path
    >>> from eventlogs.engine import connect
    >>> from eventlogs.load import load_log
    >>> con = connect(":memory:")
    >>> _ = load_log(con, Path(__file__).parents[1] / "sample_logs" / "running-example.xes.gz")
    >>> dict(list_attribute_values(con, "running-example"))
    {'creator': ('Fluxicon Nitro',)}
    """
    attrs = open_log(con, dataset, None).case_attributes()
    found: dict[str, tuple[str, ...]] = {}
    for name in attrs.schema().names:
        if name == "case_no":
            continue
        column = attrs[name]
        counts = (
            attrs.filter(column.notnull()).group_by(value=column.cast("string")).agg(n=_.count())
        )
        if int(fetch_scalar(counts.count())) > max_distinct:
            continue
        top = counts.order_by([ibis.desc("n"), ibis.asc("value")]).limit(limit)
        found[name] = tuple(str(r["value"]) for r in fetch_rows(top))
    return MappingProxyType(found)

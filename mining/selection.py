"""A ``LogFilter`` as ibis: the selected cases, composed into queries as a semi-join.

``select_cases`` narrows the dataset's ``cases`` table criterion by criterion
(AND); ``apply_filter`` returns the dataset's tables with ``events`` and
``cases`` restricted to those cases. Nothing runs in Python except two small
look-ups that make mistakes clear (activity names, attribute types); no frame
of events is ever materialised.

Order: the case-level criteria (time window, duration, case attributes,
activities, start/end, rework) apply first; the variant criteria (top-k,
coverage) then rank the variants of the cases that remain, most frequent first,
ties broken by the dataset's variant number (its order in the whole log).

Imports: ibis, eventlogs.errors, mining.filters, mining.source.
"""

from __future__ import annotations

import dataclasses
import difflib
from collections.abc import Sequence

import ibis
import ibis.expr.datatypes as dtypes
import ibis.expr.types as ir
from ibis import _

from eventlogs.errors import InputError, MissingColumnError
from mining.filters import LogFilter, parse_instant
from mining.source import Connection, DatasetRef, LogTables, load_tables, name_lookup

_US_PER_S = 1_000_000
_TRUE = {"true", "1", "yes", "t", "y"}
_FALSE = {"false", "0", "no", "f", "n"}


def apply_filter(tables: LogTables, log_filter: LogFilter) -> LogTables:
    """The same tables with ``events`` and ``cases`` holding only the selected cases.

    ``activities`` and ``variants`` keep their whole-log rows (names and global
    counts); count from ``events``/``cases`` for filtered numbers.
    """
    if log_filter.is_empty:
        return tables
    selected = select_cases(tables, log_filter)
    events = tables.events.semi_join(selected.select("case_no"), "case_no")
    return dataclasses.replace(tables, events=events, cases=selected)


def select_cases(tables: LogTables, log_filter: LogFilter) -> ir.Table:
    """The rows of ``tables.cases`` that the filter selects (an ibis expression)."""
    f = log_filter
    cases = _time_window(tables.cases, f)
    cases = _duration(cases, f)
    if f.where:
        cases = cases.semi_join(_attribute_matches(tables, f), "case_no")
    cases = _activity_criteria(tables, cases, f)
    if f.has_variant_criteria:
        cases = cases.semi_join(_kept_variants(cases, f), "variant_no")
    return cases


def _time_window(cases: ir.Table, f: LogFilter) -> ir.Table:
    lo = None if f.time_from is None else ibis.literal(f.time_from, type=dtypes.Timestamp("UTC"))
    hi = None if f.time_to is None else ibis.literal(f.time_to, type=dtypes.Timestamp("UTC"))
    # contained: the whole case inside; intersecting: any overlap; started: first event inside.
    begin = cases.last_ts if f.window == "intersecting" else cases.first_ts
    end = cases.first_ts if f.window in ("intersecting", "started") else cases.last_ts
    if lo is not None:
        cases = cases.filter(begin >= lo)
    if hi is not None:
        cases = cases.filter(end <= hi)
    return cases


def _duration(cases: ir.Table, f: LogFilter) -> ir.Table:
    if f.min_duration_s is None and f.max_duration_s is None:
        return cases
    # Whole microseconds on both sides: 0.1 * 1e6 would otherwise exclude a 0.1 s case.
    duration_us = cases.last_ts.delta(cases.first_ts, unit="microsecond")
    if f.min_duration_s is not None:
        cases = cases.filter(duration_us >= round(f.min_duration_s * _US_PER_S))
    if f.max_duration_s is not None:
        cases = cases.filter(duration_us <= round(f.max_duration_s * _US_PER_S))
    return cases


def _attribute_matches(tables: LogTables, f: LogFilter) -> ir.Table:
    attrs = tables.case_attributes()
    schema = attrs.schema()
    known = [name for name in schema.names if name != "case_no"]
    condition: ir.BooleanValue = ibis.literal(True)
    for attr, values in f.where.items():
        if attr not in known:
            raise MissingColumnError(
                f"case attribute {attr!r} not found in dataset {tables.dataset_name!r}; "
                f"case attributes are: {', '.join(known) or 'none'}"
            )
        column = attrs[attr]
        typed = [_typed(attr, schema[attr], v) for v in values if v != ""]
        match: ir.BooleanValue = column.isin(typed) if typed else ibis.literal(False)
        if "" in values:  # an empty value selects cases where the attribute is missing
            match = match | column.isnull()
        condition = condition & match
    return attrs.filter(condition).select("case_no")


def _typed(attr: str, dtype: dtypes.DataType, text: str) -> object:
    """A filter value (always text) as the attribute column's type; a clear error if it cannot be."""
    try:
        if dtype.is_integer():
            return int(text)
        if dtype.is_floating():
            return float(text)
        if dtype.is_timestamp():
            return parse_instant(text)
    except (ValueError, InputError) as exc:
        raise InputError(
            f"case attribute {attr!r} holds {dtype} values; cannot compare it with {text!r}"
        ) from exc
    if dtype.is_boolean():
        lowered = text.strip().lower()
        if lowered in _TRUE | _FALSE:
            return lowered in _TRUE
        raise InputError(
            f"case attribute {attr!r} holds true/false; cannot compare it with {text!r}"
        )
    return text


def _activity_criteria(tables: LogTables, cases: ir.Table, f: LogFilter) -> ir.Table:
    mentioned = [*f.with_activities, *f.without_activities, *f.start_activities]
    mentioned += [*f.end_activities, *([f.rework_on] if f.rework_on else [])]
    if not mentioned:
        return cases
    numbers = _activity_numbers(tables, mentioned)
    events = tables.events

    def having(names: Sequence[str]) -> ir.BooleanColumn:
        return events.activity_no.isin([numbers[n] for n in names])

    if f.with_activities:
        wanted = len(set(f.with_activities))
        per_case = events.filter(having(f.with_activities)).group_by("case_no")
        full = per_case.agg(n=_.activity_no.nunique()).filter(_.n == wanted)
        cases = cases.semi_join(full.select("case_no"), "case_no")
    if f.without_activities:
        hit = events.filter(having(f.without_activities)).select("case_no")
        cases = cases.anti_join(hit, "case_no")
    if f.start_activities:
        first = events.filter((events.position == 0) & having(f.start_activities))
        cases = cases.semi_join(first.select("case_no"), "case_no")
    if f.end_activities:
        last = events.filter(events.next_activity_no.isnull() & having(f.end_activities))
        cases = cases.semi_join(last.select("case_no"), "case_no")
    if f.rework_on:
        repeated = events.filter(having([f.rework_on])).group_by("case_no").agg(n=_.count())
        cases = cases.semi_join(repeated.filter(_.n > 1).select("case_no"), "case_no")
    return cases


def _activity_numbers(tables: LogTables, names: Sequence[str]) -> dict[str, int]:
    by_name = {name: no for no, name in name_lookup(tables).items()}
    for name in names:
        if name not in by_name:
            lowered = {known.lower(): known for known in by_name}
            close = [lowered[c] for c in difflib.get_close_matches(name.lower(), lowered, n=3)]
            hint = f"; did you mean {', '.join(repr(c) for c in close)}?" if close else ""
            raise InputError(
                f"no activity {name!r} in dataset {tables.dataset_name!r} "
                f"({len(by_name)} activities){hint}"
            )
    return by_name


def _kept_variants(cases: ir.Table, f: LogFilter) -> ir.Table:
    """Variant numbers kept by top-k / coverage, ranked among the given cases."""
    counts = cases.group_by("variant_no").agg(n=_.count())
    order = [ibis.desc("n"), ibis.asc("variant_no")]
    ranked = counts.mutate(
        rank0=ibis.row_number().over(order_by=order),  # 0 for the most frequent
        cum=_.n.cumsum(order_by=order),
        total=_.n.sum().over(),
    )
    keep: ir.BooleanValue = ibis.literal(True)
    if f.top_variants is not None:
        keep = keep & (ranked.rank0 < f.top_variants)
    if f.variant_coverage_pct is not None:
        # Keep a variant while the ones before it cover less than the target share.
        covered_before = (ranked.cum - ranked.n) * 100
        keep = keep & (covered_before < ranked.total * f.variant_coverage_pct)
    return ranked.filter(keep).select("variant_no")


def open_log(con: Connection, dataset: DatasetRef, log_filter: LogFilter | None) -> LogTables:
    """The dataset's tables restricted to the cases ``log_filter`` selects (None: all cases)."""
    return apply_filter(load_tables(con, dataset), log_filter or LogFilter())

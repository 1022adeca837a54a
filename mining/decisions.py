"""Decision points: the steps followed by a real choice, each with a table to learn it from.

An activity is a decision point when at least two of its outcomes (the next step
in the case, or the end of the case) each follow at least ``min_share`` of its
executions. For each one, ``compute_decision_points`` builds a table with one
row per execution: ``case_no`` (the group key for cross-validation, never a
feature), ``outcome`` (the next step, ``END``, or ``OTHER`` for outcomes below
``min_share``) and the features known at that moment:

- case attributes, ``case:<name>``: numbers stay numbers (booleans 0/1), short
  strings become categories (the 20 most frequent values, the rest ``OTHER``,
  blanks ``MISSING``). Free text (mean length over 40 characters, or mostly
  distinct values with spaces) is unstructured input: reported, not a feature.
  Identifier-like columns (integers distinct on 90% of the rows that fill
  their range or are named like an id; strings nearly all distinct, or all of
  one shape such as "request 17"), constants and timestamps are left out, with
  the reason (``mining.decision_features``);
- the event's own attributes, ``event:<name>``, by the same rules;
- the path so far: ``path:previous`` (the previous step, or ``START``),
  ``path:position`` (steps before this one) and ``path:count:<activity>`` (times
  each of the 30 most frequent activities has happened in the case, up to and
  including this execution).

Case ids, ``case_no``, ``event_index`` and raw timestamps are never features:
each can stand in for the case and leak its outcome.

Steps are completing events (lifecycle ``complete`` or none), so that a ``start``
is not "followed" by its own ``complete``; a log without any counts every event.
When an activity has more than ``max_rows`` executions, whole cases are kept in a
pseudo-random order fixed by ``seed`` (multiplicative hashes of ``case_no`` and the seed)
until ``max_rows`` is reached. Decision points with fewer than ``min_cases``
cases are listed without a table.

Imports: ibis, pandas, eventlogs.schema, mining.decision_features, mining.filters,
mining.selection, mining.source.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

import ibis
import ibis.expr.types as ir
from ibis import _

from eventlogs.schema import event_attrs_table
from mining.decision_features import OTHER, as_category, typed_features
from mining.filters import LogFilter
from mining.selection import open_log
from mining.source import (
    Connection,
    DatasetRef,
    LogTables,
    Provenance,
    fetch_rows,
    name_lookup,
    provenance,
)

if TYPE_CHECKING:
    import pandas as pd

END = "(end of case)"
START = "(start of case)"
GROUP = "case_no"
TARGET = "outcome"
TOP_ACTIVITIES = 30
_HASH = 2654435761  # Knuth's multiplicative hash: a fixed, engine-independent shuffle
_REHASH = 40503  # a second, 16-bit round after mixing in the seed (stays below 2**63)
_MOD = 2**32


# eq=False: the rows are a DataFrame, which has no truth value for ==.
@dataclass(frozen=True, slots=True, kw_only=True, eq=False)
class DecisionPoint:
    """One activity followed by a real choice, with its training table."""

    activity: str
    executions: int  # all executions in the selected cases
    cases: int  # distinct cases executing it
    outcome_counts: Mapping[str, int]  # every outcome (next step or END) -> executions
    outcomes: tuple[str, ...]  # outcomes at or above min_share, most frequent first
    rows: pd.DataFrame  # case_no, outcome, then the features (sampled by case)
    features: tuple[str, ...]
    categorical: tuple[str, ...]  # the features held as pandas categories
    unstructured: tuple[str, ...]  # free-text attributes seen here (not features)
    excluded: Mapping[str, str]  # attribute -> why it is not a feature

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary (without the rows)."""
        return {
            "activity": self.activity,
            "executions": self.executions,
            "cases": self.cases,
            "rows": len(self.rows),
            "outcomes": list(self.outcomes),
            "outcome_counts": dict(self.outcome_counts),
            "features": list(self.features),
            "unstructured": list(self.unstructured),
            "excluded": dict(self.excluded),
        }


@dataclass(frozen=True, slots=True, kw_only=True, eq=False)
class DecisionPoints:
    """The decision points of a log (most executions first) and every activity's successors."""

    provenance: Provenance
    cases: int  # selected cases
    min_share: float
    min_cases: int
    successors: Mapping[str, Mapping[str, int]]  # every activity -> outcome -> executions
    points: tuple[DecisionPoint, ...]
    unstructured_inputs: tuple[str, ...]  # free-text attributes found at any decision point

    def get(self, activity: str) -> DecisionPoint | None:
        """The decision point of one activity, or None when it has no real choice."""
        return next((p for p in self.points if p.activity == activity), None)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready record (tables left out)."""
        return {
            "cases": self.cases,
            "successors": {a: dict(s) for a, s in self.successors.items()},
            "points": [p.to_dict() for p in self.points],
            "unstructured_inputs": list(self.unstructured_inputs),
            "provenance": self.provenance.to_dict(),
        }


def completed_steps(events: ir.Table, *, every_event: bool = False) -> ir.Table:
    """Steps (completing events) with their 0-based ``step``, previous and next activity."""
    steps = events
    if not every_event:
        steps = events.filter(events.lifecycle.isnull() | (events.lifecycle == "complete"))
    w = ibis.window(group_by="case_no", order_by="position")
    return steps.select(
        "case_no",
        "event_index",
        "activity_no",
        step=ibis.row_number().over(w),
        prev_no=steps.activity_no.lag().over(w),
        next_no=steps.activity_no.lead().over(w),
    )


def sampled_cases(
    steps: ir.Table, activity_nos: list[int], *, max_rows: int, seed: int
) -> ir.Table:
    """(activity_no, case_no) kept per activity: whole cases in hashed order up to ``max_rows`` rows."""
    per_case = (
        steps.filter(steps.activity_no.isin(activity_nos))
        .group_by(["activity_no", "case_no"])
        .agg(n=_.count())
    )
    # hash(case_no) XOR seed, hashed again: another seed gives another order, not a rotation.
    first = ((per_case.case_no.cast("int64") + 1) * _HASH) % _MOD
    mixed = first ^ (((seed % _MOD) + 1) * _HASH % _MOD)  # a spread-out seed flips many bits
    keyed = per_case.mutate(key=(mixed * _REHASH) % _MOD)
    w = ibis.cumulative_window(group_by="activity_no", order_by=["key", "case_no"])
    kept = keyed.mutate(cum=keyed.n.sum().over(w))
    return kept.filter(kept.cum <= max_rows).select("activity_no", "case_no")


def path_counts(steps: ir.Table, activity_nos: list[int]) -> ir.Table:
    """``steps`` plus ``_count<i>``: times activity_nos[i] happened in the case up to each step."""
    w = ibis.cumulative_window(group_by="case_no", order_by="step")
    return steps.mutate(
        **{
            f"_count{i}": (steps.activity_no == no).ifelse(1, 0).sum().over(w)
            for i, no in enumerate(activity_nos)
        }
    )


def _attribute_tables(tables: LogTables) -> tuple[ir.Table, ir.Table, dict[str, str]]:
    """Case and event attributes renamed ``case:``/``event:``; timestamps etc. left out (with why)."""
    excluded: dict[str, str] = {}

    def usable(table: ir.Table, key: str, prefix: str) -> ir.Table:
        keep = {}
        for name, dtype in table.schema().items():
            if name == key:
                continue
            if dtype.is_numeric() or dtype.is_boolean() or dtype.is_string():
                keep[prefix + name] = table[name]
            else:
                excluded[prefix + name] = f"{dtype} values are not used"
        return table.select(key, **keep)

    events = tables.backend.table(event_attrs_table(tables.dataset_id))
    return (
        usable(tables.case_attributes(), "case_no", "case:"),
        usable(events, "event_index", "event:"),
        excluded,
    )


def _decision_rows(
    steps: ir.Table,
    tables: LogTables,
    chosen: list[int],
    top: list[int],
    *,
    max_rows: int,
    seed: int,
) -> tuple[pd.DataFrame, dict[str, str]]:
    """One row per (sampled) execution of the chosen activities, with raw features."""
    case_attrs, event_attrs, excluded = _attribute_tables(tables)
    rows = path_counts(steps, top).filter(_.activity_no.isin(chosen))
    rows = rows.semi_join(
        sampled_cases(steps, chosen, max_rows=max_rows, seed=seed), ["activity_no", "case_no"]
    )
    rows = rows.left_join(case_attrs, "case_no").left_join(event_attrs, "event_index")
    frame = rows.order_by(["activity_no", "case_no", "step"]).to_pandas()
    return frame, excluded


def _successors(
    steps: ir.Table, names: Mapping[int, str]
) -> tuple[dict[str, dict[str, int]], dict[str, int]]:
    """activity -> {outcome: executions} (most first, then by name) and activity -> distinct cases."""
    pairs = fetch_rows(steps.group_by(["activity_no", "next_no"]).agg(n=_.count()))
    found: dict[str, dict[str, int]] = {}
    for r in pairs:
        outcome = END if r["next_no"] is None else names[int(r["next_no"])]
        found.setdefault(names[int(r["activity_no"])], {})[outcome] = int(r["n"])
    ordered = {
        a: dict(sorted(outs.items(), key=lambda kv: (-kv[1], kv[0])))
        for a, outs in sorted(found.items())
    }
    per_case = fetch_rows(steps.group_by("activity_no").agg(cases=_.case_no.nunique()))
    return ordered, {names[int(r["activity_no"])]: int(r["cases"]) for r in per_case}


def real_outcomes(outcome_counts: Mapping[str, int], min_share: float) -> tuple[str, ...]:
    """The outcomes that follow at least ``min_share`` of the executions (in the given order)."""
    total = sum(outcome_counts.values())
    return tuple(o for o, n in outcome_counts.items() if n >= min_share * total)


def _point(
    activity: str,
    part: pd.DataFrame,
    names: Mapping[int, str],
    successors: Mapping[str, int],
    attrs: tuple[dict[str, pd.Series], list[str], dict[str, str]],
    *,
    cases: int,
    min_share: float,
) -> DecisionPoint:
    """One decision point from its rows of the raw frame and the attributes typed over all rows."""
    import pandas as pd

    typed, free_text, excluded = attrs
    outcomes = real_outcomes(successors, min_share)
    nxt = part["next_no"].map(lambda v: END if pd.isna(v) else names[int(v)])
    previous = part["prev_no"].map(lambda v: START if pd.isna(v) else names[int(v)])
    candidates = {
        **{c: s.loc[part.index] for c, s in typed.items()},
        "path:previous": as_category(previous),
        **{c: part[c].astype("float64") for c in part.columns if c.startswith("path:")},
    }
    features = {  # constant here: no use at this step
        c: s.cat.remove_unused_categories() if isinstance(s.dtype, pd.CategoricalDtype) else s
        for c, s in candidates.items()
        if s.nunique(dropna=False) > 1
    }
    rows = pd.DataFrame(
        {GROUP: part["case_no"].astype("int64"), TARGET: nxt.where(nxt.isin(outcomes), OTHER)}
        | features
    )
    return DecisionPoint(
        activity=activity,
        executions=sum(successors.values()),
        cases=cases,
        outcome_counts=MappingProxyType(dict(successors)),
        outcomes=outcomes,
        rows=rows.reset_index(drop=True),
        features=tuple(features),
        categorical=tuple(
            c for c, s in features.items() if isinstance(s.dtype, pd.CategoricalDtype)
        ),
        unstructured=tuple(c for c in free_text if part[c].notna().any()),
        excluded=MappingProxyType(excluded),
    )


def _too_few(
    activity: str, successors: Mapping[str, int], *, cases: int, min_share: float
) -> DecisionPoint:
    """A decision point with fewer than ``min_cases`` cases: counted, no table."""
    import pandas as pd

    return DecisionPoint(
        activity=activity,
        executions=sum(successors.values()),
        cases=cases,
        outcome_counts=MappingProxyType(dict(successors)),
        outcomes=real_outcomes(successors, min_share),
        rows=pd.DataFrame({GROUP: pd.Series(dtype="int64"), TARGET: pd.Series(dtype="string")}),
        features=(),
        categorical=(),
        unstructured=(),
        excluded=MappingProxyType({}),
    )


def _with_tables(
    steps: ir.Table,
    tables: LogTables,
    successors: Mapping[str, Mapping[str, int]],
    cases: Mapping[str, int],
    chosen: list[str],
    *,
    min_share: float,
    max_rows: int,
    seed: int,
) -> list[DecisionPoint]:
    """The decision points ``chosen`` with their tables, built in one query."""
    names = name_lookup(tables)
    by_name = {name: no for no, name in names.items()}
    volume = sorted(successors, key=lambda a: (-sum(successors[a].values()), a))[:TOP_ACTIVITIES]
    numbers = [by_name[a] for a in chosen]
    frame, unusable = _decision_rows(
        steps, tables, numbers, [by_name[a] for a in volume], max_rows=max_rows, seed=seed
    )
    frame = frame.rename(columns={f"_count{i}": f"path:count:{a}" for i, a in enumerate(volume)})
    kept, free_text, excluded = typed_features(frame, "case_no")
    attrs = (kept, free_text, {**unusable, **excluded})
    return [
        _point(
            a,
            frame[frame["activity_no"] == by_name[a]],
            names,
            successors[a],
            attrs,
            cases=cases[a],
            min_share=min_share,
        )
        for a in chosen
    ]


def compute_decision_points(
    con: Connection,
    dataset: DatasetRef,
    *,
    log_filter: LogFilter | None = None,
    min_share: float = 0.05,
    min_cases: int = 30,
    max_rows: int = 50_000,
    seed: int = 0,
) -> DecisionPoints:
    """The steps followed by a real choice, each with a table of its executions and their features.

    Every decision point is returned; those with fewer than ``min_cases``
    cases get no table (too few to learn from), and the scorer says so.

    >>> from pathlib import Path
    >>> from eventlogs.engine import connect
    >>> from eventlogs.load import load_log
    >>> con = connect(":memory:")
    >>> _ = load_log(con, Path(__file__).parents[1] / "sample_logs" / "running-example.xes.gz")
    >>> points = compute_decision_points(con, "running-example", min_cases=1)
    >>> decide = points.get("decide")
    >>> dict(decide.outcome_counts), len(decide.rows), decide.features[0]
    ({'pay compensation': 3, 'reinitiate request': 3, 'reject request': 3}, 9, 'path:previous')
    """
    log_filter = log_filter or LogFilter()
    tables = open_log(con, dataset, log_filter)
    completing = tables.events.lifecycle.isnull() | (tables.events.lifecycle == "complete")
    steps = completed_steps(tables.events, every_event=not completing.any().to_pyarrow().as_py())
    successors, cases = _successors(steps, name_lookup(tables))
    chosen = [a for a, outs in successors.items() if len(real_outcomes(outs, min_share)) >= 2]
    enough = [a for a in chosen if cases[a] >= min_cases]
    points = [
        _too_few(a, successors[a], cases=cases[a], min_share=min_share)
        for a in chosen
        if cases[a] < min_cases
    ]
    if enough:
        points += _with_tables(
            steps,
            tables,
            successors,
            cases,
            enough,
            min_share=min_share,
            max_rows=max_rows,
            seed=seed,
        )
    points.sort(key=lambda p: (-p.executions, p.activity))
    parameters = {
        "min_share": min_share,
        "min_cases": min_cases,
        "max_rows": max_rows,
        "seed": seed,
    }
    return DecisionPoints(
        provenance=provenance(tables, log_filter, **parameters),
        cases=int(tables.cases.count().to_pyarrow().as_py()),
        min_share=min_share,
        min_cases=min_cases,
        successors=MappingProxyType({a: MappingProxyType(o) for a, o in successors.items()}),
        points=tuple(points),
        unstructured_inputs=tuple(sorted({c for p in points for c in p.unstructured})),
    )

"""Fitness of a selection against a Petri net: pm4py's token replay or alignments.

pm4py replays each distinct variant once and repeats the result for every case
of the variant; here the variants come with their counts from DuckDB and each
result is weighted by its cases, which gives the same numbers as
``pm4py.fitness_token_based_replay`` / ``pm4py.fitness_alignments`` on the whole
log (tests/test_models.py checks it).

Budget: the work is refused up front when its calibrated lower-bound estimate
exceeds ``time_budget_s``; otherwise variants are replayed most frequent first in
a forked worker (``mining.pm4py_worker.run_budgeted``) that streams results in chunks,
so that when the budget expires the variants done so far still count
(``budget_hit``). Alignments also pass the remaining time to pm4py as the
per-trace limit. Above ``max_variants`` variants a sample is used (``sampled``):
the most frequent half of the limit exactly, plus a seeded uniform sample of
the other variants, each standing for its share of them.

Imports: standard library, eventlogs.errors, mining.filters, mining.models,
mining.pm4py_worker, mining.source, mining.variants; pm4py only inside functions.
"""

from __future__ import annotations

import dataclasses
import random
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any, Literal

from eventlogs.errors import InputError
from mining.filters import LogFilter
from mining.models import PetriNetModel, discover_petri_net
from mining.pm4py_worker import (
    DEFAULT_CALIBRATION,
    BudgetExceededError,
    Calibration,
    Emit,
    LogSize,
    discover_variant_counts,
    im_estimate_s,
    import_pm4py,
    plain,
    refuse_if_over,
    run_budgeted,
)
from mining.source import Connection, DatasetRef, Provenance
from mining.variants import Variants

Method = Literal["token", "alignments"]
DEFAULT_MAX_VARIANTS: dict[str, int] = {"token": 5000, "alignments": 200}
TOKEN_CHUNK = 50  # variants per token-replay call: a deadline check between calls

Chosen = list[tuple[tuple[str, ...], int, float]]  # (variant, cases, weight)


@dataclass(frozen=True, slots=True, kw_only=True)
class Fitness:
    """How well a selection fits a Petri net, with cases weighting their variants.

    token: log_fitness = 0.5 (1 - missing/consumed) + 0.5 (1 - remaining/produced);
    alignments: log_fitness = 1 - sum of alignment costs / sum of worst-case costs.
    """

    provenance: Provenance  # parameters include the model's own record
    method: str  # "token" or "alignments"
    model_algorithm: str  # "given", or how the model was mined: "IM", "IMf", "IMd"
    log_fitness: float  # 0..1
    fitting_share: float  # share of the counted cases whose trace fits perfectly, 0..1
    average_trace_fitness: float  # case-weighted mean of the per-trace fitness, 0..1
    variants_used: int  # variants replayed or aligned
    variants_total: int  # variants of the selection
    cases_used: int  # cases of the variants used
    cases_total: int
    sampled: bool  # True when max_variants cut the variants to a sample
    budget_hit: bool
    seconds: float

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: the record (with the model's) as a dict."""
        return plain(self)


def sample_variants(found: Variants, max_variants: int, seed: int) -> tuple[Chosen, bool]:
    """(variant, cases, weight) to replay, most frequent first, and whether it is a sample.

    Above ``max_variants``: the ``max_variants // 2`` most frequent variants with
    weight = cases, then a seeded uniform sample of the rest, each with weight =
    cases x (rest / sampled) so that the sums estimate the whole log's.
    """
    everything = [(v.activities, v.cases) for v in found.variants]
    if len(everything) <= max_variants:
        return [(v, n, float(n)) for v, n in everything], False
    head, rest = everything[: max_variants // 2], everything[max_variants // 2 :]
    picked = sorted(random.Random(seed).sample(range(len(rest)), max_variants - len(head)))
    scale = len(rest) / len(picked)
    chosen = [(v, n, float(n)) for v, n in head]
    return chosen + [(rest[i][0], rest[i][1], rest[i][1] * scale) for i in picked], True


def compute_fitness(
    con: Connection,
    dataset: DatasetRef,
    *,
    model: PetriNetModel | None = None,
    noise_threshold: float = 0.0,
    method: Method = "token",
    log_filter: LogFilter | None = None,
    time_budget_s: float = 60.0,
    max_variants: int | None = None,
    seed: int = 0,
    calibration: Calibration = DEFAULT_CALIBRATION,
) -> Fitness:
    """Fitness of the selection against ``model`` (default: IM/IMf mined from the same selection).

    >>> from pathlib import Path
    >>> from eventlogs.engine import connect
    >>> from eventlogs.load import load_log
    >>> con = connect(":memory:")
    >>> _ = load_log(con, Path(__file__).parents[1] / "sample_logs" / "running-example.xes.gz")
    >>> fit = compute_fitness(con, "running-example")
    >>> fit.log_fitness, fit.fitting_share, fit.variants_used
    (1.0, 1.0, 6)
    """
    limit = _check(method, max_variants)
    import_pm4py()  # the one-off import stays outside the budget, as in mining.models
    start = time.perf_counter()
    found, _ = discover_variant_counts(con, dataset, log_filter=log_filter)
    chosen, sampled = sample_variants(found, limit, seed)
    noise = None if model is not None else noise_threshold
    _refuse_if_slow(method, chosen, LogSize.of(found), noise, time_budget_s, calibration)
    if model is None:
        mine = partial(discover_petri_net, log_filter=log_filter, calibration=calibration)
        model = mine(con, dataset, noise_threshold=noise_threshold, time_budget_s=time_budget_s)
        source = ""
    else:
        source = "given"
    left_s = time_budget_s - (time.perf_counter() - start)
    rows, finished = _replay(method, model.pnml, [v for v, _, _ in chosen], left_s)
    record = {"method": method, "time_budget_s": time_budget_s, "max_variants": limit, "seed": seed}
    return Fitness(
        provenance=_record(found, log_filter, model, record),
        method=method,
        model_algorithm=source or model.algorithm,
        sampled=sampled,
        seconds=time.perf_counter() - start,
        **_aggregate(method, found, chosen, rows, finished),
    )


def _record(
    found: Variants, log_filter: LogFilter | None, model: PetriNetModel, record: Mapping[str, Any]
) -> Provenance:
    record = dict(record) | {"model": model.provenance.to_dict() | {"algorithm": model.algorithm}}
    return dataclasses.replace(
        found.provenance, log_filter=log_filter or LogFilter(), parameters=record
    )


def _refuse_if_slow(
    method: str,
    chosen: Chosen,
    size: LogSize,
    mining_noise: float | None,  # None: the model is given
    budget_s: float,
    calibration: Calibration,
) -> None:
    rate = calibration.token_s_per_event if method == "token" else calibration.align_s_per_event
    estimate = calibration.worker_start_s + rate * sum(len(v) for v, _, _ in chosen)
    if mining_noise is not None:
        estimate += im_estimate_s(size, mining_noise, calibration)
    refuse_if_over(estimate, budget_s, f"{method} fitness", size)


def _replay(
    method: str, pnml: str, variants: list[tuple[str, ...]], budget_s: float
) -> tuple[list[Any], bool]:
    """Per-variant results (in order) that arrived within the budget, and whether all did."""
    if budget_s <= 0:
        return [], False
    work = _token_work if method == "token" else _align_work
    run = run_budgeted(partial(work, pnml, variants), budget_s)
    return [row for chunk in run.items for row in chunk], run.finished


def _check(method: str, max_variants: int | None) -> int:
    if method not in DEFAULT_MAX_VARIANTS:
        raise InputError(f"fitness method {method!r} unknown; methods are: token, alignments")
    limit = DEFAULT_MAX_VARIANTS[method] if max_variants is None else max_variants
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
        raise InputError(f"max_variants must be a whole number >= 1, found {max_variants!r}")
    return limit


def _aggregate(
    method: str, found: Variants, chosen: Chosen, rows: list[Any], finished: bool
) -> dict[str, Any]:
    """Case-weighted totals over the variants that got a result (rows[i] is chosen[i]'s)."""
    size = LogSize.of(found)
    done = [(w, n, row) for (_, n, w), row in zip(chosen, rows, strict=False) if row is not None]
    if not done:
        raise BudgetExceededError(
            f"no variant could be {'replayed' if method == 'token' else 'aligned'} within the "
            f"time budget ({size.variants:,} variants of {size.cases:,} cases); raise the "
            "time budget, pass a model mined beforehand, or select fewer cases"
        )
    weight = sum(w for w, _, _ in done)

    def total(i: int) -> float:
        return sum(w * row[i] for w, _, row in done)

    if method == "token":  # row: (fits, trace fitness, missing, consumed, remaining, produced)
        log_fitness = 0.5 * (1 - total(2) / total(3)) + 0.5 * (1 - total(4) / total(5))
    else:  # row: (fitness, cost, best worst cost)
        log_fitness = 1 - total(1) / total(2)
    fits = sum(w for w, _, row in done if (row[0] is True if method == "token" else row[0] == 1.0))
    return {
        "log_fitness": log_fitness,
        "fitting_share": fits / weight,
        "average_trace_fitness": total(1 if method == "token" else 0) / weight,
        "variants_used": len(done),
        "cases_used": sum(n for _, n, _ in done),
        "variants_total": size.variants,
        "cases_total": size.cases,
        "budget_hit": not finished or len(rows) < len(chosen) or None in rows,
    }


def _petri_net(pnml: str) -> tuple[Any, Any, Any]:
    from pm4py.objects.petri_net.importer.variants.pnml import import_net_from_string

    return import_net_from_string(pnml.encode("utf-8"))


def _traces(variants: Sequence[tuple[str, ...]]) -> Any:
    from pm4py.objects.log.obj import Event, EventLog, Trace

    return EventLog([Trace([Event({"concept:name": a}) for a in v]) for v in variants])


def _token_work(pnml: str, variants: list[tuple[str, ...]], emit: Emit, deadline: float) -> None:
    """Token replay as pm4py.fitness_token_based_replay sets it up, TOKEN_CHUNK variants a call."""
    from pm4py.algo.conformance.tokenreplay.variants import token_replay as tr

    net, initial, final = _petri_net(pnml)
    shortest = tr.get_places_shortest_path_by_hidden(
        net, tr.TechnicalParameters.MAX_REC_DEPTH.value
    )
    params = {
        tr.Parameters.CONSIDER_REMAINING_IN_FITNESS: True,
        tr.Parameters.SHOW_PROGRESS_BAR: False,
        tr.Parameters.PLACES_SHORTEST_PATH_BY_HIDDEN: shortest,
    }
    keys = ["trace_is_fit", "trace_fitness", "missing_tokens", "consumed_tokens"]
    keys += ["remaining_tokens", "produced_tokens"]
    for i in range(0, len(variants), TOKEN_CHUNK):
        if time.perf_counter() >= deadline:
            return
        replayed = tr.apply(_traces(variants[i : i + TOKEN_CHUNK]), net, initial, final, params)
        emit([tuple(r[k] for k in keys) for r in replayed])


def _align_work(pnml: str, variants: list[tuple[str, ...]], emit: Emit, deadline: float) -> None:
    """pm4py's default alignments, one variant a call, each limited to the time left."""
    from pm4py.algo.conformance.alignments.petri_net import algorithm as alignments

    net, initial, final = _petri_net(pnml)
    variant = alignments.DEFAULT_VARIANT
    keys = alignments.Parameters
    worst = variant.value.get_best_worst_cost(net, initial, final, parameters={})
    for trace in _traces(variants):
        left = deadline - time.perf_counter()
        if left <= 0:
            return
        params = {keys.SHOW_PROGRESS_BAR: False, keys.BEST_WORST_COST_INTERNAL: worst}
        params[keys.PARAM_MAX_ALIGN_TIME_TRACE] = left
        found = alignments.apply_trace(trace, net, initial, final, params, variant)
        emit([None if found is None else (found["fitness"], found["cost"], found["bwc"])])

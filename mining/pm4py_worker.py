"""The shared machinery of the pm4py adapters: budgets, a forked worker, quiet pm4py.

``run_budgeted`` runs work in a forked worker that is killed when its time budget
expires, keeping what it emitted before; ``refuse_if_over`` refuses a request
whose calibrated lower-bound estimate (``Calibration``, ``LogSize``) already
exceeds the budget (``BudgetExceededError``). ``import_pm4py`` imports pm4py on
first use, never at module level (it takes 2-3 s and the CLI's stdout may carry
JSON), and ``quiet`` silences it; ``plain`` turns result dataclasses into
JSON-ready data; ``discover_variant_counts`` and ``im_estimate_s`` give the
selection and the inductive miner's estimate. Used by mining.models and
mining.conformance.

Imports: standard library, eventlogs.errors, mining.filters, mining.source,
mining.variants; pm4py only inside functions.
"""

from __future__ import annotations

import contextlib
import dataclasses
import gc
import io
import multiprocessing
import os
import time
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from multiprocessing.connection import Connection as Pipe
from pathlib import Path
from types import ModuleType
from typing import Any, NamedTuple

from eventlogs.errors import HyperpathError, InputError
from mining.filters import LogFilter
from mining.source import Connection, DatasetRef, Provenance
from mining.variants import Variants, discover_variants

Emit = Callable[[object], None]
Work = Callable[[Emit, float], None]  # work(emit, deadline on the time.perf_counter clock)


class BudgetExceededError(InputError):
    """The request cannot be done within its time budget (refused up front or stopped)."""


class ModelError(HyperpathError, RuntimeError):
    """pm4py failed on a request; its message is kept."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Calibration:
    """Seconds per unit of work: the fast end of what was measured (docs/metrics.md).

    An estimate with these rates is a lower bound, so a refusal means that even
    the fastest measured rate would overrun the budget.
    """

    worker_start_s: float = 0.02  # fork a worker and read its first message
    im_s_per_unit: float = 1e-7  # IM, per (event of the distinct variants x activities^2)
    imf_s_per_unit: float = 3e-8  # IMf (noise > 0), per the same unit
    token_s_per_event: float = 1e-4  # token replay, per event of the replayed variants
    align_s_per_event: float = 1e-3  # alignments, per event of the aligned variants
    heuristics_s_per_event: float = 1e-6  # heuristics miner, per event of the distinct variants


DEFAULT_CALIBRATION = Calibration()


@dataclass(frozen=True, slots=True, kw_only=True)
class LogSize:
    """The size of a selection as pm4py sees it: its distinct variants."""

    cases: int
    variants: int
    variant_events: int  # events summed over the distinct variants, each variant once
    activities: int

    @classmethod
    def of(cls, found: Variants) -> LogSize:
        """The size of the selected cases' variants."""
        return cls(
            cases=found.cases,
            variants=len(found.variants),
            variant_events=sum(len(v.activities) for v in found.variants),
            activities=len({a for v in found.variants for a in v.activities}),
        )


def plain(result: Any) -> dict[str, Any]:
    """A result dataclass as JSON-ready data (records via their to_dict, dataclasses as dicts)."""
    out: dict[str, Any] = {}
    for f in dataclasses.fields(result):
        value = getattr(result, f.name)
        if isinstance(value, Provenance):
            value = value.to_dict()
        elif isinstance(value, Path):
            value = str(value)
        elif isinstance(value, tuple):
            value = [plain(v) if dataclasses.is_dataclass(v) else v for v in value]
        out[f.name] = value
    return out


class Run(NamedTuple):
    """What a budgeted worker sent, whether it finished, and the seconds taken."""

    items: list[Any]
    finished: bool
    seconds: float


def import_pm4py() -> ModuleType:
    """pm4py, imported on first use; anything it prints while importing is discarded."""
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        import pm4py
    return pm4py


@contextlib.contextmanager
def quiet() -> Iterator[None]:
    """Around pm4py calls: nothing reaches stdout, pm4py's warnings are not shown."""
    with contextlib.redirect_stdout(io.StringIO()), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


def run_budgeted(work: Work, budget_s: float) -> Run:
    """Run ``work(emit, deadline)`` in a forked worker, killed when ``budget_s`` expires.

    Items emitted before the deadline are kept, so chunked work returns partial
    results. Without fork (not Linux, or inside a daemonic process) the work runs
    here and only its own deadline checks apply.
    """
    import_pm4py()  # a one-off 2-3 s outside the budget; the forked worker inherits it
    start = time.perf_counter()
    deadline = start + budget_s
    forkable = os.name == "posix" and "fork" in multiprocessing.get_all_start_methods()
    if not forkable or multiprocessing.current_process().daemon:
        items: list[Any] = []
        with quiet():
            work(items.append, deadline)
        return Run(items, True, time.perf_counter() - start)
    ctx = multiprocessing.get_context("fork")
    receiver, sender = ctx.Pipe(duplex=False)
    gc.freeze()  # the worker's collector then never finalises the parent's objects (DuckDB's)
    try:
        worker = ctx.Process(target=_worker, args=(work, sender, deadline), daemon=True)
        worker.start()
    finally:
        gc.unfreeze()
    sender.close()
    try:
        items, finished = _collect(receiver, deadline, worker)
    finally:
        if worker.is_alive():
            worker.kill()
        worker.join()
        receiver.close()
    return Run(items, finished, time.perf_counter() - start)


def _worker(work: Work, sender: Pipe, deadline: float) -> None:
    try:
        with quiet():
            work(lambda item: sender.send(("item", item)), deadline)
        sender.send(("done", None))
    except Exception as exc:  # re-raised in the parent as ModelError
        sender.send(("error", f"{type(exc).__name__}: {exc}"))
    finally:
        sender.close()


def _collect(receiver: Pipe, deadline: float, worker: Any) -> tuple[list[Any], bool]:
    items: list[Any] = []
    while (remaining := deadline - time.perf_counter()) > 0 and receiver.poll(remaining):
        try:
            kind, payload = receiver.recv()
        except EOFError:
            worker.join(1.0)
            raise ModelError(
                f"the pm4py worker stopped without a result (exit code {worker.exitcode})"
            ) from None
        if kind == "done":
            return items, True
        if kind == "error":
            raise ModelError(f"pm4py failed: {payload}")
        items.append(payload)
    return items, False


def refuse_if_over(estimate_s: float, budget_s: float, what: str, size: LogSize) -> None:
    """BudgetExceededError when the lower-bound estimate already exceeds the budget."""
    if not budget_s > 0:  # also refuses NaN
        raise InputError(f"time budget must be a positive number of seconds, found {budget_s!r}")
    if estimate_s > budget_s:
        raise BudgetExceededError(
            f"{what} would need at least {estimate_s:.3g} s on this selection ({size.variants:,} "
            f"variants of {size.cases:,} cases, {size.variant_events:,} events in distinct "
            f"variants, {size.activities:,} activities), over the time budget of {budget_s:g} s; "
            "select fewer cases or variants (e.g. --top-variants 20) or raise the time budget"
        )


def discover_variant_counts(
    con: Connection, dataset: DatasetRef, *, log_filter: LogFilter | None = None
) -> tuple[Variants, dict[tuple[str, ...], int]]:
    """The selection as pm4py's miners read it: variant -> cases, most frequent first.

    Raises InputError when the filter selects no case.
    """
    found = discover_variants(con, dataset, log_filter=log_filter)
    if found.cases == 0:
        name = found.provenance.dataset_name
        raise InputError(f"the filter selects no cases of dataset {name!r}; a model needs cases")
    return found, {v.activities: v.cases for v in found.variants}


def im_estimate_s(size: LogSize, noise_threshold: float, calibration: Calibration) -> float:
    """Lower-bound seconds of IM / IMf: rate x events of the distinct variants x activities^2."""
    rate = calibration.imf_s_per_unit if noise_threshold > 0 else calibration.im_s_per_unit
    return calibration.worker_start_s + rate * size.variant_events * size.activities**2

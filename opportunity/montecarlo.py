"""Monte-Carlo ranges (P10/P50/P90) of a business case over its uncertain inputs.

Every uncertain input has a (low, likely, high) spread and is drawn from a
*split triangular* distribution: half the runs fall below *likely* and half
above, each side a triangle peaking at *likely*, so *likely* (what the point
estimate uses) is the median of every input. Each run draws:

- the automation rate of each class, one draw per class and run, shared by every
  candidate of that class (the uncertainty is about the technology, not the step);
- one cost factor per run on ``cost_range``, applied to every one-off and
  running cost;
- a handling-time factor per candidate: the median of a bootstrap resample of
  the log's n handling times over their median (so it is centred on 1 and wider
  when few times were measured), drawn directly as the times' quantile at a
  Beta((n+1)/2, (n+1)/2) variate, the distribution of the median of n uniform
  draws (exact for odd n); when the time was estimated or no times were
  measured, a factor on ``estimated_time_range`` instead (drawn on a log scale,
  so x0.5 and x2 are as likely); and when the step was seen in fewer than
  ``few_cases`` cases, a further factor on ``few_cases_range``.

Every run then goes through the same arithmetic as the point estimate
(opportunity.business_case, opportunity.portfolio). Percentiles interpolate
linearly; a payback percentile that falls on runs never paying back within the
horizon is None. A fixed ``seed`` gives the same ranges every time.

Imports: numpy, opportunity.assumptions, opportunity.business_case, opportunity.portfolio.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from opportunity.assumptions import CLASSES, Assumptions, Triple
from opportunity.business_case import CaseInput, drivers, npv, payback
from opportunity.portfolio import Portfolio, first_crossing, monthly_cumulative

_NEVER = 1e18  # stands for "no payback within the horizon" while taking percentiles


@dataclass(frozen=True, slots=True, kw_only=True)
class Range:
    """P10, P50 and P90 of one figure (None: not reached within the horizon)."""

    p10: float | None
    p50: float | None
    p90: float | None

    def contains(self, value: float | None) -> bool:
        """Whether ``value`` lies between P10 and P90 (None counts as beyond every month)."""
        lo = -np.inf if self.p10 is None else self.p10
        hi = np.inf if self.p90 is None else self.p90
        return bool(lo <= (np.inf if value is None else value) <= hi)


@dataclass(frozen=True, slots=True, kw_only=True)
class Simulation:
    """Monte-Carlo ranges of a candidate's or a portfolio's figures."""

    runs: int
    seed: int
    annual_hours_saved: Range
    annual_saving_gbp: Range
    annual_net_benefit_gbp: Range
    one_off_cost_gbp: Range
    npv_gbp: Range
    payback_months: Range


def _split_triangular(rng: np.random.Generator, spec: Triple, runs: int) -> np.ndarray:
    """Half the runs below *likely*, half above, each side a triangle peaking at *likely*.

    So *likely* is both the mode and the median, and the point estimate sits at
    the middle of the range rather than at one end.
    """
    low, likely, high = (float(v) for v in spec)
    below = rng.random(runs) < 0.5
    root = np.sqrt(rng.random(runs))
    return np.where(below, low + (likely - low) * root, high - (high - likely) * root)


def _log_split_triangular(rng: np.random.Generator, spec: Triple, runs: int) -> np.ndarray:
    """A factor around 1 drawn on a log scale, so x0.5 and x2 are equally likely."""
    low, likely, high = (float(np.log(v)) for v in spec)
    return np.exp(_split_triangular(rng, (low, likely, high), runs))


def _time_factor(rng: np.random.Generator, inp: CaseInput, a: Assumptions, runs: int):
    samples = np.asarray(inp.handling_time_samples_s, dtype=float)
    centre = float(np.median(samples)) if samples.size else 0.0
    if inp.handling_time_estimated or centre <= 0:
        factor = _log_split_triangular(rng, a.estimated_time_range, runs)
    else:  # the median of n draws from the log's times is their quantile at a Beta variate
        half = (samples.size + 1) / 2.0
        factor = np.quantile(samples, rng.beta(half, half, runs)) / centre
    if inp.cases < a.few_cases:
        factor = factor * _log_split_triangular(rng, a.few_cases_range, runs)
    return factor


def _runs(inputs: Sequence[CaseInput], a: Assumptions, runs: int, seed: int):
    """Per-run arrays (runs, candidates) of hours, saving, one-off and running cost."""
    rng = np.random.default_rng(seed)
    rate = {klass: _split_triangular(rng, a.automation_rate[klass], runs) for klass in CLASSES}
    cost = _split_triangular(rng, a.cost_range, runs)
    out = {key: np.zeros((runs, len(inputs))) for key in ("hours", "saving", "one_off", "running")}
    for j, inp in enumerate(inputs):
        d = drivers(inp, a, rate=rate[inp.automation_class],
                    time_factor=_time_factor(rng, inp, a, runs), cost_factor=cost)  # fmt: skip
        for key in out:
            out[key][:, j] = getattr(d, key)
    return out


def _range(values: np.ndarray) -> Range:
    p10, p50, p90 = (float(v) for v in np.percentile(values, [10, 50, 90]))
    return Range(p10=p10, p50=p50, p90=p90)


def _payback_range(months: np.ndarray) -> Range:
    p = [float(v) for v in np.percentile(np.where(np.isinf(months), _NEVER, months), [10, 50, 90])]
    p10, p50, p90 = (None if v >= _NEVER / 2 else v for v in p)
    return Range(p10=p10, p50=p50, p90=p90)


def _simulation(out: dict[str, np.ndarray], npvs: np.ndarray, paybacks: np.ndarray,
                runs: int, seed: int) -> Simulation:  # fmt: skip
    net = out["saving"] - out["running"]
    return Simulation(
        runs=runs,
        seed=seed,
        annual_hours_saved=_range(out["hours"].sum(axis=1)),
        annual_saving_gbp=_range(out["saving"].sum(axis=1)),
        annual_net_benefit_gbp=_range(net.sum(axis=1)),
        one_off_cost_gbp=_range(out["one_off"].sum(axis=1)),
        npv_gbp=_range(npvs),
        payback_months=_payback_range(paybacks),
    )


def simulate_business_case(
    inp: CaseInput,
    a: Assumptions,
    *,
    live_month: float | None = None,
    runs: int = 2000,
    seed: int = 0,
) -> Simulation:
    """P10/P50/P90 of one candidate's figures (live after its build duration by default).

    >>> step = CaseInput(activity="A", process="P", automation_class="RPA",
    ...                  annual_executions=12000, handling_time_s=300, ease_band="high",
    ...                  handling_time_samples_s=(200.0, 300.0, 400.0), cases=500)
    >>> sim = simulate_business_case(step, Assumptions(), runs=500)
    >>> sim.npv_gbp.p10 < sim.npv_gbp.p50 < sim.npv_gbp.p90
    True
    """
    live = a.duration_months[inp.ease_band] if live_month is None else float(live_month)
    out = _runs([inp], a, runs, seed)
    net = out["saving"][:, 0] - out["running"][:, 0]
    npvs = npv(net, out["one_off"][:, 0], live, a)
    return _simulation(out, npvs, payback(net, out["one_off"][:, 0], live, a), runs, seed)


def simulate_portfolio(portfolio: Portfolio, *, runs: int = 2000, seed: int = 0) -> Simulation:
    """P10/P50/P90 of a portfolio's figures, each candidate live when the roadmap says."""
    a = portfolio.assumptions
    out = _runs(portfolio.inputs, a, runs, seed)
    lives = np.array([c.live_month for c in portfolio.cases], dtype=float)
    net = out["saving"] - out["running"]
    npvs = np.zeros(runs)
    for j, live in enumerate(lives):
        npvs += npv(net[:, j], out["one_off"][:, j], float(live), a)
    months = first_crossing(monthly_cumulative(net, out["one_off"].sum(axis=1), lives, a))
    return _simulation(out, npvs, months, runs, seed)


def portfolio_figures(portfolio: Portfolio, simulation: Simulation) -> dict[str, float | None]:
    """The portfolio figures of ``hyperpath report --json`` (the CLI contract shape)."""
    return {
        "annual_hours_saved": portfolio.annual_hours_saved,
        "fte_released": portfolio.fte_released,
        "one_off_cost_gbp": portfolio.one_off_cost_gbp,
        "annual_net_benefit_gbp": portfolio.annual_net_benefit_gbp,
        "payback_months": portfolio.payback_months,
        "npv_gbp": portfolio.npv_gbp,
        "npv_p10_gbp": simulation.npv_gbp.p10,
        "npv_p90_gbp": simulation.npv_gbp.p90,
    }

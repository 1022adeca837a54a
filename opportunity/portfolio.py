"""The business case of a chosen portfolio of candidates, timed by the roadmap.

Each candidate goes live when its roadmap item ends; the portfolio's yearly cash
flow is the sum of its candidates'. One-off costs all fall in year 0. The
portfolio payback month is found on a monthly grid (month 0..12 x horizon): the
cumulative cash flow at month m is minus the one-off costs plus each candidate's
net benefit / 12 for every month it has been live; the payback month is the
first month it reaches zero, interpolated linearly between the two grid months
around the crossing (exact when steps go live on whole months). The workbook's
Cash flow sheet computes the same grid with formulas.

Imports: numpy, opportunity.assumptions, opportunity.business_case, opportunity.roadmap.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from opportunity.assumptions import Assumptions
from opportunity.business_case import (
    AUTOMATABLE,
    CandidateCase,
    CaseInput,
    build_business_case,
    discount_factors,
)
from opportunity.roadmap import Roadmap, build_roadmap


@dataclass(frozen=True, slots=True, kw_only=True)
class YearFlow:
    """One year of the portfolio's cash flow (year 0 holds the one-off costs)."""

    year: int
    one_off_cost_gbp: float
    saving_gbp: float
    running_cost_gbp: float
    net_gbp: float
    discount_factor: float
    discounted_net_gbp: float
    cumulative_gbp: float
    cumulative_discounted_gbp: float


@dataclass(frozen=True, slots=True, kw_only=True)
class Portfolio:
    """A chosen set of candidates with their roadmap, cases and combined figures."""

    assumptions: Assumptions
    inputs: tuple[CaseInput, ...]
    roadmap: Roadmap
    cases: tuple[CandidateCase, ...]
    annual_hours_saved: float
    fte_released: float
    annual_saving_gbp: float
    cashable_saving_gbp: float
    non_cashable_saving_gbp: float
    one_off_cost_gbp: float
    annual_running_cost_gbp: float
    annual_net_benefit_gbp: float  # steady state, all steps live
    years: tuple[YearFlow, ...]
    payback_months: float | None
    roi_pct: float | None
    npv_gbp: float


def monthly_cumulative(
    net: np.ndarray, one_off: np.ndarray, lives: np.ndarray, a: Assumptions
) -> np.ndarray:
    """Cumulative cash flow at months 0..12 x horizon; ``net``/``one_off`` rows are runs.

    ``net`` has shape (runs, candidates), ``one_off`` (runs,), ``lives`` (candidates,).
    """
    months = np.arange(0, 12 * a.horizon_years + 1, dtype=float)
    ramp = np.maximum(months[None, :] - lives[:, None], 0.0) / 12.0  # (candidates, months)
    return net @ ramp - one_off[:, None]


def first_crossing(cumulative: np.ndarray) -> np.ndarray:
    """Month where each row first reaches zero, linearly interpolated (inf if never).

    >>> first_crossing(np.array([[-10.0, -4.0, 2.0, 8.0], [-1.0, -1.0, -1.0, -1.0]])).round(4).tolist()
    [1.6667, inf]
    """
    reached = cumulative >= 0
    found = reached.any(axis=1)
    idx = np.argmax(reached, axis=1)
    prev_idx = np.maximum(idx - 1, 0)
    rows = np.arange(cumulative.shape[0])
    prev, cur = cumulative[rows, prev_idx], cumulative[rows, idx]
    with np.errstate(divide="ignore", invalid="ignore"):
        month = np.where(idx == 0, 0.0, idx - 1 + (-prev) / (cur - prev))
    return np.where(found, month, np.inf)


def _years(cases: Sequence[CandidateCase], a: Assumptions) -> tuple[YearFlow, ...]:
    months = [np.clip(12.0 * t - np.array([c.live_month for c in cases]), 0.0, 12.0)
              for t in range(1, a.horizon_years + 1)]  # fmt: skip
    savings = np.array([c.annual_saving_gbp for c in cases])
    running = np.array([c.annual_running_cost_gbp for c in cases])
    one_off = sum(c.one_off_cost_gbp for c in cases)
    rows = [(0, one_off, 0.0, 0.0, 1.0)]
    for t, live in enumerate(months, start=1):
        rows.append((t, 0.0, float(savings @ live / 12.0), float(running @ live / 12.0),
                     float(discount_factors(a)[t - 1])))  # fmt: skip
    flows, cum, cum_disc = [], 0.0, 0.0
    for year, cost, saving, run, factor in rows:
        net = saving - run - cost
        cum, cum_disc = cum + net, cum_disc + net * factor
        flows.append(YearFlow(year=year, one_off_cost_gbp=cost, saving_gbp=saving,
                              running_cost_gbp=run, net_gbp=net, discount_factor=factor,
                              discounted_net_gbp=net * factor, cumulative_gbp=cum,
                              cumulative_discounted_gbp=cum_disc))  # fmt: skip
    return tuple(flows)


def build_portfolio(
    inputs: Sequence[CaseInput], a: Assumptions, *, roadmap: Roadmap | None = None
) -> Portfolio:
    """The portfolio of the automatable candidates among ``inputs`` (RPA, AI, AI-assisted).

    >>> step = CaseInput(activity="Check form", process="P", automation_class="RPA",
    ...                  annual_executions=12000, handling_time_s=300, ease_band="high",
    ...                  value_score=80)
    >>> p = build_portfolio([step], Assumptions())
    >>> p.annual_hours_saved, p.one_off_cost_gbp, p.cases[0].live_month
    (800.0, 10000.0, 2.0)
    """
    chosen = tuple(i for i in inputs if i.automation_class in AUTOMATABLE)
    plan = build_roadmap(chosen, a) if roadmap is None else roadmap
    if len(plan.items) != len(chosen):
        raise ValueError("the roadmap must hold one item per automatable candidate")
    cases = tuple(
        build_business_case(inp, a, live_month=item.end_month)
        for inp, item in zip(chosen, plan.items, strict=True)
    )
    net = np.array([[c.annual_net_benefit_gbp for c in cases]])
    lives = np.array([c.live_month for c in cases], dtype=float)
    one_off = float(sum(c.one_off_cost_gbp for c in cases))
    paid = float(first_crossing(monthly_cumulative(net, np.array([one_off]), lives, a))[0])
    years = _years(cases, a)
    costs = one_off + sum(y.running_cost_gbp for y in years)
    savings = sum(y.saving_gbp for y in years)
    saving = float(sum(c.annual_saving_gbp for c in cases))
    return Portfolio(
        assumptions=a,
        inputs=chosen,
        roadmap=plan,
        cases=cases,
        annual_hours_saved=float(sum(c.annual_hours_saved for c in cases)),
        fte_released=float(sum(c.fte_released for c in cases)),
        annual_saving_gbp=saving,
        cashable_saving_gbp=float(sum(c.cashable_saving_gbp for c in cases)),
        non_cashable_saving_gbp=float(sum(c.non_cashable_saving_gbp for c in cases)),
        one_off_cost_gbp=one_off,
        annual_running_cost_gbp=float(sum(c.annual_running_cost_gbp for c in cases)),
        annual_net_benefit_gbp=float(sum(c.annual_net_benefit_gbp for c in cases)),
        years=years,
        payback_months=None if np.isinf(paid) else paid,
        roi_pct=(savings - costs) / costs * 100.0 if costs > 0 else None,
        npv_gbp=float(sum(y.discounted_net_gbp for y in years)),
    )

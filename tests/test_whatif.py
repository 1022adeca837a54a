"""Backlog what-if: the fluid projection by hand, and against a simpy simulation on a real log."""

from __future__ import annotations

import datetime as dt

import pytest

from eventlogs.errors import InputError
from eventlogs.load import load_log
from mining.backlog import compute_backlog
from opportunity.simulation import simulate_backlog
from opportunity.whatif import FlowRates, compute_whatif, measure_flow, project
from tests.conftest import SAMPLE_LOGS

START = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)


def rates(open_now: int, arrivals: float, completions: float) -> FlowRates:
    return FlowRates(
        freq="W",
        period_days=7.0,
        arrivals_per_period=arrivals,
        completions_per_period=completions,
        open_now=open_now,
        start=START,
        window_periods=12,
    )


def test_projection_by_hand() -> None:
    r = rates(100, 20, 30)
    p = project(r, 30, periods=12, label="today")
    # Each week: +20 arrive, -30 finish -> -10 a week: 100, 90, ..., 0 after 10 weeks, then stays 0.
    assert p.open_cases[:4] == (100, 90, 80, 70) and p.open_cases[10:] == (0, 0, 0)
    assert p.clears_after_periods == 10 and p.clear_date == dt.date(2024, 3, 11)  # +70 days
    grows = project(r, 15, periods=3, label="today")  # +5 a week, never clears
    assert grows.open_cases == (100, 105, 110, 115) and grows.clear_date is None


def test_whatif_on_the_receipt_log_by_formula(workspace) -> None:
    load_log(workspace, SAMPLE_LOGS / "receipt.xes.gz")
    backlog = compute_backlog(workspace, "receipt", freq="W")
    w = compute_whatif(
        backlog,
        hours_saved_per_year=250.0,
        staff_hours_per_year=1000.0,
        handling_saved_per_case_s=600.0,
        median_cycle_time_s=20 * 86400.0,
    )
    r = w.rates
    # The last 12 complete weeks of the receipt log: 187 arrivals, 182 completions -> never clears.
    assert (r.arrivals_per_period * 12, r.completions_per_period * 12) == pytest.approx((187, 182))
    assert r.open_now == backlog.open_at_end_of_log == 90
    assert w.baseline.clear_date is None
    # 1000 staff hours, 250 saved: the same staff finish 1000/750 = 4/3 as many cases.
    assert w.capacity_uplift == pytest.approx(4 / 3)
    mu, lam = 182 / 12, 187 / 12
    assert w.automated.clears_after_periods == pytest.approx(90 / (mu * 4 / 3 - lam))
    # Cycle time: 20 days - the queue ahead removed (90/mu - 90/(4/3 mu) weeks) - 10 minutes.
    cut_weeks = 90 / mu - 90 / (mu * 4 / 3)
    assert w.new_median_cycle_time_s == pytest.approx(20 * 86400 - cut_weeks * 7 * 86400 - 600)
    with pytest.raises(InputError, match="between 0 and the staff hours"):
        compute_whatif(backlog, hours_saved_per_year=1200.0, staff_hours_per_year=1000.0)


def test_projection_matches_simpy_on_a_real_log(workspace) -> None:
    """Stated tolerance: at every week, |simulated mean - projection| <= 10% of today's
    backlog + the M/M/1 steady-state queue rho/(1-rho) (the randomness the fluid model ignores;
    0 when rho >= 1). 50 replications, seed 0, one server completing mu cases a week."""
    load_log(workspace, SAMPLE_LOGS / "receipt.xes.gz")
    backlog = compute_backlog(workspace, "receipt", freq="W")
    flow = measure_flow(backlog)
    for uplift in (1.0, 1.25):
        capacity = flow.completions_per_period * uplift
        fluid = project(flow, capacity, periods=52, label="x")
        sim = simulate_backlog(flow, capacity, periods=52, seed=0)
        rho = flow.arrivals_per_period / capacity
        tolerance = 0.1 * flow.open_now + (rho / (1 - rho) if rho < 1 else 0.0)
        worst = max(abs(a - b) for a, b in zip(fluid.open_cases, sim.open_cases, strict=True))
        assert worst <= tolerance, (uplift, worst, tolerance)
    again = simulate_backlog(flow, capacity, periods=52, seed=0)
    assert again.open_cases == sim.open_cases  # reproducible with the seed

"""Backlog what-if: project open cases forward, with and without an automation.

A fluid (deterministic flow) model per period, from the measured backlog:

- arrivals ``λ``: mean new cases per period over the last ``window`` complete periods
  (trailing periods with neither arrivals nor completions are skipped: an extract
  often ends with a few stray late events);
- capacity ``μ``: mean completions per period over the same periods (what the
  staff actually finished; a lower bound on capacity when the backlog was empty);
- ``Q₀``: cases open at the end of the log.

``Q(t) = max(0, Q(t-1) + λ - μ)``. The backlog clears after ``Q₀ / (μ - λ)``
periods when ``μ > λ``, and never otherwise.

Automation frees staff hours: with ``H`` the staff hours a year spent on the
process's steps and ``F`` the hours the automation saves, the same staff can
finish ``μ' = μ · H / (H - F)`` cases per period (freed time is redeployed to
the remaining work). The cycle time of a case arriving at the end of the log is
the measured median cycle time, less the queue ahead of it that the extra
capacity removes (``Q₀/μ - Q₀/μ'`` periods), less the handling time the
automation takes off each case.

The model is checked against a discrete-event simulation (opportunity.simulation).

Imports: mining.backlog (results only), opportunity.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from eventlogs.errors import InputError
from mining.backlog import Backlog

_PERIOD_DAYS = {"D": 1.0, "W": 7.0, "M": 365.25 / 12}


@dataclass(frozen=True, slots=True, kw_only=True)
class FlowRates:
    """Measured flow of a process, per period."""

    freq: str
    period_days: float
    arrivals_per_period: float
    completions_per_period: float
    open_now: int
    start: dt.datetime  # the end of the log: where the projection starts
    window_periods: int


@dataclass(frozen=True, slots=True, kw_only=True)
class Projection:
    """One projected backlog path."""

    label: str
    capacity_per_period: float
    open_cases: tuple[float, ...]  # at the end of each projected period (index 0 = now)
    clears_after_periods: float | None  # None: never within the model
    clear_date: dt.date | None

    @property
    def clears(self) -> bool:
        """Whether the backlog clears."""
        return self.clears_after_periods is not None


@dataclass(frozen=True, slots=True, kw_only=True)
class WhatIf:
    """The projection with and without automation, and the cycle time either way."""

    rates: FlowRates
    baseline: Projection
    automated: Projection
    capacity_uplift: float  # μ' / μ
    hours_saved_per_year: float
    staff_hours_per_year: float
    median_cycle_time_s: float | None
    new_median_cycle_time_s: float | None

    def summary(self) -> str:
        """One sentence for people."""

        def when(p: Projection) -> str:
            return (
                f"clears by {p.clear_date.day} {p.clear_date:%B %Y}"
                if p.clear_date
                else "never clears"
            )

        return (
            f"Today {self.rates.open_now:,} cases are open. Without automation the backlog "
            f"{when(self.baseline)}; with it (+{self.capacity_uplift - 1:.1%} capacity) it "
            f"{when(self.automated)}."
        )


def measure_flow(backlog: Backlog, *, window: int = 12) -> FlowRates:
    """Arrival and completion rates over the last ``window`` complete periods of ``backlog``."""
    periods = list(backlog.periods[:-1] if len(backlog.periods) > 1 else backlog.periods)
    while len(periods) > 1 and periods[-1].arrivals == 0 and periods[-1].completions == 0:
        periods.pop()  # a tail of stray late events is not the team's pace
    recent = periods[-window:]
    if not recent or backlog.end_of_log is None:
        raise InputError(
            f"dataset {backlog.provenance.dataset_name!r} has no periods to project from"
        )
    return FlowRates(
        freq=backlog.freq,
        period_days=_PERIOD_DAYS[backlog.freq],
        arrivals_per_period=sum(p.arrivals for p in recent) / len(recent),
        completions_per_period=sum(p.completions for p in recent) / len(recent),
        open_now=backlog.open_at_end_of_log,
        start=backlog.end_of_log,
        window_periods=len(recent),
    )


def project(rates: FlowRates, capacity: float, *, periods: int, label: str) -> Projection:
    """The fluid projection of open cases for ``periods`` periods at ``capacity`` per period."""
    q = float(rates.open_now)
    path = [q]
    for _ in range(periods):
        q = max(0.0, q + rates.arrivals_per_period - capacity)
        path.append(q)
    drain = capacity - rates.arrivals_per_period
    after = rates.open_now / drain if drain > 0 else None
    if rates.open_now == 0:
        after = 0.0 if drain >= 0 else None
    date = None
    if after is not None:
        date = (rates.start + dt.timedelta(days=after * rates.period_days)).date()
    return Projection(
        label=label,
        capacity_per_period=capacity,
        open_cases=tuple(path),
        clears_after_periods=after,
        clear_date=date,
    )


def compute_whatif(
    backlog: Backlog,
    *,
    hours_saved_per_year: float,
    staff_hours_per_year: float,
    handling_saved_per_case_s: float = 0.0,
    median_cycle_time_s: float | None = None,
    periods: int = 104,
    window: int = 12,
) -> WhatIf:
    """Project the backlog with and without an automation saving ``hours_saved_per_year``."""
    return project_whatif(
        measure_flow(backlog, window=window),
        hours_saved_per_year=hours_saved_per_year,
        staff_hours_per_year=staff_hours_per_year,
        handling_saved_per_case_s=handling_saved_per_case_s,
        median_cycle_time_s=median_cycle_time_s,
        periods=periods,
    )


def project_whatif(
    rates: FlowRates,
    *,
    hours_saved_per_year: float,
    staff_hours_per_year: float,
    handling_saved_per_case_s: float = 0.0,
    median_cycle_time_s: float | None = None,
    periods: int = 104,
) -> WhatIf:
    """``compute_whatif`` from flow rates already measured (no query)."""
    if staff_hours_per_year <= 0 or not 0 <= hours_saved_per_year < staff_hours_per_year:
        raise InputError(
            f"hours saved ({hours_saved_per_year:,.0f}) must be between 0 and the staff hours "
            f"of the process ({staff_hours_per_year:,.0f})"
        )
    uplift = staff_hours_per_year / (staff_hours_per_year - hours_saved_per_year)
    mu = rates.completions_per_period
    base = project(rates, mu, periods=periods, label="today")
    auto = project(rates, mu * uplift, periods=periods, label="with automation")
    new_median = None
    if median_cycle_time_s is not None:
        period_s = rates.period_days * 86400
        queue_cut = rates.open_now / mu - rates.open_now / (mu * uplift) if mu > 0 else 0.0
        new_median = max(
            0.0, median_cycle_time_s - queue_cut * period_s - handling_saved_per_case_s
        )
    return WhatIf(
        rates=rates,
        baseline=base,
        automated=auto,
        capacity_uplift=uplift,
        hours_saved_per_year=hours_saved_per_year,
        staff_hours_per_year=staff_hours_per_year,
        median_cycle_time_s=median_cycle_time_s,
        new_median_cycle_time_s=new_median
        if new_median is None or math.isfinite(new_median)
        else None,
    )

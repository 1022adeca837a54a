"""Business case of one automation candidate: hours, FTE, savings, costs, payback, NPV.

Conventions (docs/assumptions.md has the formulas):

- Steady state: hours saved a year = executions a year x handling time x
  automation rate; saving = hours x full hourly cost of the grade doing the step.
- One-off costs fall in year 0 (undiscounted). The step goes live ``live_month``
  months after the start; year *t* (1..horizon) covers months 12(t-1)..12t and
  earns the steady-state net benefit for the share of its 12 months the step is
  live, discounted by 1/(1+r)^t (HM Treasury Green Book, end-of-year flows).
- Payback month: the month the cumulative cash flow, growing linearly from go-live,
  reaches zero; None when not within the horizon.
- ROI % over the horizon = (savings - costs) / costs x 100, undiscounted.

The arithmetic is written once, for floats and numpy arrays alike, so the
Monte-Carlo (opportunity.montecarlo) and the workbook's formulas
(opportunity.xlsx_model) compute exactly what the point estimate computes.

Imports: numpy, eventlogs.errors, opportunity.assumptions.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from eventlogs.errors import InputError
from opportunity.assumptions import BANDS, CLASSES, Assumptions

AutomationClass = Literal["RPA", "AI", "AI-assisted", "Human", "Already automated"]
EaseBand = Literal["high", "medium", "low"]
AUTOMATABLE = ("RPA", "AI", "AI-assisted")
AI_CLASSES = ("AI", "AI-assisted")


@dataclass(frozen=True, slots=True, kw_only=True)
class CaseInput:
    """What the business case needs to know about one candidate step."""

    activity: str
    process: str
    automation_class: AutomationClass
    annual_executions: float
    handling_time_s: float  # the typical time of one execution (the scoring uses the median)
    handling_time_samples_s: tuple[float, ...] = ()  # measured times from the log, may be empty
    handling_time_estimated: bool = False  # True when not measured (no start timestamps)
    cases: int = 0  # cases the step was seen in (evidence strength)
    ease_band: EaseBand = "medium"  # high = easy
    value_score: float = 0.0  # 0-100
    ease_score: float = 0.0  # 0-100
    grade: str | None = None  # from a resource attribute; None = the default grade
    position: int = 0  # order of the step in its process (for roadmap dependencies)

    def __post_init__(self) -> None:
        problems = []
        if self.automation_class not in CLASSES:
            problems.append(f"class {self.automation_class!r} is not one of {', '.join(CLASSES)}")
        if self.ease_band not in BANDS:
            problems.append(f"ease band {self.ease_band!r} is not one of {', '.join(BANDS)}")
        if self.annual_executions < 0 or self.handling_time_s < 0:
            problems.append("executions and handling time must not be negative")
        if problems:
            raise InputError(f"step {self.activity!r}: " + "; ".join(problems))


@dataclass(frozen=True, slots=True, kw_only=True)
class CandidateCase:
    """The business case of one candidate (money in GBP, rates as fractions)."""

    activity: str
    process: str
    automation_class: str
    grade: str
    ease_band: str
    annual_executions: float
    handling_time_s: float
    automation_rate: float
    annual_hours_saved: float
    fte_released: float
    hourly_cost_gbp: float
    annual_saving_gbp: float
    cashable_saving_gbp: float
    non_cashable_saving_gbp: float
    one_off_cost_gbp: float
    annual_running_cost_gbp: float
    annual_net_benefit_gbp: float
    live_month: float
    yearly_net_gbp: tuple[float, ...]  # years 0..horizon; year 0 is minus the one-off cost
    cumulative_gbp: tuple[float, ...]
    payback_months: float | None
    roi_pct: float | None
    npv_gbp: float


@dataclass(frozen=True, slots=True, kw_only=True)
class Drivers:
    """Steady-state figures of candidates (floats or numpy arrays of runs)."""

    hours: Any
    saving: Any
    one_off: Any
    running: Any


def cost_bases(inp: CaseInput, a: Assumptions) -> tuple[float, float]:
    """(build cost, yearly running cost) before optimism bias; zero for non-automatable steps.

    >>> step = CaseInput(activity="A", process="P", automation_class="RPA",
    ...                  annual_executions=1000, handling_time_s=60, ease_band="high")
    >>> cost_bases(step, Assumptions())  # 8000 build; 5000/5 licence + 20% of 8000
    (8000.0, 2600.0)
    """
    klass = inp.automation_class
    if klass not in AUTOMATABLE:
        return 0.0, 0.0
    ai = klass in AI_CLASSES
    build = a.build_cost_gbp[inp.ease_band] + (a.ai_build_cost_gbp if ai else 0.0)
    licence = a.rpa_licence_gbp_per_bot_year / a.steps_per_bot if klass == "RPA" else 0.0
    ai_run = a.ai_run_cost_gbp_per_execution * inp.annual_executions if ai else 0.0
    return build, licence + ai_run + a.maintenance_rate * build


def drivers(
    inp: CaseInput,
    a: Assumptions,
    *,
    rate: Any = None,
    time_factor: Any = 1.0,
    cost_factor: Any = 1.0,
) -> Drivers:
    """Hours saved, saving, one-off and running cost a year (rate None = the likely rate)."""
    if rate is None:
        rate = a.automation_rate[inp.automation_class][1]
    hours = inp.annual_executions * inp.handling_time_s * time_factor / 3600.0 * rate
    saving = hours * a.hourly_cost_gbp(a.grade_for(inp.activity, inp.grade))
    build, running = cost_bases(inp, a)
    uplift = (1.0 + a.optimism_bias) * cost_factor
    return Drivers(hours=hours, saving=saving, one_off=build * uplift, running=running * uplift)


def active_months(live_month: float, horizon_years: int) -> np.ndarray:
    """Months live in each year 1..horizon for a step going live at ``live_month``.

    >>> active_months(4.0, 3).tolist()
    [8.0, 12.0, 12.0]
    """
    ends = 12.0 * np.arange(1, horizon_years + 1)
    return np.clip(ends - live_month, 0.0, 12.0)


def discount_factors(a: Assumptions) -> np.ndarray:
    """1/(1+r)^t for years t = 1..horizon (year 0 is not discounted)."""
    return (1.0 + a.discount_rate) ** -np.arange(1, a.horizon_years + 1, dtype=float)


def npv(net: Any, one_off: Any, live_month: float, a: Assumptions) -> Any:
    """NPV: minus the one-off cost plus each year's live share of ``net``, discounted."""
    live_years = float(active_months(live_month, a.horizon_years) @ discount_factors(a)) / 12.0
    return net * live_years - one_off


def payback(net: Any, one_off: Any, live_month: float, a: Assumptions) -> Any:
    """Payback month (inf when not within the horizon); 0 when nothing is spent.

    >>> float(payback(12000.0, 6000.0, 2.0, Assumptions()))  # 2 + 12 x 6000 / 12000
    8.0
    """
    net, one_off = np.asarray(net, dtype=float), np.asarray(one_off, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        month = live_month + 12.0 * one_off / net
    ok = (net > 0) & (month <= 12.0 * a.horizon_years)
    return np.where(one_off == 0, 0.0, np.where(ok, month, np.inf))


def roi_pct(saving: Any, running: Any, one_off: Any, live_month: float, a: Assumptions) -> Any:
    """ROI % over the horizon (nan when nothing is spent)."""
    live_years = float(active_months(live_month, a.horizon_years).sum()) / 12.0
    cost = np.asarray(one_off + running * live_years, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(cost > 0, (saving * live_years - cost) / cost * 100.0, np.nan)


def build_business_case(
    inp: CaseInput, a: Assumptions, *, live_month: float | None = None
) -> CandidateCase:
    """The business case of one candidate, live after its band's build duration by default.

    Worked example: 12,000 executions x 300 s x 0.8 / 3600 = 800 hours a year.

    >>> step = CaseInput(activity="Check form", process="P", automation_class="RPA",
    ...                  annual_executions=12000, handling_time_s=300, ease_band="high")
    >>> case = build_business_case(step, Assumptions())
    >>> case.annual_hours_saved, case.one_off_cost_gbp, case.live_month
    (800.0, 10000.0, 2.0)
    """
    live = a.duration_months[inp.ease_band] if live_month is None else float(live_month)
    d = drivers(inp, a)
    net = d.saving - d.running
    yearly = [-d.one_off, *(net * active_months(live, a.horizon_years) / 12.0)]
    paid = float(payback(net, d.one_off, live, a))
    roi = float(roi_pct(d.saving, d.running, d.one_off, live, a))
    return CandidateCase(
        activity=inp.activity,
        process=inp.process,
        automation_class=inp.automation_class,
        grade=a.grade_for(inp.activity, inp.grade),
        ease_band=inp.ease_band,
        annual_executions=inp.annual_executions,
        handling_time_s=inp.handling_time_s,
        automation_rate=a.automation_rate[inp.automation_class][1],
        annual_hours_saved=d.hours,
        fte_released=d.hours / a.hours_per_fte_year,
        hourly_cost_gbp=a.hourly_cost_gbp(a.grade_for(inp.activity, inp.grade)),
        annual_saving_gbp=d.saving,
        cashable_saving_gbp=d.saving * a.cashable_share,
        non_cashable_saving_gbp=d.saving - d.saving * a.cashable_share,
        one_off_cost_gbp=d.one_off,
        annual_running_cost_gbp=d.running,
        annual_net_benefit_gbp=net,
        live_month=live,
        yearly_net_gbp=tuple(float(v) for v in yearly),
        cumulative_gbp=tuple(float(v) for v in np.cumsum(yearly)),
        payback_months=None if np.isinf(paid) else paid,
        roi_pct=None if np.isnan(roi) else roi,
        npv_gbp=float(npv(net, d.one_off, live, a)),
    )

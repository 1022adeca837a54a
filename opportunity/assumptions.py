"""Business-case assumptions: every number behind a saving, a cost or a discount.

``Assumptions`` is a frozen settings object: each field has a default, a unit, a
help text and a source (``field_info(name)``), documented with its derivation
in docs/assumptions.md. ``load_assumptions(path)`` reads a TOML file over the
defaults (TOML > default); a key the defaults do not know is refused. Ranges
are ``(low, likely, high)``: the point estimate uses *likely*, the Monte-Carlo
draws between *low* and *high*.

Imports: tomllib, eventlogs.errors.
"""

from __future__ import annotations

import dataclasses
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

from eventlogs.errors import ConfigurationError

CLASSES = ("RPA", "AI", "AI-assisted", "Human", "Already automated")
BANDS = ("high", "medium", "low")  # ease bands: high = easy
WAVES = ("quick wins", "next", "strategic")
MAX_HORIZON_YEARS = 30

Triple = tuple[float, float, float]

CS_STATS = "Civil Service Statistics 2023 (Cabinet Office), median salary, see docs/assumptions.md"
PLANNING = "planning assumption; replace with local evidence (docs/assumptions.md)"


def _s(default: Any, unit: str, help: str, source: str) -> Any:
    meta = {"unit": unit, "help": help, "source": source}
    if isinstance(default, dict):
        frozen = MappingProxyType(default)
        return field(default_factory=lambda: frozen, metadata=meta)
    return field(default=default, metadata=meta)


@dataclass(frozen=True, slots=True, kw_only=True)
class Assumptions:
    """The business-case assumptions (defaults cited in docs/assumptions.md).

    >>> a = Assumptions()
    >>> round(a.hourly_cost_gbp("EO"), 2), a.discount_rate, a.horizon_years
    (24.43, 0.035, 5)
    """

    hours_per_fte_year: float = _s(
        1625.0,
        "hours/FTE-year",
        "Productive hours one full-time employee works in a year",
        "37 h week less leave, public holidays and sickness (docs/assumptions.md)",
    )
    grade_salary_gbp: Mapping[str, float] = _s(
        {"AO": 22500.0, "EO": 28100.0, "HEO": 34500.0, "SEO": 42300.0, "G7": 57900.0},
        "GBP/year",
        "Median gross annual salary by civil-service grade",
        CS_STATS,
    )
    employer_ni_rate: float = _s(
        0.15,
        "fraction",
        "Employer National Insurance rate above the secondary threshold",
        "HMRC rates and thresholds 2025/26 (15% from 6 April 2025)",
    )
    employer_ni_threshold_gbp: float = _s(
        5000.0,
        "GBP/year",
        "Employer National Insurance secondary threshold",
        "HMRC rates and thresholds 2025/26 (GBP 5,000 from 6 April 2025)",
    )
    employer_pension_rate: float = _s(
        0.2897,
        "fraction",
        "Employer pension contribution as a share of salary",
        "Civil Service Pension Scheme (alpha) employer rate from 1 April 2024",
    )
    default_grade: str = _s("EO", "grade", "Grade doing a step when nothing else says", PLANNING)
    step_grades: Mapping[str, str] = _s(
        {},
        "activity -> grade",
        "Grade doing a given step; beats the resource attribute",
        "local knowledge",
    )
    automation_rate: Mapping[str, Triple] = _s(
        {
            "RPA": (0.6, 0.8, 0.9),
            "AI": (0.4, 0.6, 0.75),
            "AI-assisted": (0.15, 0.3, 0.45),
            "Human": (0.0, 0.0, 0.0),
            "Already automated": (0.0, 0.0, 0.0),
        },
        "fraction (low, likely, high)",
        "Share of a step's handling time the automation removes",
        PLANNING + "; likely values equal the scoring defaults",
    )
    rpa_licence_gbp_per_bot_year: float = _s(
        5000.0,
        "GBP/bot-year",
        "RPA licence cost for one unattended bot",
        "vendor list prices 2024 (docs/assumptions.md)",
    )
    steps_per_bot: float = _s(5.0, "steps/bot", "Automated steps one bot licence serves", PLANNING)
    build_cost_gbp: Mapping[str, float] = _s(
        {"high": 8000.0, "medium": 20000.0, "low": 50000.0},
        "GBP",
        "One-off build and test cost by ease band (high = easy)",
        PLANNING,
    )
    ai_build_cost_gbp: float = _s(
        30000.0,
        "GBP",
        "Extra one-off cost of an AI or AI-assisted step (data, model, assurance)",
        PLANNING,
    )
    ai_run_cost_gbp_per_execution: float = _s(
        0.05, "GBP/execution", "Running cost of the AI per execution (inference, hosting)", PLANNING
    )
    maintenance_rate: float = _s(
        0.2,
        "fraction/year",
        "Annual maintenance as a share of the build cost",
        "common industry rule of thumb of 15-20% a year (docs/assumptions.md)",
    )
    optimism_bias: float = _s(
        0.25,
        "fraction",
        "Uplift on every cost for optimism bias",
        "HM Treasury Green Book supplementary guidance: optimism bias",
    )
    cost_range: Triple = _s(
        (0.8, 1.0, 1.5),
        "factor (low, likely, high)",
        "Spread of every cost in the Monte-Carlo",
        PLANNING,
    )
    discount_rate: float = _s(
        0.035,
        "fraction/year",
        "Real social time preference rate",
        "HM Treasury Green Book (2022), 3.5% for years 0-30",
    )
    horizon_years: int = _s(5, "years", "Appraisal horizon after the start", PLANNING)
    cashable_share: float = _s(
        0.3,
        "fraction",
        "Share of the time saved that becomes a budget saving; the rest is "
        "non-cashable (capacity redeployed)",
        PLANNING,
    )
    duration_months: Mapping[str, float] = _s(
        {"high": 2.0, "medium": 4.0, "low": 9.0}, "months", "Build duration by ease band", PLANNING
    )
    wave_start_month: Mapping[str, float] = _s(
        {"quick wins": 0.0, "next": 3.0, "strategic": 6.0},
        "month",
        "Earliest start of each roadmap wave",
        PLANNING,
    )
    quick_win_min_value: float = _s(
        50.0, "score 0-100", "Least value score of a quick win (also needs high ease)", PLANNING
    )
    estimated_time_range: Triple = _s(
        (0.5, 1.0, 2.0),
        "factor (low, likely, high)",
        "Spread of an estimated (not measured) handling time in the Monte-Carlo",
        PLANNING,
    )
    few_cases: int = _s(
        30, "cases", "Below this many cases the handling time is widened further", PLANNING
    )
    few_cases_range: Triple = _s(
        (0.67, 1.0, 1.5),
        "factor (low, likely, high)",
        "Extra spread of the handling time of a step seen in few cases",
        PLANNING,
    )
    source: str = field(default="defaults", metadata={"internal": True})

    def __post_init__(self) -> None:
        _validate(self)

    def annual_employer_cost_gbp(self, grade: str) -> float:
        """Salary plus employer National Insurance and pension for one FTE of ``grade``."""
        salary = self.grade_salary_gbp[grade]
        ni = self.employer_ni_rate * max(0.0, salary - self.employer_ni_threshold_gbp)
        return salary + ni + self.employer_pension_rate * salary

    def hourly_cost_gbp(self, grade: str) -> float:
        """Full employer cost of one productive hour of ``grade``."""
        return self.annual_employer_cost_gbp(grade) / self.hours_per_fte_year

    def grade_for(self, activity: str, attribute_grade: str | None = None) -> str:
        """The grade doing a step: per-step setting > resource attribute > default grade."""
        grade = self.step_grades.get(activity) or attribute_grade or self.default_grade
        if grade not in self.grade_salary_gbp:
            known = ", ".join(self.grade_salary_gbp)
            raise ConfigurationError(
                f"grade {grade!r} of step {activity!r} has no salary; known grades: {known}; "
                "add it under [grade_salary_gbp] in the assumptions file"
            )
        return grade


def setting_fields() -> tuple[dataclasses.Field[Any], ...]:
    """The documented settings of ``Assumptions`` (everything but internal bookkeeping)."""
    return tuple(f for f in dataclasses.fields(Assumptions) if not f.metadata.get("internal"))


def field_info(name: str) -> Mapping[str, str]:
    """Unit, help text and source of one assumption.

    >>> field_info("discount_rate")["unit"]
    'fraction/year'
    """
    return next(f.metadata for f in setting_fields() if f.name == name)


def load_assumptions(path: Path | None = None) -> Assumptions:
    """The defaults, with the TOML file ``path`` read over them when given.

    The file holds the keys at top level or under an ``[assumptions]`` table;
    tables (``[grade_salary_gbp]``...) are merged key by key over the defaults.

    >>> load_assumptions(None).horizon_years
    5
    """
    if path is None:
        return Assumptions()
    try:
        data = tomllib.loads(Path(path).read_text("utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigurationError(f"{path}: cannot read the assumptions file: {exc}") from exc
    if isinstance(data.get("assumptions"), Mapping):
        data = data["assumptions"]
    return parse_assumptions(data, source=str(path))


def parse_assumptions(data: Mapping[str, Any], *, source: str = "overrides") -> Assumptions:
    """Assumptions from a mapping of overrides (as read from TOML) over the defaults.

    >>> parse_assumptions({"discount_rate": 0.05}).discount_rate
    0.05
    >>> parse_assumptions({"discount": 0.05})
    Traceback (most recent call last):
    ...
    eventlogs.errors.ConfigurationError: overrides: unknown assumption 'discount'; ...
    """
    base = Assumptions()
    fields = {f.name: f for f in setting_fields()}
    values: dict[str, Any] = {}
    for key, value in data.items():
        if key not in fields:
            raise ConfigurationError(
                f"{source}: unknown assumption {key!r}; known: {', '.join(fields)}"
            )
        values[key] = _coerce(key, getattr(base, key), value, source)
    return dataclasses.replace(base, source=source, **values)


def _coerce(key: str, default: Any, value: Any, source: str) -> Any:
    def refuse(expected: str) -> ConfigurationError:
        return ConfigurationError(f"{source}: {key!r} must be {expected}, not {value!r}")

    if isinstance(default, Mapping):
        if not isinstance(value, Mapping):
            raise refuse("a table")
        merged = dict(default)
        for k, v in value.items():
            inner = next(iter(default.values()), "") if default else ""
            merged[k] = _coerce(f"{key}.{k}", inner, v, source)
        return MappingProxyType(merged)
    if isinstance(default, tuple):
        if not isinstance(value, list | tuple) or len(value) != 3:
            raise refuse("an array [low, likely, high]")
        return tuple(_coerce(key, 0.0, v, source) for v in value)
    if isinstance(default, bool) or isinstance(value, bool):
        raise refuse(type(default).__name__)
    if isinstance(default, str):
        if not isinstance(value, str):
            raise refuse("a string")
        return value
    if isinstance(default, int) and not isinstance(value, int):
        raise refuse("an integer")
    if not isinstance(value, int | float):
        raise refuse("a number")
    return type(default)(value)


def _validate(a: Assumptions) -> None:
    def check(ok: bool, message: str) -> None:
        if not ok:
            raise ConfigurationError(f"{a.source}: {message}")

    for name in ("employer_ni_rate", "employer_pension_rate", "maintenance_rate",
                 "cashable_share", "discount_rate"):  # fmt: skip
        check(0.0 <= getattr(a, name) <= 1.0, f"{name} must be between 0 and 1")
    for name in ("hours_per_fte_year", "steps_per_bot"):
        check(getattr(a, name) > 0, f"{name} must be positive")
    check(a.optimism_bias >= 0, "optimism_bias must not be negative")
    check(1 <= a.horizon_years <= MAX_HORIZON_YEARS,
          f"horizon_years must be between 1 and {MAX_HORIZON_YEARS}")  # fmt: skip
    for name, keys in (("automation_rate", CLASSES), ("build_cost_gbp", BANDS),
                       ("duration_months", BANDS), ("wave_start_month", WAVES)):  # fmt: skip
        check(set(getattr(a, name)) == set(keys), f"{name} keys must be {', '.join(keys)}")
    for name in ("cost_range", "estimated_time_range", "few_cases_range"):
        low, likely, high = getattr(a, name)
        check(0 < low <= likely == 1.0 <= high, f"{name} must be [low <= 1, 1, high >= 1]")
    for klass, (low, likely, high) in a.automation_rate.items():
        check(0 <= low <= likely <= high <= 1, f"automation_rate.{klass} must rise within 0..1")
    check(all(v >= 0 for v in a.grade_salary_gbp.values()), "salaries must not be negative")
    for name in ("build_cost_gbp", "duration_months", "wave_start_month"):
        check(all(v >= 0 for v in getattr(a, name).values()), f"{name} must not be negative")
    check(a.default_grade in a.grade_salary_gbp, f"default_grade {a.default_grade!r} has no salary")
    bad = sorted(g for g in a.step_grades.values() if g not in a.grade_salary_gbp)
    check(not bad, f"step_grades name grades without a salary: {', '.join(bad)}")

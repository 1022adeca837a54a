"""Business-case arithmetic worked out by hand, assumptions, roadmap and Monte-Carlo ranges."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from app.components.roadmap_chart import roadmap_figure
from eventlogs.errors import ConfigurationError, InputError
from opportunity.assumptions import (
    Assumptions,
    load_assumptions,
    parse_assumptions,
    setting_fields,
)
from opportunity.business_case import CaseInput, build_business_case
from opportunity.montecarlo import portfolio_figures, simulate_business_case, simulate_portfolio
from opportunity.portfolio import build_portfolio
from opportunity.roadmap import build_roadmap

REPO = Path(__file__).resolve().parents[1]
DF = [1 / 1.035**t for t in range(1, 6)]  # Green Book discount factors, years 1..5

# Round numbers: no on-costs, so an EO hour costs 32,000 / 1,600 = GBP 20.
ROUND = parse_assumptions(
    {
        "hours_per_fte_year": 1600.0,
        "grade_salary_gbp": {"EO": 32000.0},
        "employer_ni_rate": 0.0,
        "employer_pension_rate": 0.0,
    }
)


def step(name: str, **kw: object) -> CaseInput:
    base: dict[str, object] = {
        "activity": name,
        "process": "P",
        "automation_class": "RPA",
        "annual_executions": 12000,
        "handling_time_s": 300,
        "ease_band": "high",
        "value_score": 80,
        "cases": 500,
    }
    base.update(kw)
    return CaseInput(**base)  # type: ignore[arg-type]


def test_default_grade_cost_derivation() -> None:
    # EO: 28,100 salary + 15% NI on (28,100 - 5,000) = 3,465 + 28.97% pension = 8,140.57
    # = 39,705.57 a year / 1,625 hours = 24.4342 an hour
    a = Assumptions()
    assert a.annual_employer_cost_gbp("EO") == pytest.approx(39705.57)
    assert a.hourly_cost_gbp("EO") == pytest.approx(39705.57 / 1625)
    # G7: 57,900 + 0.15 * 52,900 = 7,935 + 0.2897 * 57,900 = 16,773.63 -> 82,608.63
    assert a.annual_employer_cost_gbp("G7") == pytest.approx(82608.63)


def test_worked_example_one_rpa_step() -> None:
    case = build_business_case(step("Check form"), ROUND)
    # hours: 12,000 executions x 300 s / 3,600 x 0.8 automation = 800 h; 800 / 1,600 = 0.5 FTE
    assert case.annual_hours_saved == pytest.approx(800.0)
    assert case.fte_released == pytest.approx(0.5)
    # saving: 800 h x GBP 20 = 16,000; cashable 30% = 4,800, non-cashable 11,200
    assert case.annual_saving_gbp == pytest.approx(16000.0)
    assert (case.cashable_saving_gbp, case.non_cashable_saving_gbp) == pytest.approx((4800, 11200))
    # one-off: build 8,000 (easy band) x 1.25 optimism bias = 10,000
    # running: (licence 5,000 / 5 steps + 20% x 8,000 maintenance) x 1.25 = 3,250
    assert case.one_off_cost_gbp == pytest.approx(10000.0)
    assert case.annual_running_cost_gbp == pytest.approx(3250.0)
    assert case.annual_net_benefit_gbp == pytest.approx(12750.0)
    # live after 2 months (easy band); payback 2 + 12 x 10,000 / 12,750 = 11.4118 months
    assert case.live_month == 2.0
    assert case.payback_months == pytest.approx(2 + 12 * 10000 / 12750)
    # NPV: year 1 has 10 live months, years 2-5 all 12
    expected = -10000 + 12750 * (10 / 12 * DF[0] + DF[1] + DF[2] + DF[3] + DF[4])
    assert case.npv_gbp == pytest.approx(expected)
    # = -10,000 + 12,750 x (0.805153 + 0.933511 + 0.901943 + 0.871442 + 0.841973)
    assert round(case.npv_gbp, 2) == 45513.78
    # cash flow: year 0 = -10,000; year 1 = 12,750 x 10/12 = 10,625; cumulative after year 1 = 625
    assert case.yearly_net_gbp[:2] == pytest.approx((-10000.0, 10625.0))
    assert case.cumulative_gbp[1] == pytest.approx(625.0)
    # ROI over 5 years: live 58 months; savings 16,000 x 58/12 = 77,333.33;
    # costs 10,000 + 3,250 x 58/12 = 25,708.33; ROI = 51,625 / 25,708.33 = 200.81%
    assert case.roi_pct == pytest.approx((77333.333 - 25708.333) / 25708.333 * 100, rel=1e-6)


def test_worked_example_portfolio_with_dependency() -> None:
    first = step("A", position=0)
    # B: 6,000 x 600 s / 3,600 x 0.8 = 800 h -> GBP 16,000; medium band: build 20,000
    second = step("B", position=1, annual_executions=6000, handling_time_s=600, ease_band="medium")
    p = build_portfolio([first, second, step("C", automation_class="Human")], ROUND)
    assert [c.activity for c in p.cases] == ["A", "B"]  # the Human step is not in it
    # roadmap: A quick win months 0-2; B next wave (starts month 3, after A ends at 2), 3-7
    ends = [(i.start_month, i.end_month, i.depends_on) for i in p.roadmap.items]
    assert ends == [(0.0, 2.0, None), (3.0, 7.0, 0)]
    assert p.annual_hours_saved == pytest.approx(1600.0)
    assert p.fte_released == pytest.approx(1.0)
    # one-off 10,000 + 25,000; B runs (1,000 + 4,000) x 1.25 = 6,250, nets 9,750 a year
    assert p.one_off_cost_gbp == pytest.approx(35000.0)
    assert p.annual_net_benefit_gbp == pytest.approx(12750.0 + 9750.0)
    # payback: 12,750/12 x (m - 2) + 9,750/12 x (m - 7) = 35,000 -> 1,875 m = 42,812.5
    assert p.payback_months == pytest.approx(42812.5 / 1875)  # 22.83 months
    npv_a = -10000 + 12750 * (10 / 12 * DF[0] + sum(DF[1:]))
    npv_b = -25000 + 9750 * (5 / 12 * DF[0] + sum(DF[1:]))
    assert p.npv_gbp == pytest.approx(npv_a + npv_b)
    savings = 16000 * 58 / 12 + 16000 * 53 / 12
    costs = 35000 + 3250 * 58 / 12 + 6250 * 53 / 12
    assert p.roi_pct == pytest.approx((savings - costs) / costs * 100)
    assert p.years[1].saving_gbp == pytest.approx(16000 * 10 / 12 + 16000 * 5 / 12)
    assert p.years[-1].cumulative_gbp == pytest.approx(savings - costs)


def test_ai_costs_and_no_payback() -> None:
    # AI, hard band: build 50,000 + AI 30,000 = 80,000 x 1.25 = 100,000 one-off;
    # running (0.05 x 1,000 executions + 20% x 80,000) x 1.25 = 20,062.50 > saving -> never pays
    case = build_business_case(
        step("Read letter", automation_class="AI", annual_executions=1000, ease_band="low"), ROUND
    )
    assert case.one_off_cost_gbp == pytest.approx(100000.0)
    assert case.annual_running_cost_gbp == pytest.approx(20062.5)
    assert case.automation_rate == 0.6
    assert case.payback_months is None
    assert case.npv_gbp < -100000


def test_grade_precedence() -> None:
    a = parse_assumptions({"step_grades": {"Approve": "G7"}})
    assert a.grade_for("Approve", "AO") == "G7"  # per step beats the attribute
    assert a.grade_for("Other", "AO") == "AO"  # attribute beats the default
    assert a.grade_for("Other") == "EO"
    with pytest.raises(ConfigurationError, match="grade 'Clerk'"):
        a.grade_for("Other", "Clerk")


def test_load_assumptions_toml(tmp_path: Path) -> None:
    path = tmp_path / "a.toml"
    path.write_text(
        "discount_rate = 0.05\nhorizon_years = 10\n[grade_salary_gbp]\nG6 = 70000\n"
        "[automation_rate]\nRPA = [0.5, 0.7, 0.8]\n",
        "utf-8",
    )
    a = load_assumptions(path)
    assert (a.discount_rate, a.horizon_years, a.source) == (0.05, 10, str(path))
    assert a.grade_salary_gbp["G6"] == 70000.0 and a.grade_salary_gbp["EO"] == 28100.0
    assert a.automation_rate["RPA"] == (0.5, 0.7, 0.8)
    assert a.optimism_bias == Assumptions().optimism_bias  # untouched keys keep the default
    path.write_text("[assumptions]\ncashable_share = 0.5\n[other_tool]\nx = 1\n", "utf-8")
    assert load_assumptions(path).cashable_share == 0.5


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("discount = 0.05\n", "unknown assumption 'discount'"),
        ("horizon_years = 5.5\n", "must be an integer"),
        ('discount_rate = "3.5%"\n', "must be a number"),
        ("horizon_years = 40\n", "between 1 and 30"),
        ("[automation_rate]\nRPA = [0.9, 0.8, 0.7]\n", "automation_rate.RPA"),
        ("[automation_rate]\nRobot = [0.1, 0.2, 0.3]\n", "automation_rate keys"),
        ("cost_range = [1.2, 1.0, 1.5]\n", "cost_range"),
        ('default_grade = "G6"\n', "default_grade 'G6'"),
        ("discount_rate = \n", "cannot read"),
    ],
)
def test_bad_assumptions_refused(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(text, "utf-8")
    with pytest.raises(ConfigurationError, match=message):
        load_assumptions(path)


def test_every_assumption_documented() -> None:
    doc = (REPO / "docs" / "assumptions.md").read_text("utf-8")
    for f in setting_fields():
        assert {"unit", "help", "source"} <= set(f.metadata), f.name
        assert all(f.metadata[k] for k in ("unit", "help", "source")), f.name
        assert f"`{f.name}`" in doc, f.name
    assert "3.5%" in doc and "Green Book" in doc and "28.97%" in doc


def test_roadmap_waves_and_dependencies() -> None:
    a = Assumptions()
    steps = [
        step("A", position=0),  # easy, valuable: quick win 0-2
        step("B", position=1, ease_band="low"),  # strategic: starts 6 (after A ended), 9 months
        step("C", position=2, value_score=10),  # easy, little value: next wave
        step("D", position=0, process="Q", ease_band="medium"),  # next wave, other process
    ]
    plan = build_roadmap(steps, a)
    rows = [(i.wave, i.depends_on, i.start_month, i.end_month) for i in plan.items]
    # C (next) waits for A, not for B: B is in a later wave
    assert rows == [
        ("quick wins", None, 0.0, 2.0),
        ("strategic", 0, 6.0, 15.0),
        ("next", 0, 3.0, 5.0),
        ("next", None, 3.0, 7.0),
    ]
    assert plan.end_month == 15.0
    frame = plan.to_frame()
    assert frame["depends_on"].fillna("").tolist() == ["", "A", "A", ""]
    fig = roadmap_figure(plan)
    assert sorted(t.name for t in fig.data) == ["next", "quick wins", "strategic"]
    assert sum(len(t.x) for t in fig.data) == 4


def test_montecarlo_reproducible_and_contains_point() -> None:
    inp = step("A", handling_time_samples_s=tuple(float(x) for x in range(120, 481, 10)))
    a = Assumptions()
    case = build_business_case(inp, a)
    first = simulate_business_case(inp, a, runs=1000, seed=7)
    assert simulate_business_case(inp, a, runs=1000, seed=7) == first
    assert simulate_business_case(inp, a, runs=1000, seed=8) != first
    assert first.npv_gbp.contains(case.npv_gbp)
    assert first.annual_saving_gbp.contains(case.annual_saving_gbp)
    assert first.payback_months.contains(case.payback_months)
    assert first.npv_gbp.p10 < first.npv_gbp.p50 < first.npv_gbp.p90  # type: ignore[operator]


def _relative_width(inp: CaseInput) -> float:
    r = simulate_business_case(inp, Assumptions(), runs=2000, seed=0).annual_saving_gbp
    return (r.p90 - r.p10) / r.p50  # type: ignore[operator]


def test_weak_evidence_widens_the_range() -> None:
    samples = tuple(float(x) for x in range(200, 401, 2))  # 101 measured times, median 300
    measured = step("A", handling_time_samples_s=samples, cases=500)
    estimated = dataclasses.replace(measured, handling_time_estimated=True)
    few = dataclasses.replace(measured, cases=10)
    assert _relative_width(estimated) > 1.5 * _relative_width(measured)
    assert _relative_width(few) > 1.2 * _relative_width(measured)


def test_portfolio_simulation_and_report_figures() -> None:
    steps = [
        step("A", position=0, handling_time_samples_s=(250.0, 300.0, 350.0, 320.0)),
        step(
            "B",
            position=1,
            automation_class="AI-assisted",
            handling_time_estimated=True,
            annual_executions=30000,
            ease_band="medium",
        ),  # fmt: skip
    ]
    p = build_portfolio(steps, Assumptions())
    sim = simulate_portfolio(p, runs=1500, seed=0)
    assert sim == simulate_portfolio(p, runs=1500, seed=0)
    assert sim.npv_gbp.contains(p.npv_gbp)
    assert sim.annual_saving_gbp.contains(p.annual_saving_gbp)
    assert sim.payback_months.contains(p.payback_months)
    figures = portfolio_figures(p, sim)
    assert set(figures) == {
        "annual_hours_saved", "fte_released", "one_off_cost_gbp", "annual_net_benefit_gbp",
        "payback_months", "npv_gbp", "npv_p10_gbp", "npv_p90_gbp",
    }  # fmt: skip
    assert figures["npv_gbp"] == p.npv_gbp and figures["npv_p10_gbp"] == sim.npv_gbp.p10
    assert figures["npv_p10_gbp"] <= figures["npv_gbp"] <= figures["npv_p90_gbp"]  # type: ignore[operator]


def test_empty_portfolio() -> None:
    p = build_portfolio([step("A", automation_class="Human")], Assumptions())
    assert (p.cases, p.one_off_cost_gbp, p.npv_gbp, p.payback_months) == ((), 0.0, 0.0, 0.0)
    assert p.roi_pct is None


def test_bad_case_input_refused() -> None:
    with pytest.raises(InputError, match="ease band 'easy'.*must not be negative"):
        step("A", ease_band="easy", handling_time_s=-1)

"""The roadmap workbook: LibreOffice's recalculation equals Python, before and after an
assumption changes; log text never becomes a formula; formatting is in place.

LibreOffice (``soffice``, Debian package libreoffice-calc-nogui) must be installed:
these tests fail, never skip, without it.
"""

from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

import duckdb
import openpyxl
import pytest
from openpyxl.workbook.workbook import Workbook

from eventlogs.errors import InputError
from eventlogs.load import LoadOptions, load_log
from eventlogs.quality import compute_quality
from mining.activities import compute_activity_stats
from opportunity.assumptions import Assumptions, parse_assumptions
from opportunity.business_case import CaseInput
from opportunity.export_xlsx import SHEETS, export_roadmap_xlsx
from opportunity.montecarlo import portfolio_figures, simulate_portfolio
from opportunity.portfolio import Portfolio, build_portfolio

GBP_TOLERANCE = 0.01


def soffice() -> str:
    """The LibreOffice binary; waits up to 10 minutes while it is being installed."""
    deadline = time.monotonic() + 600
    while True:
        for name in ("soffice", "libreoffice"):
            found = shutil.which(name)
            if found:
                return found
        if time.monotonic() > deadline:
            pytest.fail("LibreOffice is missing: install libreoffice-calc-nogui (soffice)")
        time.sleep(10)


def recalc(path: Path, work: Path) -> Workbook:
    """``path`` opened, recalculated and saved by LibreOffice, read back as values."""
    out = work / f"recalc-{path.stem}"
    profile = work / "lo-profile"  # a private profile, so parallel runs never share one
    subprocess.run(
        [soffice(), f"-env:UserInstallation={profile.as_uri()}", "--headless",
         "--convert-to", "xlsx", "--outdir", str(out), str(path)],
        check=True, capture_output=True, timeout=300,
    )  # fmt: skip
    return openpyxl.load_workbook(out / path.name, data_only=True)


def named(wb: Workbook, name: str) -> Any:
    """The cell a workbook name points to (a single cell)."""
    ((sheet, coord),) = list(wb.defined_names[name].destinations)
    return wb[sheet][coord.replace("$", "")]


def inputs() -> list[CaseInput]:
    def step(name: str, position: int, **kw: Any) -> CaseInput:
        base: dict[str, Any] = {"activity": name, "process": "Claims", "position": position,
                                "automation_class": "RPA", "annual_executions": 12000,
                                "handling_time_s": 300, "ease_band": "high",
                                "value_score": 80, "cases": 400}  # fmt: skip
        base.update(kw)
        return CaseInput(**base)

    return [
        step("Register claim", 0),
        step(
            "Check documents",
            1,
            automation_class="AI",
            ease_band="medium",
            annual_executions=40000,
            handling_time_s=600,
            grade="AO",
        ),  # fmt: skip
        step(
            "Assess claim",
            2,
            automation_class="AI-assisted",
            ease_band="low",
            annual_executions=9000,
            handling_time_s=1800,
            grade="HEO",
            handling_time_estimated=True,
        ),  # fmt: skip
        step("Pay claim", 3, ease_band="medium", value_score=30, annual_executions=8000),
        step("Archive", 0, process="Post", annual_executions=20000, handling_time_s=90),
        step("Phone customer", 4, automation_class="Human"),
    ]


def compare(wb: Workbook, p: Portfolio) -> None:
    """Every summary and per-candidate figure of the recalculated workbook equals Python's."""
    assert named(wb, "sum_hours").value == pytest.approx(p.annual_hours_saved, abs=1e-6)
    assert named(wb, "sum_fte").value == pytest.approx(p.fte_released, abs=1e-9)
    money = {"sum_saving": p.annual_saving_gbp, "sum_cashable": p.cashable_saving_gbp,
             "sum_one_off": p.one_off_cost_gbp, "sum_net": p.annual_net_benefit_gbp,
             "sum_running": p.annual_running_cost_gbp, "sum_npv": p.npv_gbp}  # fmt: skip
    for name, expected in money.items():
        assert named(wb, name).value == pytest.approx(expected, abs=GBP_TOLERANCE), name
    assert named(wb, "sum_payback").value == pytest.approx(p.payback_months, abs=1e-6)
    assert named(wb, "sum_roi").value * 100 == pytest.approx(p.roi_pct, abs=1e-6)
    ws = wb["Business case"]
    for r, case in enumerate(p.cases, start=2):
        row = {ws.cell(row=1, column=c).value: ws.cell(row=r, column=c).value
               for c in range(1, ws.max_column + 1)}  # fmt: skip
        assert row["Activity"] == case.activity
        assert row["Live month"] == pytest.approx(case.live_month)
        assert row["Annual saving"] == pytest.approx(case.annual_saving_gbp, abs=GBP_TOLERANCE)
        assert row["One-off cost"] == pytest.approx(case.one_off_cost_gbp, abs=GBP_TOLERANCE)
        assert row["NPV"] == pytest.approx(case.npv_gbp, abs=GBP_TOLERANCE)
        if case.payback_months is None:
            assert row["Payback month"] == "n/a"
        else:
            assert row["Payback month"] == pytest.approx(case.payback_months, abs=1e-6)
        assert row["ROI over horizon"] * 100 == pytest.approx(case.roi_pct, abs=1e-6)


def test_workbook_recalculates_to_the_python_figures(tmp_path: Path) -> None:
    a = parse_assumptions({"step_grades": {"Pay claim": "SEO"}})
    p = build_portfolio(inputs(), a)
    assert len(p.cases) == 5 and p.payback_months is not None  # the Human step stays out
    assert any(c.payback_months is None for c in p.cases)  # 'n/a' is exercised too
    sim = simulate_portfolio(p, runs=500, seed=1)
    path = export_roadmap_xlsx(tmp_path / "roadmap.xlsx", portfolio=p, simulation=sim)
    raw = openpyxl.load_workbook(path)
    assert raw.sheetnames == list(SHEETS)
    assert str(named(raw, "sum_npv").value).startswith("=")  # live formulas, not values
    assert str(raw["Business case"]["X2"].value).startswith("=")
    wb = recalc(path, tmp_path)
    compare(wb, p)
    figures = portfolio_figures(p, sim)  # what `hyperpath report --json` prints
    for key, name in (("annual_hours_saved", "sum_hours"), ("fte_released", "sum_fte"),
                      ("one_off_cost_gbp", "sum_one_off"), ("npv_gbp", "sum_npv"),
                      ("annual_net_benefit_gbp", "sum_net"),
                      ("payback_months", "sum_payback")):  # fmt: skip
        assert named(wb, name).value == pytest.approx(figures[key], abs=GBP_TOLERANCE), key
    ranges = {r[0]: r[1:] for r in wb["Summary"].iter_rows(values_only=True) if r[0]}
    assert ranges["NPV"][:3] == pytest.approx((sim.npv_gbp.p10, sim.npv_gbp.p50, sim.npv_gbp.p90))


def test_changed_assumptions_recalculate(tmp_path: Path) -> None:
    p = build_portfolio(inputs(), Assumptions())
    path = export_roadmap_xlsx(tmp_path / "roadmap.xlsx", portfolio=p)
    raw = openpyxl.load_workbook(path)
    changes = {"discount_rate": 0.05, "horizon_years": 7, "optimism_bias": 0.4,
               "hours_per_fte_year": 1500.0}  # fmt: skip
    for name, value in changes.items():
        named(raw, name).value = value
    grades = raw["Assumptions"]
    for row in grades.iter_rows():
        if row[0].value == "EO" and isinstance(row[1].value, int | float):
            row[1].value = 31000.0  # the EO salary in the grade table
        if row[0].value == "medium" and isinstance(row[2].value, int | float):
            row[2].value = 6.0  # the medium band's build duration
    raw.save(tmp_path / "changed.xlsx")
    wb = recalc(tmp_path / "changed.xlsx", tmp_path)
    changed = parse_assumptions(
        {**changes, "grade_salary_gbp": {"EO": 31000.0}, "duration_months": {"medium": 6.0}}
    )
    q = build_portfolio(inputs(), changed)
    assert q.npv_gbp != pytest.approx(p.npv_gbp, abs=1000)  # the change matters
    assert wb["Roadmap"]["K3"].value == pytest.approx(q.roadmap.items[1].end_month)
    compare(wb, q)


PAYLOADS = ["=1+2", "+3+4", "-5+6", "@SUM(1,2)", '=HYPERLINK("http://x","y")']


def load_hostile_log(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> str:
    """A CSV log whose activity names (and a case attribute) start with = + - @."""
    lines = ["case,activity,timestamp,channel"]
    for case in range(3):
        for i, name in enumerate(PAYLOADS):
            quoted = '"' + name.replace('"', '""') + '"'
            lines.append(f"c{case},{quoted},2024-01-0{case + 1}T0{i}:00:00Z,=cmd|' /C calc'!A0")
    path = tmp_path / "hostile.csv"
    path.write_text("\n".join(lines) + "\n", "utf-8")
    options = LoadOptions(case="case", activity="activity", timestamp="timestamp")
    return str(load_log(con, path, options=options).dataset_id)


def test_log_text_never_becomes_a_formula(workspace: duckdb.DuckDBPyConnection,
                                          tmp_path: Path) -> None:  # fmt: skip
    dataset = load_hostile_log(workspace, tmp_path)
    stats = compute_activity_stats(workspace, dataset)
    assert sorted(s.activity for s in stats.activities) == sorted(PAYLOADS)
    steps = [CaseInput(activity=s.activity, process="=proc", automation_class="RPA",
                       annual_executions=s.events * 1000, handling_time_s=120, position=i,
                       ease_band="high", value_score=70, cases=s.cases)
             for i, s in enumerate(stats.activities)]  # fmt: skip
    p = build_portfolio(steps, Assumptions())
    rows = [{"activity": s.activity, "events": s.events, "=key": [s.activity]}
            for s in stats.activities]  # fmt: skip
    quality = compute_quality(workspace, dataset).to_dict()
    path = export_roadmap_xlsx(tmp_path / "hostile.xlsx", portfolio=p, opportunities_rows=rows,
                               process_metrics_rows=rows, quality_rows=[quality],
                               provenance={"dataset": "=evil()"})  # fmt: skip
    raw = openpyxl.load_workbook(path)
    seen = 0
    for ws in raw.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                text = cell.value if isinstance(cell.value, str) else ""
                if cell.data_type == "f":  # our formulas never carry log text
                    assert not any(bad in text for bad in ("1+2", "3+4", "5+6", "SUM(1", "HYPER",
                                                           "cmd", "evil", "proc"))  # fmt: skip
                elif any(bad in text for bad in PAYLOADS + ["=key", "=proc", "=evil()"]):
                    assert text[:1] not in ("=", "+", "-", "@", "\t", "\r"), (ws.title, text)
                    seen += text.startswith("'")
    assert seen >= 4 * len(PAYLOADS)  # business case, roadmap, opportunities, metrics at least
    wb = recalc(path, tmp_path)  # LibreOffice reads them back as the same text
    activities = [r[0] for r in wb["Business case"].iter_rows(min_row=2, values_only=True)]
    assert sorted(activities) == sorted("'" + name for name in PAYLOADS)
    assert named(wb, "sum_npv").value == pytest.approx(p.npv_gbp, abs=GBP_TOLERANCE)


def test_formatting(tmp_path: Path) -> None:
    p = build_portfolio(inputs(), Assumptions())
    path = export_roadmap_xlsx(tmp_path / "roadmap.xlsx", portfolio=p,
                               opportunities_rows=[{"activity": "A", "rpa_score": 80.0}])  # fmt: skip
    wb = openpyxl.load_workbook(path)
    for name in ("Business case", "Roadmap", "Opportunities"):
        ws = wb[name]
        assert ws.freeze_panes == "A2"
        assert ws.auto_filter.ref and ws.auto_filter.ref.startswith("A1:")
        assert ws.column_dimensions["A"].width >= 10
    case = wb["Business case"]
    assert case["L2"].number_format == '"£"#,##0.00' and case["H2"].number_format == "0.0%"
    assert len(wb["Cash flow"]._charts) == 1
    assert wb["Cash flow"]["G3"].value == "=B3/(1+discount_rate)^A3"


def test_empty_portfolio_exports(tmp_path: Path) -> None:
    p = build_portfolio([], Assumptions())
    path = export_roadmap_xlsx(tmp_path / "empty.xlsx", portfolio=p)
    wb = openpyxl.load_workbook(path)
    assert wb["Opportunities"]["A1"].value == "No rows."
    values = recalc(path, tmp_path)
    assert named(values, "sum_npv").value == 0 and named(values, "sum_payback").value == 0
    assert named(values, "sum_roi").value == "n/a"
    assert not list(tmp_path.glob("*.xlsx.tmp*")) and not list(tmp_path.glob("tmp*"))


def test_missing_folder_refused(tmp_path: Path) -> None:
    p = build_portfolio(inputs(), Assumptions())
    with pytest.raises(InputError, match="does not exist"):
        export_roadmap_xlsx(tmp_path / "nowhere" / "r.xlsx", portfolio=p)

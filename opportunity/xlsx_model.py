"""The live sheets of the roadmap workbook: Assumptions, Roadmap, Business case, Cash flow.

Every figure on these sheets is a formula over the Assumptions sheet (through
workbook names such as ``discount_rate`` or ``grade_hourly_cost``), written to
compute exactly what opportunity.business_case and opportunity.portfolio compute,
so changing an assumption in Excel or LibreOffice recalculates every saving,
payback, ROI and NPV. Only the evidence from the log (executions a year,
handling time), the grade, class, ease band and the roadmap's dependencies are
values. The yearly table runs to the longest horizon allowed, masked by
``horizon_years``; the monthly grid finds the payback month.

Imports: openpyxl, opportunity (assumptions, business_case, portfolio, xlsx_cells).
"""

from __future__ import annotations

from typing import Any

from openpyxl.styles import Font
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from opportunity.assumptions import BANDS, CLASSES, MAX_HORIZON_YEARS, WAVES, field_info
from opportunity.business_case import AI_CLASSES, AUTOMATABLE
from opportunity.portfolio import Portfolio
from opportunity.xlsx_cells import (
    COUNT,
    FACTOR,
    FTE,
    GBP,
    HOURS,
    MONTHS,
    PCT,
    Formula,
    define,
    fit_columns,
    header,
    put,
    table_finish,
)

SCALARS = (
    ("hours_per_fte_year", HOURS),
    ("employer_ni_rate", PCT),
    ("employer_ni_threshold_gbp", GBP),
    ("employer_pension_rate", "0.00%"),
    ("rpa_licence_gbp_per_bot_year", GBP),
    ("steps_per_bot", "0.0"),
    ("ai_build_cost_gbp", GBP),
    ("ai_run_cost_gbp_per_execution", GBP),
    ("maintenance_rate", PCT),
    ("optimism_bias", PCT),
    ("discount_rate", PCT),
    ("horizon_years", "0"),
    ("cashable_share", PCT),
)
INFO = ("default_grade", "quick_win_min_value", "few_cases")  # shown, not used by formulas
FIRST_MONTH_ROW = 2  # the monthly grid on Cash flow starts at month 0 on this row


def _any_of(cell: str, names: tuple[str, ...]) -> str:
    return "OR(" + ",".join(f'{cell}="{n}"' for n in names) + ")"


def _lookup(key_cell: str, values: str, keys: str) -> Formula:
    return Formula(f"INDEX({values},MATCH({key_cell},{keys},0))")


def _clamp12(x: str) -> str:
    """min(max(x, 0), 12) written so it works element-wise inside SUMPRODUCT."""
    return f"(({x})>0)*({x})-(({x})>12)*(({x})-12)"


def _table(ws: Worksheet, row: int, title: str, labels: list[str]) -> int:
    put(ws, row, 1, title)
    ws.cell(row=row, column=1).font = Font(bold=True)
    for col, label in enumerate(labels, start=1):
        put(ws, row + 1, col, label)
    return row + 2


def write_assumptions(wb: Workbook, ws: Worksheet, p: Portfolio) -> None:
    """Scalars with unit, help and source, then the grade, class, band and wave tables."""
    a = p.assumptions
    header(ws, 1, ["Assumption", "Value", "Unit", "Description", "Source"])
    row = 2
    for name, fmt in (*SCALARS, *((n, "0") for n in INFO)):
        info = field_info(name)
        for col, value in enumerate((name, getattr(a, name), info["unit"], info["help"],
                                     info["source"]), start=1):  # fmt: skip
            put(ws, row, col, value, fmt if col == 2 else None)
        if name not in INFO:
            define(wb, name, ws, f"B{row}")
        row += 1
    row = _write_grades(wb, ws, row + 1, p)
    row = _write_lookups(wb, ws, row + 1, p)
    _write_ranges(ws, row + 1, p)
    fit_columns(ws, most=70)


def _write_grades(wb: Workbook, ws: Worksheet, row: int, p: Portfolio) -> int:
    a = p.assumptions
    row = _table(ws, row, "Full cost by grade (salary + employer NI + pension)",
                 ["Grade", "Median salary", "Employer NI", "Employer pension",
                  "Annual cost", "Hourly cost"])  # fmt: skip
    first = row
    for grade, salary in a.grade_salary_gbp.items():
        put(ws, row, 1, grade)
        put(ws, row, 2, salary, GBP)
        put(ws, row, 3, Formula(f"employer_ni_rate*MAX(0,B{row}-employer_ni_threshold_gbp)"), GBP)
        put(ws, row, 4, Formula(f"employer_pension_rate*B{row}"), GBP)
        put(ws, row, 5, Formula(f"B{row}+C{row}+D{row}"), GBP)
        put(ws, row, 6, Formula(f"E{row}/hours_per_fte_year"), GBP)
        row += 1
    define(wb, "grade_names", ws, f"A{first}:A{row - 1}")
    define(wb, "grade_hourly_cost", ws, f"F{first}:F{row - 1}")
    return row


def _write_lookups(wb: Workbook, ws: Worksheet, row: int, p: Portfolio) -> int:
    a = p.assumptions
    row = _table(ws, row, "Automation rate by class (the formulas use the likely rate)",
                 ["Class", "Low", "Likely", "High"])  # fmt: skip
    first = row
    for klass in CLASSES:
        for col, value in enumerate((klass, *a.automation_rate[klass]), start=1):
            put(ws, row, col, value, PCT if col > 1 else None)
        row += 1
    define(wb, "class_names", ws, f"A{first}:A{row - 1}")
    define(wb, "class_rate", ws, f"C{first}:C{row - 1}")
    row = _table(ws, row + 1, "By ease band (high = easy)",
                 ["Ease band", "Build cost", "Build duration (months)"])  # fmt: skip
    first = row
    for band in BANDS:
        put(ws, row, 1, band)
        put(ws, row, 2, a.build_cost_gbp[band], GBP)
        put(ws, row, 3, a.duration_months[band], MONTHS)
        row += 1
    define(wb, "band_names", ws, f"A{first}:A{row - 1}")
    define(wb, "band_build_cost", ws, f"B{first}:B{row - 1}")
    define(wb, "band_duration", ws, f"C{first}:C{row - 1}")
    row = _table(ws, row + 1, "Roadmap waves", ["Wave", "Earliest start (month)"])
    first = row
    for wave in WAVES:
        put(ws, row, 1, wave)
        put(ws, row, 2, a.wave_start_month[wave], MONTHS)
        row += 1
    define(wb, "wave_names", ws, f"A{first}:A{row - 1}")
    define(wb, "wave_start", ws, f"B{first}:B{row - 1}")
    return row


def _write_ranges(ws: Worksheet, row: int, p: Portfolio) -> None:
    a = p.assumptions
    row = _table(ws, row, "Monte-Carlo spreads (used for P10/P90 at export; not live)",
                 ["Spread", "Low", "Likely", "High"])  # fmt: skip
    for name in ("cost_range", "estimated_time_range", "few_cases_range"):
        for col, value in enumerate((name, *getattr(a, name)), start=1):
            put(ws, row, col, value, FACTOR if col > 1 else None)
        row += 1
    if a.step_grades:
        row = _table(ws, row + 1, "Grade by step (overrides)", ["Activity", "Grade"])
        for activity, grade in a.step_grades.items():
            put(ws, row, 1, activity)
            put(ws, row, 2, grade)
            row += 1
    put(ws, row + 1, 1, f"Assumptions read from: {a.source}")


ROADMAP_COLUMNS = ["Activity", "Process", "Class", "Wave", "Ease band", "Value score",
                   "Depends on", "Wave start (month)", "Start month", "Duration (months)",
                   "End month"]  # fmt: skip


def write_roadmap(wb: Workbook, ws: Worksheet, p: Portfolio) -> None:
    """One row per roadmap item; start, duration and end are formulas."""
    header(ws, 1, ROADMAP_COLUMNS)
    items = p.roadmap.items
    for i, item in enumerate(items):
        r = i + 2
        dep = item.depends_on
        values: list[Any] = [
            item.activity, item.process, item.automation_class, item.wave, item.ease_band,
            item.value_score, None if dep is None else items[dep].activity,
            _lookup(f"D{r}", "wave_start", "wave_names"),
            Formula(f"H{r}" if dep is None else f"MAX(H{r},K{dep + 2})"),
            _lookup(f"E{r}", "band_duration", "band_names"),
            Formula(f"I{r}+J{r}"),
        ]  # fmt: skip
        for col, value in enumerate(values, start=1):
            put(ws, r, col, value, MONTHS if col >= 8 else ("0.0" if col == 6 else None))
    table_finish(ws, 1, len(ROADMAP_COLUMNS), len(items) + 1)


CASE_COLUMNS = [
    ("Activity", None), ("Process", None), ("Class", None), ("Grade", None),
    ("Ease band", None), ("Executions a year", COUNT), ("Handling time (s)", "#,##0.0"),
    ("Automation rate", PCT), ("Hours saved a year", HOURS), ("FTE released", FTE),
    ("Hourly cost", GBP), ("Annual saving", GBP), ("Cashable", GBP), ("Non-cashable", GBP),
    ("Build cost before optimism bias", GBP), ("One-off cost", GBP),
    ("Running cost a year", GBP), ("Net benefit a year", GBP), ("Live month", MONTHS),
    ("Live years in horizon", FACTOR), ("Discounted live years", FACTOR),
    ("Payback month", MONTHS), ("ROI over horizon", PCT), ("NPV", GBP),
]  # fmt: skip
CASE_NAMES = {"bc_hours": "I", "bc_fte": "J", "bc_saving": "L", "bc_cashable": "M",
              "bc_noncash": "N", "bc_one_off": "P", "bc_running": "Q", "bc_net": "R",
              "bc_live": "S", "bc_npv": "X"}  # fmt: skip


def _case_formulas(r: int) -> list[Formula]:
    ai, auto = _any_of(f"C{r}", AI_CLASSES), _any_of(f"C{r}", AUTOMATABLE)
    x = f"12*cf_years-S{r}"
    cost = f"(P{r}+Q{r}*T{r})"
    return [Formula(f) for f in (
        f"INDEX(class_rate,MATCH(C{r},class_names,0))",
        f"F{r}*G{r}/3600*H{r}",
        f"I{r}/hours_per_fte_year",
        f"INDEX(grade_hourly_cost,MATCH(D{r},grade_names,0))",
        f"I{r}*K{r}",
        f"L{r}*cashable_share",
        f"L{r}-M{r}",
        f"IF({auto},INDEX(band_build_cost,MATCH(E{r},band_names,0))"
        f"+IF({ai},ai_build_cost_gbp,0),0)",
        f"O{r}*(1+optimism_bias)",
        f'IF({auto},IF(C{r}="RPA",rpa_licence_gbp_per_bot_year/steps_per_bot,0)'
        f"+IF({ai},ai_run_cost_gbp_per_execution*F{r},0)+maintenance_rate*O{r},0)"
        f"*(1+optimism_bias)",
        f"L{r}-Q{r}",
        f"Roadmap!K{r}",
        f"MAX(0,12*horizon_years-S{r})/12",
        f"SUMPRODUCT(cf_df,{_clamp12(x)})/12",
        f'IF(P{r}=0,0,IF(R{r}<=0,"n/a",IF(S{r}+12*P{r}/R{r}<=12*horizon_years,'
        f'S{r}+12*P{r}/R{r},"n/a")))',
        f'IF({cost}=0,"n/a",(L{r}*T{r}-{cost})/{cost})',
        f"R{r}*U{r}-P{r}",
    )]  # fmt: skip


def write_business_case(wb: Workbook, ws: Worksheet, p: Portfolio) -> None:
    """One row per candidate, in roadmap order; every figure after the evidence is a formula."""
    header(ws, 1, [label for label, _ in CASE_COLUMNS])
    for i, case in enumerate(p.cases):
        r = i + 2
        values: list[Any] = [case.activity, case.process, case.automation_class, case.grade,
                             case.ease_band, case.annual_executions, case.handling_time_s,
                             *_case_formulas(r)]  # fmt: skip
        for col, (value, (_, fmt)) in enumerate(zip(values, CASE_COLUMNS, strict=True), 1):
            put(ws, r, col, value, fmt)
    last = max(len(p.cases) + 1, 2)  # names span at least one (blank) row
    for name, letter in CASE_NAMES.items():
        define(wb, name, ws, f"{letter}2:{letter}{last}")
    table_finish(ws, 1, len(CASE_COLUMNS), len(p.cases) + 1)


YEAR_COLUMNS = [("Year", "0"), ("In horizon", "0"), ("One-off cost", GBP), ("Savings", GBP),
                ("Running costs", GBP), ("Net cash flow", GBP), ("Discount factor", FACTOR),
                ("Discounted net", GBP), ("Cumulative", GBP),
                ("Cumulative discounted", GBP)]  # fmt: skip


def _year_row(r: int, year: int) -> list[Any]:
    if year == 0:
        return [0, 1, Formula("SUM(bc_one_off)"), 0, 0, Formula(f"D{r}-E{r}-C{r}"), 1,
                Formula(f"F{r}*G{r}"), Formula(f"F{r}"), Formula(f"H{r}")]  # fmt: skip
    x = f"12*A{r}-bc_live"
    return [
        year,
        Formula(f"IF(A{r}<=horizon_years,1,0)"),
        0,
        Formula(f"B{r}*SUMPRODUCT(bc_saving,{_clamp12(x)})/12"),
        Formula(f"B{r}*SUMPRODUCT(bc_running,{_clamp12(x)})/12"),
        Formula(f"D{r}-E{r}-C{r}"),
        Formula(f"B{r}/(1+discount_rate)^A{r}"),
        Formula(f"F{r}*G{r}"),
        Formula(f"I{r - 1}+F{r}"),
        Formula(f"J{r - 1}+H{r}"),
    ]


def write_cash_flow(wb: Workbook, ws: Worksheet) -> int:
    """Yearly flows (years 0..30, masked by the horizon) and the monthly payback grid.

    Returns the row of the last yearly line.
    """
    header(ws, 1, [label for label, _ in YEAR_COLUMNS] + ["", "Month", "Cumulative",
                                                          "Crosses zero at"])  # fmt: skip
    for year in range(MAX_HORIZON_YEARS + 1):
        r = year + 2
        for col, (value, (_, fmt)) in enumerate(zip(_year_row(r, year), YEAR_COLUMNS,
                                                    strict=True), 1):  # fmt: skip
            put(ws, r, col, value, fmt)
    last = MAX_HORIZON_YEARS + 2
    define(wb, "cf_years", ws, f"A3:A{last}")
    define(wb, "cf_df", ws, f"G3:G{last}")
    define(wb, "npv_total", ws, f"H2:H{last}")
    first = FIRST_MONTH_ROW
    end = first + 12 * MAX_HORIZON_YEARS
    for month in range(12 * MAX_HORIZON_YEARS + 1):
        r = first + month
        put(ws, r, 12, month, "0")
        cum = (f'IF(L{r}<=12*horizon_years,SUMPRODUCT(bc_net,((L{r}-bc_live)>0)'
               f'*(L{r}-bc_live))/12-SUM(bc_one_off),"")')  # fmt: skip
        put(ws, r, 13, Formula(cum), GBP)
        cross = (f'IF(M{r}>=0,0,"")' if month == 0 else
                 f'IF(ISNUMBER(M{r}),IF(AND(M{r - 1}<0,M{r}>=0),'
                 f'L{r - 1}-M{r - 1}/(M{r}-M{r - 1}),""),"")')  # fmt: skip
        put(ws, r, 14, Formula(cross), MONTHS)
    put(ws, 1, 16, "Payback month")
    put(ws, 2, 16, Formula(f'IF(COUNT(N{first}:N{end})=0,"n/a",MIN(N{first}:N{end}))'), MONTHS)
    define(wb, "payback_month", ws, "P2")
    fit_columns(ws, most=24)
    return last

"""Export the automation roadmap and its business case as an Excel workbook.

Sheets: Summary, Assumptions, Opportunities, Business case, Cash flow, Roadmap,
Process metrics, Data quality. Summary, Business case, Cash flow and Roadmap
figures are formulas over the Assumptions sheet (opportunity.xlsx_model), so the
workbook recalculates when an assumption changes; the Monte-Carlo ranges are
values at the assumptions as exported. Every text cell from log data is defused
against formula injection (opportunity.xlsx_cells). The file is written to a
temporary name and renamed, so a failed export leaves no half-written workbook.

Imports: openpyxl, eventlogs.errors, opportunity (montecarlo, portfolio, xlsx_cells, xlsx_model).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.chart import LineChart, Reference
from openpyxl.styles import Font
from openpyxl.worksheet.worksheet import Worksheet

from eventlogs.errors import InputError
from opportunity.montecarlo import Range, Simulation
from opportunity.portfolio import Portfolio
from opportunity.xlsx_cells import (
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
    ref,
    table_finish,
)
from opportunity.xlsx_model import (
    write_assumptions,
    write_business_case,
    write_cash_flow,
    write_roadmap,
)

SHEETS = ("Summary", "Assumptions", "Opportunities", "Business case", "Cash flow", "Roadmap",
          "Process metrics", "Data quality")  # fmt: skip
Rows = Sequence[Mapping[str, Any]]

# (workbook name of the cell, label, formula, number format, unit)
SUMMARY = (
    ("sum_hours", "Annual hours saved", "SUM(bc_hours)", HOURS, "hours a year"),
    ("sum_fte", "FTE released", "SUM(bc_fte)", FTE, "full-time equivalents"),
    ("sum_saving", "Annual saving", "SUM(bc_saving)", GBP, "GBP a year, steady state"),
    ("sum_cashable", "of which cashable", "SUM(bc_cashable)", GBP, "GBP a year"),
    ("sum_noncash", "of which non-cashable", "SUM(bc_noncash)", GBP, "GBP a year"),
    ("sum_one_off", "One-off cost", "SUM(bc_one_off)", GBP, "GBP, year 0, with optimism bias"),
    ("sum_running", "Running cost", "SUM(bc_running)", GBP, "GBP a year, steady state"),
    ("sum_net", "Net benefit", "SUM(bc_net)", GBP, "GBP a year, steady state"),
    ("sum_payback", "Payback month", "payback_month", MONTHS, "months from the start"),
    ("sum_roi", "ROI over the horizon", None, PCT, "(savings - costs) / costs, undiscounted"),
    ("sum_npv", "NPV", "SUM(npv_total)", GBP, "GBP, discounted at the Green Book rate"),
    ("sum_rate", "Discount rate", "discount_rate", PCT, "a year, real"),
    ("sum_horizon", "Horizon", "horizon_years", "0", "years"),
)


def _roi_formula(cash: Worksheet, last: int) -> str:
    one_off, savings, running = (ref(cash, f"{c}2:{c}{last}") for c in "CDE")
    cost = f"(SUM({one_off})+SUM({running}))"
    return f'IF({cost}=0,"n/a",(SUM({savings})-{cost})/{cost})'


def _write_summary(ws: Worksheet, p: Portfolio, sim: Simulation | None, title: str,
                   provenance: Mapping[str, Any], roi: str) -> None:  # fmt: skip
    put(ws, 1, 1, title)
    ws.cell(row=1, column=1).font = Font(bold=True, size=14)
    put(
        ws,
        2,
        1,
        "Figures are formulas over the Assumptions sheet: change an assumption "
        "and they recalculate. Ranges are Monte-Carlo values at the assumptions as exported.",
    )
    header(ws, 4, ["Figure", "Value", "Unit"])
    put(ws, 5, 1, "Candidates in the portfolio")
    put(ws, 5, 2, len(p.cases), "0")
    put(ws, 5, 3, "steps (RPA, AI, AI-assisted)")
    row = 6
    for name, label, formula, fmt, unit in SUMMARY:
        put(ws, row, 1, label)
        put(ws, row, 2, Formula(formula or roi), fmt)
        put(ws, row, 3, unit)
        define(ws.parent, name, ws, f"B{row}")
        row += 1
    if sim is not None:
        row = _write_ranges(ws, row + 1, sim)
    if provenance:
        header(ws, row + 1, ["Source", "Value"], freeze=False)
        for offset, (key, value) in enumerate(provenance.items(), start=row + 2):
            put(ws, offset, 1, key)
            put(ws, offset, 2, value)
    fit_columns(ws, most=48)


def _write_ranges(ws: Worksheet, row: int, sim: Simulation) -> int:
    header(ws, row, ["Monte-Carlo range", "P10", "P50", "P90"], freeze=False)
    ranges: tuple[tuple[str, Range, str], ...] = (
        ("NPV", sim.npv_gbp, GBP),
        ("Annual saving", sim.annual_saving_gbp, GBP),
        ("Net benefit a year", sim.annual_net_benefit_gbp, GBP),
        ("One-off cost", sim.one_off_cost_gbp, GBP),
        ("Annual hours saved", sim.annual_hours_saved, HOURS),
        ("Payback month", sim.payback_months, MONTHS),
    )
    for offset, (label, rng, fmt) in enumerate(ranges, start=row + 1):
        put(ws, offset, 1, label)
        for col, value in enumerate((rng.p10, rng.p50, rng.p90), start=2):
            put(ws, offset, col, "beyond horizon" if value is None else value, fmt)
    end = row + len(ranges) + 1
    put(ws, end, 1, f"{sim.runs} runs, seed {sim.seed}; method in docs/assumptions.md")
    return end + 1


def _write_rows(ws: Worksheet, rows: Rows) -> None:
    """A plain table: one column per key (first-seen order), every text cell defused."""
    columns: list[str] = []
    for row in rows:
        columns.extend(k for k in row if k not in columns)
    if not columns:
        put(ws, 1, 1, "No rows.")
        return
    header(ws, 1, columns)
    for r, row in enumerate(rows, start=2):
        for c, key in enumerate(columns, start=1):
            put(ws, r, c, row.get(key))
    table_finish(ws, 1, len(columns), len(rows) + 1)


def _chart(ws: Worksheet, horizon: int) -> None:
    chart = LineChart()
    chart.title = "Cumulative cash flow"
    chart.y_axis.title = "GBP"
    chart.x_axis.title = "Year"
    last = horizon + 2
    chart.add_data(Reference(ws, min_col=9, max_col=10, min_row=1, max_row=last),
                   titles_from_data=True)  # fmt: skip
    chart.set_categories(Reference(ws, min_col=1, min_row=2, max_row=last))
    chart.height, chart.width = 9, 18
    ws.add_chart(chart, "R4")


def export_roadmap_xlsx(
    path: Path | str,
    *,
    portfolio: Portfolio,
    simulation: Simulation | None = None,
    opportunities_rows: Rows = (),
    process_metrics_rows: Rows = (),
    quality_rows: Rows = (),
    provenance: Mapping[str, Any] | None = None,
    title: str = "Automation roadmap and business case",
) -> Path:
    """Write the roadmap workbook to ``path`` and return it.

    ``opportunities_rows``, ``process_metrics_rows`` and ``quality_rows`` are
    plain records (one mapping per row); ``provenance`` (dataset, filters,
    parameters) is listed on the Summary sheet.
    """
    wb = Workbook()
    sheets = {name: (wb.active if i == 0 else wb.create_sheet()) for i, name in enumerate(SHEETS)}
    for name, ws in sheets.items():
        ws.title = name
    write_assumptions(wb, sheets["Assumptions"], portfolio)
    write_roadmap(wb, sheets["Roadmap"], portfolio)
    write_business_case(wb, sheets["Business case"], portfolio)
    last = write_cash_flow(wb, sheets["Cash flow"])
    _chart(sheets["Cash flow"], portfolio.assumptions.horizon_years)
    _write_summary(sheets["Summary"], portfolio, simulation, title, provenance or {},
                   _roi_formula(sheets["Cash flow"], last))  # fmt: skip
    _write_rows(sheets["Opportunities"], opportunities_rows)
    _write_rows(sheets["Process metrics"], process_metrics_rows)
    _write_rows(sheets["Data quality"], quality_rows)
    target = Path(path)
    if not target.parent.is_dir():
        raise InputError(f"{target}: the folder {target.parent} does not exist")
    fd, tmp = tempfile.mkstemp(suffix=".xlsx", dir=target.parent or None)
    os.close(fd)
    try:
        wb.save(tmp)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target

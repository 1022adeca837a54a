"""Small inline SVG charts for the one-page summary, drawn without a browser.

Two charts, each a self-contained ``<svg>`` string that WeasyPrint renders to PDF
and a browser shows as is (no scripts, no external references):

- ``cashflow_svg``: each year's net cash flow in today's money as bars (year 0
  holds the one-off costs) and its running total as a line, which ends at the
  net present value; a whisker at the last year shows the P10 to P90 range of
  that final total from the Monte-Carlo when one is given.
- ``backlog_svg``: open cases over the projected periods today and with the
  automation, with the date each path clears.

Every piece of text is escaped, although none of it comes from the log.

Imports: opportunity (montecarlo, plain_format, portfolio, whatif; result types only).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Sequence
from html import escape

from opportunity.montecarlo import Simulation
from opportunity.plain_format import format_count, format_gbp
from opportunity.portfolio import Portfolio
from opportunity.whatif import Projection, WhatIf

WIDTH, HEIGHT = 360.0, 210.0
LEFT, RIGHT, TOP, BOTTOM = 50.0, 10.0, 30.0, 22.0
BLUE, RED, GREEN, DARK, GREY, GRID = (
    "#1d70b8",
    "#d4351c",
    "#00703c",
    "#0b0c0c",
    "#505a5f",
    "#e1e3e4",
)
FONT = 'font-family="DejaVu Sans, sans-serif"'


def nice_ticks(lo: float, hi: float, count: int = 4) -> list[float]:
    """Round tick values (1, 2, 2.5 or 5 times a power of ten) covering ``lo``..``hi``.

    >>> nice_ticks(-10000, 37000)
    [-20000.0, 0.0, 20000.0, 40000.0]
    >>> nice_ticks(0, 0)
    [0.0, 0.25, 0.5, 0.75, 1.0]
    """
    if hi <= lo:
        hi = lo + 1.0
    raw = (hi - lo) / count
    magnitude = 10.0 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1.0, 2.0, 2.5, 5.0, 10.0) if m * magnitude >= raw)
    first, last = math.floor(lo / step + 1e-9), math.ceil(hi / step - 1e-9)
    return [k * step + 0.0 for k in range(first, last + 1)]


class _Frame:
    """Maps data coordinates to the plot area of one chart."""

    def __init__(self, x_max: float, ticks: Sequence[float]) -> None:
        self.x_max = max(x_max, 1e-9)
        self.y_lo, self.y_hi = ticks[0], ticks[-1]
        self.plot_w, self.plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(self, value: float) -> float:
        return LEFT + self.plot_w * value / self.x_max

    def y(self, value: float) -> float:
        return TOP + self.plot_h * (self.y_hi - value) / (self.y_hi - self.y_lo)


def _text(x: float, y: float, label: str, *, anchor: str = "middle", size: float = 8.5,
          fill: str = GREY, weight: str = "normal") -> str:  # fmt: skip
    return (f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" font-size="{size}" '
            f'font-weight="{weight}" fill="{fill}" {FONT}>{escape(label)}</text>')  # fmt: skip


def _y_axis(frame: _Frame, ticks: Sequence[float], fmt: Callable[[float], str]) -> list[str]:
    parts = []
    for tick in ticks:
        y = frame.y(tick)
        colour, width = (GREY, 1.0) if tick == 0 else (GRID, 0.6)
        parts.append(f'<line x1="{LEFT:.1f}" x2="{WIDTH - RIGHT:.1f}" y1="{y:.1f}" '
                     f'y2="{y:.1f}" stroke="{colour}" stroke-width="{width}"/>')  # fmt: skip
        parts.append(_text(LEFT - 4, y + 3, fmt(tick), anchor="end", size=8.5))
    return parts


def _legend(entries: Sequence[tuple[str, str, str]]) -> list[str]:
    """Legend entries (kind 'bar', 'line', 'dash' or 'whisker', colour, label) along the top."""
    parts, x = [], LEFT
    for kind, colour, label in entries:
        if kind == "bar":
            parts.append(f'<rect x="{x:.1f}" y="8" width="9" height="8" fill="{colour}"/>')
        elif kind == "whisker":
            parts.append(f'<line x1="{x + 4.5:.1f}" x2="{x + 4.5:.1f}" y1="7" y2="17" '
                         f'stroke="{colour}" stroke-width="1.5"/>')  # fmt: skip
        else:
            dash = ' stroke-dasharray="4 2"' if kind == "dash" else ""
            parts.append(f'<line x1="{x:.1f}" x2="{x + 12:.1f}" y1="12" y2="12" '
                         f'stroke="{colour}" stroke-width="2"{dash}/>')  # fmt: skip
        parts.append(_text(x + 15, 15, label, anchor="start", size=8.5, fill=DARK))
        x += 26 + 5.0 * len(label)
    return parts


def _svg(label: str, parts: Sequence[str]) -> str:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH:.0f} {HEIGHT:.0f}" '
            f'role="img" aria-label="{escape(label)}" class="chart"><title>{escape(label)}</title>'
            + "".join(parts) + "</svg>")  # fmt: skip


def cashflow_svg(portfolio: Portfolio, simulation: Simulation | None = None) -> str:
    """Yearly net cash flow in today's money (bars) and its running total (line).

    >>> from opportunity.assumptions import Assumptions
    >>> from opportunity.business_case import CaseInput
    >>> from opportunity.portfolio import build_portfolio
    >>> step = CaseInput(activity="Check", process="P", automation_class="RPA",
    ...                  annual_executions=12000, handling_time_s=300, ease_band="high")
    >>> svg = cashflow_svg(build_portfolio([step], Assumptions()))
    >>> svg.startswith("<svg") and svg.count("<rect") == 1 + 6  # legend + years 0..5
    True
    """
    years = portfolio.years
    bars = [y.discounted_net_gbp for y in years]
    totals = [y.cumulative_discounted_gbp for y in years]
    npv = simulation.npv_gbp if simulation is not None else None
    spread = [v for v in (npv.p10, npv.p90) if v is not None] if npv else []
    lo, hi = min(0.0, *bars, *totals, *spread), max(0.0, *bars, *totals, *spread)
    ticks = nice_ticks(lo, max(hi, lo + 1000.0))  # an empty case still gets a pound scale
    frame = _Frame(len(years), ticks)
    slot = frame.plot_w / len(years)
    parts = _y_axis(frame, ticks, format_gbp)
    every = math.ceil(len(years) / 8)
    for year, value in zip(years, bars, strict=True):
        x0 = frame.x(year.year) + slot * 0.2
        top, bottom = sorted((frame.y(value), frame.y(0.0)))
        colour = "#f0a899" if value < 0 else "#9dc3e6"
        parts.append(f'<rect x="{x0:.1f}" y="{top:.1f}" width="{slot * 0.6:.1f}" '
                     f'height="{max(bottom - top, 0.5):.1f}" fill="{colour}"/>')  # fmt: skip
        if year.year % every == 0:
            label = "Now" if year.year == 0 else f"Year {year.year}"
            parts.append(_text(frame.x(year.year) + slot / 2, HEIGHT - 8, label))
    points = " ".join(f"{frame.x(i) + slot / 2:.1f},{frame.y(v):.1f}" for i, v in enumerate(totals))
    parts.append(f'<polyline points="{points}" fill="none" stroke="{BLUE}" stroke-width="2"/>')
    for i, v in enumerate(totals):
        parts.append(f'<circle cx="{frame.x(i) + slot / 2:.1f}" cy="{frame.y(v):.1f}" r="2.2" '
                     f'fill="{BLUE}"/>')  # fmt: skip
    legend = [("bar", "#9dc3e6", "Net in the year"), ("line", BLUE, "Running total")]
    if npv is not None and npv.p10 is not None and npv.p90 is not None:
        parts += _whisker(frame.x(len(years) - 1) + slot * 0.85, frame.y(npv.p10), frame.y(npv.p90))
        legend.append(("whisker", DARK, "Likely range"))
    return _svg("Cumulative cash flow in today's money", _legend(legend) + parts)


def _whisker(x: float, y_low: float, y_high: float) -> list[str]:
    line = f'stroke="{DARK}" stroke-width="1.5"'
    return [
        f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{y_low:.1f}" y2="{y_high:.1f}" {line}/>',
        f'<line x1="{x - 3:.1f}" x2="{x + 3:.1f}" y1="{y_low:.1f}" y2="{y_low:.1f}" {line}/>',
        f'<line x1="{x - 3:.1f}" x2="{x + 3:.1f}" y1="{y_high:.1f}" y2="{y_high:.1f}" {line}/>',
    ]


def _path(frame: _Frame, path: Projection, colour: str, dashed: bool) -> str:
    points = " ".join(f"{frame.x(i):.1f},{frame.y(v):.1f}" for i, v in enumerate(path.open_cases))
    dash = ' stroke-dasharray="5 3"' if dashed else ""
    return (f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="2"'
            f'{dash}/>')  # fmt: skip


def _clear_mark(frame: _Frame, path: Projection, colour: str, row: int) -> list[str]:
    after = path.clears_after_periods
    if after is None or path.clear_date is None:
        end = path.open_cases[-1]
        return [_text(WIDTH - RIGHT, frame.y(end) - 5, "does not clear", anchor="end",
                      fill=colour, weight="bold")]  # fmt: skip
    if after > frame.x_max:
        return []
    x, y = frame.x(after), frame.y(0.0)
    label_y = TOP + 10 + 11 * row
    anchor = "start" if x < LEFT + frame.plot_w * 0.6 else "end"
    shift = 3 if anchor == "start" else -3
    return [
        f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{y:.1f}" y2="{label_y + 2:.1f}" stroke="{colour}" '
        f'stroke-width="0.8" stroke-dasharray="2 2"/>',
        f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2.5" fill="{colour}"/>',
        _text(x + shift, label_y, f"clears {path.clear_date.day} {path.clear_date:%b %Y}",
              anchor=anchor, fill=colour, weight="bold"),
    ]  # fmt: skip


def backlog_svg(whatif: WhatIf) -> str:
    """Open cases at the end of each projected period, today and with the automation.

    >>> from opportunity.whatif import FlowRates, project
    >>> rates = FlowRates(freq="W", period_days=7.0, arrivals_per_period=20.0,
    ...                   completions_per_period=30.0, open_now=100, window_periods=12,
    ...                   start=dt.datetime(2024, 1, 1, tzinfo=dt.UTC))
    >>> w = WhatIf(rates=rates, baseline=project(rates, 30.0, periods=20, label="today"),
    ...            automated=project(rates, 40.0, periods=20, label="with automation"),
    ...            capacity_uplift=4 / 3, hours_saved_per_year=250.0,
    ...            staff_hours_per_year=1000.0, median_cycle_time_s=None,
    ...            new_median_cycle_time_s=None)
    >>> svg = backlog_svg(w)
    >>> "clears 11 Mar 2024" in svg and "clears 5 Feb 2024" in svg
    True
    """
    base, auto = whatif.baseline, whatif.automated
    periods = len(base.open_cases) - 1
    ticks = nice_ticks(0.0, max(*base.open_cases, *auto.open_cases, 4.0))
    frame = _Frame(periods, ticks)
    parts = _y_axis(frame, ticks, format_count)
    rates = whatif.rates
    for k in range(5):
        index = periods * k / 4
        day = rates.start + dt.timedelta(days=index * rates.period_days)
        anchor = {0: "start", 4: "end"}.get(k, "middle")
        parts.append(_text(frame.x(index), HEIGHT - 8, f"{day:%b %Y}", anchor=anchor))
    parts.append(_path(frame, base, RED, dashed=True))
    parts.append(_path(frame, auto, GREEN, dashed=False))
    parts += _clear_mark(frame, base, RED, 0) + _clear_mark(frame, auto, GREEN, 1)
    legend = _legend([("dash", RED, "Today's capacity"), ("line", GREEN, "With automation")])
    return _svg("Open cases projected forward", legend + parts)

"""The one-page summary for a Chief Data Officer, as one self-contained HTML document.

Plain UK public-sector English: headline figures with their likely ranges (the
10th to 90th percentile of the Monte-Carlo), the leading candidates with how
they would be automated and why, the cash flow and backlog charts
(opportunity.svg_charts), and the assumptions and caveats in words. No scripts,
no external references: the page opens offline in a browser and renders in
WeasyPrint (opportunity.export_pdf). Every string that comes from log data or
the caller (activity names, reasons, findings, provenance) is HTML-escaped, and
long ones are clipped so the page stays one page. Each headline figure carries
its exact value in a ``data-value`` attribute, keyed like ``portfolio_figures``.

Imports: opportunity (montecarlo, plain_format, portfolio, svg_charts, whatif).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from html import escape
from pathlib import Path
from typing import Any

from opportunity.montecarlo import Range, Simulation
from opportunity.plain_format import (
    format_count,
    format_days,
    format_gbp,
    format_months,
    format_range,
)
from opportunity.portfolio import Portfolio
from opportunity.svg_charts import backlog_svg, cashflow_svg
from opportunity.whatif import WhatIf

CLASS_WORDS = {
    "RPA": "Software robot (RPA)",
    "AI": "AI model",
    "AI-assisted": "AI helps staff",
    "Human": "Keep with staff",
    "Already automated": "Already automated",
}
PERIOD_WORDS = {"D": "day", "W": "week", "M": "month"}
MAX_FINDINGS, FINDING_CHARS, NAME_CHARS, REASON_CHARS = 4, 180, 50, 100

CSS = """
@page { size: A4 portrait; margin: 10mm 13mm 9mm 13mm; }
* { box-sizing: border-box; }
body { font-family: "DejaVu Sans", sans-serif; font-size: 8.4pt; line-height: 1.3;
       color: #0b0c0c; margin: 0; }
h1 { font-size: 15pt; margin: 0 0 1mm 0; }
h2 { font-size: 10pt; margin: 2.6mm 0 1mm 0; border-bottom: 1.5pt solid #1d70b8;
     padding-bottom: 0.6mm; }
p { margin: 0 0 1.5mm 0; }
.sub { color: #505a5f; margin-bottom: 2.5mm; }
/* side by side as table cells: WeasyPrint lays tables out faster than flex boxes */
.tiles, .charts, .cols { display: table; table-layout: fixed; width: 100%;
                         border-collapse: separate; }
.tiles { border-spacing: 2mm 0; margin: 0 -2mm; width: calc(100% + 4mm); }
.tile { display: table-cell; border-left: 3pt solid #1d70b8; background: #f3f2f1; padding: 1.5mm 2mm; }
.tile .label { font-weight: bold; font-size: 7.6pt; color: #505a5f; }
.tile .value { font-size: 12pt; font-weight: bold; margin: 0.3mm 0; }
.tile .range, .tile .note { font-size: 7pt; line-height: 1.2; color: #505a5f; }
.lede { margin-top: 2mm; font-size: 8.8pt; }
ul { margin: 0 0 1mm 0; padding-left: 4.5mm; }
li { margin-bottom: 0.6mm; }
.charts, .cols { border-spacing: 5mm 0; margin: 0 -5mm; width: calc(100% + 10mm); }
.chart-box, .cols > div { display: table-cell; vertical-align: top; }
svg.chart { width: 100%; height: 43mm; }
.caption { font-size: 7.4pt; color: #505a5f; }
table { width: 100%; border-collapse: collapse; font-size: 7.2pt; table-layout: fixed; }
th { text-align: left; border-bottom: 1pt solid #0b0c0c; padding: 0.6mm 1mm; }
td { border-bottom: 0.5pt solid #b1b4b6; padding: 0.6mm 1mm; vertical-align: top; }
td.num, th.num { text-align: right; }
th:nth-child(1) { width: 3%; } th:nth-child(2) { width: 27%; }
th:nth-child(4), th:nth-child(5) { width: 9%; } th:nth-child(6) { width: 10%; }
.nw { white-space: nowrap; }
.muted { color: #505a5f; font-size: 7pt; }
.cols li { font-size: 7.5pt; margin-bottom: 0.3mm; }
.foot { margin-top: 2mm; font-size: 6.8pt; color: #505a5f; }
@media screen { body { max-width: 184mm; margin: 8mm auto; } }
"""


def clip(text: object, limit: int) -> str:
    """``text`` as a string of at most ``limit`` characters (an ellipsis marks a cut).

    >>> clip("Check the application form", 12)
    'Check the a…'
    """
    value = " ".join(str(text).split())
    return value if len(value) <= limit else value[: limit - 1].rstrip() + "…"


def _value(key: str, value: float | None, shown: str) -> str:
    exact = "" if value is None else repr(float(value))
    return f'<span class="nw" data-key="{key}" data-value="{exact}">{escape(shown)}</span>'


def _tile(label: str, value_html: str, range_html: str, note_html: str) -> str:
    """One headline figure; the ``*_html`` arguments are already escaped."""
    return (f'<div class="tile"><div class="label">{escape(label)}</div>'
            f'<div class="value">{value_html}</div><div class="range">{range_html}</div>'
            f'<div class="note">{note_html}</div></div>')  # fmt: skip


def _nowrap(text: str) -> str:
    """``text`` escaped and kept on one line (a minus sign must not end a line)."""
    return f'<span class="nw">{escape(text)}</span>'


def _headline(p: Portfolio, sim: Simulation) -> str:
    years = p.assumptions.horizon_years

    empty = "no steps in the case"  # an empty portfolio: zeros with no spread, payback moot

    def likely(rng: Range, fmt: Callable[[float | None], str]) -> str:
        return f"likely {_nowrap(fmt(rng.p10))} to {_nowrap(fmt(rng.p90))}" if p.cases else empty

    npv = sim.npv_gbp
    npv_range = (f"likely {_value('npv_p10_gbp', npv.p10, format_gbp(npv.p10))}"
                 f" to {_value('npv_p90_gbp', npv.p90, format_gbp(npv.p90))}")  # fmt: skip
    fte = _value("fte_released", p.fte_released, f"{p.fte_released:.1f}")
    tiles = [
        _tile("One-off cost",
              _value("one_off_cost_gbp", p.one_off_cost_gbp, format_gbp(p.one_off_cost_gbp)),
              likely(sim.one_off_cost_gbp, format_gbp), "to build and test"),
        _tile("Net benefit a year",
              _value("annual_net_benefit_gbp", p.annual_net_benefit_gbp,
                     format_gbp(p.annual_net_benefit_gbp)),
              likely(sim.annual_net_benefit_gbp, format_gbp),
              "once every step is live, after running costs"),
        _tile("Pays back in",
              _value("payback_months", p.payback_months,
                     format_months(p.payback_months, years) if p.cases else "n/a"),
              escape(_payback_range(sim.payback_months, years)) if p.cases else empty,
              "cash, not discounted"),
        _tile("Net present value", _value("npv_gbp", p.npv_gbp, format_gbp(p.npv_gbp)),
              npv_range, escape(f"over {years} years in today's money")),
        _tile("Staff time released",
              _value("annual_hours_saved", p.annual_hours_saved,
                     format_count(p.annual_hours_saved)) + " hours",
              likely(sim.annual_hours_saved, _hours),
              f"a year, about {fte} full-time staff"),
    ]  # fmt: skip
    return '<div class="tiles">' + "".join(tiles) + "</div>"


def _payback_range(rng: Range, years: int) -> str:
    """The payback range in words; None percentiles mean no payback within the horizon."""
    if rng.p10 is None:
        return f"likely not within {years} years"
    if rng.p90 is None:
        return f"likely {format_months(rng.p10, years)} or more"
    return f"likely {format_range(rng, lambda m: format_months(m, years))}"


def _hours(value: float | None) -> str:
    return "n/a" if value is None else format_count(value)


def _lede(p: Portfolio) -> str:
    a = p.assumptions
    steps = len(p.cases)
    if not steps:
        return ('<p class="lede">No candidate pays for itself under these assumptions, so the '
                "business case holds no steps yet and its figures are zero. Check the staff and "
                "build costs in the assumptions, or analyse a longer period of data.</p>")  # fmt: skip
    text = (
        f"Automating {steps} step{'s' if steps != 1 else ''} would cost about "
        f"{format_gbp(p.one_off_cost_gbp)} to build and {format_gbp(p.annual_running_cost_gbp)} "
        f"a year to run. Once live, they would free {format_count(p.annual_hours_saved)} hours "
        f"of staff time a year, worth {format_gbp(p.annual_saving_gbp)}, of which "
        f"{format_gbp(p.cashable_saving_gbp)} is a cash saving and the rest is time for other "
        f"work. Over {a.horizon_years} years the investment is worth {format_gbp(p.npv_gbp)} "
        "in today's money."
    )
    if p.roi_pct is not None:
        back = 1.0 + p.roi_pct / 100.0
        text += f" Each £1 spent returns £{back:.2f} in cash and staff time (before discounting)."
    return f'<p class="lede">{escape(text)}</p>'


def _findings(findings: Sequence[str]) -> str:
    items = [f"<li>{escape(clip(f, FINDING_CHARS))}</li>" for f in list(findings)[:MAX_FINDINGS]]
    return "<h2>What the data shows</h2><ul>" + "".join(items) + "</ul>" if items else ""


def _charts(p: Portfolio, sim: Simulation, whatif: WhatIf | None) -> str:
    years = p.assumptions.horizon_years
    left = (
        '<div class="chart-box"><h2>Cash flow</h2>' + cashflow_svg(p, sim) + '<p class="caption">'
        f"Net cash in each year and the running total, in today's money. The total ends at the "
        f"net present value after {years} years; the whisker shows its likely range.</p></div>"
    )
    if whatif is None:
        right = ('<div class="chart-box"><h2>Backlog</h2><p class="caption">'
                 "No backlog projection was made for this summary.</p></div>")  # fmt: skip
    else:
        right = ('<div class="chart-box"><h2>Backlog: open cases</h2>' + backlog_svg(whatif)
                 + f'<p class="caption">{escape(_whatif_words(whatif))}</p></div>')  # fmt: skip
    return f'<div class="charts">{left}{right}</div>'


def _whatif_words(w: WhatIf) -> str:
    text = w.summary()
    before, after = w.median_cycle_time_s, w.new_median_cycle_time_s
    if before is not None and after is not None:
        text += (f" A typical case takes {format_days(before)} from start to finish today; "
                 f"with the automation, {format_days(after)}.")  # fmt: skip
    return text


def _number(value: Any) -> str:
    return format_count(float(value)) if isinstance(value, int | float) else "–"


def _row(rank: int, cand: Mapping[str, Any], net: Mapping[str, float]) -> str:
    """One table row; every text from the log is clipped and escaped here."""
    name, klass = str(cand.get("activity", "")), str(cand.get("class", ""))
    approach = CLASS_WORDS.get(klass, clip(klass, 30))
    benefit = format_gbp(net[name]) if name in net else "–"
    step = f'{escape(clip(name, NAME_CHARS))}<div class="muted">{escape(approach)}</div>'
    return (
        f"<tr><td class=num>{rank}</td><td>{step}</td>"
        f"<td>{escape(clip(cand.get('reason', ''), REASON_CHARS))}</td>"
        f"<td class=num>{escape(_number(cand.get('expected_hours_saved')))}</td>"
        f"<td class=num>{escape(benefit)}</td>"
        f"<td>{escape(clip(cand.get('confidence', ''), 12))}</td></tr>"
    )


def _candidates(candidates: Sequence[Mapping[str, Any]], p: Portfolio, limit: int) -> str:
    if limit <= 0 or not candidates:
        return ""
    net = {c.activity: c.annual_net_benefit_gbp for c in reversed(p.cases)}
    rows = "".join(_row(rank, c, net) for rank, c in enumerate(list(candidates)[:limit], 1))
    head = ("<tr><th class=num>#</th><th>Step and approach</th><th>Why</th>"
            "<th class=num>Hours saved</th><th class=num>Net benefit</th>"
            "<th>Confidence</th></tr>")  # fmt: skip
    note = (
        '<p class="caption">Hours saved and net benefit (after running costs) are a year, '
        "once the step is live; a dash marks a step outside the business case.</p>"
    )
    return f"<h2>Leading candidates</h2><table>{head}{rows}</table>{note}"


def _assumptions(p: Portfolio) -> list[str]:
    a = p.assumptions
    rate = {k: v[1] for k, v in a.automation_rate.items()}
    items = [
        f"Staff time is costed at £{a.hourly_cost_gbp(a.default_grade):.2f} an hour, the full "
        f"cost of an {a.default_grade} (median salary plus employer National Insurance and "
        "pension). Steps done by other grades use their grade's cost.",
        f"Automation removes about {rate['RPA']:.0%} of a step's handling time with a software "
        f"robot, {rate['AI']:.0%} with an AI model and {rate['AI-assisted']:.0%} where AI helps "
        "staff.",
        f"{a.cashable_share:.0%} of the time freed is counted as a cash saving; the rest is time "
        "staff can spend on other work.",
        f"Every cost includes a {a.optimism_bias:.0%} uplift for optimism bias (HM Treasury Green "
        f"Book); upkeep costs {a.maintenance_rate:.0%} of the build cost a year.",
        f"Future money is discounted at {a.discount_rate:.1%} a year (Green Book) over "
        f"{a.horizon_years} years.",
    ]
    if a.source != "defaults":
        items.append(f"Assumptions changed locally in {Path(a.source).name}.")
    return items


def _caveats(p: Portfolio, sim: Simulation, whatif: WhatIf | None) -> list[str]:
    items = [
        f"Ranges show where 8 in 10 of {sim.runs:,} simulated outcomes fall (10th to 90th "
        "percentile), varying automation rates, costs and handling times.",
        "Build costs, licences and timings are planning figures: replace them with supplier "
        "quotes before committing funds.",
    ]
    if any(i.handling_time_estimated for i in p.inputs):
        items.append("Some handling times are estimates (the log has no start times), so their "
                     "ranges are wider.")  # fmt: skip
    if whatif is not None:
        r, unit = whatif.rates, PERIOD_WORDS.get(whatif.rates.freq, "period")
        items.append(
            f"The backlog projection assumes {r.arrivals_per_period:,.1f} new cases and "
            f"{r.completions_per_period:,.1f} finished a {unit} (the average of the last "
            f"{r.window_periods} {unit}s) and that freed time goes back into this work."
        )
    items.append("These are estimates to support a decision, not a target: pilot the first "
                 "candidates to confirm the savings.")  # fmt: skip
    return items


def _plain(value: Any) -> str:
    """A provenance value in words: mappings as ``key=value`` pairs, empty parts left out."""
    if isinstance(value, Mapping):
        pairs = [f"{k}={_plain(v)}" for k, v in value.items() if _plain(v)]
        return ", ".join(pairs)
    if isinstance(value, list | tuple):
        return ", ".join(t for t in (_plain(v) for v in value) if t)
    return "" if value is None else str(value)


def _footer(provenance: Mapping[str, Any], prepared: dt.date) -> str:
    """Date and source; provenance entries too long for a footnote are left to the workbook."""
    words = ((str(k), _plain(v) or "none") for k, v in provenance.items())
    source = "; ".join(f"{k}: {v}" for k, v in words if len(k) + len(v) <= 90)
    text = f"Prepared {prepared.day} {prepared:%B %Y} with Hyperpath." + (
        f" Source: {clip(source, 400)}." if source else ""
    )
    return f'<p class="foot">{escape(text)}</p>'


def _bullets(heading: str, items: Sequence[str]) -> str:
    body = "".join(f"<li>{escape(item)}</li>" for item in items)
    return f"<div><h2>{escape(heading)}</h2><ul>{body}</ul></div>"


def summary_html(
    *,
    portfolio: Portfolio,
    simulation: Simulation,
    candidates: Sequence[Mapping[str, Any]] = (),
    whatif: WhatIf | None = None,
    findings: Sequence[str] = (),
    provenance: Mapping[str, Any] | None = None,
    title: str = "Automation business case on a page",
    max_candidates: int = 8,
    prepared: dt.date | None = None,
) -> str:
    """The whole one-page summary as an HTML document (UTF-8, inline CSS and SVG)."""
    body = (
        f"<h1>{escape(clip(title, 90))}</h1>"
        f'<p class="sub">Business case for automating the steps below, with likely ranges. '
        f"All money in pounds.</p>"
        + _headline(portfolio, simulation) + _lede(portfolio) + _findings(findings)
        + _charts(portfolio, simulation, whatif)
        + _candidates(candidates, portfolio, max_candidates)
        + '<div class="cols">' + _bullets("Assumptions", _assumptions(portfolio))
        + _bullets("Caveats", _caveats(portfolio, simulation, whatif)) + "</div>"
        + _footer(provenance or {}, prepared or dt.date.today())
    )  # fmt: skip
    csp = "default-src 'none'; style-src 'unsafe-inline'"
    return (
        '<!DOCTYPE html>\n<html lang="en-GB"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{csp}">'
        f"<title>{escape(clip(title, 90))}</title><style>{CSS}</style></head>"
        f"<body>{body}</body></html>\n"
    )

"""The ``opportunities``, ``report`` and ``findings`` commands: flags, JSON and tables.

Imports: argparse, rich, app.cli_render, opportunity (public functions).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.markup import escape
from rich.table import Table

from app.cli_render import _out, progress_bar

if TYPE_CHECKING:
    from opportunity.report import Report
    from opportunity.scoring import Opportunities

_BADGE = {
    "RPA": "[bold cyan]RPA[/]",
    "AI": "[bold magenta]AI[/]",
    "AI-assisted": "[magenta]AI-assisted[/]",
    "Human": "Human",
    "Already automated": "[green]Already automated[/]",
}


def add_opportunity_parsers(
    sub: argparse._SubParsersAction, parents: list[argparse.ArgumentParser]
) -> None:
    """Register ``opportunities`` and ``report`` (parents: common, filters, time basis)."""
    p = sub.add_parser(
        "opportunities", parents=parents, help="rank process steps for RPA, AI or people"
    )
    p.add_argument("--top", type=int, metavar="N", help="only the N best candidates")
    p.add_argument("--config", type=Path, metavar="TOML", help="scoring weights and thresholds")
    p.add_argument("--csv", type=Path, metavar="OUT", help="also write the ranking as CSV")
    p.add_argument("--explain", metavar="ACTIVITY", help="print every criterion of one step")
    p.set_defaults(handler=cmd_opportunities)
    p = sub.add_parser(
        "report", parents=parents, help="business case: roadmap workbook and one-page ROI summary"
    )
    p.add_argument("--xlsx", type=Path, metavar="FILE", help="write the roadmap workbook")
    p.add_argument("--pdf", type=Path, metavar="FILE", help="write the one-page ROI summary")
    p.add_argument("--html", type=Path, metavar="FILE", help="write the summary as HTML")
    p.add_argument("--assumptions", type=Path, metavar="TOML", help="business-case assumptions")
    p.add_argument("--config", type=Path, metavar="TOML", help="scoring weights and thresholds")
    p.add_argument("--top", type=int, metavar="N", help="portfolio: the N best candidates")
    p.add_argument("--runs", type=int, default=2000, help="Monte-Carlo runs (default 2000)")
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    p.set_defaults(handler=cmd_report)
    p = sub.add_parser(
        "findings", parents=parents, help="the few statements a manager should read first"
    )
    p.add_argument("--limit", type=int, default=8, help="at most this many findings (default 8)")
    p.set_defaults(handler=cmd_findings)


def cmd_findings(args: argparse.Namespace) -> int:
    """Ranked findings in plain words."""
    from app.cli import _calendar, _connect, _emit, _log_filter
    from mining.findings import compute_findings

    found = compute_findings(
        _connect(args), args.dataset, log_filter=_log_filter(args), basis=args.basis,
        calendar=_calendar(args), limit=args.limit,
    )  # fmt: skip
    document = [f.to_dict() for f in found.findings]
    _emit(args, document, lambda: print_findings(found.texts()))
    return 0


def cmd_opportunities(args: argparse.Namespace) -> int:
    """Score and rank the steps of a dataset."""
    from app.cli import _calendar, _connect, _emit, _log_filter
    from opportunity.evidence import compute_opportunities
    from opportunity.export_csv import export_opportunities_csv
    from opportunity.scoring_config import load_scoring_config

    _check_top(args.top)
    config = load_scoring_config(args.config)
    con = _connect(args)
    with progress_bar(f"scoring {args.dataset}") as report:
        opps, _evidence = compute_opportunities(
            con, args.dataset, log_filter=_log_filter(args), config=config,
            calendar=_calendar(args), progress=report,
        )  # fmt: skip
    steps = opps.steps[: args.top] if args.top else opps.steps
    if args.csv:
        export_opportunities_csv(args.csv, steps)
    document = [s.to_dict() for s in steps]
    _emit(args, document, lambda: print_opportunities(opps, steps, explain=args.explain))
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    """Build the business case and write the requested files."""
    from app.cli import _calendar, _connect, _emit, _log_filter
    from opportunity.assumptions import load_assumptions
    from opportunity.report import build_report, export_report
    from opportunity.scoring_config import load_scoring_config

    _check_top(args.top)
    assumptions = load_assumptions(args.assumptions)
    config = load_scoring_config(args.config)
    con = _connect(args)
    with progress_bar(f"report {args.dataset}") as progress:
        report = build_report(
            con, args.dataset, log_filter=_log_filter(args), assumptions=assumptions,
            config=config, calendar=_calendar(args), top=args.top, runs=args.runs,
            seed=args.seed, progress=progress,
        )  # fmt: skip
    written = export_report(report, xlsx=args.xlsx, pdf=args.pdf, html=args.html)
    document: dict[str, Any] = {
        "xlsx": written.get("xlsx"),
        "pdf": written.get("pdf"),
        "html": written.get("html"),
        "portfolio": report.figures(),
        "candidates": [s.activity for s in report.portfolio.inputs],
        "whatif": report.whatif_note,
    }
    _emit(args, document, lambda: print_report(report, written))
    return 0


def print_findings(texts: list[str]) -> None:
    """Numbered findings."""
    for i, text in enumerate(texts, start=1):
        _out.print(f"{i}. {escape(text)}")


def _check_top(top: int | None) -> None:
    from eventlogs.errors import InputError

    if top is not None and top < 1:
        raise InputError(f"--top must be a whole number >= 1, found {top}")


def print_opportunities(
    opps: Opportunities, steps: tuple[Any, ...], *, explain: str | None = None
) -> None:
    """The ranking as a table; with ``explain``, every criterion of that step."""
    table = Table(title=f"Automation candidates: {opps.provenance.get('name', '')}")
    for col in ("#", "activity", "class", "RPA", "AI", "value", "ease", "conf.", "h/yr", "reason"):
        table.add_column(
            col, justify="right" if col in ("#", "RPA", "AI", "value", "ease", "h/yr") else "left"
        )
    for i, s in enumerate(steps, start=1):
        table.add_row(
            str(i), escape(s.activity), _BADGE[s.automation_class], f"{s.scores['rpa']:.0f}",
            f"{s.scores['ai']:.0f}", f"{s.scores['value']:.0f}", f"{s.scores['ease']:.0f}",
            s.confidence, f"{s.features.annual_hours:,.0f}", escape(s.reason),
        )  # fmt: skip
    _out.print(table)
    if explain:
        _print_explanation(opps, explain)


def _print_explanation(opps: Opportunities, activity: str) -> None:
    from eventlogs.errors import InputError

    step = opps.get(activity)
    if step is None:
        known = ", ".join(s.activity for s in opps.steps[:10])
        raise InputError(f"no activity {activity!r} to explain; activities include: {known}")
    table = Table(title=f"{escape(activity)}: {step.automation_class} ({step.deciding_criterion})")
    for col in ("criterion", "value", "threshold", "weight", "points", "evidence"):
        table.add_column(col)
    for r in step.explanation:
        table.add_row(
            f"{r.score}.{r.criterion}", escape(str(r.value)), r.threshold, f"{r.weight:g}",
            f"{r.contribution:.1f}", escape(r.evidence),
        )  # fmt: skip
    _out.print(table)


def print_report(report: Report, written: dict[str, str]) -> None:
    """Headline figures and the files written."""
    f = report.figures()
    out = _out
    payback = f["payback_months"]
    out.print(f"Candidates in the portfolio: {len(report.portfolio.inputs)}")
    out.print(f"Hours saved a year: {f['annual_hours_saved']:,.0f} ({f['fte_released']:.1f} FTE)")
    out.print(f"One-off cost: £{f['one_off_cost_gbp']:,.0f}")
    out.print(f"Net benefit a year: £{f['annual_net_benefit_gbp']:,.0f}")
    out.print(
        f"Payback: {'not within the horizon' if payback is None else f'{payback:.1f} months'}"
    )
    out.print(
        f"NPV: £{f['npv_gbp']:,.0f} (P10 £{f['npv_p10_gbp']:,.0f}, P90 £{f['npv_p90_gbp']:,.0f})"
    )
    out.print(escape(report.whatif_note))
    for kind, path in written.items():
        out.print(f"Wrote {kind}: {path}")

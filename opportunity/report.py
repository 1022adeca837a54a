"""The report: scored candidates turned into a portfolio business case, a what-if and exports.

``build_report`` runs the whole chain on one dataset: step evidence and
scores (opportunity.evidence), one ``CaseInput`` per candidate, the portfolio
with its roadmap and Monte-Carlo ranges, and the backlog what-if for the
portfolio. ``rebuild_report`` gives the same report under other assumptions
without a query (the app's Business case page). ``export_report`` writes the
workbook and the one-page summary from that one result, so the figures printed
by the CLI are the workbook's.

Imports: eventlogs.quality, mining (public verbs), opportunity.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from eventlogs.quality import compute_quality
from mining.backlog import Backlog, compute_backlog
from mining.calendar import WorkingCalendar
from mining.cases import compute_case_durations
from mining.filters import LogFilter
from mining.findings import build_findings
from mining.source import Connection, DatasetRef
from opportunity.assumptions import Assumptions, load_assumptions
from opportunity.business_case import CaseInput, build_business_case
from opportunity.evidence import StepEvidence, compute_opportunities
from opportunity.montecarlo import Simulation, portfolio_figures, simulate_portfolio
from opportunity.portfolio import Portfolio, build_portfolio
from opportunity.scoring import Opportunities, StepScore, score_steps
from opportunity.scoring_config import ScoringConfig, load_scoring_config
from opportunity.whatif import WhatIf, compute_whatif, project_whatif

Progress = Callable[[str, float], None]
AUTOMATABLE = ("RPA", "AI", "AI-assisted")


@dataclass(frozen=True, slots=True, kw_only=True)
class Report:
    """Everything the exports show, computed once."""

    opportunities: Opportunities
    evidence: StepEvidence
    assumptions: Assumptions
    portfolio: Portfolio
    simulation: Simulation
    whatif: WhatIf | None
    whatif_note: str
    quality_rows: tuple[Mapping[str, object], ...]
    findings: tuple[str, ...] = ()  # plain sentences from the metrics (mining.findings)

    def figures(self) -> dict[str, float | None]:
        """The portfolio figures of the CLI contract (``hyperpath report --json``)."""
        return portfolio_figures(self.portfolio, self.simulation)


def ease_band(ease_score: float) -> str:
    """high (easy) from 67, medium from 40, else low."""
    return "high" if ease_score >= 67 else "medium" if ease_score >= 40 else "low"


def case_input(step: StepScore, position: int) -> CaseInput:
    """The business-case input of one scored step."""
    f = step.features
    return CaseInput(
        activity=f.activity,
        process=f.process,
        automation_class=step.automation_class,  # type: ignore[arg-type]
        annual_executions=f.annual_volume,
        handling_time_s=f.handling_time_s,
        handling_time_samples_s=f.handling_samples_s,
        handling_time_estimated=f.handling_time_estimated,
        cases=f.cases,
        ease_band=ease_band(step.scores["ease"]),  # type: ignore[arg-type]
        value_score=step.scores["value"],
        ease_score=step.scores["ease"],
        position=position,
    )


def build_report(
    con: Connection,
    dataset: DatasetRef,
    *,
    log_filter: LogFilter | None = None,
    assumptions: Assumptions | None = None,
    config: ScoringConfig | None = None,
    calendar: WorkingCalendar | None = None,
    top: int | None = None,
    runs: int = 2000,
    seed: int = 0,
    progress: Progress | None = None,
) -> Report:
    """Score ``dataset``, build the portfolio, its ranges and the backlog what-if.

    The portfolio: the automatable candidates (RPA, AI, AI-assisted) whose own
    business case has a positive NPV, best ranked first, at most ``top``.
    """
    assumptions = assumptions or load_assumptions(None)
    config = (config or load_scoring_config()).with_automation_rates(
        {k: v[1] for k, v in assumptions.automation_rate.items()}
    )
    say = progress or (lambda _s, _f: None)
    opps, evidence = compute_opportunities(
        con,
        dataset,
        log_filter=log_filter,
        config=config,
        calendar=calendar,
        seed=seed,
        progress=lambda s, f: say(s, 0.8 * f),
    )
    say("business case", 0.85)
    portfolio = _portfolio(opps, evidence, assumptions, top)
    simulation = simulate_portfolio(portfolio, runs=runs, seed=seed)
    say("backlog what-if", 0.95)
    backlog = compute_backlog(con, dataset, freq="W", log_filter=log_filter)
    whatif, note = _whatif(con, dataset, log_filter, backlog, opps, portfolio)
    quality = compute_quality(con, dataset)
    e = evidence
    found = build_findings(e.bottlenecks, backlog, e.variability, e.resources, calendar=calendar)
    say("done", 1.0)
    return Report(
        opportunities=opps,
        evidence=evidence,
        assumptions=assumptions,
        portfolio=portfolio,
        simulation=simulation,
        whatif=whatif,
        whatif_note=note,
        quality_rows=tuple(_flatten(quality.to_dict())),
        findings=tuple(found.texts()),
    )


def rebuild_report(
    report: Report,
    assumptions: Assumptions,
    *,
    top: int | None = None,
    runs: int = 2000,
    seed: int = 0,
) -> Report:
    """``report`` under other assumptions, without a query: the steps' measured features are kept.

    The steps are scored again (the automation rates move the ranking), then
    the portfolio, its Monte-Carlo ranges and the backlog what-if are rebuilt:
    the same figures ``build_report`` gives with ``assumptions``.
    """
    config = report.opportunities.config.with_automation_rates(
        {k: v[1] for k, v in assumptions.automation_rate.items()}
    )
    record = dict(report.opportunities.provenance) | {"scoring": config.to_dict()}
    opps = score_steps(report.evidence.features, config, provenance=record)
    portfolio = _portfolio(opps, report.evidence, assumptions, top)
    whatif, note = report.whatif, report.whatif_note
    if report.whatif is not None:
        whatif, note = _whatif_again(report.whatif, opps, portfolio, report.evidence)
    return replace(
        report,
        opportunities=opps,
        assumptions=assumptions,
        portfolio=portfolio,
        simulation=simulate_portfolio(portfolio, runs=runs, seed=seed),
        whatif=whatif,
        whatif_note=note,
    )


def _portfolio(
    opps: Opportunities, evidence: StepEvidence, assumptions: Assumptions, top: int | None
) -> Portfolio:
    order = {f.activity: i for i, f in enumerate(evidence.features)}
    candidates = [
        case_input(s, order.get(s.activity, 0))
        for s in opps.steps
        if s.automation_class in AUTOMATABLE
    ]
    # The portfolio holds the candidates that pay for themselves on their own (NPV > 0).
    inputs = [c for c in candidates if build_business_case(c, assumptions).npv_gbp > 0][:top]
    return build_portfolio(inputs, assumptions)


def _whatif_again(
    old: WhatIf, opps: Opportunities, portfolio: Portfolio, evidence: StepEvidence
) -> tuple[WhatIf | None, str]:
    """``_whatif`` from the flow measured before (the backlog does not depend on assumptions)."""
    staff = _staff_hours(opps)
    saved = portfolio.annual_hours_saved
    if staff <= 0 or saved >= staff:
        return None, "No what-if: the log shows no staff hours to free."
    whatif = project_whatif(
        old.rates,
        hours_saved_per_year=saved,
        staff_hours_per_year=staff,
        handling_saved_per_case_s=saved * 3600 / max(evidence.variability.process.cases, 1),
        median_cycle_time_s=old.median_cycle_time_s,
        periods=len(old.baseline.open_cases) - 1,
    )
    return whatif, whatif.summary()


def _staff_hours(opps: Opportunities) -> float:
    return sum(
        s.features.annual_hours for s in opps.steps if s.automation_class != "Already automated"
    )


def _whatif(
    con: Connection,
    dataset: DatasetRef,
    log_filter: LogFilter | None,
    backlog: Backlog,
    opps: Opportunities,
    portfolio: Portfolio,
) -> tuple[WhatIf | None, str]:
    staff = _staff_hours(opps)
    saved = portfolio.annual_hours_saved
    if staff <= 0 or saved >= staff:
        return None, "No what-if: the log shows no staff hours to free."
    if backlog.end_of_log is None or len(backlog.periods) < 2:
        return None, "No what-if: the log spans less than two weeks."
    durations = compute_case_durations(con, dataset, log_filter=log_filter)
    cases_per_year = max(backlog.cases, 1)
    per_case = saved * 3600 / cases_per_year
    whatif = compute_whatif(
        backlog,
        hours_saved_per_year=saved,
        staff_hours_per_year=staff,
        handling_saved_per_case_s=per_case,
        median_cycle_time_s=durations.summary.median_s,
    )
    return whatif, whatif.summary()


def _flatten(data: Mapping[str, Any], prefix: str = "") -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    for key, value in data.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            rows.extend(_flatten(value, f"{name}."))
        elif isinstance(value, Sequence) and not isinstance(value, str):
            rows.append({"measure": name, "value": ", ".join(str(v) for v in value)})
        else:
            rows.append({"measure": name, "value": value})
    return rows


def export_report(
    report: Report,
    *,
    xlsx: Path | None = None,
    pdf: Path | None = None,
    html: Path | None = None,
    findings: Sequence[str] = (),
) -> dict[str, str]:
    """Write the roadmap workbook and/or the one-page summary; return the paths written."""
    from opportunity.export_xlsx import export_roadmap_xlsx

    written: dict[str, str] = {}
    rows = [s.to_dict() for s in report.opportunities.steps]
    flat = [{k: v for k, v in r.items() if k != "explanation"} | _evidence(r) for r in rows]
    provenance = dict(report.opportunities.provenance)
    if xlsx is not None:
        export_roadmap_xlsx(
            xlsx,
            portfolio=report.portfolio,
            simulation=report.simulation,
            opportunities_rows=flat,
            process_metrics_rows=report.evidence.bottlenecks.to_list(),
            quality_rows=report.quality_rows,
            provenance=provenance,
        )
        written["xlsx"] = str(xlsx)
    if pdf is not None or html is not None:
        from opportunity.export_pdf import export_roi_summary

        export_roi_summary(
            html,
            pdf,
            portfolio=report.portfolio,
            simulation=report.simulation,
            candidates=[r for r in rows if r["class"] in AUTOMATABLE],
            whatif=report.whatif,
            findings=findings or report.findings,
            provenance=provenance,
        )
        written |= {k: str(v) for k, v in (("pdf", pdf), ("html", html)) if v is not None}
    return written


def _evidence(row: Mapping[str, Any]) -> dict[str, object]:
    """The explanation as one text column per criterion (for the spreadsheet)."""
    return {
        f"{e['criterion']} ({e['contribution']:.1f} pts)": e["evidence"] for e in row["explanation"]
    }

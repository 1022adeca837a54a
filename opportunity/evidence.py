"""From a dataset to scored opportunities: gather the mining results into step features.

``build_step_features`` calls the mining verbs (activity statistics,
variability, waits, resources, handling times, queues, decision points),
scores the decisions (opportunity.predictability) and folds everything into
one ``StepFeatures`` per activity. ``compute_opportunities`` scores and ranks
them. No query runs here: only mining's public functions.

Imports: mining (public verbs), opportunity.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from mining.activities import compute_activity_stats
from mining.bottlenecks import Bottlenecks, compute_bottlenecks
from mining.calendar import WorkingCalendar
from mining.decisions import compute_decision_points, real_outcomes
from mining.filters import LogFilter
from mining.handling import Handling, HandlingTimes, compute_handling_times
from mining.queues import compute_step_queues
from mining.resources import ActivityResources, ResourceMetrics, compute_resources
from mining.source import Connection, DatasetRef
from mining.variability import ActivityVariability, Variability, compute_variability
from opportunity.features import StepFeatures
from opportunity.predictability import PointScore, Predictability, score_predictability
from opportunity.scoring import Opportunities, score_steps
from opportunity.scoring_config import ScoringConfig, load_scoring_config

Progress = Callable[[str, float], None]
_DAYS_PER_YEAR = 365.25


@dataclass(frozen=True, slots=True, kw_only=True)
class StepEvidence:
    """The step features and the mining results they came from."""

    features: tuple[StepFeatures, ...]
    span_days: float
    variability: Variability
    bottlenecks: Bottlenecks
    resources: ResourceMetrics
    handling: HandlingTimes
    predictability: Predictability


def build_step_features(
    con: Connection,
    dataset: DatasetRef,
    *,
    log_filter: LogFilter | None = None,
    config: ScoringConfig | None = None,
    calendar: WorkingCalendar | None = None,
    seed: int = 0,
    decision_min_cases: int = 30,
    folds: int = 5,
    progress: Progress | None = None,
) -> StepEvidence:
    """Measure every step of ``dataset`` (under ``log_filter``) for scoring."""
    config = config or load_scoring_config()
    log_filter = log_filter or LogFilter()
    say = progress or (lambda _step, _done: None)
    say("activities", 0.0)
    stats = compute_activity_stats(con, dataset, log_filter=log_filter)
    say("variability", 0.1)
    var = compute_variability(con, dataset, log_filter=log_filter)
    say("waiting times", 0.25)
    waits = compute_bottlenecks(con, dataset, log_filter=log_filter)
    say("resources", 0.4)
    res = compute_resources(con, dataset, log_filter=log_filter, calendar=calendar)
    say("handling times", 0.55)
    handling = compute_handling_times(con, dataset, log_filter=log_filter, calendar=calendar)
    say("queues", 0.65)
    queues = compute_step_queues(con, dataset, log_filter=log_filter, freq="D")
    say("decisions", 0.75)
    points = compute_decision_points(
        con, dataset, log_filter=log_filter, seed=seed, min_cases=decision_min_cases
    )
    pred = score_predictability(points, seed=seed, folds=folds)
    say("features", 0.95)
    span = max(handling.span_days, 1.0)
    var_by = {a.activity: a for a in var.activities}
    wait_by = {a.activity: a for a in waits.activities}
    res_by = {a.activity: a for a in res.activities}
    features = []
    for stat in stats.activities:
        name = stat.activity
        hand = _override(handling.steps.get(name), name, config.handling_time_overrides)
        v = var_by.get(name)
        w = wait_by.get(name)
        r = res_by.get(name)
        queue = queues.get(name)
        annual = stat.events * _DAYS_PER_YEAR / span
        features.append(
            StepFeatures(
                activity=name,
                process=stats.provenance.dataset_name,
                cases=stat.cases,
                executions=stat.events,
                annual_volume=annual,
                case_share=stat.case_share,
                handling_time_s=hand.handling_time_s,
                handling_time_estimated=hand.estimated,
                handling_time_basis=hand.basis,
                handling_samples_s=hand.samples_s,
                annual_hours=annual * hand.handling_time_s / 3600,
                dominant_successor_share=v.dominant_successor_share if v else None,
                next_step_entropy_bits=v.successor_entropy_bits if v else None,
                decision_verdict=_verdict(name, points.successors, points.min_share, pred),
                decision_summary=_decision_summary(pred.get(name)),
                duration_cv=v.duration_cv if v else None,
                rework_rate=v.rework_rate if v else None,
                exception_share=v.exception_share if v else None,
                stability=_stability(v),
                automated_share=r.automated_share if r else 0.0,
                automated_reason=_automated_reason(r, res) if r else "",
                resources=r.distinct_resources if (r and res.has_resources) else None,
                mean_wait_s=w.mean_wait_s if (w and w.waits) else None,
                wait_is_upper_bound=w.wait_is_upper_bound if w else True,
                queue_in_front=queue.mean_waiting if queue else None,
                unstructured_inputs=_unstructured(pred.get(name)),
            )
        )
    say("done", 1.0)
    return StepEvidence(
        features=tuple(features),
        span_days=span,
        variability=var,
        bottlenecks=waits,
        resources=res,
        handling=handling,
        predictability=pred,
    )


def compute_opportunities(
    con: Connection,
    dataset: DatasetRef,
    *,
    log_filter: LogFilter | None = None,
    config: ScoringConfig | None = None,
    calendar: WorkingCalendar | None = None,
    seed: int = 0,
    decision_min_cases: int = 30,
    folds: int = 5,
    progress: Progress | None = None,
) -> tuple[Opportunities, StepEvidence]:
    """Score and rank every step of ``dataset``; also return the evidence behind the scores."""
    config = config or load_scoring_config()
    evidence = build_step_features(
        con,
        dataset,
        log_filter=log_filter,
        config=config,
        calendar=calendar,
        seed=seed,
        decision_min_cases=decision_min_cases,
        folds=folds,
        progress=progress,
    )
    record = evidence.handling.provenance.to_dict() | {"scoring": config.to_dict(), "seed": seed}
    return score_steps(evidence.features, config, provenance=record), evidence


def _override(hand: Handling | None, name: str, overrides: Mapping[str, float]) -> Handling:
    if name in overrides:
        return Handling(
            activity=name,
            handling_time_s=overrides[name],
            estimated=False,
            basis=f"set in the scoring file: {overrides[name]:g} s",
            measured=0,
        )
    if hand is None:
        return Handling(
            activity=name,
            handling_time_s=300.0,
            estimated=True,
            basis="estimated: no steps seen",
            measured=0,
        )
    return hand


def _verdict(
    name: str,
    successors: Mapping[str, Mapping[str, int]],
    min_share: float,
    pred: Predictability,
) -> str:
    score = pred.get(name)
    if score is not None:
        return score.verdict
    outcomes = successors.get(name, {})
    return "too few cases" if len(real_outcomes(outcomes, min_share)) >= 2 else "none"


def _decision_summary(score: PointScore | None) -> str:
    if score is None:
        return ""
    acc = f"baseline {score.baseline_accuracy:.0%}"
    if score.tree_accuracy is not None:
        acc += f", shallow tree {score.tree_accuracy:.0%}"
    if score.strong_accuracy is not None:
        acc += f", stronger model {score.strong_accuracy:.0%}"
    words = {
        "rule": "A simple rule decides the next step",
        "learnable": "A learned model predicts the next step where a simple rule cannot",
        "judgement": "No model predicts the next step from the data: it looks like judgement",
        "too few cases": "Too few cases to learn how the next step is chosen",
    }[score.verdict]
    rule = f" Rule: {score.rules[0].text}." if score.verdict == "rule" and score.rules else ""
    return f"{words} ({acc}).{rule}"


def _stability(v: ActivityVariability | None) -> float | None:
    if v is None or v.monthly_share_cv is None:
        return None
    return min(max(1.0 - v.monthly_share_cv, 0.0), 1.0)


def _automated_reason(a: ActivityResources, res: ResourceMetrics) -> str:
    parts = []
    if a.name_share:
        parts.append(f"{a.name_share:.0%} by system accounts")
    if a.same_second_share:
        parts.append(f"{a.same_second_share:.0%} at the same second across cases")
    if a.off_hours_share:
        parts.append(f"{a.off_hours_share:.0%} outside working hours")
    if not res.has_resources and res.reason:
        parts.append(res.reason)
    return ("Signals: " + "; ".join(parts) + ".") if parts else ""


def _unstructured(score: PointScore | None) -> tuple[str, ...]:
    """Free text counts as an input of the step unless a simple rule on structured data decides."""
    if score is None or score.verdict == "rule":
        return ()
    return score.unstructured_inputs

"""Scores, classes and the ranking of automation candidates (docs/scoring.md).

For each step: four scores 0-100 (RPA suitability, AI suitability, value,
ease), each ``100 * sum(w_i * x_i) / sum(w_i)`` over its criteria, where
``x_i`` is the criterion's measured feature mapped onto 0..1; a class (RPA,
AI, AI-assisted, Human, Already automated) by the rules in ``classify``; a
confidence from the amount and kind of evidence; and an explanation listing
every criterion with its value, threshold, weight and contribution.

Ranking: expected annual hours saved (annual hours x the class's automation
rate) x feasibility (the class's suitability score x ease, both /100);
Human and Already-automated steps follow, by value.

Imports: opportunity (features, scoring_config).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from opportunity.features import StepFeatures
from opportunity.scoring_config import SCORES, Criterion, ScoringConfig

CLASSES = ("RPA", "AI", "AI-assisted", "Human", "Already automated")


@dataclass(frozen=True, slots=True, kw_only=True)
class CriterionResult:
    """One criterion of one step: what was measured and what it contributed."""

    score: str
    criterion: str
    feature: str
    value: object
    normalised: float
    weight: float
    contribution: float  # points of the score (0-100 scale)
    threshold: str
    evidence: str
    missing: bool

    def to_dict(self) -> dict[str, object]:
        """The CLI contract's explanation entry (plus extra keys)."""
        value = self.value if isinstance(self.value, (int, float, str)) else str(self.value)
        return {
            "criterion": f"{self.score}.{self.criterion}",
            "value": value,
            "weight": round(self.weight, 6),
            "contribution": round(self.contribution, 3),
            "evidence": self.evidence,
            "threshold": self.threshold,
            "normalised": round(self.normalised, 4),
            "missing": self.missing,
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class StepScore:
    """The scores, class and explanation of one step."""

    features: StepFeatures
    scores: Mapping[str, float]
    automation_class: str
    confidence: str
    reason: str  # one or two sentences for people
    deciding_criterion: str
    explanation: tuple[CriterionResult, ...]
    expected_hours_saved: float
    priority: float

    @property
    def activity(self) -> str:
        """The step's activity name."""
        return self.features.activity

    def to_dict(self) -> dict[str, object]:
        """The CLI contract's opportunity entry (plus extra keys)."""
        f = self.features
        return {
            "activity": f.activity,
            "class": self.automation_class,
            "rpa_score": round(self.scores["rpa"], 1),
            "ai_score": round(self.scores["ai"], 1),
            "value_score": round(self.scores["value"], 1),
            "ease_score": round(self.scores["ease"], 1),
            "confidence": self.confidence,
            "annual_hours": round(f.annual_hours, 2),
            "expected_hours_saved": round(self.expected_hours_saved, 2),
            "priority": round(self.priority, 3),
            "reason": self.reason,
            "deciding_criterion": self.deciding_criterion,
            "handling_time_s": round(f.handling_time_s, 3),
            "handling_time_estimated": f.handling_time_estimated,
            "cases": f.cases,
            "executions": f.executions,
            "explanation": [c.to_dict() for c in self.explanation],
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class Opportunities:
    """Ranked candidates (best first) with the configuration that scored them."""

    steps: tuple[StepScore, ...]
    config: ScoringConfig
    provenance: Mapping[str, object] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "provenance", MappingProxyType(dict(self.provenance)))

    def get(self, activity: str) -> StepScore | None:
        """The scored step of an activity, or None."""
        return next((s for s in self.steps if s.activity == activity), None)

    def quadrant(self) -> list[dict[str, object]]:
        """Value-versus-ease points: activity, value, ease, class, annual hours."""
        return [
            {
                "activity": s.activity,
                "value_score": s.scores["value"],
                "ease_score": s.scores["ease"],
                "class": s.automation_class,
                "annual_hours": s.features.annual_hours,
            }
            for s in self.steps
        ]


def score_step(features: StepFeatures, config: ScoringConfig) -> StepScore:
    """Scores, class, confidence and explanation of one step."""
    results = tuple(r for s in SCORES for r in _criteria(config.of(s), features))
    scores = {s: sum(r.contribution for r in results if r.score == s) for s in SCORES}
    klass, deciding = classify(features, scores, config)
    saved = features.annual_hours * config.automation_rate.get(klass, 0.0)
    suitability = {"RPA": scores["rpa"], "AI": scores["ai"], "AI-assisted": scores["ai"]}
    priority = saved * suitability.get(klass, 0.0) / 100 * scores["ease"] / 100
    return StepScore(
        features=features,
        scores=MappingProxyType(scores),
        automation_class=klass,
        confidence=confidence(features, config),
        reason=_reason(features, klass, deciding, results),
        deciding_criterion=deciding,
        explanation=results,
        expected_hours_saved=saved,
        priority=priority,
    )


def score_steps(
    features: Sequence[StepFeatures],
    config: ScoringConfig,
    *,
    provenance: Mapping[str, object] | None = None,
) -> Opportunities:
    """Score every step and rank them (see ``rank_key``)."""
    steps = sorted((score_step(f, config) for f in features), key=rank_key)
    return Opportunities(steps=tuple(steps), config=config, provenance=provenance or {})


def rank_key(step: StepScore) -> tuple[int, float, float, str]:
    """Automatable steps first by priority; then the rest by value; ties by name."""
    automatable = step.automation_class in ("RPA", "AI", "AI-assisted")
    return (0 if automatable else 1, -step.priority, -step.scores["value"], step.activity)


def classify(
    f: StepFeatures, scores: Mapping[str, float], config: ScoringConfig
) -> tuple[str, str]:
    """(class, the criterion or rule that decided it); the first rule that holds wins."""
    c = config.classes
    if f.automated_share >= c["already_automated_share"]:
        return "Already automated", "automated_share"
    if f.cases < c["min_cases"]:
        return "Human", "too_few_cases"
    if f.decision_verdict == "judgement":
        return "Human", "rpa.decision_rule"  # no model predicts the choice: people decide
    if f.decision_verdict == "learnable":
        if scores["ai"] >= c["ai_min"]:
            return "AI", "ai.decision_learnable"
        if scores["ai"] >= c["ai_assisted_min"]:
            return "AI-assisted", "ai.decision_learnable"
        return "Human", _weakest("ai", config, f)
    if scores["rpa"] >= c["rpa_min"] and scores["rpa"] >= scores["ai"]:
        if f.decision_verdict == "rule":
            return "RPA", "rpa.decision_rule"  # the rule is what a robot follows
        return "RPA", _top("rpa", scores, config, f)
    if scores["ai"] >= c["ai_min"]:
        return "AI", _top("ai", scores, config, f)
    if scores["ai"] >= c["ai_assisted_min"]:
        return "AI-assisted", _top("ai", scores, config, f)
    return "Human", _weakest("rpa", config, f)


def confidence(f: StepFeatures, config: ScoringConfig) -> str:
    """high / medium / low from the number of cases and whether durations were measured."""
    c = config.classes
    level = 2 if f.cases >= c["min_cases_high"] else 1 if f.cases >= c["min_cases_medium"] else 0
    if f.handling_time_estimated:
        level -= 1
    return ("low", "medium", "high")[max(level, 0)]


def _criteria(criteria: Sequence[Criterion], f: StepFeatures) -> list[CriterionResult]:
    """Each criterion's result; contributions are points of the score (weights renormalised)."""
    total = sum(c.weight for c in criteria) or 1.0
    results = []
    for c in criteria:
        value = f.feature(c.feature)
        norm = c.normalise(value)
        x = c.missing if norm is None else norm
        results.append(
            CriterionResult(
                score=c.score,
                criterion=c.name,
                feature=c.feature,
                value="no evidence" if norm is None else _round(value),
                normalised=x,
                weight=c.weight,
                contribution=100 * c.weight * x / total,
                threshold=c.threshold(),
                evidence=evidence(c, f, value) if norm is not None else _no_evidence(c, f),
                missing=norm is None,
            )
        )
    return results


def _round(value: object) -> object:
    return round(value, 4) if isinstance(value, float) else value


def _no_evidence(c: Criterion, f: StepFeatures) -> str:
    why = "no resource data in the log" if c.feature == "resources" else "not measurable here"
    return (
        f"No evidence for {c.feature.replace('_', ' ')} ({why}); neutral value {c.missing:g} used."
    )


def evidence(c: Criterion, f: StepFeatures, value: object) -> str:
    """One sentence from the log behind a criterion's value."""
    v: Any = value
    texts = {
        "annual_volume": lambda: (
            f"{v:,.0f} executions a year over the log's span ({f.executions:,} in the log)."
        ),
        "dominant_successor_share": lambda: (
            f"{v:.0%} of executions are followed by the same next step."
        ),
        "decision_verdict": lambda: (
            f.decision_summary
            or (
                "No real choice follows the step: it always leads on the same way."
                if v == "none"
                else f"Decision after the step: {v}."
            )
        ),
        "structured_input": lambda: (
            "Inputs are structured (no free-text attributes)."
            if v == "yes"
            else "Free-text inputs feed the step: " + ", ".join(f.unstructured_inputs) + "."
        ),
        "exception_share": lambda: (
            f"{v:.1%} of cases through the step follow rare variants (<1% of cases each)."
        ),
        "rework_rate": lambda: f"{v:.0%} of cases through the step do it more than once.",
        "duration_cv": lambda: f"Durations vary with a coefficient of variation of {v:.2f}.",
        "stability": lambda: (
            f"Month-to-month stability {v:.2f} (1 = the same share of work every month)."
        ),
        "handling_time_s": lambda: (
            f"Handling takes {v / 60:,.1f} min per execution ({f.handling_time_basis})."
        ),
        "next_step_entropy_bits": lambda: (
            f"Next-step entropy is {v:.2f} bits (0 = always the same next step)."
        ),
        "annual_hours": lambda: (
            f"{v:,.0f} staff hours a year ({f.annual_volume:,.0f} x {f.handling_time_s / 60:,.1f} min)."
        ),
        "mean_wait_days": lambda: (
            f"Cases wait {v:.1f} days on average before the step"
            + (" (upper bound: no start times)." if f.wait_is_upper_bound else ".")
        ),
        "case_share": lambda: f"{v:.0%} of cases pass through the step.",
        "resources": lambda: f"{v} different people or accounts perform the step.",
    }
    make = texts.get(c.feature)
    return make() if make else f"{c.feature.replace('_', ' ')} = {_round(v)}."


def _top(score: str, scores: Mapping[str, float], config: ScoringConfig, f: StepFeatures) -> str:
    """The criterion contributing most to ``score``."""
    best = max(_criteria(config.of(score), f), key=lambda r: (r.contribution, r.criterion))
    return f"{score}.{best.criterion}"


def _weakest(score: str, config: ScoringConfig, f: StepFeatures) -> str:
    """The criterion losing most points of ``score`` (weight x (1 - x))."""
    worst = max(
        _criteria(config.of(score), f), key=lambda r: (r.weight * (1 - r.normalised), r.criterion)
    )
    return f"{score}.{worst.criterion}"


def _reason(f: StepFeatures, klass: str, deciding: str, results: Sequence[CriterionResult]) -> str:
    """One or two sentences: the class and the evidence that decided it."""
    by_name = {f"{r.score}.{r.criterion}": r for r in results}
    if klass == "Already automated":
        return f"{f.automated_share:.0%} of executions are by systems. {f.automated_reason}".strip()
    if deciding == "too_few_cases":
        return f"Only {f.cases} cases reach this step: too little evidence to automate it."
    lead = {
        "RPA": "Suits a software robot",
        "AI": "Suits an AI model",
        "AI-assisted": "Suits AI support with a person deciding",
        "Human": "Best left with people for now",
    }[klass]
    decided = by_name.get(deciding)
    because = decided.evidence if decided else ""
    return f"{lead}: {because}".strip()

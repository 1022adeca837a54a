"""Scores, classes, explanations and sensitivity on hand-made step features."""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path

import pytest

from eventlogs.errors import ConfigurationError
from opportunity.features import StepFeatures
from opportunity.scoring import score_step, score_steps
from opportunity.scoring_config import load_scoring_config
from opportunity.sensitivity import compute_sensitivity

BASE = StepFeatures(
    activity="Register claim",
    process="claims",
    cases=5000,
    executions=5000,
    annual_volume=10_000.0,
    case_share=1.0,
    handling_time_s=180.0,
    handling_time_estimated=False,
    handling_time_basis="median of 5,000 measured executions",
    annual_hours=500.0,
    dominant_successor_share=1.0,
    next_step_entropy_bits=0.0,
    decision_verdict="none",
    duration_cv=0.3,
    rework_rate=0.0,
    exception_share=0.0,
    stability=1.0,
    automated_share=0.0,
    resources=2,
    mean_wait_s=0.0,
)


def test_rpa_score_by_hand() -> None:
    config = load_scoring_config()
    step = score_step(BASE, config)
    # Every RPA criterion is at its best (volume 10,000 = hi; share 1 >= 0.95; no decision = 1;
    # structured = 1; no exceptions, no rework; cv 0.3 = hi; stability 1) -> 100 points.
    assert step.scores["rpa"] == pytest.approx(100.0)
    assert step.automation_class == "RPA" and step.confidence == "high"
    # Value: hours log-scaled between 50 and 5000: (log10 500 - log10 50) / 2 = 0.5 -> 0.6*0.5;
    # waiting 0 days -> 0; reach 1 -> 0.2. Total (0.3 + 0 + 0.2) * 100 = 50.
    assert step.scores["value"] == pytest.approx(50.0)
    # AI: volume log10(10000/200)/2 = 0.8495 * 0.2; no decision 0.2 * 0.35; structured 0.3 * 0.2;
    # 180 s: log10(3)/log10(60) = 0.2683 * 0.15; entropy 0 -> 0.
    ai = 0.2 * math.log10(50) / 2 + 0.35 * 0.2 + 0.2 * 0.3 + 0.15 * math.log10(3) / math.log10(60)
    assert step.scores["ai"] == pytest.approx(100 * ai)
    # The explanation has every criterion of every score, and contributions add up to the score.
    config_names = {f"{c.score}.{c.name}" for c in config.criteria}
    assert {f"{r.score}.{r.criterion}" for r in step.explanation} == config_names
    for score in ("rpa", "ai", "value", "ease"):
        parts = sum(r.contribution for r in step.explanation if r.score == score)
        assert parts == pytest.approx(step.scores[score])
    # RPA 500 h a year x 0.8 automation rate = 400 hours saved.
    assert step.expected_hours_saved == pytest.approx(400.0)


def test_classes_and_deciding_criteria() -> None:
    config = load_scoring_config()
    system = dataclasses.replace(BASE, automated_share=0.97, automated_reason="Resource 'SYSTEM'.")
    rare = dataclasses.replace(BASE, cases=6, executions=6)
    learnable = dataclasses.replace(
        BASE,
        decision_verdict="learnable",
        dominant_successor_share=0.55,
        next_step_entropy_bits=1.0,
        decision_summary="A boosted model predicts the next step with 91% accuracy; a shallow tree 62%.",
        handling_time_s=1200.0,
    )
    erratic = dataclasses.replace(
        BASE,
        annual_volume=150.0,
        decision_verdict="judgement",
        dominant_successor_share=0.3,
        next_step_entropy_bits=2.5,
        duration_cv=3.0,
        rework_rate=0.4,
        exception_share=0.5,
        stability=0.4,
    )
    got = {f.activity: s for f, s in ((f, score_step(f, config)) for f in (system,))}
    assert got["Register claim"].automation_class == "Already automated"
    assert "SYSTEM" in got["Register claim"].reason
    assert score_step(rare, config).deciding_criterion == "too_few_cases"
    ai = score_step(learnable, config)
    assert ai.automation_class == "AI" and ai.deciding_criterion == "ai.decision_learnable"
    assert "91%" in ai.reason
    human = score_step(erratic, config)
    assert human.automation_class == "Human" and human.deciding_criterion.startswith("rpa.")


def test_missing_evidence_is_neutral_and_said() -> None:
    config = load_scoring_config()
    blind = dataclasses.replace(
        BASE, resources=None, duration_cv=None, handling_time_estimated=True
    )
    step = score_step(blind, config)
    teams = next(r for r in step.explanation if r.criterion == "few_teams")
    assert teams.missing and teams.normalised == 0.5 and "no resource data" in teams.evidence
    assert step.confidence == "medium"  # 5000 cases, but an estimated handling time
    assert all(
        isinstance(r.contribution, float) and not math.isnan(r.contribution)
        for r in step.explanation
    )


def test_config_merge_refuses_unknown_keys(tmp_path: Path) -> None:
    good = tmp_path / "s.toml"
    good.write_text("[classes]\nrpa_min = 101\n")
    config = load_scoring_config(good)
    assert config.classes["rpa_min"] == 101
    assert score_step(BASE, config).automation_class != "RPA"
    bad = tmp_path / "bad.toml"
    bad.write_text("[rpa.volumes]\nweight = 1\n")
    with pytest.raises(ConfigurationError, match="unknown key 'rpa.volumes'"):
        load_scoring_config(bad)
    unbalanced = tmp_path / "w.toml"
    unbalanced.write_text("[rpa.volume]\nweight = 0.5\n")
    with pytest.raises(ConfigurationError, match="weights of rpa sum to 1.3"):
        load_scoring_config(unbalanced)


def test_ranking_and_sensitivity() -> None:
    config = load_scoring_config()
    small = dataclasses.replace(BASE, activity="Small", annual_hours=60.0, annual_volume=400.0)
    borderline = dataclasses.replace(
        BASE,
        activity="Borderline",
        annual_volume=900.0,
        dominant_successor_share=0.8,
        decision_verdict="too few cases",
        exception_share=0.1,
        rework_rate=0.15,
    )
    ranked = score_steps([small, BASE, borderline], config)
    assert [s.activity for s in ranked.steps][0] == "Register claim"
    sens = compute_sensitivity(ranked)
    assert "Register claim" in sens.robust
    for change in sens.changes:
        assert change.from_class != change.to_class and change.factor in (0.8, 1.2)
    flipped = {c.activity for c in sens.changes}
    assert flipped.isdisjoint(sens.robust)
    # Borderline scores RPA 60.5 against a threshold of 60: some +-20% move flips it to Human.
    assert ranked.get("Borderline").automation_class == "RPA"
    assert any(c.activity == "Borderline" and c.to_class == "Human" for c in sens.changes)


def test_handling_time_overrides(tmp_path: Path) -> None:
    path = tmp_path / "h.toml"
    path.write_text('[handling_time_s]\n"Send Fine" = 300\n"=cmd" = 60\n')
    assert dict(load_scoring_config(path).handling_time_overrides) == {
        "Send Fine": 300.0,
        "=cmd": 60.0,
    }
    path.write_text('[handling_time_s]\n"Send Fine" = -1\n')
    with pytest.raises(ConfigurationError, match="seconds > 0"):
        load_scoring_config(path)

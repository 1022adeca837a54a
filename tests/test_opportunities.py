"""Opportunity classes end to end on a generated log whose every step's nature is known.

The generator (tests/loggen.py) builds a process with: a deterministic high-volume step
(Register), a threshold rule (Check amount: amount < 50 -> Pay), a non-linear decision only
a stronger model learns (Assess), a choice decided by the case id alone (Route: the leakage
trap), a rare erratic step (Escalate) and a step run by 'SYSTEM' in nightly batches
(Archive). Scoring must recover each one, and say why.
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from eventlogs.load import load_log
from opportunity.evidence import compute_opportunities
from tests.loggen import generate_log


@pytest.fixture(scope="module")
def scored(tmp_path_factory: pytest.TempPathFactory):
    from eventlogs.engine import connect

    folder = tmp_path_factory.mktemp("truth")
    truth = generate_log(folder / "truth.csv", cases=2000, seed=0)
    con = connect(folder / "ws.duckdb")
    load_log(con, truth.path, options=truth.load_options)
    opps, evidence = compute_opportunities(con, "truth")
    yield truth, opps, evidence
    con.close()


def test_each_step_gets_its_true_class(scored) -> None:
    truth, opps, _ = scored
    got = {s.activity: s for s in opps.steps}
    assert got[truth.deterministic].automation_class == "RPA"
    assert got[truth.threshold].automation_class == "RPA"
    assert got[truth.nonlinear].automation_class == "AI"
    assert got[truth.rare].automation_class == "Human"
    assert got[truth.automated].automation_class == "Already automated"
    assert got[truth.leakage].automation_class == "Human"


def test_explanations_name_the_deciding_criterion(scored) -> None:
    truth, opps, _ = scored
    got = {s.activity: s for s in opps.steps}
    rule = got[truth.threshold]
    assert rule.features.decision_verdict == "rule"
    assert "amount" in rule.features.decision_summary and "50" in rule.features.decision_summary
    assert "amount" in rule.reason
    ai = got[truth.nonlinear]
    assert ai.deciding_criterion == "ai.decision_learnable"
    assert "learned model" in ai.reason
    assert got[truth.automated].deciding_criterion == "automated_share"
    assert "system" in got[truth.automated].reason.lower()
    assert got[truth.rare].deciding_criterion == "too_few_cases"
    # Register: always the same next step; its explanation says so with the measured share.
    reg = got[truth.deterministic]
    det = next(r for r in reg.explanation if r.criterion == "determinism")
    assert (
        det.value == 1.0 and "100% of executions are followed by the same next step" in det.evidence
    )


def test_no_leakage_from_the_case_id(scored) -> None:
    truth, opps, evidence = scored
    route = opps.get(truth.leakage)
    assert route is not None and route.features.decision_verdict == "judgement"
    point = evidence.predictability.get(truth.leakage)
    assert point is not None and point.strong_accuracy is not None
    assert point.strong_accuracy < point.baseline_accuracy + 0.1  # no better than chance


def test_every_explanation_is_complete(scored) -> None:
    _, opps, _ = scored
    names = {f"{c.score}.{c.name}" for c in opps.config.criteria}
    for step in opps.steps:
        assert {f"{r.score}.{r.criterion}" for r in step.explanation} == names
        for r in step.explanation:
            assert r.evidence and not math.isnan(r.contribution) and not math.isnan(r.normalised)
        assert all(0 <= v <= 100 for v in step.scores.values())

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


def test_cli_opportunities_and_report_json(scored, tmp_path: Path, capsys) -> None:
    import json

    from app.cli import main
    from opportunity.assumptions import load_assumptions

    truth, opps, _ = scored
    ws = truth.path.parent / "ws.duckdb"
    assert main(["opportunities", "truth", "--workspace", str(ws), "--top", "3", "--json"]) == 0
    ranked = json.loads(capsys.readouterr().out)
    assert [r["activity"] for r in ranked] == [s.activity for s in opps.steps[:3]]
    keys = {"activity", "class", "rpa_score", "ai_score", "value_score", "ease_score"}
    assert keys | {"confidence", "annual_hours", "explanation"} <= set(ranked[0])
    entry = ranked[0]["explanation"][0]
    assert {"criterion", "value", "weight", "contribution", "evidence"} <= set(entry)
    xlsx, pdf = tmp_path / "roadmap.xlsx", tmp_path / "roi.pdf"
    argv = ["report", "truth", "--workspace", str(ws), "--xlsx", str(xlsx), "--pdf", str(pdf)]
    assert main([*argv, "--runs", "300", "--json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["xlsx"] == str(xlsx) and document["pdf"] == str(pdf)
    assert xlsx.stat().st_size > 5000 and pdf.read_bytes()[:5] == b"%PDF-"
    figures = document["portfolio"]
    assert set(figures) == {
        "annual_hours_saved", "fte_released", "one_off_cost_gbp", "annual_net_benefit_gbp",
        "payback_months", "npv_gbp", "npv_p10_gbp", "npv_p90_gbp",
    }  # fmt: skip
    # The portfolio holds the automatable candidates paying for themselves: the RPA steps and
    # the AI step of the generated log, and never the Human, rare or automated ones.
    assert truth.threshold in document["candidates"] and truth.rare not in document["candidates"]
    assert (
        truth.automated not in document["candidates"]
        and truth.leakage not in document["candidates"]
    )
    assert figures["npv_p10_gbp"] <= figures["npv_gbp"] <= figures["npv_p90_gbp"]
    a = load_assumptions(None)
    hours = figures["annual_hours_saved"]
    assert figures["fte_released"] == pytest.approx(hours / a.hours_per_fte_year)


@pytest.mark.slow
def test_scoring_runs_on_every_real_log_with_complete_explanations(real_workspace) -> None:
    """Every shared log scores; every candidate explains every criterion, with no NaN.

    Decision models are fitted only where a choice has >= 1,000 cases, with 2 folds, to keep
    the suite's time down (at the defaults the 13 logs take about 7 minutes, mostly fitting);
    the explanation is complete either way (a step without a model is 'too few cases' or
    'none')."""
    from tests.conftest import SHARED_XES

    for name in SHARED_XES:
        dataset = name.removesuffix(".xes.gz")
        opps, _ = compute_opportunities(real_workspace, dataset, decision_min_cases=1000, folds=2)
        assert opps.steps, dataset
        names = {f"{c.score}.{c.name}" for c in opps.config.criteria}
        for step in opps.steps:
            assert {f"{r.score}.{r.criterion}" for r in step.explanation} == names, dataset
            for r in step.explanation:
                assert r.evidence and math.isfinite(r.contribution), (dataset, step.activity)
            assert all(math.isfinite(v) and 0 <= v <= 100 for v in step.scores.values())
            assert step.automation_class in {
                "RPA",
                "AI",
                "AI-assisted",
                "Human",
                "Already automated",
            }
            assert step.reason and step.deciding_criterion

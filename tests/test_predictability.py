"""Decision points and their predictability, checked against logs whose truth is known by construction.

The ground-truth log (tests/loggen.py) has one step of each kind: a threshold
rule, a checkerboard only a stronger model learns, a choice made by the case
id's parity (leakage trap), a rare erratic step. Small hand-made logs check
lifecycle handling and sampling by case.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from eventlogs.engine import connect
from eventlogs.load import LoadOptions, load_log
from mining.decision_features import feature_kind, feature_label
from mining.decisions import END, DecisionPoints, compute_decision_points
from mining.filters import LogFilter
from opportunity.predictability import Predictability, case_folds, score_predictability, verdict
from opportunity.tree_rules import _nice_between, tree_rules
from tests.loggen import GroundTruth, generate_log

VERDICTS = {"rule", "learnable", "judgement", "too few cases"}
WORDS = ["customer", "called", "about", "the", "late", "payment", "refund", "letter"]


@pytest.fixture(scope="module")
def truth(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[GroundTruth, DecisionPoints, Predictability]]:
    """The ground-truth log (2,000 cases, seed 0) loaded, its decision points and their scores."""
    folder = tmp_path_factory.mktemp("truth")
    con = connect(folder / "ws.duckdb")
    gt = generate_log(folder / "truth.csv", seed=0)
    load_log(con, gt.path, options=gt.load_options)
    points = compute_decision_points(con, "truth")
    yield gt, points, score_predictability(points)
    con.close()


def test_generator_writes_what_its_docstring_says(
    tmp_path: Path, workspace: duckdb.DuckDBPyConnection
) -> None:
    gt = generate_log(tmp_path / "g.csv", cases=300, rare=5, seed=3)
    load_log(workspace, gt.path, options=gt.load_options)
    q = workspace.execute
    # case_no = case id - 1000: the parity trap is armed.
    assert q(
        "SELECT count(*) FROM cases WHERE case_no <> CAST(case_id AS INT) - 1000"
    ).fetchall() == [(0,)]
    # Archive: SYSTEM at exactly 02:00:00, start = complete, batched (fewer stamps than cases).
    archive = q(
        "SELECT count(*), count(DISTINCT ts), bool_and(resource = 'SYSTEM'), bool_and(start_ts = ts),"
        " bool_and(strftime(ts, '%H:%M:%S') = '02:00:00') FROM event_log WHERE activity = 'Archive'"
    ).fetchall()[0]
    assert archive[0] == 300 and archive[1] < 300 and archive[2:] == (True, True, True)
    assert q("SELECT count(*) FROM event_log WHERE activity = 'Escalate'").fetchall() == [(5,)]
    # Same seed, same bytes; another seed, another log.
    assert (
        generate_log(tmp_path / "again.csv", cases=300, rare=5, seed=3).path.read_bytes()
        == gt.path.read_bytes()
    )
    assert (
        generate_log(tmp_path / "other.csv", cases=300, rare=5, seed=4).path.read_bytes()
        != gt.path.read_bytes()
    )


def test_decision_points_are_the_steps_with_a_real_choice(truth) -> None:
    gt, points, _ = truth
    assert {p.activity for p in points.points} == {gt.threshold, gt.nonlinear, gt.leakage, gt.rare}
    # Register always goes to Check amount; Archive ends 1,980 cases and escalates 20 (1% < 5%).
    assert dict(points.successors[gt.deterministic]) == {"Check amount": 2000}
    assert dict(points.successors[gt.automated]) == {END: 1980, "Escalate": 20}
    check = points.get(gt.threshold)
    assert check is not None and check.executions == check.cases == len(check.rows) == 2000
    assert set(check.rows["outcome"]) == {"Pay", "Assess"}
    assert check.outcome_counts["Pay"] + check.outcome_counts["Assess"] == 2000


def test_a_filter_narrows_the_cases(tmp_path: Path, workspace: duckdb.DuckDBPyConnection) -> None:
    gt = generate_log(tmp_path / "small.csv", cases=400, rare=0, seed=5)
    load_log(workspace, gt.path, options=gt.load_options)
    north = workspace.execute("SELECT count(*) FROM case_attrs_1 WHERE region = 'North'").fetchall()
    points = compute_decision_points(
        workspace, "small", log_filter=LogFilter(where={"region": ["North"]})
    )
    check = points.get(gt.threshold)
    assert check is not None and [(check.executions,)] == north and points.cases == north[0][0]
    # One region left: a constant, not a feature.
    assert check.excluded["case:region"] == "constant" and "case:region" not in check.rows
    assert points.provenance.log_filter.where == {"region": ("North",)}


def test_no_feature_can_stand_in_for_the_case(truth) -> None:
    gt, points, _ = truth
    route = points.get(gt.leakage)
    assert route is not None
    # The trap: case_no's parity decides Route exactly, so a model fed case_no would be perfect ...
    rows = route.rows
    assert ((rows["case_no"] % 2 == 0) == (rows["outcome"] == "Send letter")).all()
    # ... and it is never a feature, nor event_index, ids or timestamps.
    for p in points.points:
        assert all(f.startswith(("case:", "event:", "path:")) for f in p.features), p.features
        assert not {"case_no", "case_id", "event_index", "ts", "start_ts"} & set(p.features)


def test_threshold_step_is_a_rule_in_words(truth) -> None:
    gt, _, scores = truth
    s = scores.get(gt.threshold)
    assert s is not None and s.verdict == "rule"
    assert s.tree_accuracy == 1.0 and s.tree_features == ("case:amount",)
    # Amounts have two decimals: the nearest values either side of 50 are 49.9x and 50.0x -> "50".
    texts = {r.text for r in s.rules}
    assert texts == {"if amount < 50 → Pay (100%)", "if amount ≥ 50 → Assess (100%)"}
    (pay,) = [r for r in s.rules if r.outcome == "Pay"]
    assert pay.rows == s.rows - 1392 and math.isclose(
        float(re.findall(r"[\d.]+", pay.conditions[0])[0]), 50
    )


def test_nonlinear_step_needs_the_stronger_model(truth) -> None:
    gt, _, scores = truth
    s = scores.get(gt.nonlinear)
    assert s is not None and s.verdict == "learnable"
    # A 4x4 checkerboard: depth 3 stays near chance, gradient boosting learns it.
    assert s.tree_accuracy is not None and s.tree_accuracy < 0.7
    assert s.strong_accuracy is not None and s.strong_accuracy > 0.9
    assert s.strong_skill is not None and s.strong_skill > 0.8


def test_case_id_parity_is_not_predictable(truth) -> None:
    gt, _, scores = truth
    s = scores.get(gt.leakage)
    assert s is not None and s.verdict == "judgement"
    assert s.baseline_accuracy == 0.5  # 1,000 even and 1,000 odd case ids
    assert s.tree_accuracy is not None and s.tree_accuracy < 0.6
    assert s.strong_accuracy is not None and s.strong_accuracy < 0.6


def test_rare_erratic_step_has_too_few_cases(truth) -> None:
    gt, points, scores = truth
    s = scores.get(gt.rare)
    assert s is not None and s.verdict == "too few cases"
    assert s.cases == 20 and s.tree_accuracy is None and s.rules == () and s.folds == 0
    p = points.get(gt.rare)
    assert p is not None and p.rows.empty and p.executions == 20


def test_free_text_is_reported_not_used(truth) -> None:
    gt, points, scores = truth
    assert points.unstructured_inputs == ("case:" + gt.free_text,)
    for p in points.get(gt.threshold), points.get(gt.nonlinear), points.get(gt.leakage):
        assert p is not None
        assert p.unstructured == ("case:note",) and "case:note" not in p.features
        assert {"case:region", "case:type", "path:previous"} & set(p.categorical) >= {
            "case:region",
            "case:type",
        }
        assert p.rows["case:amount"].dtype == "float64"
    assert all(
        s.unstructured_inputs == ("case:note",)
        for s in scores.scores
        if s.verdict != "too few cases"
    )


def test_group_folds_never_put_a_case_on_both_sides(truth) -> None:
    _, points, _ = truth
    groups = np.repeat(np.arange(40), [1 + i % 4 for i in range(40)])  # cases with 1 to 4 rows
    for g in (groups, points.points[0].rows["case_no"].to_numpy()):
        pairs = case_folds(g, folds=5, seed=0)
        assert len(pairs) == 5
        for train, test in pairs:
            assert not set(g[train]) & set(g[test])
        tested = np.concatenate([test for _, test in pairs])
        assert sorted(tested) == list(range(len(g)))  # every row tested exactly once
    assert (
        len(case_folds(np.array([7, 7, 8, 8, 9]), folds=5, seed=0)) == 3
    )  # never more folds than cases


def test_same_seed_same_scores(truth, tmp_path: Path, workspace: duckdb.DuckDBPyConnection) -> None:
    gt, points, scores = truth
    again = generate_log(tmp_path / "truth.csv", seed=0)
    load_log(workspace, again.path, options=again.load_options)
    fresh = score_predictability(compute_decision_points(workspace, "truth"))
    assert [s.to_dict() for s in fresh.scores] == [s.to_dict() for s in scores.scores]
    assert score_predictability(points).to_dict() == scores.to_dict()
    json.dumps(scores.to_dict())  # JSON-ready
    json.dumps(points.to_dict())


def test_verdict_thresholds() -> None:
    assert verdict(0.95, 0.95, 0.5) == "rule"
    assert verdict(0.60, 0.90, 0.5) == "learnable"  # only the stronger model predicts
    assert verdict(0.85, 0.85, 0.5) == "learnable"  # predictable, but below the rule bar
    assert verdict(0.96, 0.97, 0.95) == "judgement"  # skill (0.97-0.95)/0.05 = 0.4 < 0.5
    assert verdict(0.55, 0.60, 0.5) == "judgement"
    assert verdict(0.95, 0.95, 0.5, rule_accuracy=0.99) == "learnable"


def test_round_thresholds_and_labels() -> None:
    assert _nice_between(49.93, 50.02) == 50
    assert _nice_between(0.29999, 0.31) == 0.3
    assert _nice_between(-5.2, -4.9) == -5
    assert _nice_between(0, 1) == 1  # counts: "< 1" means none yet
    assert _nice_between(116.58, 116.61) == 116.6
    assert feature_label("case:amount") == "amount"
    assert feature_label("path:count:Pay") == "'Pay' count"


def test_rules_say_where_missing_values_go() -> None:
    from sklearn.tree import DecisionTreeClassifier

    # amount 10..40 or missing -> A, 60..90 -> B: the cut lies between 40 and 60, roundest 50.
    amount = np.array([10, 20, 30, 40, 60, 70, 80, 90, np.nan, np.nan] * 5, dtype=float)
    web = np.array([1, 0] * 25, dtype=float)  # one-hot level of "channel", no signal
    y = np.where((amount < 50) | np.isnan(amount), "A", "B").astype(object)
    x = np.column_stack([amount, web])
    tree = DecisionTreeClassifier(max_depth=1, random_state=0).fit(x, y)
    rules = tree_rules(tree, x, y, [("case:amount", None), ("case:channel", "web")])
    assert [r.text for r in rules] == [
        "if amount < 50 (or missing) → A (100%)",
        "if amount ≥ 50 → B (100%)",
    ]
    assert [r.rows for r in rules] == [30, 20]


def test_feature_kinds() -> None:
    n = 200
    rng = np.random.default_rng(1)
    assert (
        feature_kind(pd.Series(np.arange(5000, 5000 + n), name="case:number")) == "identifier-like"
    )
    assert (
        feature_kind(pd.Series(rng.choice(10**6, n, replace=False), name="case:IDofCase"))
        == "identifier-like"
    )
    assert (
        feature_kind(pd.Series(rng.choice(10**6, n, replace=False), name="case:amount"))
        == "numeric"
    )
    assert (
        feature_kind(pd.Series([f"request for payment {i}" for i in range(n)], name="x"))
        == "identifier-like"
    )
    assert (
        feature_kind(pd.Series([" ".join(rng.choice(WORDS, 9)) for _ in range(n)], name="x"))
        == "free text"
    )
    assert feature_kind(pd.Series(rng.choice(["web", "desk"], n), name="x")) == "categorical"
    assert feature_kind(pd.Series([True, False] * (n // 2), name="x")) == "numeric"
    assert feature_kind(pd.Series(["same"] * n + [None], name="x")) == "constant"


def _write(tmp_path: Path, name: str, header: str, rows: list[str]) -> Path:
    path = tmp_path / f"{name}.csv"
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


def test_lifecycle_start_is_not_followed_by_its_own_complete(
    tmp_path: Path, workspace: duckdb.DuckDBPyConnection
) -> None:
    # 40 cases: A (start, complete) then B when kind = x, C when kind = y (start, complete).
    rows = []
    for i in range(40):
        kind, nxt = ("x", "B") if i % 2 == 0 else ("y", "C")
        day = f"2024-03-{1 + i % 28:02d}T{8 + i // 28:02d}"
        for minute, (act, life) in enumerate(
            [("A", "start"), ("A", "complete"), (nxt, "start"), (nxt, "complete")]
        ):
            rows.append(f"L{i},{act},{day}:{minute:02d}:00Z,{life},{kind}")
    path = _write(tmp_path, "life", "case,activity,timestamp,lifecycle,case:kind", rows)
    options = LoadOptions(
        case="case", activity="activity", timestamp="timestamp", lifecycle="lifecycle"
    )
    load_log(workspace, path, options=options)
    points = compute_decision_points(workspace, "life")
    assert dict(points.successors["A"]) == {"B": 20, "C": 20}  # not A -> A (start -> complete)
    assert [p.activity for p in points.points] == ["A"] and len(points.points[0].rows) == 40
    (s,) = score_predictability(points).scores
    assert s.verdict == "rule" and s.tree_accuracy == 1.0
    assert {r.text for r in s.rules} in (
        {"if kind = x → B (100%)", "if kind ≠ x → C (100%)"},
        {"if kind = y → C (100%)", "if kind ≠ y → B (100%)"},
    )


def test_sampling_keeps_whole_cases(tmp_path: Path, workspace: duckdb.DuckDBPyConnection) -> None:
    # 60 cases: Start, Check k = 1 + i % 3 times, then Done (even i) or Drop (odd i).
    # Check is followed by Check 60 times (0 + 1 + 2 per 3 cases), Done 30, Drop 30: 120 executions.
    rows = []
    for i in range(60):
        acts = ["Start", *["Check"] * (1 + i % 3), "Done" if i % 2 == 0 else "Drop"]
        rows += [
            f"S{i},{a},2024-01-01T{i // 6:02d}:{(i % 6) * 10 + m:02d}:00Z"
            for m, a in enumerate(acts)
        ]
    path = _write(tmp_path, "loops", "case,activity,timestamp", rows)
    load_log(
        workspace,
        path,
        options=LoadOptions(case="case", activity="activity", timestamp="timestamp"),
    )
    full = compute_decision_points(workspace, "loops").get("Check")
    assert full is not None and dict(full.outcome_counts) == {"Check": 60, "Done": 30, "Drop": 30}
    per_case = full.rows.groupby("case_no").size()
    sampled = [
        compute_decision_points(workspace, "loops", max_rows=50, seed=s).get("Check")
        for s in (0, 0, 1)
    ]
    for p in sampled:
        assert p is not None and 45 < len(p.rows) <= 50  # whole cases of 1-3 rows fill up to 50
        got = p.rows.groupby("case_no").size()
        assert (got == per_case[got.index]).all()  # every sampled case with all its executions
    assert sampled[0].rows.equals(sampled[1].rows)  # type: ignore[union-attr]
    assert not sampled[0].rows.equals(sampled[2].rows)  # type: ignore[union-attr]


@pytest.mark.slow
def test_real_log_scores_are_finite(real_workspace: duckdb.DuckDBPyConnection) -> None:
    points = compute_decision_points(real_workspace, "Sepsis_Cases-Event_Log")
    scores = score_predictability(points)
    assert len(scores.scores) == len(points.points) > 0
    fitted = [s for s in scores.scores if s.verdict != "too few cases"]
    assert fitted
    for s in scores.scores:
        assert s.verdict in VERDICTS and 0 < s.baseline_accuracy <= 1
        numbers = [
            s.tree_accuracy,
            s.strong_accuracy,
            s.tree_lift,
            s.strong_lift,
            s.tree_skill,
            s.strong_skill,
        ]
        assert all(v is None or math.isfinite(v) for v in numbers)
    for s in fitted:
        assert s.folds == 5 and s.rules and all(0 < r.share <= 1 and r.rows > 0 for r in s.rules)
        assert sum(r.rows for r in s.rules) == s.rows
    frame = scores.to_frame()
    assert (
        not frame[["baseline_accuracy", "tree_accuracy", "strong_accuracy"]]
        .loc[frame.folds > 0]
        .isna()
        .any()
        .any()
    )

"""Decision predictability: could a rule, a trained model, or only a person choose the next step?

For each decision point of ``mining.decisions`` three predictors of the outcome
are compared, each scored by accuracy on cases it was not fitted on:

- the majority baseline: always the most frequent outcome (its share of rows);
- a shallow decision tree (depth ``tree_depth``; a leaf holds at least 1% of
  the rows and at least 5, so that no rule is about a handful of cases);
- a stronger model: gradient-boosted trees (scikit-learn's
  ``HistGradientBoostingClassifier``: ``strong_iterations`` rounds of trees with
  up to 15 leaves, learning rate 0.3; kept small to stay cheap, one thread).

Cross-validation is ``GroupKFold`` on ``case_no`` (shuffled with ``seed``): all
executions of a case fall in the same fold, so a model never sees a case it is
tested on (checked on every split). Categorical features are one-hot encoded;
missing numbers stay NaN (both models route them). At most ``max_rows``
executions are used, whole cases picked at random with ``seed``.

Skill = (accuracy - baseline) / (1 - baseline): the share of the baseline's
errors a predictor removes (0 = no better than always guessing the majority,
1 = perfect). Verdicts, in order:

- ``too few cases``: fewer than ``min_cases`` cases execute the step (default:
  the ``min_cases`` of the decision points); nothing is fitted;
- ``rule``: the shallow tree reaches ``rule_accuracy`` (0.9) with skill at least
  ``min_skill`` (0.5): a rule a robot can follow, given in words;
- ``learnable``: otherwise, the better of the two models reaches
  ``learnable_accuracy`` (0.8) with skill at least ``min_skill``: predictable,
  but only by a model (AI);
- ``judgement``: neither: the data at hand do not explain the choice.

Rules are read off the tree refitted on all rows (``opportunity.tree_rules``):
"if amount < 50 → Pay (94%)", the share of the leaf's rows with that outcome.

Imports: numpy, pandas, scikit-learn, threadpoolctl, mining.decisions, mining.source,
opportunity.tree_rules (results only, no queries).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.model_selection import GroupKFold
from sklearn.tree import DecisionTreeClassifier
from threadpoolctl import threadpool_limits

from mining.decisions import GROUP, TARGET, DecisionPoint, DecisionPoints
from mining.source import Provenance
from opportunity.tree_rules import Column, TreeRule, tree_rules

if TYPE_CHECKING:
    import pandas as pd

Verdict = Literal["rule", "learnable", "judgement", "too few cases"]
MIN_LEAF_ROWS = 5
MIN_LEAF_SHARE = 0.01  # a leaf holds at least 1% of the rows (and 5): no rules about a handful


@dataclass(frozen=True, slots=True, kw_only=True)
class PointScore:
    """How predictable the choice after one activity is."""

    activity: str
    cases: int
    rows: int  # executions used (after the row cap)
    folds: int  # 0 when nothing was fitted
    outcomes: tuple[str, ...]
    baseline_accuracy: float
    tree_accuracy: float | None
    strong_accuracy: float | None
    tree_lift: float | None  # accuracy - baseline
    strong_lift: float | None
    tree_skill: float | None  # share of the baseline's errors removed
    strong_skill: float | None
    verdict: Verdict
    rules: tuple[TreeRule, ...]  # most rows first
    tree_features: tuple[str, ...]  # features the tree splits on, most important first
    unstructured_inputs: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready record; rules as text plus their parts."""
        fields = {k: getattr(self, k) for k in PointScore.__dataclass_fields__ if k != "rules"}
        fields.update(outcomes=list(self.outcomes), tree_features=list(self.tree_features))
        fields["unstructured_inputs"] = list(self.unstructured_inputs)
        fields["rules"] = [
            {
                "text": r.text,
                "conditions": list(r.conditions),
                "outcome": r.outcome,
                "share": r.share,
                "rows": r.rows,
            }
            for r in self.rules
        ]
        return fields


@dataclass(frozen=True, slots=True, kw_only=True)
class Predictability:
    """Scores for every decision point, in the decision points' order."""

    provenance: Provenance
    parameters: Mapping[str, object]
    scores: tuple[PointScore, ...]

    def get(self, activity: str) -> PointScore | None:
        """The score of one activity's decision, or None when it is no decision point."""
        return next((s for s in self.scores if s.activity == activity), None)

    def to_frame(self) -> pd.DataFrame:
        """One row per decision point (rules joined by '; ')."""
        import pandas as pd

        rows = [{**s.to_dict(), "rules": "; ".join(r.text for r in s.rules)} for s in self.scores]
        return pd.DataFrame(rows, columns=list(PointScore.__dataclass_fields__))

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready record."""
        return {
            "scores": [s.to_dict() for s in self.scores],
            "parameters": dict(self.parameters),
            "provenance": self.provenance.to_dict(),
        }


def case_folds(groups: np.ndarray, *, folds: int, seed: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """(train, test) row indices of a GroupKFold on the cases; no case is ever on both sides."""
    k = min(folds, int(np.unique(groups).size))
    splitter = GroupKFold(n_splits=k, shuffle=True, random_state=seed)
    pairs = []
    for train, test in splitter.split(groups, groups=groups):
        if np.intersect1d(groups[train], groups[test]).size:  # a leak would inflate every score
            raise AssertionError("a case fell in both the training and the test fold")
        pairs.append((train, test))
    return pairs


def encode(rows: pd.DataFrame, point: DecisionPoint) -> tuple[np.ndarray, list[Column]]:
    """The feature matrix: numbers as they are (NaN kept), one 0/1 column per category level."""
    blocks: list[np.ndarray] = []
    columns: list[Column] = []
    for feature in point.features:
        values = rows[feature]
        if feature in point.categorical:
            for level in values.cat.categories:
                blocks.append((values == level).to_numpy(dtype="float64"))
                columns.append((feature, str(level)))
        else:
            blocks.append(values.to_numpy(dtype="float64"))
            columns.append((feature, None))
    matrix = np.column_stack(blocks) if blocks else np.zeros((len(rows), 0))
    return matrix, columns


def _capped(rows: pd.DataFrame, max_rows: int, seed: int) -> pd.DataFrame:
    """At most ``max_rows`` rows, whole cases in a random order fixed by ``seed``."""
    if len(rows) <= max_rows:
        return rows
    cases = np.random.default_rng(seed).permutation(np.unique(rows[GROUP].to_numpy()))
    sizes = rows[GROUP].value_counts().reindex(cases).to_numpy()
    kept = cases[np.cumsum(sizes) <= max_rows]
    return rows[rows[GROUP].isin(kept)].reset_index(drop=True)


def _cv_accuracy(
    make: Callable[[int], Any],
    x: np.ndarray,
    y: np.ndarray,
    pairs: list[tuple[np.ndarray, np.ndarray]],
) -> float:
    """Accuracy of out-of-fold predictions over all rows."""
    correct = 0
    for train, test in pairs:
        seen = np.unique(y[train])
        # Columns with no value in the training fold are dropped (gradient boosting's binning fails on them).
        known = ~np.isnan(x[train]).all(axis=0)
        if seen.size == 1 or not known.any():  # nothing to learn: the majority guess
            values, counts = np.unique(y[train], return_counts=True)
            predicted = np.full(test.size, values[np.argmax(counts)], dtype=object)
        else:
            model = make(train.size).fit(x[train][:, known], y[train])
            predicted = model.predict(x[test][:, known])
        correct += int((predicted == y[test]).sum())
    return correct / len(y)


@dataclass(frozen=True, slots=True, kw_only=True)
class _Options:
    folds: int
    tree_depth: int
    seed: int
    max_rows: int
    strong_iterations: int
    min_cases: int
    rule_accuracy: float
    learnable_accuracy: float
    min_skill: float

    def tree(self, rows: int) -> Any:
        leaf = max(MIN_LEAF_ROWS, math.ceil(MIN_LEAF_SHARE * rows))
        return DecisionTreeClassifier(
            max_depth=self.tree_depth, min_samples_leaf=leaf, random_state=self.seed
        )

    def strong(self, rows: int) -> Any:
        return HistGradientBoostingClassifier(
            max_iter=self.strong_iterations,
            learning_rate=0.3,
            max_leaf_nodes=15,
            early_stopping=False,
            random_state=self.seed,
        )

    def verdict(self, tree: float, strong: float, baseline: float) -> Verdict:
        return verdict(
            tree,
            strong,
            baseline,
            rule_accuracy=self.rule_accuracy,
            learnable_accuracy=self.learnable_accuracy,
            min_skill=self.min_skill,
        )


def skill(accuracy: float, baseline: float) -> float:
    """The share of the majority guess's errors that a predictor removes: 0 none, 1 all."""
    return (accuracy - baseline) / (1 - baseline)


def verdict(
    tree_accuracy: float,
    strong_accuracy: float,
    baseline: float,
    *,
    rule_accuracy: float = 0.9,
    learnable_accuracy: float = 0.8,
    min_skill: float = 0.5,
) -> Verdict:
    """'rule', 'learnable' or 'judgement' from cross-validated accuracies (see the module docstring).

    >>> verdict(0.97, 0.98, 0.6), verdict(0.55, 0.95, 0.5), verdict(0.96, 0.96, 0.95)
    ('rule', 'learnable', 'judgement')
    """
    if tree_accuracy >= rule_accuracy and skill(tree_accuracy, baseline) >= min_skill:
        return "rule"
    best = max(tree_accuracy, strong_accuracy)
    if best >= learnable_accuracy and skill(best, baseline) >= min_skill:
        return "learnable"
    return "judgement"


def _important(tree: Any, columns: list[Column]) -> tuple[str, ...]:
    """Features the tree splits on, most important first (one-hot levels summed per feature)."""
    weight: dict[str, float] = {}
    for (feature, _level), w in zip(columns, tree.feature_importances_, strict=True):
        weight[feature] = weight.get(feature, 0.0) + float(w)
    return tuple(f for f, w in sorted(weight.items(), key=lambda kv: (-kv[1], kv[0])) if w > 0)


def _unscored(point: DecisionPoint, rows: int) -> PointScore:
    """Too few cases to judge: only the baseline, from the outcome counts."""
    return PointScore(
        activity=point.activity,
        cases=point.cases,
        rows=rows,
        folds=0,
        outcomes=point.outcomes,
        baseline_accuracy=max(point.outcome_counts.values()) / point.executions,
        tree_accuracy=None,
        strong_accuracy=None,
        tree_lift=None,
        strong_lift=None,
        tree_skill=None,
        strong_skill=None,
        verdict="too few cases",
        rules=(),
        tree_features=(),
        unstructured_inputs=point.unstructured,
    )


def _score_point(point: DecisionPoint, o: _Options) -> PointScore:
    rows = _capped(point.rows, o.max_rows, o.seed)
    y = rows[TARGET].to_numpy(dtype=object)
    groups = rows[GROUP].to_numpy()
    if point.cases < o.min_cases or np.unique(groups).size < 2 or np.unique(y).size < 2:
        return _unscored(point, len(rows))
    baseline = float(np.unique(y, return_counts=True)[1].max() / len(y))
    x, columns = encode(rows, point)
    if not columns:  # no feature at all: the models can only learn the majority
        x, columns = np.zeros((len(rows), 1)), [("(none)", None)]
    pairs = case_folds(groups, folds=o.folds, seed=o.seed)
    tree_acc = _cv_accuracy(o.tree, x, y, pairs)
    strong_acc = _cv_accuracy(o.strong, x, y, pairs)
    tree = o.tree(len(y)).fit(x, y)
    return PointScore(
        activity=point.activity,
        cases=point.cases,
        rows=len(rows),
        folds=len(pairs),
        outcomes=point.outcomes,
        baseline_accuracy=baseline,
        tree_accuracy=tree_acc,
        strong_accuracy=strong_acc,
        tree_lift=tree_acc - baseline,
        strong_lift=strong_acc - baseline,
        tree_skill=skill(tree_acc, baseline),
        strong_skill=skill(strong_acc, baseline),
        verdict=o.verdict(tree_acc, strong_acc, baseline),
        rules=tree_rules(tree, x, y, columns),
        tree_features=_important(tree, columns),
        unstructured_inputs=point.unstructured,
    )


def score_predictability(
    points: DecisionPoints,
    *,
    folds: int = 5,
    tree_depth: int = 3,
    seed: int = 0,
    max_rows: int = 5_000,
    strong_iterations: int = 30,
    min_cases: int | None = None,
    rule_accuracy: float = 0.9,
    learnable_accuracy: float = 0.8,
    min_skill: float = 0.5,
) -> Predictability:
    """Baseline, shallow-tree and stronger-model accuracy per decision point, a verdict and the tree's rules.

    Deterministic for a given ``seed``. ``min_cases`` defaults to the decision points' own.
    """
    options = _Options(
        folds=folds,
        tree_depth=tree_depth,
        seed=seed,
        max_rows=max_rows,
        strong_iterations=strong_iterations,
        min_cases=points.min_cases if min_cases is None else min_cases,
        rule_accuracy=rule_accuracy,
        learnable_accuracy=learnable_accuracy,
        min_skill=min_skill,
    )
    parameters = {f: getattr(options, f) for f in _Options.__dataclass_fields__}
    # One thread: the models are small, and OpenMP threads contending for busy
    # cores made gradient boosting ten times slower. (The limit applies to the
    # libraries loaded at this point, hence scikit-learn's top-level import.)
    with threadpool_limits(limits=1):
        scores = tuple(_score_point(p, options) for p in points.points)
    return Predictability(
        provenance=points.provenance, parameters=MappingProxyType(parameters), scores=scores
    )

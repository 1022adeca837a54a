"""A fitted decision tree read as rules in words: "if amount < 50 → Pay (94%)".

``tree_rules(tree, x, y, columns)`` walks a fitted scikit-learn tree: one rule
per leaf, after merging sibling leaves that predict the same outcome. The
splits on a path are merged per feature (``20 ≤ amount < 50``); a one-hot
column reads ``region = North`` / ``region ≠ North``; a threshold is rounded to
the roundest number between the largest value that went left and the smallest
that went right at that node (49.93 | 50.02 -> 50), so the rule says what the
data say, not sklearn's midpoint. "(or missing)" marks a numeric condition that
missing values also satisfied in the leaf. Share = the leaf's rows with the
rule's outcome.

Imports: numpy, mining.decision_features.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from mining.decision_features import feature_label

Column = tuple[str, str | None]  # (feature, category level or None for a number)


@dataclass(frozen=True, slots=True, kw_only=True)
class TreeRule:
    """One leaf of the shallow tree: conditions in words, the outcome and its share of the leaf."""

    conditions: tuple[str, ...]
    outcome: str
    share: float  # of the leaf's rows with this outcome
    rows: int

    @property
    def text(self) -> str:
        """E.g. ``if amount < 50 → Pay (94%)``; ``always → Pay (60%)`` for a tree without splits."""
        head = f"if {' and '.join(self.conditions)}" if self.conditions else "always"
        return f"{head} → {self.outcome} ({self.share:.0%})"


def _nice_between(lo: float, hi: float) -> float:
    """The roundest number v with lo < v <= hi (fewest significant digits): 49.93, 50.02 -> 50."""
    top = math.floor(math.log10(max(abs(lo), abs(hi), 1e-12))) + 1
    for power in range(top, top - 15, -1):
        step = 10.0**power
        v = float(f"{(math.floor(lo / step) + 1) * step:.12g}")  # drop float noise, then re-check
        if lo < v <= hi:
            return v
    return hi


def _number(v: float) -> str:
    return f"{v:.12g}"


@dataclass(slots=True)
class _Bounds:
    """What a path of splits says about one feature."""

    lower: float | None = None  # feature >= lower
    upper: float | None = None  # feature < upper
    equal: str | None = None
    unequal: tuple[str, ...] = ()
    missing_only: bool = False
    known_only: bool = False


def _split_condition(
    x: np.ndarray, idx: np.ndarray, col: int, threshold: float
) -> tuple[float | None, bool]:
    """A readable cut between the node's values either side of the threshold (None: the split is on missingness)."""
    values = x[idx, col]
    values = values[~np.isnan(values)]
    left, right = values[values <= threshold], values[values > threshold]
    if left.size == 0 or right.size == 0:
        return None, left.size > 0  # only known values went to the side that has any
    return _nice_between(float(left.max()), float(right.min())), True


def _apply(
    bounds: _Bounds, level: str | None, cut: float | None, known_left: bool, left: bool
) -> None:
    """Narrow ``bounds`` by one split, going left (<= threshold) or right."""
    if level is not None:  # a one-hot column: left is "not this level"
        if left:
            bounds.unequal = (*bounds.unequal, level)
        else:
            bounds.equal = level
    elif cut is None:  # the split separates missing from known values
        if left == known_left:
            bounds.known_only = True
        else:
            bounds.missing_only = True
    elif left:
        bounds.upper = cut if bounds.upper is None else min(bounds.upper, cut)
    else:
        bounds.lower = cut if bounds.lower is None else max(bounds.lower, cut)


def _words(feature: str, b: _Bounds, missing_here: bool) -> str:
    """One condition in words: ``amount < 50``, ``20 ≤ amount < 50``, ``region = North``."""
    label = feature_label(feature)
    if b.equal is not None:
        return f"{label} = {b.equal}"
    if b.unequal:
        return (
            f"{label} ≠ {b.unequal[0]}"
            if len(b.unequal) == 1
            else f"{label} not in {', '.join(b.unequal)}"
        )
    if b.missing_only:
        return f"{label} missing"
    if b.lower is not None and b.upper is not None:
        text = f"{_number(b.lower)} ≤ {label} < {_number(b.upper)}"
    elif b.upper is not None:
        text = f"{label} < {_number(b.upper)}"
    elif b.lower is not None:
        text = f"{label} ≥ {_number(b.lower)}"
    else:
        return f"{label} known"
    return f"{text} (or missing)" if missing_here and not b.known_only else text


def tree_rules(
    tree: Any, x: np.ndarray, y: np.ndarray, columns: list[Column]
) -> tuple[TreeRule, ...]:
    """One rule per leaf of a fitted tree (sibling leaves with the same outcome merged), most rows first."""
    t = tree.tree_
    reach = tree.decision_path(x).tocsc()

    def rows_at(node: int) -> np.ndarray:
        return reach[:, node].nonzero()[0]

    def outcome(node: int) -> str | None:  # the node's single outcome if its whole subtree agrees
        if t.children_left[node] == -1:
            return str(tree.classes_[int(np.argmax(t.value[node][0]))])
        left, right = outcome(t.children_left[node]), outcome(t.children_right[node])
        return left if left is not None and left == right else None

    rules: list[TreeRule] = []

    def walk(node: int, path: list[tuple[int, bool, float | None, bool]]) -> None:
        label = outcome(node)
        if label is None:
            idx, col = rows_at(node), int(t.feature[node])
            cut, known_left = _split_condition(x, idx, col, float(t.threshold[node]))
            walk(t.children_left[node], [*path, (col, True, cut, known_left)])
            walk(t.children_right[node], [*path, (col, False, cut, known_left)])
            return
        rules.append(_rule(path, rows_at(node), label, x, y, columns))

    walk(0, [])
    return tuple(sorted(rules, key=lambda r: (-r.rows, r.outcome)))


def _rule(
    path: list[tuple[int, bool, float | None, bool]],
    idx: np.ndarray,
    label: str,
    x: np.ndarray,
    y: np.ndarray,
    columns: list[Column],
) -> TreeRule:
    """The rule of one leaf: the path's splits merged per feature, in the order they first appear."""
    bounds: dict[str, _Bounds] = {}
    numeric_col: dict[str, int] = {}
    for col, left, cut, known_left in path:
        feature, level = columns[col]
        if level is None:
            numeric_col[feature] = col
        _apply(bounds.setdefault(feature, _Bounds()), level, cut, known_left, left)
    conditions = tuple(
        _words(f, b, f in numeric_col and bool(np.isnan(x[idx, numeric_col[f]]).any()))
        for f, b in bounds.items()
    )
    return TreeRule(
        conditions=conditions,
        outcome=label,
        share=float(np.mean(y[idx] == label)),
        rows=int(idx.size),
    )

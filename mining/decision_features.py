"""Decision-point features as pandas columns: how each attribute is typed, and how a feature reads.

``feature_kind`` sorts a column into numeric, categorical, free text,
identifier-like or constant; ``typed_features`` applies it to the attribute
columns of a frame; ``as_category`` keeps the 20 most frequent values;
``feature_label`` turns a feature name into the words a rule uses.

Feature names: ``case:<attribute>``, ``event:<attribute>``, ``path:previous``,
``path:position``, ``path:count:<activity>`` (see ``mining.decisions``).

Imports: pandas.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

OTHER = "(other)"
MISSING = "(missing)"
MAX_LEVELS = 20
FREE_TEXT_CHARS = 40
ID_LIKE_SHARE = 0.9  # integers distinct on this share of rows look like identifiers
# Identifier names: id, ID..., id_x, x_id, x id, caseId, caseID, caseIdNew (not paid, valid, idea).
_ID_NAME = re.compile(
    r"^(?i:id)$|^ID|(?:^|[_\s.:-])(?i:id)(?:$|[_\s.:-])|[a-z](?:Id|ID)(?:$|[A-Z_])"
)


def feature_kind(s: pd.Series) -> str:
    """'numeric', 'categorical', 'free text', 'identifier-like' or 'constant' for one column."""
    import pandas as pd

    present = s.dropna()
    distinct = present.nunique()
    if distinct <= 1:
        return "constant"
    if pd.api.types.is_bool_dtype(present) or pd.api.types.is_numeric_dtype(present):
        values = present.astype("float64")
        near_unique = distinct >= ID_LIKE_SHARE * len(present) and len(present) >= 20
        integral = bool((values % 1 == 0).all())
        dense = values.max() - values.min() + 1 <= 3 * distinct  # numbered ids fill their range
        named = _ID_NAME.search(str(s.name).split(":", 1)[-1]) is not None
        return "identifier-like" if integral and near_unique and (dense or named) else "numeric"
    text = present.astype(str)
    shapes = text.str.replace(r"\d+", "#", regex=True).nunique()  # "req 17" and "req 18" alike
    if distinct >= 0.5 * len(text) and distinct > MAX_LEVELS and shapes <= max(3, distinct // 100):
        return "identifier-like"
    spaced = text.str.contains(" ").mean() > 0.5
    if text.str.len().mean() > FREE_TEXT_CHARS or (spaced and distinct >= 0.5 * len(text)):
        return "free text"
    if distinct > MAX_LEVELS and distinct >= ID_LIKE_SHARE * len(text):
        return "identifier-like"
    return "categorical"


def as_category(s: pd.Series) -> pd.Series:
    """The 20 most frequent values (ties by value), the rest OTHER, blanks MISSING."""
    import pandas as pd

    text = s.astype("string")
    counts = text.value_counts()
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    top = [str(v) for v, _n in ranked[:MAX_LEVELS]]
    mapped = text.where(text.isin(top) | text.isna(), OTHER).fillna(MISSING)
    levels = sorted({*top, *mapped.unique()})
    return pd.Series(pd.Categorical(mapped.astype(str), categories=levels), index=s.index)


def typed_features(
    frame: pd.DataFrame, case_key: str
) -> tuple[dict[str, pd.Series], list[str], dict[str, str]]:
    """The ``case:``/``event:`` columns typed as features; free-text names; excluded column -> reason.

    A case attribute is judged on one row per case (``case_key``): repeated over
    a case's executions, an identifier would otherwise not look unique.
    """
    one_per_case = frame.drop_duplicates(case_key)
    kept: dict[str, pd.Series] = {}
    free_text: list[str] = []
    excluded: dict[str, str] = {}
    for col in [c for c in frame.columns if c.startswith(("case:", "event:"))]:
        kind = feature_kind(one_per_case[col] if col.startswith("case:") else frame[col])
        if kind == "numeric":
            kept[col] = frame[col].astype("float64")
        elif kind == "categorical":
            kept[col] = as_category(frame[col])
        elif kind == "free text":
            free_text.append(col)
        else:
            excluded[col] = kind
    return kept, free_text, excluded


def feature_label(name: str) -> str:
    """How a feature reads in a rule.

    >>> feature_label("case:amount"), feature_label("path:previous"), feature_label("path:count:Pay")
    ('amount', 'previous step', "'Pay' count")
    """
    for prefix in ("case:", "event:"):
        if name.startswith(prefix):
            return name.removeprefix(prefix)
    if name == "path:previous":
        return "previous step"
    if name == "path:position":
        return "steps before"
    return f"'{name.removeprefix('path:count:')}' count"

"""The ranking as CSV: one row per step, every criterion's points and evidence as columns.

Text from the log is neutralised against formula injection (a spreadsheet opens
CSV files too).

Imports: csv, eventlogs.datasets (neutralise_cell), opportunity.scoring.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path

from eventlogs.datasets import neutralise_cell
from eventlogs.errors import InputError
from opportunity.scoring import StepScore

_COLUMNS = (
    "rank", "activity", "class", "rpa_score", "ai_score", "value_score", "ease_score",
    "confidence", "annual_hours", "expected_hours_saved", "handling_time_s",
    "handling_time_estimated", "cases", "executions", "deciding_criterion", "reason",
)  # fmt: skip


def export_opportunities_csv(path: Path, steps: Sequence[StepScore]) -> Path:
    """Write the ranked steps to ``path`` (UTF-8 with BOM, so Excel reads the £ and accents)."""
    criteria = [f"{r.score}.{r.criterion}" for r in steps[0].explanation] if steps else []
    header = [*_COLUMNS, *(f"{c} points" for c in criteria), *(f"{c} evidence" for c in criteria)]
    try:
        with open(path, "w", newline="", encoding="utf-8-sig") as handle:
            writer = csv.writer(handle)
            writer.writerow(header)
            for rank, step in enumerate(steps, start=1):
                row = step.to_dict() | {"rank": rank}
                cells = [row[c] for c in _COLUMNS]
                cells += [round(r.contribution, 3) for r in step.explanation]
                cells += [r.evidence for r in step.explanation]
                writer.writerow([neutralise_cell(c) if isinstance(c, str) else c for c in cells])
    except OSError as exc:
        raise InputError(f"{path}: cannot write the CSV: {exc.strerror}") from exc
    return path

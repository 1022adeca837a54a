"""Findings in plain words, on a hand-made log with every number worked out by hand."""

from __future__ import annotations

import json
from pathlib import Path

from app.cli import main
from eventlogs.load import load_log
from mining.findings import compute_findings

LOG = """case,activity,time
1,a,2024-01-01T09:00:00Z
1,b,2024-01-03T09:00:00Z
1,c,2024-01-04T09:00:00Z
2,a,2024-01-02T09:00:00Z
2,b,2024-01-06T09:00:00Z
2,c,2024-01-07T09:00:00Z
3,a,2024-01-03T09:00:00Z
3,b,2024-01-04T09:00:00Z
3,b,2024-01-05T09:00:00Z
3,c,2024-01-06T09:00:00Z
"""


def test_findings_by_hand(workspace, tmp_path: Path) -> None:
    path = tmp_path / "tiny.csv"
    path.write_text(LOG)
    load_log(workspace, path)
    found = compute_findings(workspace, "tiny")
    kinds = [f.kind for f in found.findings]
    # Waits before b: 2, 4, 1 days and b->b 1 day = 8 days over 4 waits (mean 2.0);
    # p90 of (1, 1, 2, 4) = 2 + 0.7 * (4 - 2) = 3.4 days. Waits before c: 1 + 1 + 1 = 3 days.
    # b's share of all waiting: 8 / 11 = 73%.
    first = found.findings[0]
    assert first.kind == "bottleneck" and first.activity == "b"
    assert first.text == (
        "Cases wait 2.0 days on average before 'b' (at most: the log has no start times); "
        "1 in 10 waits more than 3.4 days. That wait is 73% of all waiting time in the process."
    )
    assert abs(first.weight - 8 / 11) < 1e-9
    # Every case ends with c: nothing open.
    backlog = next(f for f in found.findings if f.kind == "backlog")
    assert backlog.text == "0 of 3 cases are still open at the end of the log."
    # Paths: a,b,c twice and a,b,b,c once -> 2 variants; the most common covers 2/3.
    variants = next(f for f in found.findings if f.kind == "variants")
    assert variants.text.startswith("The most common path covers 67% of cases; there are 2 ")
    # Rework of b in 1 case only: below the 10 cases a finding needs.
    assert "rework" not in kinds
    assert [f.weight for f in found.findings] == sorted(
        (f.weight for f in found.findings), reverse=True
    )


def test_findings_cli_json(workspace, tmp_path: Path, capsys) -> None:
    path = tmp_path / "tiny.csv"
    path.write_text(LOG)
    ws = tmp_path / "ws.duckdb"
    assert main(["load", str(path), "--workspace", str(ws), "--json"]) == 0
    capsys.readouterr()
    assert main(["findings", "tiny", "--workspace", str(ws), "--json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document[0]["kind"] == "bottleneck" and document[0]["activity"] == "b"
    assert {"text", "value", "unit", "metric", "weight"} <= set(document[0])

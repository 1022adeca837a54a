"""The command line: exact JSON shapes, one-line errors, exit codes, clean stdout."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO, SAMPLE_LOGS


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    env.pop("HYPERPATH_WORKSPACE", None)
    return subprocess.run(
        [sys.executable, "-m", "app.cli", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_load_json_contract_and_default_workspace(tmp_path: Path) -> None:
    done = run("load", str(SAMPLE_LOGS / "running-example.csv.gz"), "--json", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    doc = json.loads(done.stdout)  # exactly one JSON document on stdout
    assert {
        k: doc[k]
        for k in ("dataset", "name", "cases", "events", "activities", "quarantined", "duplicates")
    } == {
        "dataset": "1",
        "name": "running-example",
        "cases": 6,
        "events": 42,
        "activities": 8,
        "quarantined": 0,
        "duplicates": 0,
    }
    assert doc["mapping"] == {
        "case": "case:concept:name",
        "activity": "concept:name",
        "timestamp": "time:timestamp",
        "start_timestamp": None,
        "resource": "org:resource",
        "lifecycle": None,
    }
    assert (tmp_path / "hyperpath.duckdb").is_file()
    listed = json.loads(run("datasets", "--json", cwd=tmp_path).stdout)
    assert [(d["dataset"], d["name"], d["cases"], d["events"]) for d in listed] == [
        ("1", "running-example", 6, 42)
    ]


def test_user_error_is_one_line_exit_2(tmp_path: Path) -> None:
    bad = tmp_path / "notes.csv"
    bad.write_text("case,activity,colour\n1,A,red\n")
    done = run("load", str(bad), "--json", "--workspace", str(tmp_path / "w.duckdb"), cwd=tmp_path)
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr == (
        "hyperpath: error: notes.csv: no usable timestamp column found; columns are: 'case', "
        "'activity', 'colour'; pass --timestamp COLUMN\n"
    )


def test_unknown_dataset_exit_2(tmp_path: Path) -> None:
    done = run("quality", "nope", "--workspace", str(tmp_path / "w.duckdb"), cwd=tmp_path)
    assert done.returncode == 2
    assert (
        done.stderr == "hyperpath: error: no dataset 'nope' in the workspace; datasets are: none\n"
    )


def test_quality_and_quarantine_export_neutralise_formulas(tmp_path: Path) -> None:
    log = tmp_path / "inj.csv"
    log.write_text(
        'case,activity,timestamp\n1,=HYPERLINK("x"),2020-01-01\n1,B,not a date\n2,C,2020-01-02\n'
    )
    ws = str(tmp_path / "w.duckdb")
    loaded = json.loads(run("load", str(log), "--json", "--workspace", ws, cwd=tmp_path).stdout)
    assert (loaded["events"], loaded["quarantined"]) == (2, 1)
    quality = json.loads(run("quality", "inj", "--json", "--workspace", ws, cwd=tmp_path).stdout)
    assert quality["single_event_cases"] == 2 and quality["quarantine_by_reason"] == {
        "unparseable timestamp (column 'timestamp')": 1
    }
    out = tmp_path / "q.csv"
    done = run("quarantine", "1", "--csv", str(out), "--workspace", ws, cwd=tmp_path)
    assert done.returncode == 0 and done.stdout == f"1 quarantined rows written to {out}\n"
    rows = list(csv.reader(out.open()))
    assert rows[0] == ["position", "reason", "raw"]
    assert rows[1][:2] == ["line 3", "unparseable timestamp (column 'timestamp')"]
    assert json.loads(rows[1][2])["timestamp"] == "not a date"


def test_delete_dataset(tmp_path: Path) -> None:
    ws = str(tmp_path / "w.duckdb")
    run("load", str(SAMPLE_LOGS / "running-example.csv.gz"), "--workspace", ws, cwd=tmp_path)
    done = run("delete", "running-example", "--workspace", ws, cwd=tmp_path)
    assert done.stdout == "deleted dataset 1 (running-example)\n"
    assert json.loads(run("datasets", "--json", "--workspace", ws, cwd=tmp_path).stdout) == []


def test_map_and_variants_json_with_filters(tmp_path: Path) -> None:
    ws = str(tmp_path / "w.duckdb")
    run("load", str(SAMPLE_LOGS / "running-example.xes.gz"), "--workspace", ws, cwd=tmp_path)
    done = run("map", "running-example", "--json", "--workspace", ws, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    doc = json.loads(done.stdout)
    assert set(doc) >= {"edges", "start_activities", "end_activities", "activities"}
    assert doc["start_activities"] == {"register request": 6}
    assert doc["end_activities"] == {"pay compensation": 3, "reject request": 3}
    first = doc["edges"][0]
    assert set(first) >= {
        "source",
        "target",
        "frequency",
        "mean_s",
        "median_s",
        "min_s",
        "max_s",
        "sum_s",
    }
    assert (
        sum(e["frequency"] for e in doc["edges"]) == 42 - 6
    )  # every event but the last of each case
    variants = json.loads(run("variants", "1", "--json", "--workspace", ws, cwd=tmp_path).stdout)
    assert [v["cases"] for v in variants] == [1] * 6 and variants[0]["share"] == 1 / 6
    assert set(variants[0]) >= {"activities", "cases", "share", "mean_duration_s"}
    top = json.loads(
        run("map", "1", "--json", "--top-variants", "1", "--workspace", ws, cwd=tmp_path).stdout
    )
    assert sum(top["start_activities"].values()) == 1
    window = run(
        "map",
        "1",
        "--json",
        "--from",
        "2010-12-30",
        "--to",
        "2011-01-10",
        "--workspace",
        ws,
        cwd=tmp_path,
    )
    # case spans (UTC): 1: Dec 30-Jan 7, 2: Dec 30-Jan 8, 3: Dec 30-Jan 15, 4-6 start Jan 6 and end after Jan 10
    assert sum(json.loads(window.stdout)["start_activities"].values()) == 2
    bad = run("map", "1", "--where", "nosuch=1", "--workspace", ws, cwd=tmp_path)
    assert (
        bad.returncode == 2
        and bad.stderr.startswith("hyperpath: error: ")
        and bad.stderr.count("\n") == 1
    )

"""Refused inputs: each gets its clear one-line message and leaves the workspace as it was."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from eventlogs.engine import connect
from eventlogs.errors import (
    DuplicateFileError,
    InputError,
    LogFormatError,
    MissingColumnError,
    UnsafeXmlError,
)
from eventlogs.load import LoadOptions, load_log
from tests.conftest import SAMPLE_LOGS, snapshot

BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<log><trace><string key="concept:name" value="&lol4;"/></trace></log>
"""
XXE = """<?xml version="1.0"?>
<!DOCTYPE log [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<log><trace><string key="concept:name" value="1"/>
<event><string key="concept:name" value="&xxe;"/><date key="time:timestamp" value="2020-01-01T00:00:00Z"/></event>
</trace></log>
"""
MALFORMED = """<?xml version="1.0"?>
<log>
<trace><string key="concept:name" value="1"/>
<event><string key="concept:name" value="A"/>
</trace></log>
"""

CASES = {
    "empty.csv": (b"", LogFormatError, "file is empty"),
    "blank.csv": (b"\n\n  \n", LogFormatError, "file is empty"),
    "binary.csv": (bytes(range(256)) * 64, LogFormatError, "binary file"),
    "header_only.csv": (b"case,activity,timestamp\n", LogFormatError, "holds no events"),
    "no_timestamp.csv": (
        b"case,activity,colour\n1,A,red\n1,B,blue\n",
        MissingColumnError,
        "pass --timestamp COLUMN",
    ),
    "bomb.xes": (BILLION_LAUGHS.encode(), UnsafeXmlError, "DOCTYPE"),
    "xxe.xes": (XXE.encode(), UnsafeXmlError, "DOCTYPE"),
    "malformed.xes": (MALFORMED.encode(), LogFormatError, "line 5"),
    "page.xml": (b"<html><body>hello</body></html>", LogFormatError, "root element"),
}


@pytest.fixture
def loaded(workspace: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    """A workspace that already holds one dataset, to check it survives."""
    load_log(workspace, SAMPLE_LOGS / "running-example.csv.gz")
    return workspace


@pytest.mark.parametrize("name", sorted(CASES))
def test_refused_with_message_and_workspace_unchanged(
    loaded: duckdb.DuckDBPyConnection, tmp_path: Path, name: str
) -> None:
    content, error, fragment = CASES[name]
    path = tmp_path / name
    path.write_bytes(content)
    before = snapshot(loaded)
    started = time.perf_counter()
    with pytest.raises(error) as caught:
        load_log(loaded, path)
    assert time.perf_counter() - started < 10  # attacks are refused, not expanded
    message = str(caught.value)
    assert name in message and fragment in message
    assert "\n" not in message and "root:" not in message  # one line; nothing from /etc/passwd
    assert snapshot(loaded) == before


def test_truncated_gzip_refused(loaded: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    whole = (SAMPLE_LOGS / "receipt.xes.gz").read_bytes()
    path = tmp_path / "receipt.xes.gz"
    path.write_bytes(whole[: len(whole) // 2])
    before = snapshot(loaded)
    with pytest.raises(LogFormatError, match=r"receipt\.xes\.gz.*(truncated|corrupt)"):
        load_log(loaded, path)
    assert snapshot(loaded) == before


def test_same_file_twice_says_so(loaded: duckdb.DuckDBPyConnection) -> None:
    before = snapshot(loaded)
    with pytest.raises(DuplicateFileError, match="already loaded as dataset 'running-example'"):
        load_log(loaded, SAMPLE_LOGS / "running-example.csv.gz")
    assert snapshot(loaded) == before


def test_unknown_override_column_lists_columns(
    loaded: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    path = tmp_path / "x.csv"
    path.write_text("Case ID,Activity,When\n1,A,2020-01-01\n")
    with pytest.raises(
        MissingColumnError,
        match=r"column 'Stamp' given with --timestamp not found; columns are: 'Case ID', 'Activity', 'When'",
    ):
        load_log(loaded, path, options=LoadOptions(timestamp="Stamp"))


def test_all_rows_bad_is_refused(loaded: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("case,activity,timestamp\n,A,2020-01-01\n,B,2020-01-02\n")
    before = snapshot(loaded)
    with pytest.raises(InputError, match="no row could be loaded"):
        load_log(loaded, path)
    assert snapshot(loaded) == before


def test_killed_mid_load_leaves_workspace_intact(tmp_path: Path) -> None:
    ws = tmp_path / "ws.duckdb"
    con = connect(ws)
    load_log(con, SAMPLE_LOGS / "running-example.csv.gz")
    before = snapshot(con)
    con.close()
    big = tmp_path / "big.csv"
    with big.open("w") as out:  # ~3M events: several seconds of loading
        out.write("case,activity,timestamp,resource\n")
        for i in range(3_000_000):
            out.write(
                f"c{i // 10},act{i % 7},2021-01-{1 + i % 28:02d}T{i % 24:02d}:00:00+01:00,r{i % 13}\n"
            )
    child = subprocess.Popen(
        [sys.executable, "-m", "app.cli", "load", str(big), "--workspace", str(ws)],
        cwd=Path(__file__).resolve().parents[1],
        env={**os.environ, "HYPERPATH_PROGRESS": "0"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    # Kill once DuckDB is writing the new dataset into the workspace file
    # (large inserts spill row groups to the file before COMMIT).
    sizes = lambda: (ws.stat().st_size, _size(ws.with_name(ws.name + ".wal")))  # noqa: E731
    initial = sizes()
    deadline = time.monotonic() + 120
    while sizes() == initial and child.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    assert child.poll() is None, "the load finished before it could be killed; make the file bigger"
    assert sizes() != initial, "the load never started writing"
    child.send_signal(signal.SIGKILL)
    child.wait()
    con = connect(ws)
    assert snapshot(con) == before
    assert con.execute("SELECT count(*) FROM datasets").fetchall() == [(1,)]
    # and the workspace still takes new loads
    load_log(con, SAMPLE_LOGS / "roadtraffic100traces.csv")
    assert con.execute("SELECT count(*) FROM datasets").fetchall() == [(2,)]


def _size(path: Path) -> int:
    return path.stat().st_size if path.exists() else 0

"""Shared fixtures: paths to the real logs, fresh workspaces, a helper to snapshot them."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from eventlogs.engine import connect

REPO = Path(__file__).resolve().parents[1]
SAMPLE_LOGS = REPO / "sample_logs"
SHARED_LOGS = Path(os.environ.get("HYPERPATH_SHARED_LOGS", REPO.parent / "shared" / "logs"))


def shared_log(name: str) -> Path:
    """A real log from ../shared/logs; fails (never skips) when it is missing."""
    path = SHARED_LOGS / name
    assert path.is_file(), f"missing real log {path}; the tests need ../shared/logs beside the repo"
    return path


@pytest.fixture
def workspace(tmp_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """A new workspace in a real DuckDB file on disk."""
    con = connect(tmp_path / "ws.duckdb")
    yield con
    con.close()


def snapshot(con: duckdb.DuckDBPyConnection) -> dict[str, object]:
    """Every table of the workspace with its row count and a content checksum."""
    tables = [
        r[0]
        for r in con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE NOT temporary ORDER BY 1"
        ).fetchall()
    ]
    state: dict[str, object] = {}
    for table in tables:
        rows = con.execute(f'SELECT count(*), sum(hash(t)) FROM "{table}" t').fetchall()[0]
        state[table] = rows
    return state


SHARED_XES = sorted(p.name for p in SHARED_LOGS.glob("*.xes.gz"))


@pytest.fixture(scope="session")
def real_workspace(tmp_path_factory: pytest.TempPathFactory) -> Iterator[duckdb.DuckDBPyConnection]:
    """One workspace holding every XES log of ../shared/logs, loaded once per test run.

    Dataset names are the file names without extensions (e.g. 'BPIC15_1').
    Tests must only read from it.
    """
    from eventlogs.load import load_log

    assert SHARED_XES, f"no logs found in {SHARED_LOGS}"
    con = connect(tmp_path_factory.mktemp("real") / "real.duckdb")
    for name in SHARED_XES:
        load_log(con, SHARED_LOGS / name)
    yield con
    con.close()


@pytest.fixture(scope="session")
def pm4py_logs() -> dict[str, object]:
    """pm4py's own reading of every shared XES log (pandas frames), once per test run.

    pm4py.read_xes with variant 'iterparse': pm4py's reference reader (its default
    when the optional rustxes package is not installed).
    """
    import contextlib
    import io

    with contextlib.redirect_stdout(io.StringIO()):  # pm4py prints a banner on import
        import pm4py
    frames: dict[str, object] = {}
    for name in SHARED_XES:
        frames[name] = pm4py.read_xes(
            str(SHARED_LOGS / name),
            variant="iterparse",
            return_legacy_log_object=False,
            show_progress_bar=False,
        )
    return frames

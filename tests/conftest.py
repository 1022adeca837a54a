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

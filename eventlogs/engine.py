"""The one place that opens database connections.

A workspace is one DuckDB file holding many datasets. ``connect`` opens it with
the session time zone pinned to UTC (timestamps are stored UTC-aware; local
offsets are kept in their own column), creates the canonical tables when they
are missing and translates lock/open failures into ``WorkspaceError``.
``ibis_backend`` wraps the same connection for the ibis metric definitions.

Imports: duckdb, ibis, eventlogs.errors, eventlogs.schema.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb

from eventlogs.errors import WorkspaceError
from eventlogs.schema import create_schema

if TYPE_CHECKING:
    import ibis.backends.duckdb

DEFAULT_WORKSPACE = "hyperpath.duckdb"
# DuckDB's own default is 80% of RAM. A bounded limit keeps a 10M-event load near
# 3 GB resident (DuckDB spills to <workspace>.tmp beyond it) for ~10% more CPU.
DEFAULT_MEMORY_LIMIT = "2GB"


def workspace_path(explicit: str | os.PathLike[str] | None = None) -> Path:
    """The workspace file: the explicit path, else ``HYPERPATH_WORKSPACE``, else ``./hyperpath.duckdb``."""
    chosen = explicit or os.environ.get("HYPERPATH_WORKSPACE") or DEFAULT_WORKSPACE
    return Path(chosen)


def connect(
    workspace: str | os.PathLike[str] | None = None,
    *,
    read_only: bool = False,
    memory_limit: str | None = None,
    threads: int | None = None,
) -> duckdb.DuckDBPyConnection:
    """Open (creating if needed) a workspace and return a UTC-pinned connection.

    ``memory_limit`` (else ``HYPERPATH_MEMORY_LIMIT``, else 2GB) bounds DuckDB's memory.

    >>> con = connect(":memory:")
    >>> con.sql("SELECT current_setting('TimeZone')").fetchall()[0][0]
    'UTC'
    >>> con.sql("SELECT current_setting('memory_limit')").fetchall()[0][0]
    '1.8 GiB'
    """
    path = str(workspace) if str(workspace) == ":memory:" else str(workspace_path(workspace))
    config: dict[str, Any] = {
        "memory_limit": memory_limit
        or os.environ.get("HYPERPATH_MEMORY_LIMIT")
        or DEFAULT_MEMORY_LIMIT
    }
    if threads:
        config["threads"] = threads
    if path != ":memory:" and read_only and not Path(path).exists():
        raise WorkspaceError(
            f"workspace {path} does not exist; load a log first with 'hyperpath load FILE'"
        )
    try:
        con = duckdb.connect(path, read_only=read_only, config=config)
    except duckdb.IOException as exc:
        raise WorkspaceError(
            f"cannot open workspace {path}: {exc}. Is another hyperpath process using it?"
        ) from exc
    # ICU is statically linked but loads after connect-time config: set the zone here.
    con.execute("SET TimeZone = 'UTC'")
    con.execute("SET enable_progress_bar = false")
    if not read_only:
        create_schema(con)
    return con


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """Run a block atomically: commit on success, roll back on any exception."""
    con.execute("BEGIN TRANSACTION")
    try:
        yield con
    except BaseException:
        con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")


def quote_identifier(name: str) -> str:
    """Quote a column or table name for SQL (the one quoting helper).

    >>> quote_identifier('case:concept:name')
    '"case:concept:name"'
    >>> quote_identifier('a"b')
    '"a""b"'
    """
    return '"' + name.replace('"', '""') + '"'


def ibis_backend(con: duckdb.DuckDBPyConnection) -> ibis.backends.duckdb.Backend:
    """Wrap an open connection as an ibis DuckDB backend (metric definitions use ibis)."""
    import ibis

    return ibis.duckdb.from_connection(con)


def fetch_row(
    con: duckdb.DuckDBPyConnection, sql: str, params: list[Any] | None = None
) -> tuple[Any, ...] | None:
    """The first row of a query, or None; the result is drained (DuckDB 2 requires it)."""
    rows = con.execute(sql, params or []).fetchall()
    return tuple(rows[0]) if rows else None

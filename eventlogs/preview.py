"""Preview a log file before loading it: its columns, a few rows and the detected mapping.

``preview_log`` stages the file exactly as ``load_log`` would (same readers,
same safety checks, same detection sample), so the mapping it shows is the one
a load with the same options will use. It writes nothing to the workspace:
staging lives in TEMP tables that are dropped before it returns. When no
usable case, activity or timestamp column is found, the preview still lists the
columns and says what is missing, so the user can choose them.

Imports: duckdb and the eventlogs modules below it.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from eventlogs.engine import quote_identifier as qi
from eventlogs.errors import InputError, LogFormatError

# The staging and detection steps are load's own, so the preview cannot drift from the load.
from eventlogs.load import LoadOptions, Progress, _detect, _drop_staging, _stage
from eventlogs.mapping import REQUIRED, ROLES, _by_name
from eventlogs.readers.sniff import sniff_format


@dataclass(frozen=True, slots=True, kw_only=True)
class LogPreview:
    """What a file holds and how it would be mapped; ``problem`` says what is missing."""

    file: str
    source_format: str
    rows: int
    columns: tuple[str, ...]
    sample: tuple[tuple[str | None, ...], ...]  # first rows, as text, in ``columns`` order
    mapping: dict[str, str | None]  # role -> source column (None: not found)
    found_by: dict[str, str] = field(default_factory=dict)
    timestamp_format: str | None = None
    problem: str | None = None  # why a load with this mapping would be refused

    @property
    def ready(self) -> bool:
        """True when every required role has a column and nothing else is wrong."""
        return self.problem is None and all(self.mapping.get(r) for r in REQUIRED)


def preview_log(
    con: duckdb.DuckDBPyConnection,
    path: str | Path,
    *,
    options: LoadOptions | None = None,
    rows: int = 8,
    progress: Progress | None = None,
) -> LogPreview:
    """Columns, the first ``rows`` rows and the detected mapping of a log file.

    Raises LogFormatError (and its subclasses) when the file is not a readable log.

    >>> from eventlogs.engine import connect
    >>> sample = Path(__file__).parents[1] / "sample_logs" / "running-example.csv.gz"
    >>> p = preview_log(connect(":memory:"), sample, rows=2)
    >>> p.mapping["case"], p.mapping["activity"], p.ready, len(p.sample)
    ('case:concept:name', 'concept:name', True, 2)
    """
    opts = options or LoadOptions()
    report: Progress = progress or (lambda stage, fraction: None)
    path = Path(path)
    if not path.is_file():
        raise InputError("no such file", file=str(path))
    fmt, gz = sniff_format(path)
    table = f"_preview_{uuid.uuid4().hex[:8]}"
    try:
        staged = _stage(con, path, fmt, gz, table, opts, report)
        if staged.rows == 0:
            raise LogFormatError(
                "the file holds no events (only a header or no rows)", file=path.name
            )
        columns = _columns(con, staged.table)
        sample = _first_rows(con, staged.table, columns, rows)
        base = LogPreview(
            file=path.name,
            source_format=fmt + (".gz" if gz else ""),
            rows=staged.rows,
            columns=tuple(columns),
            sample=sample,
            mapping=dict.fromkeys(ROLES),
        )
        report("mapping columns", 0.9)
        return _with_mapping(con, path, staged.table, opts, base)
    finally:
        _drop_staging(con, table)


def _with_mapping(
    con: duckdb.DuckDBPyConnection, path: Path, source: str, opts: LoadOptions, base: LogPreview
) -> LogPreview:
    try:
        mapping, ts_fmt, _start = _detect(con, path, source, opts)
    except InputError as exc:  # a missing column, ambiguous dates: show what was found by name
        return _replace(base, mapping=_by_names(base.columns), problem=exc.message)
    return _replace(
        base,
        mapping=mapping.as_dict(),
        found_by=dict(mapping.found_by),
        timestamp_format=ts_fmt.describe(),
    )


def _by_names(columns: tuple[str, ...]) -> dict[str, str | None]:
    """The roles whose column is found by its name alone (a partial mapping)."""
    found: dict[str, str | None] = dict.fromkeys(ROLES)
    for role in ROLES:
        found[role] = _by_name(role, columns, {c for c in found.values() if c})
    return found


def _replace(base: LogPreview, **changes: object) -> LogPreview:
    from dataclasses import replace

    return replace(base, **changes)  # type: ignore[arg-type]


def _columns(con: duckdb.DuckDBPyConnection, source: str) -> list[str]:
    described = con.execute(f"DESCRIBE {qi(source)}").fetchall()
    return [str(r[0]) for r in described if not str(r[0]).startswith("_")]


def _first_rows(
    con: duckdb.DuckDBPyConnection, source: str, columns: list[str], rows: int
) -> tuple[tuple[str | None, ...], ...]:
    if not columns:
        return ()
    selected = ", ".join(f"CAST({qi(c)} AS VARCHAR)" for c in columns)
    found = con.execute(
        f"SELECT {selected} FROM {qi(source)} ORDER BY _row LIMIT {int(rows)}"
    ).fetchall()
    return tuple(tuple(None if v is None else str(v) for v in row) for row in found)

"""Load one event-log file into a workspace, atomically.

``load_log`` hashes the file, refuses one already loaded, detects its format,
stages it (streaming, never a whole-file pandas frame), maps and parses its
columns, quarantines rows that cannot be events, and writes the canonical
tables in one transaction: the workspace gets the whole dataset or nothing,
also when the process is killed mid-load (DuckDB rolls back an uncommitted
transaction on the next open).

Imports: duckdb and the eventlogs modules below it.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path

import duckdb

from eventlogs.engine import fetch_row, transaction
from eventlogs.engine import quote_identifier as qi
from eventlogs.errors import DuplicateFileError, InputError, LogFormatError
from eventlogs.mapping import ColumnMapping, detect_mapping
from eventlogs.prepare import PreparedCounts, PreparePlan, prepare_events
from eventlogs.privacy import pseudonymise_columns
from eventlogs.readers.sniff import sniff_format
from eventlogs.readers.tabular import StagedTable, stage_csv, stage_parquet, stage_xlsx
from eventlogs.timestamps import TimestampFormat, detect_timestamp_format, looks_like_timestamps

Progress = Callable[[str, float], None]
_SAMPLE = 50_000


@dataclass(frozen=True, slots=True, kw_only=True)
class LoadOptions:
    """How to load a file. Column overrides name source columns; None means detect."""

    name: str | None = None
    case: str | None = None
    activity: str | None = None
    timestamp: str | None = None
    start_timestamp: str | None = None
    resource: str | None = None
    lifecycle: str | None = None
    dayfirst: bool | None = None
    time_zone: str = "UTC"
    dedupe: bool = False
    pseudonymise: tuple[str, ...] = ()
    pseudonym_key: bytes | None = None
    drop: tuple[str, ...] = ()
    sheet: str | None = None
    allow_same_file: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class LoadResult:
    """What a load wrote, for the summary table and ``--json``."""

    dataset_id: int
    name: str
    source_file: str
    source_format: str
    sha256: str
    mapping: dict[str, str | None]
    found_by: dict[str, str]
    timestamp_format: str
    counts: PreparedCounts
    source_rows: int
    seconds: float
    quarantine_reasons: dict[str, int] = field(default_factory=dict)


@contextmanager
def _tracked(
    con: duckdb.DuckDBPyConnection, report: Progress, stage: str, lo: float, hi: float
) -> Iterator[None]:
    """Report DuckDB's own progress on the running statement, scaled into [lo, hi].

    ``query_progress`` is meant to be called from another thread while a
    statement runs; it gives -1 between statements.
    """
    report(stage, lo)
    stop = threading.Event()

    def poll() -> None:
        while not stop.wait(0.2):
            try:
                done = con.query_progress()
            except duckdb.Error:
                return
            if done >= 0:
                report(stage, lo + (hi - lo) * min(done, 100.0) / 100.0)

    thread = threading.Thread(target=poll, daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()
    report(stage, hi)


def file_sha256(path: Path) -> str:
    """Hex sha256 of a file, streamed."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(8 * 1024 * 1024):
            digest.update(chunk)
    return digest.hexdigest()


def default_name(path: Path) -> str:
    """Dataset name from a file name: 'BPIC15_1.xes.gz' -> 'BPIC15_1'."""
    return (
        re.sub(r"(\.(xes|csv|tsv|txt|xlsx|parquet|gz))+$", "", path.name, flags=re.I) or path.name
    )


def _check_new(
    con: duckdb.DuckDBPyConnection, path: Path, sha: str, name: str, opts: LoadOptions
) -> None:
    same = fetch_row(con, "SELECT name FROM datasets WHERE sha256 = ?", [sha])
    if same and not opts.allow_same_file:
        raise DuplicateFileError(
            f"this file (sha256 {sha[:12]}…) is already loaded as dataset {same[0]!r}; "
            "pass --allow-same-file to load it again",
            file=path.name,
        )
    if fetch_row(con, "SELECT 1 FROM datasets WHERE name = ?", [name]):
        raise InputError(
            f"a dataset named {name!r} already exists; pass --name NEW_NAME", file=path.name
        )


def _stage(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    fmt: str,
    gz: bool,
    table: str,
    opts: LoadOptions,
    progress: Progress,
) -> StagedTable:
    if fmt == "xes":
        from eventlogs.readers.xes import stage_xes

        staged = stage_xes(
            con, path, table=table, progress=lambda f: progress("reading XES", 0.05 + 0.45 * f)
        )
        return StagedTable(table=table, base=table, rows=staged.rows, position_kind="column:line")
    with _tracked(con, progress, f"reading {fmt.upper()}", 0.05, 0.5):
        if fmt == "csv":
            return stage_csv(con, path, table=table, gz=gz)
        if fmt == "parquet":
            return stage_parquet(con, path, table=table)
        return stage_xlsx(con, path, table=table, sheet=opts.sheet)


def _position_sql(staged: StagedTable) -> str:
    """SQL for where a staged row stands in its source, as people count (1-based)."""
    kind = staged.position_kind
    if kind.startswith("column:"):  # the reader recorded it: XES source line, sheet row
        return f"'{kind.split(':')[1]} ' || s._line"
    if kind == "line" and staged.rejects:  # CSV: data rows are lines after the header
        bounds = ", ".join(str(r.line - 1 - i) for i, r in enumerate(staged.rejects, start=1))
        return f"'line ' || (s._row + 2 + len(list_filter([{bounds}], b -> b <= s._row)))"
    if kind == "line":
        return "'line ' || (s._row + 2)"
    return "'row ' || (s._row + 1)"


def _sample(con: duckdb.DuckDBPyConnection, source: str, column: str) -> list[object]:
    c = qi(column)
    rows = con.execute(
        f"""SELECT DISTINCT v FROM (
              (SELECT {c} AS v FROM {qi(source)} WHERE {c} IS NOT NULL LIMIT {_SAMPLE})
              UNION ALL
              (SELECT {c} FROM {qi(source)} WHERE {c} IS NOT NULL USING SAMPLE {_SAMPLE} ROWS))"""
    ).fetchall()
    return [r[0] for r in rows]


def _column_types(con: duckdb.DuckDBPyConnection, source: str) -> dict[str, str]:
    return {str(r[0]): str(r[1]) for r in con.execute(f"DESCRIBE {qi(source)}").fetchall()}


def _detect(
    con: duckdb.DuckDBPyConnection, path: Path, source: str, opts: LoadOptions
) -> tuple[ColumnMapping, TimestampFormat, TimestampFormat | None]:
    types = _column_types(con, source)
    columns = [c for c in types if not c.startswith("_")]
    overrides = {
        "case": opts.case,
        "activity": opts.activity,
        "timestamp": opts.timestamp,
        "start_timestamp": opts.start_timestamp,
        "resource": opts.resource,
        "lifecycle": opts.lifecycle,
    }

    def score(column: str) -> float:
        return looks_like_timestamps(_sample(con, source, column)[:2000], source_type=types[column])

    mapping = detect_mapping(columns, file=path.name, overrides=overrides, timestamp_score=score)

    def fmt_of(column: str) -> TimestampFormat:
        return detect_timestamp_format(
            _sample(con, source, column),
            column=column,
            file=path.name,
            source_type=types[column],
            dayfirst=opts.dayfirst,
            time_zone=opts.time_zone,
        )

    start = fmt_of(mapping.start_timestamp) if mapping.start_timestamp else None
    return mapping, fmt_of(mapping.timestamp), start


def _apply_privacy(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    staged: StagedTable,
    mapping: ColumnMapping,
    opts: LoadOptions,
) -> list[str]:
    types = _column_types(con, staged.table)
    roles = mapping.as_dict()
    targets = [roles.get(name) or name for name in opts.pseudonymise]
    for name in [*targets, *opts.drop]:
        if name not in types:
            raise InputError(
                f"column {name!r} (from --pseudonymise/--drop) not found; columns are: {', '.join(c for c in types if not c.startswith('_'))}",
                file=path.name,
            )
    used = mapping.columns()
    for name in opts.drop:
        if name in used:
            raise InputError(
                f"cannot --drop {name!r}: it is the mapped {next(r for r, c in roles.items() if c == name)} column",
                file=path.name,
            )
    if targets:
        if opts.pseudonym_key is None:
            raise InputError(
                "--pseudonymise needs a key (HYPERPATH_PSEUDONYM_KEY or --pseudonym-key-file)",
                file=path.name,
            )
        for name in targets:
            if types[name] != "VARCHAR":
                con.execute(f"ALTER TABLE {qi(staged.base)} ALTER {qi(name)} TYPE VARCHAR")
        pseudonymise_columns(con, staged.base, targets, opts.pseudonym_key)
    return targets


def _quarantine_rejects(
    con: duckdb.DuckDBPyConnection, dataset_id: int, staged: StagedTable
) -> None:
    for r in staged.rejects:
        con.execute(
            "INSERT INTO quarantine VALUES (?, NULL, ?, ?, to_json(?::VARCHAR))",
            [
                dataset_id,
                f"line {r.line}",
                f"cannot split into the header's columns: {r.reason}",
                r.raw,
            ],
        )


def load_log(
    con: duckdb.DuckDBPyConnection,
    path: str | Path,
    *,
    options: LoadOptions | None = None,
    progress: Progress | None = None,
) -> LoadResult:
    """Load an event log (CSV/TSV, XES/XES.gz, XLSX, Parquet) as a new dataset.

    Raises an InputError subclass (workspace unchanged) when the file is refused.
    """
    opts = options or LoadOptions()
    report: Progress = progress or (lambda stage, fraction: None)
    path = Path(path)
    if not path.is_file():
        raise InputError("no such file", file=str(path))
    started = time.perf_counter()
    report("hashing", 0.0)
    sha = file_sha256(path)
    name = opts.name or default_name(path)
    _check_new(con, path, sha, name, opts)
    fmt, gz = sniff_format(path)
    table = f"_stage_{uuid.uuid4().hex[:8]}"
    # Staging lives in TEMP tables, outside the workspace file, and before the
    # transaction: inside one, DuckDB numbers new rows from a large offset,
    # and rowid is what gives each row its source order.
    try:
        staged = _stage(con, path, fmt, gz, table, opts, report)
        if staged.rows == 0 and not staged.rejects:
            raise LogFormatError(
                "the file holds no events (only a header or no rows)", file=path.name
            )
        report("mapping columns", 0.5)
        mapping, ts_fmt, start_fmt = _detect(con, path, staged.table, opts)
        with transaction(con):
            dataset_id, counts, pseudonymised = _prepare(
                con, path, staged, mapping, ts_fmt, start_fmt, opts, report
            )
            report("writing dataset", 0.95)
            _insert_dataset(
                con,
                dataset_id=dataset_id,
                name=name,
                path=path,
                fmt=fmt,
                sha=sha,
                mapping=mapping,
                ts_fmt=ts_fmt,
                opts=opts,
                staged=staged,
                counts=counts,
                pseudonymised=pseudonymised,
            )
    finally:
        _drop_staging(con, table)
    reasons = con.execute(
        "SELECT reason, count(*) FROM quarantine WHERE dataset_id = ? GROUP BY reason ORDER BY 2 DESC",
        [dataset_id],
    ).fetchall()
    report("done", 1.0)
    return LoadResult(
        dataset_id=dataset_id,
        name=name,
        source_file=path.name,
        source_format=fmt + (".gz" if gz else ""),
        sha256=sha,
        mapping=mapping.as_dict(),
        found_by=dict(mapping.found_by),
        timestamp_format=ts_fmt.describe(),
        counts=counts,
        source_rows=staged.rows + len(staged.rejects),
        seconds=time.perf_counter() - started,
        quarantine_reasons={str(k): int(v) for k, v in reasons},
    )


def _prepare(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    staged: StagedTable,
    mapping: ColumnMapping,
    ts_fmt: TimestampFormat,
    start_fmt: TimestampFormat | None,
    opts: LoadOptions,
    report: Progress,
) -> tuple[int, PreparedCounts, list[str]]:
    pseudonymised = _apply_privacy(con, path, staged, mapping, opts)
    dataset_id = _count_next_id(con)
    attr_cols = tuple(
        c
        for c in _column_types(con, staged.table)
        if not c.startswith("_") and c not in mapping.columns() and c not in opts.drop
    )
    plan = PreparePlan(
        dataset_id=dataset_id,
        source=staged.table,
        mapping=mapping,
        ts_format=ts_fmt,
        start_format=start_fmt,
        position_sql=_position_sql(staged),
        attribute_columns=attr_cols,
        dedupe=opts.dedupe,
    )
    with _tracked(con, report, "parsing and sorting events", 0.6, 0.95):
        counts = prepare_events(con, plan)
    if counts.events == 0:
        raise LogFormatError(
            f"no row could be loaded as an event ({counts.quarantined} rows would be quarantined); "
            f"check the column mapping {mapping.as_dict()}",
            file=path.name,
        )
    _quarantine_rejects(con, dataset_id, staged)
    counts = replace(counts, quarantined=counts.quarantined + len(staged.rejects))
    return dataset_id, counts, pseudonymised


def _drop_staging(con: duckdb.DuckDBPyConnection, table: str) -> None:
    for name in (table, table + "_base"):
        kind = fetch_row(
            con, "SELECT table_type FROM information_schema.tables WHERE table_name = ?", [name]
        )
        if kind:
            con.execute(
                f"DROP {'VIEW' if 'VIEW' in str(kind[0]) else 'TABLE'} IF EXISTS {qi(name)}"
            )


def _count_next_id(con: duckdb.DuckDBPyConnection) -> int:
    row = fetch_row(con, "SELECT nextval('dataset_id_seq')")
    assert row is not None
    return int(row[0])


def _insert_dataset(
    con: duckdb.DuckDBPyConnection,
    *,
    dataset_id: int,
    name: str,
    path: Path,
    fmt: str,
    sha: str,
    mapping: ColumnMapping,
    ts_fmt: TimestampFormat,
    opts: LoadOptions,
    staged: StagedTable,
    counts: PreparedCounts,
    pseudonymised: Sequence[str],
) -> None:
    options = {
        "dedupe": opts.dedupe,
        "dayfirst": opts.dayfirst,
        "pseudonymised": list(pseudonymised),
        "dropped": list(opts.drop),
        "encoding": staged.encoding,
        "delimiter": staged.delimiter,
        "sheet": opts.sheet,
        "found_by": dict(mapping.found_by),
    }
    con.execute(
        """INSERT INTO datasets
           SELECT ?, ?, ?, ?, ?, now(), ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,
                  (SELECT min(first_ts) FROM cases WHERE dataset_id = ?),
                  (SELECT max(last_ts) FROM cases WHERE dataset_id = ?), ?, ?, ?""",
        [
            dataset_id,
            name,
            path.name,
            fmt,
            sha,
            json.dumps(mapping.as_dict()),
            ts_fmt.describe(),
            ts_fmt.time_zone,
            json.dumps(options),
            staged.rows + len(staged.rejects),
            counts.events,
            counts.cases,
            counts.activities,
            counts.resources,
            counts.variants,
            counts.quarantined,
            counts.duplicates,
            dataset_id,
            dataset_id,
            counts.has_start_ts,
            json.dumps(counts.event_attributes),
            json.dumps(counts.case_attributes),
        ],
    )

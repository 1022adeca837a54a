"""Stage CSV/TSV, Excel and Parquet files into a DuckDB TEMP table.

Every reader produces the same shape: ``_row`` (0-based order of the row in the
source) followed by the file's columns. CSV and Excel are staged as text and
typed later; Parquet keeps its types. Rows the CSV parser cannot split
(too many or too few fields) are returned as rejects with their line, for the
quarantine. Nothing goes through a whole-file pandas frame.

Imports: duckdb, openpyxl, pyarrow, eventlogs.errors, eventlogs.engine,
eventlogs.readers.sniff.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from dataclasses import dataclass
from pathlib import Path

import duckdb

from eventlogs.engine import fetch_row, quote_identifier
from eventlogs.errors import LogFormatError
from eventlogs.readers.sniff import detect_encoding, transcode_to_utf8


@dataclass(frozen=True, slots=True, kw_only=True)
class Reject:
    """A source line the CSV parser could not split into the header's columns."""

    line: int
    raw: str
    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class StagedTable:
    """A staged file: the relation to read (with ``_row``), the table to update, how it was read."""

    table: str
    base: str
    rows: int
    encoding: str | None = None
    delimiter: str | None = None
    rejects: tuple[Reject, ...] = ()
    position_kind: str = "row"


def _stage_from(con: duckdb.DuckDBPyConnection, table: str, source_sql: str, params: list) -> int:
    """Materialise ``source_sql`` as ``<table>_base`` and expose ``<table>`` with ``_row``.

    ``rowid`` of a freshly filled table is the insertion order, and DuckDB
    preserves the file's order on insert, so ``_row`` is the source order
    without rewriting ten million rows to add a column.
    """
    base = quote_identifier(table + "_base")
    con.execute(f"CREATE TEMP TABLE {base} AS SELECT * FROM {source_sql}", params)
    con.execute(
        f"CREATE TEMP VIEW {quote_identifier(table)} AS SELECT rowid AS _row, * FROM {base}"
    )
    row = fetch_row(con, f"SELECT count(*) FROM {base}")
    return int(row[0]) if row else 0


def stage_csv(con: duckdb.DuckDBPyConnection, path: Path, *, table: str, gz: bool) -> StagedTable:
    """Stage a delimited text file (delimiter, quoting and header detected by DuckDB)."""
    encoding = detect_encoding(path, gz=gz)
    with tempfile.TemporaryDirectory(prefix="hyperpath-") as tmp:
        source = path
        if encoding in ("cp1252", "latin-1"):
            source = Path(tmp) / "utf8.csv"
            transcode_to_utf8(path, source, encoding=encoding, gz=gz)
            gz = False
        options = "all_varchar=true, header=true, store_rejects=true, sample_size=20480"
        if gz:
            options += ", compression='gzip'"
        try:
            rows = _stage_from(con, table, f"read_csv(?, {options})", [str(source)])
            delim = _delimiter(con, source, gz)
        except (duckdb.InvalidInputException, duckdb.IOException) as exc:
            raise LogFormatError(f"cannot read as CSV: {_first_line(exc)}", file=path.name) from exc
        rejects = _rejects(con)
    _check_columns(con, table, path.name)
    return StagedTable(
        table=table,
        base=table + "_base",
        rows=rows,
        encoding=encoding,
        delimiter=delim,
        rejects=rejects,
        position_kind="line",
    )


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def _delimiter(con: duckdb.DuckDBPyConnection, source: Path, gz: bool) -> str | None:
    extra = ", compression='gzip'" if gz else ""
    try:
        row = fetch_row(
            con, f"SELECT Delimiter FROM sniff_csv(?, sample_size=20480{extra})", [str(source)]
        )
    except duckdb.Error:
        return None
    return str(row[0]) if row else None


def _rejects(con: duckdb.DuckDBPyConnection) -> tuple[Reject, ...]:
    try:
        found = con.execute(
            "SELECT line, csv_line, error_type, error_message FROM reject_errors ORDER BY line"
        ).fetchall()
        con.execute("DROP TABLE IF EXISTS reject_errors; DROP TABLE IF EXISTS reject_scans")
    except duckdb.CatalogException:
        return ()
    seen: dict[int, Reject] = {}
    for line, raw, kind, message in found:
        if int(line) not in seen:
            reason = f"{str(kind).lower()}: {str(message).splitlines()[0]}"
            seen[int(line)] = Reject(line=int(line), raw=str(raw), reason=reason)
    return tuple(seen.values())


def _check_columns(con: duckdb.DuckDBPyConnection, table: str, file: str) -> None:
    names = [r[0] for r in con.execute(f"DESCRIBE {quote_identifier(table)}").fetchall()]
    data = [n for n in names if n != "_row"]
    if len(data) < 3:
        raise LogFormatError(
            f"found {len(data)} column(s) ({', '.join(map(repr, data))}); an event log needs at least "
            "case, activity and timestamp columns. Is the delimiter unusual or the file not a log?",
            file=file,
        )


def stage_parquet(con: duckdb.DuckDBPyConnection, path: Path, *, table: str) -> StagedTable:
    """Stage a Parquet file, keeping its column types."""
    try:
        rows = _stage_from(con, table, "read_parquet(?)", [str(path)])
    except (duckdb.InvalidInputException, duckdb.IOException) as exc:
        raise LogFormatError(f"cannot read as Parquet: {_first_line(exc)}", file=path.name) from exc
    _check_columns(con, table, path.name)
    return StagedTable(table=table, base=table + "_base", rows=rows)


def _cell_text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = str(value)
    return text if text.strip() else None


def stage_xlsx(
    con: duckdb.DuckDBPyConnection, path: Path, *, table: str, sheet: str | None = None
) -> StagedTable:
    """Stage the first (or named) sheet of an .xlsx workbook, streaming its rows as text."""
    import openpyxl

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a bad zip
        raise LogFormatError(f"cannot read as an .xlsx workbook: {exc}", file=path.name) from exc
    try:
        if sheet is not None and sheet not in book.sheetnames:
            raise LogFormatError(
                f"no sheet {sheet!r}; sheets are {book.sheetnames}", file=path.name
            )
        rows_iter = book[sheet or book.sheetnames[0]].iter_rows(values_only=True)
        header = next(rows_iter, None)
        if header is None:
            raise LogFormatError("the sheet is empty", file=path.name)
        names = _unique_names([_cell_text(h) or f"column{i}" for i, h in enumerate(header)])
        q = quote_identifier(table)
        cols = ", ".join(f"{quote_identifier(n)} VARCHAR" for n in names)
        con.execute(f"CREATE TEMP TABLE {q} ({cols}, _row BIGINT, _line BIGINT)")
        total = 0
        batch: list[list[str | None]] = [[] for _ in names]
        lines: list[int] = []
        for line, values in enumerate(rows_iter, start=2):
            if all(v is None for v in values):
                continue
            for i in range(len(names)):
                batch[i].append(_cell_text(values[i]) if i < len(values) else None)
            lines.append(line)
            if len(batch[0]) >= 50_000:
                total = _flush(con, q, names, batch, lines, total)
        total = _flush(con, q, names, batch, lines, total)
    finally:
        book.close()
    _check_columns(con, table, path.name)
    return StagedTable(table=table, base=table, rows=total, position_kind="column:row")


def _flush(
    con: duckdb.DuckDBPyConnection,
    q: str,
    names: list[str],
    batch: list[list[str | None]],
    lines: list[int],
    total: int,
) -> int:
    import pyarrow

    n = len(batch[0])
    if n == 0:
        return total
    arrays = [pyarrow.array(col, type=pyarrow.string()) for col in batch]
    arrays.append(pyarrow.array(range(total, total + n), type=pyarrow.int64()))
    arrays.append(pyarrow.array(lines, type=pyarrow.int64()))
    chunk = pyarrow.Table.from_arrays(arrays, names=[*names, "_row", "_line"])
    con.register("_xlsx_chunk", chunk)
    con.execute(f"INSERT INTO {q} SELECT * FROM _xlsx_chunk")
    con.unregister("_xlsx_chunk")
    for col in batch:
        col.clear()
    lines.clear()
    return total + n


def _unique_names(names: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for name in names:
        count = seen.get(name, 0)
        seen[name] = count + 1
        out.append(name if count == 0 else f"{name}_{count}")
    return out

"""Typed attribute tables: the columns that are not case/activity/timestamp/...

Text columns (CSV, Excel, XES values) are typed by what every non-blank value
casts to: BIGINT, then DOUBLE, BOOLEAN, TIMESTAMPTZ (ISO 8601), else VARCHAR.
Columns named ``case:<x>`` (the pm4py/XES convention for trace attributes) are
case attributes, stored once per case as ``<x>`` (first non-blank value in
source order); the rest are event attributes keyed by ``event_index``.

Imports: duckdb, eventlogs.engine, eventlogs.schema.
"""

from __future__ import annotations

import duckdb

from eventlogs.engine import fetch_row
from eventlogs.engine import quote_identifier as qi
from eventlogs.schema import case_attrs_table, event_attrs_table

_CANDIDATES = ("BIGINT", "DOUBLE", "BOOLEAN", "TIMESTAMPTZ")


def _blank_to_null(column: str) -> str:
    return f"NULLIF(trim(s.{qi(column)}), '')"


def _cast(value_sql: str, sql_type: str) -> str:
    """TRY_CAST, but strict for integers (DuckDB would round '12.5' to 13)."""
    if sql_type == "BIGINT":
        return f"CASE WHEN regexp_full_match({value_sql}, '[+-]?[0-9]+') THEN TRY_CAST({value_sql} AS BIGINT) END"
    return f"TRY_CAST({value_sql} AS {sql_type})"


def infer_types(
    con: duckdb.DuckDBPyConnection, source: str, columns: dict[str, str]
) -> dict[str, str]:
    """SQL type per column: text columns get the narrowest type all their values cast to.

    One pass with cheap checks (integer pattern, DOUBLE, BOOLEAN, an ISO date prefix);
    the costlier TIMESTAMPTZ cast runs only on columns that look like ISO dates.
    """
    text_cols = [c for c, t in columns.items() if t == "VARCHAR"]
    types = {c: t for c, t in columns.items() if t != "VARCHAR"}
    if not text_cols:
        return types
    checks = [
        _cast("{v}", "BIGINT"),
        "TRY_CAST({v} AS DOUBLE)",
        "TRY_CAST({v} AS BOOLEAN)",
        "CASE WHEN {v} SIMILAR TO '[0-9]{{4}}-[0-9]{{2}}-[0-9]{{2}}.*' THEN 1 END",
    ]
    parts = []
    for c in text_cols:
        v = _blank_to_null(c)
        parts.append(f"count({v})")
        parts.extend(f"count({check.format(v=v)})" for check in checks)
    row = fetch_row(con, f"SELECT {', '.join(parts)} FROM {qi(source)} s")
    assert row is not None
    width = 1 + len(checks)
    isoish = []
    for i, c in enumerate(text_cols):
        filled, *counts = row[i * width : (i + 1) * width]
        types[c] = "VARCHAR"
        for t, n in zip(("BIGINT", "DOUBLE", "BOOLEAN"), counts, strict=False):
            if filled and n == filled:
                types[c] = t
                break
        else:
            if filled and counts[3] == filled:
                isoish.append(c)
    return types | _timestamp_columns(con, source, isoish)


def _timestamp_columns(
    con: duckdb.DuckDBPyConnection, source: str, candidates: list[str]
) -> dict[str, str]:
    if not candidates:
        return {}
    parts = ", ".join(
        f"count({_blank_to_null(c)}) = count(TRY_CAST({_blank_to_null(c)} AS TIMESTAMPTZ))"
        for c in candidates
    )
    row = fetch_row(con, f"SELECT {parts} FROM {qi(source)} s")
    assert row is not None
    return {c: "TIMESTAMPTZ" if ok else "VARCHAR" for c, ok in zip(candidates, row, strict=True)}


def _value(column: str, sql_type: str, source_type: str) -> str:
    if source_type == "VARCHAR":
        v = _blank_to_null(column)
        return v if sql_type == "VARCHAR" else _cast(v, sql_type)
    return f"s.{qi(column)}"


def case_attribute_name(column: str) -> str:
    """'case:AMOUNT_REQ' -> 'AMOUNT_REQ'."""
    return column[5:] if column.startswith("case:") else column


def write_attribute_tables(
    con: duckdb.DuckDBPyConnection,
    *,
    dataset_id: int,
    source: str,
    columns: dict[str, str],
    case_column: str,
) -> tuple[dict[str, str], dict[str, str]]:
    """Create the dataset's event- and case-attribute tables; return their {name: type}.

    Reads the staged rows directly (no join with the events): quarantined rows
    are left out by an anti-join on the (few) rows in ``_p`` with a reason.
    """
    types = infer_types(con, source, columns)
    case_cols = [c for c in columns if c.startswith("case:")]
    event_cols = [c for c in columns if not c.startswith("case:")]
    good = "s._row NOT IN (SELECT _row FROM _p)"  # _p holds the quarantined rows by now
    ev_sel = "".join(f", {_value(c, types[c], columns[c])} AS {qi(c)}" for c in event_cols)
    con.execute(
        f"""CREATE TABLE {qi(event_attrs_table(dataset_id))} AS
            SELECT s._row AS event_index{ev_sel} FROM {qi(source)} s WHERE {good}"""
    )
    case_sel = "".join(
        f", arg_min({_value(c, types[c], columns[c])}, s._row)"
        f" FILTER (WHERE {_value(c, types[c], columns[c])} IS NOT NULL) AS {qi(case_attribute_name(c))}"
        for c in case_cols
    )
    key = f"NULLIF(trim(CAST(s.{qi(case_column)} AS VARCHAR)), '')"
    con.execute(
        f"""CREATE TABLE {qi(case_attrs_table(dataset_id))} AS
            SELECT c.case_no{"".join(f", a.{qi(case_attribute_name(x))}" for x in case_cols)}
            FROM _c c LEFT JOIN (
                SELECT {key} AS _case_id{case_sel} FROM {qi(source)} s WHERE {good} GROUP BY 1
            ) a ON a._case_id = c.case_id
            ORDER BY c.case_no"""
    )
    return (
        {c: types[c] for c in event_cols},
        {case_attribute_name(c): types[c] for c in case_cols},
    )

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
    """SQL type per column: text columns get the narrowest type all their values cast to."""
    text_cols = [c for c, t in columns.items() if t == "VARCHAR"]
    types = {c: t for c, t in columns.items() if t != "VARCHAR"}
    if not text_cols:
        return types
    parts = []
    for c in text_cols:
        v = _blank_to_null(c)
        parts.append(f"count({v})")
        parts.extend(f"count({_cast(v, t)})" for t in _CANDIDATES)
    row = fetch_row(con, f"SELECT {', '.join(parts)} FROM {qi(source)} s")
    assert row is not None
    width = 1 + len(_CANDIDATES)
    for i, c in enumerate(text_cols):
        counts = row[i * width : (i + 1) * width]
        filled = counts[0]
        chosen = "VARCHAR"
        if filled:
            for t, n in zip(_CANDIDATES, counts[1:], strict=True):
                if n == filled:
                    chosen = t
                    break
        types[c] = chosen
    return types


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
) -> tuple[dict[str, str], dict[str, str]]:
    """Create the dataset's event- and case-attribute tables; return their {name: type}."""
    types = infer_types(con, source, columns)
    case_cols = [c for c in columns if c.startswith("case:")]
    event_cols = [c for c in columns if not c.startswith("case:")]
    ev_sel = "".join(f", {_value(c, types[c], columns[c])} AS {qi(c)}" for c in event_cols)
    con.execute(
        f"""CREATE TABLE {qi(event_attrs_table(dataset_id))} AS
            SELECT e.event_index{ev_sel}
            FROM events e JOIN {qi(source)} s ON s._row = e.event_index
            WHERE e.dataset_id = {int(dataset_id)} ORDER BY e.event_index"""
    )
    case_sel = "".join(
        f", arg_min({_value(c, types[c], columns[c])}, e.event_index)"
        f" FILTER (WHERE {_value(c, types[c], columns[c])} IS NOT NULL) AS {qi(case_attribute_name(c))}"
        for c in case_cols
    )
    con.execute(
        f"""CREATE TABLE {qi(case_attrs_table(dataset_id))} AS
            SELECT e.case_no{case_sel}
            FROM events e JOIN {qi(source)} s ON s._row = e.event_index
            WHERE e.dataset_id = {int(dataset_id)} GROUP BY e.case_no ORDER BY e.case_no"""
    )
    return (
        {c: types[c] for c in event_cols},
        {case_attribute_name(c): types[c] for c in case_cols},
    )

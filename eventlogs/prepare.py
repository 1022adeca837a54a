"""Turn a staged source relation into the canonical, analysis-ready tables.

Runs inside the load's transaction. Parses timestamps once, sends rows that
cannot be events to the quarantine with a reason, dictionary-encodes cases and
activities, pairs lifecycle start/complete events, and writes the events sorted
by (case, ts, event_index) with each event's successor in its case (next
activity, microseconds to it) materialised, plus per-case variants. After this,
a directly-follows graph is a plain aggregate with no sort.

Imports: duckdb, eventlogs.engine, eventlogs.schema, eventlogs.mapping,
eventlogs.timestamps.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from eventlogs.engine import fetch_row
from eventlogs.engine import quote_identifier as qi
from eventlogs.mapping import ColumnMapping
from eventlogs.timestamps import TimestampFormat, offset_sql, offset_text_sql, timestamp_sql

REASONS = {
    "missing_case": "missing case id",
    "missing_activity": "missing activity",
    "missing_timestamp": "missing timestamp",
    "bad_timestamp": "unparseable timestamp",
    "bad_start_timestamp": "unparseable start timestamp",
    "start_after_end": "start timestamp after the (complete) timestamp",
    "duplicate": "exact duplicate event, removed by --dedupe",
}
_REASON_COLUMN = {
    "missing_case": "case",
    "missing_activity": "activity",
    "missing_timestamp": "timestamp",
    "bad_timestamp": "timestamp",
    "bad_start_timestamp": "start_timestamp",
    "start_after_end": "start_timestamp",
}


@dataclass(frozen=True, slots=True, kw_only=True)
class PreparePlan:
    """What to prepare: the staged relation, its mapping and how to read it."""

    dataset_id: int
    source: str
    mapping: ColumnMapping
    ts_format: TimestampFormat
    start_format: TimestampFormat | None
    position_sql: str
    attribute_columns: tuple[str, ...]
    dedupe: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class PreparedCounts:
    """Counts of what was written for one dataset."""

    events: int
    cases: int
    activities: int
    resources: int
    variants: int
    quarantined: int
    duplicates: int
    has_start_ts: bool
    event_attributes: dict[str, str]
    case_attributes: dict[str, str]


def _text(column: str | None) -> str:
    return "NULL" if column is None else f"NULLIF(trim(CAST(s.{qi(column)} AS VARCHAR)), '')"


def _present(column: str | None, types: dict[str, str]) -> str:
    """The value for a 'missing?' test: trimmed text for text columns; native columns as they are
    (casting ten million native timestamps to text just to test them costs seconds)."""
    if column is None or types.get(column, "VARCHAR") == "VARCHAR":
        return _text(column)
    return f"s.{qi(column)}"


def _parse_sql(plan: PreparePlan, types: dict[str, str]) -> str:
    """Parse once, in three nested levels: raw texts (and the written offset, one
    regex per row), then the instants, then the offset and the reason. Nesting also
    keeps source columns named like canonical ones (a column 'ts') from shadowing."""
    m = plan.mapping
    raw_ts = f"s.{qi(m.timestamp)}"
    off_text = offset_text_sql(raw_ts, plan.ts_format)
    start = "NULL::TIMESTAMPTZ"
    if m.start_timestamp and plan.start_format:
        start = timestamp_sql(f"s.{qi(m.start_timestamp)}", plan.start_format)
    inner = f"""
            SELECT s._row,
                   {_text(m.case)} AS case_id,
                   {_text(m.activity)} AS activity,
                   {raw_ts} AS _raw_ts,
                   {off_text or "NULL"} AS _off_text,
                   {start} AS start_ts,
                   {_text(m.resource)} AS resource,
                   lower({_text(m.lifecycle)}) AS lifecycle,
                   {_present(m.timestamp, types)} AS raw_ts,
                   {_present(m.start_timestamp, types)} AS raw_start
            FROM {qi(plan.source)} s"""
    kwargs = {"offset_text_sql": "_off_text"} if off_text else {}
    middle = f"""
        SELECT *, {timestamp_sql("_raw_ts", plan.ts_format, **kwargs)} AS ts FROM ({inner})"""
    offset = offset_sql("_raw_ts", plan.ts_format, instant_sql="ts", **kwargs)
    return f"""
        SELECT _row, case_id, activity, ts, CAST({offset} AS SMALLINT) AS utc_offset_min,
               start_ts, resource, lifecycle,
               CASE WHEN case_id IS NULL THEN 'missing_case'
                    WHEN activity IS NULL THEN 'missing_activity'
                    WHEN raw_ts IS NULL THEN 'missing_timestamp'
                    WHEN ts IS NULL THEN 'bad_timestamp'
                    WHEN raw_start IS NOT NULL AND start_ts IS NULL THEN 'bad_start_timestamp'
                    WHEN start_ts > ts THEN 'start_after_end'
               END AS reason
        FROM ({middle})"""


def _source_columns(con: duckdb.DuckDBPyConnection, source: str) -> dict[str, str]:
    rows = con.execute(f"DESCRIBE {qi(source)}").fetchall()
    return {str(r[0]): str(r[1]) for r in rows if not str(r[0]).startswith("_")}


def _count(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> int:
    row = fetch_row(con, sql, params)
    return int(row[0]) if row and row[0] is not None else 0


def _row_hash(con: duckdb.DuckDBPyConnection, source: str) -> str:
    """SQL hash of a whole staged row (alias ``s``), every source column included."""
    return "hash(" + ", ".join(f"s.{qi(c)}" for c in _source_columns(con, source)) + ")"


def _duplicate_candidates(con: duckdb.DuckDBPyConnection, source: str) -> None:
    """Rows whose full-row hash is shared: a cheap superset of the exact duplicates."""
    row_hash = _row_hash(con, source)
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE _dupcand AS
        SELECT s.* FROM {qi(source)} s
        WHERE {row_hash} IN (SELECT {row_hash} FROM {qi(source)} s GROUP BY 1 HAVING count(*) > 1)""")


def count_duplicates(con: duckdb.DuckDBPyConnection, source: str) -> int:
    """Rows identical to an earlier row on every source column (exact: hashes only narrow the search)."""
    _duplicate_candidates(con, source)
    cols = ", ".join(qi(c) for c in _source_columns(con, source))
    return _count(
        con,
        f"SELECT count(*) - (SELECT count(*) FROM (SELECT DISTINCT {cols} FROM _dupcand)) FROM _dupcand",
    )


def _mark_duplicates(con: duckdb.DuckDBPyConnection, source: str) -> None:
    cols = ", ".join(qi(c) for c in _source_columns(con, source))
    con.execute(f"""
        UPDATE _p SET reason = 'duplicate' FROM (
            SELECT _row FROM _dupcand QUALIFY row_number() OVER (PARTITION BY {cols} ORDER BY _row) > 1) d
        WHERE _p._row = d._row AND _p.reason IS NULL""")


def _pair_lifecycle(con: duckdb.DuckDBPyConnection) -> None:
    """Pair each 'complete' event with the oldest still-open 'start' of its case and activity
    (a FIFO queue, as pm4py's ``to_interval``) into ``_pairs(_row, start_ts)``.

    With x(i) = starts - completes up to event i (time order), the queue of open
    starts is q(i) = x(i) - min(0, min_{j<=i} x(j)) (a complete on an empty queue
    is unmatched), so m(i) = starts(i) - q(i) completes have been matched; the
    complete that raises m to k takes the k-th start. Window functions only, so
    no row-by-row loop. Runs on the integer-coded ``_q``."""
    con.execute("CREATE OR REPLACE TEMP TABLE _pairs (_row BIGINT, start_ts TIMESTAMPTZ)")
    both = fetch_row(
        con, "SELECT bool_or(lifecycle = 'start') AND bool_or(lifecycle = 'complete') FROM _q"
    )
    if not both or not both[0]:
        return
    con.execute("""
        INSERT INTO _pairs
        WITH e AS (
            SELECT _row, case_no, activity_no, ts, lifecycle = 'start' AS is_start,
                   sum(CASE WHEN lifecycle = 'start' THEN 1 ELSE -1 END) OVER w AS x,
                   sum(CASE WHEN lifecycle = 'start' THEN 1 ELSE 0 END) OVER w AS s
            FROM _q WHERE lifecycle IN ('start', 'complete')
            WINDOW w AS (PARTITION BY case_no, activity_no ORDER BY ts, _row
                         ROWS UNBOUNDED PRECEDING)),
        m AS (
            SELECT *, s - (x - least(0, min(x) OVER w)) AS matched
            FROM e
            WINDOW w AS (PARTITION BY case_no, activity_no ORDER BY ts, _row
                         ROWS UNBOUNDED PRECEDING)),
        d AS (
            SELECT *, matched > coalesce(lag(matched) OVER (PARTITION BY case_no, activity_no
                                                            ORDER BY ts, _row), 0) AS takes
            FROM m),
        starts AS (
            SELECT case_no, activity_no, ts,
                   row_number() OVER (PARTITION BY case_no, activity_no ORDER BY ts, _row) AS k
            FROM e WHERE is_start)
        SELECT d._row, st.ts FROM d
        JOIN starts st ON st.case_no = d.case_no AND st.activity_no = d.activity_no
                      AND st.k = d.matched
        WHERE NOT d.is_start AND d.takes""")


def _quarantine(con: duckdb.DuckDBPyConnection, plan: PreparePlan) -> int:
    import pyarrow as pa

    bad = _count(con, "SELECT count(*) FROM _p WHERE reason IS NOT NULL")
    if not bad:
        return 0
    m = plan.mapping.as_dict()
    codes = list(REASONS)
    texts = [
        REASONS[c] + (f" (column {m[_REASON_COLUMN[c]]!r})" if c in _REASON_COLUMN else "")
        for c in codes
    ]
    con.register("_reasons", pa.table({"code": codes, "text": texts}))
    con.execute(
        f"""INSERT INTO quarantine
            SELECT ?, s._row, {plan.position_sql}, r.text, to_json(s)
            FROM (SELECT _row, reason FROM _p WHERE reason IS NOT NULL) p
            JOIN {qi(plan.source)} s USING (_row) JOIN _reasons r ON p.reason = r.code
            ORDER BY s._row""",
        [plan.dataset_id],
    )
    con.unregister("_reasons")
    return bad


def _dictionaries(con: duckdb.DuckDBPyConnection, dataset_id: int) -> None:
    con.execute("""
        CREATE TEMP TABLE _a AS
        SELECT activity, (row_number() OVER (ORDER BY activity) - 1)::INTEGER AS activity_no,
               count(*) AS events
        FROM _p WHERE reason IS NULL GROUP BY activity""")
    con.execute("""
        CREATE TEMP TABLE _c AS
        SELECT case_id, (row_number() OVER (ORDER BY min(ts), case_id) - 1)::INTEGER AS case_no,
               count(*)::INTEGER AS events, min(ts) AS first_ts, max(ts) AS last_ts
        FROM _p WHERE reason IS NULL GROUP BY case_id""")
    con.execute(
        "INSERT INTO activities SELECT ?, activity_no, activity, events FROM _a", [dataset_id]
    )
    # Code the good rows once; the text columns of _p are not needed any more.
    con.execute("""
        CREATE TEMP TABLE _q AS
        SELECT p._row, c.case_no, a.activity_no, p.ts, p.start_ts, p.utc_offset_min,
               p.resource, p.lifecycle
        FROM _p p JOIN _c c USING (case_id) JOIN _a a USING (activity)
        WHERE p.reason IS NULL""")
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _p AS SELECT _row, reason FROM _p WHERE reason IS NOT NULL"
    )


def _events(con: duckdb.DuckDBPyConnection, dataset_id: int) -> None:
    con.execute(
        """
        INSERT INTO events
        SELECT ?, q.case_no, (row_number() OVER w - 1)::INTEGER, q.activity_no, q._row,
               q.ts, coalesce(q.start_ts, pr.start_ts), q.utc_offset_min, q.resource, q.lifecycle,
               lead(q.activity_no) OVER w,
               epoch_us(lead(q.ts) OVER w) - epoch_us(q.ts)
        FROM _q q LEFT JOIN _pairs pr USING (_row)
        WINDOW w AS (PARTITION BY q.case_no ORDER BY q.ts, q._row)
        ORDER BY q.case_no, q.ts, q._row""",
        [dataset_id],
    )


def _variants(con: duckdb.DuckDBPyConnection, dataset_id: int) -> int:
    con.execute(
        """CREATE TEMP TABLE _cv AS
           SELECT case_no, list(activity_no ORDER BY position) AS seq
           FROM events WHERE dataset_id = ? GROUP BY case_no""",
        [dataset_id],
    )
    con.execute("""
        CREATE TEMP TABLE _v AS
        SELECT seq, count(*) AS cases,
               (row_number() OVER (ORDER BY count(*) DESC, min(case_no)) - 1)::INTEGER AS variant_no
        FROM _cv GROUP BY seq""")
    con.execute(
        "INSERT INTO variants SELECT ?, variant_no, seq, cases FROM _v ORDER BY variant_no",
        [dataset_id],
    )
    con.execute(
        """INSERT INTO cases
           SELECT ?, c.case_no, c.case_id, c.events, c.first_ts, c.last_ts, v.variant_no
           FROM _c c JOIN _cv USING (case_no) JOIN _v v USING (seq) ORDER BY c.case_no""",
        [dataset_id],
    )
    return _count(con, "SELECT count(*) FROM _v")


def prepare_events(con: duckdb.DuckDBPyConnection, plan: PreparePlan) -> PreparedCounts:
    """Write events, cases, activities, variants, quarantine and attribute tables for one dataset."""
    from eventlogs.attributes import write_attribute_tables

    con.execute(f"CREATE TEMP TABLE _p AS {_parse_sql(plan, _source_columns(con, plan.source))}")
    duplicates = count_duplicates(con, plan.source)
    if plan.dedupe and duplicates:
        _mark_duplicates(con, plan.source)
    quarantined = _quarantine(con, plan)
    _dictionaries(con, plan.dataset_id)
    _pair_lifecycle(con)
    _events(con, plan.dataset_id)
    variants = _variants(con, plan.dataset_id)
    columns = _source_columns(con, plan.source)
    attrs = {c: t for c, t in columns.items() if c in plan.attribute_columns}
    event_attrs, case_attrs = write_attribute_tables(
        con,
        dataset_id=plan.dataset_id,
        source=plan.source,
        columns=attrs,
        case_column=plan.mapping.case,
    )
    counts = fetch_row(
        con,
        """SELECT (SELECT coalesce(sum(events), 0) FROM _c), (SELECT count(*) FROM _c), (SELECT count(*) FROM _a),
                  count(DISTINCT resource),
                  bool_or(start_ts IS NOT NULL) OR (SELECT count(*) > 0 FROM _pairs)
           FROM _q""",
    )
    assert counts is not None
    for table in ("_p", "_q", "_a", "_c", "_cv", "_v", "_pairs", "_dupcand"):
        con.execute(f"DROP TABLE IF EXISTS {table}")
    return PreparedCounts(
        events=int(counts[0]),
        cases=int(counts[1]),
        activities=int(counts[2]),
        resources=int(counts[3]),
        variants=variants,
        quarantined=quarantined,
        duplicates=duplicates,
        has_start_ts=bool(counts[4]),
        event_attributes=event_attrs,
        case_attributes=case_attrs,
    )

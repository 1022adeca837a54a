"""Recognise how a raw timestamp column is written and parse it in DuckDB.

Detection runs in Python on a sample of distinct non-null values and returns a
``TimestampFormat``; parsing runs in DuckDB as one vectorised SQL expression
(``timestamp_sql``) giving TIMESTAMPTZ in UTC, NULL where a value does not parse
(the caller quarantines those rows). ``offset_sql`` gives the local UTC offset in
minutes that goes with each value.

Rules, in short (details on each helper, most in ``eventlogs.timestamp_detect``):

* ISO 8601 is parsed by ``TRY_CAST``; a regex only finds and extracts the
  offset. Values with an offset (``Z``, ``+02``, ``+0200``, ``+02:00``) are absolute;
  values without one are wall-clock times in ``time_zone`` (DuckDB ``timezone()``,
  from the ICU extension statically linked into the duckdb wheel, so nothing is
  downloaded). Results never depend on the session time zone.
* Day/month/year: a first field > 12 proves day-first, a second field > 12 proves
  month-first; both in one column is an error; neither needs --dayfirst or
  --monthfirst. An explicit choice wins unless the data contradicts it.
* Numbers: epoch seconds 1e8..1e10, epoch milliseconds 1e11..1e13, Excel serial
  days 20000..80000 (1900 system); values outside the chosen range give NULL.
  Whole numbers that fill their range densely (ids such as 1..500 or
  100000001..100000500) are not timestamps unless the column name says so.
* Offsets: the value's own offset when it has one; otherwise the offset of
  ``time_zone`` at that instant (0 for UTC), also for epoch and native values.

Imports: standard library, eventlogs.errors, eventlogs.timestamp_detect (no database:
SQL is returned as text).
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Sequence
from dataclasses import dataclass

from eventlogs.errors import ConfigurationError, InputError
from eventlogs.timestamp_detect import (
    DMY_RE,
    ISO_RE,
    NUMERIC_RANGES,
    YMD_RE,
    _candidates,
    _choose_dayfirst,
    _nothing_fits,
    _numbers,
    _ordered,
    _texts,
    _time_pattern,
    _valid_daymonth,
)

KINDS = ("native", "iso", "pattern", "epoch_s", "epoch_ms", "excel_serial")
MIN_SHARE = 0.5  # one format must read at least half the sample; the rest is quarantined
_SQL_SPACE = "' ' || chr(9) || chr(10) || chr(13)"
# Offset at the end of an ISO value, only after a time (so '2021-03-04' has none).
_OFFSET_SQL_RE = r":\d\d(?:\.\d+)?([+-]\d\d(?::?\d\d)?|Z)\s*$"
_NATIVE_PREFIXES = ("TIMESTAMP", "DATETIME", "DATE")


@dataclass(frozen=True, slots=True, kw_only=True)
class TimestampFormat:
    """How one raw timestamp column is written; ``describe()`` is recorded on the dataset.

    >>> TimestampFormat(kind="epoch_ms").describe()
    'epoch milliseconds'
    """

    kind: str  # one of KINDS
    patterns: tuple[str, ...] = ()  # DuckDB strptime patterns, for kind 'pattern'
    dayfirst: bool | None = None  # for day/month patterns; None for year-first
    time_zone: str = "UTC"  # IANA zone in which values WITHOUT an offset are read
    has_offsets: bool = False  # values carry explicit UTC offsets (native: TIMESTAMPTZ)

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ConfigurationError(f"timestamp kind {self.kind!r} unknown; use one of {KINDS}")
        if self.kind == "pattern" and not self.patterns:
            raise ConfigurationError("timestamp kind 'pattern' needs at least one pattern")

    def describe(self) -> str:
        """Human text, e.g. '%d/%m/%Y %H:%M (day-first), naive read as Europe/London'."""
        naive = f"naive read as {self.time_zone}"
        if self.kind == "native":
            if self.has_offsets:
                return "native TIMESTAMP WITH TIME ZONE (absolute instants)"
            return f"native TIMESTAMP, {naive}"
        if self.kind == "iso" and self.has_offsets:
            rest = "" if _is_utc(self.time_zone) else f"; without one, read as {self.time_zone}"
            return "ISO 8601 with UTC offsets" + rest
        if self.kind == "iso":
            return f"ISO 8601 without offsets, {naive}"
        if self.kind == "pattern":
            order = {True: "day-first", False: "month-first", None: "year-first"}[self.dayfirst]
            return f"{' | '.join(self.patterns)} ({order}), {naive}"
        if self.kind == "excel_serial":
            return f"Excel serial days (1900 system), {naive}"
        return {"epoch_s": "epoch seconds", "epoch_ms": "epoch milliseconds"}[self.kind]


def detect_timestamp_format(
    values: Sequence[object],
    *,
    column: str,
    file: str,
    source_type: str = "VARCHAR",
    dayfirst: bool | None = None,
    time_zone: str = "UTC",
) -> TimestampFormat:
    """Work out how ``values`` (distinct non-null sample of one column) are written.

    >>> detect_timestamp_format(["30/12/2010 14:32", "01/07/2021 09:00"], column="Date",
    ...                         file="claims.csv").describe()
    '%d/%m/%Y %H:%M (day-first), naive read as UTC'
    """
    time_zone = check_time_zone(time_zone)
    if _is_native(source_type):
        tz_aware = "TIME ZONE" in source_type.upper() or "TZ" in source_type.upper()
        return TimestampFormat(kind="native", time_zone=time_zone, has_offsets=tz_aware)
    texts = _texts(values)
    if not texts:
        raise InputError(
            f"column {column!r} in {file} has no values to read as timestamps; "
            "pass --timestamp to choose another column"
        )
    candidates = _candidates(texts, _numbers(values), column=column)
    kind, count = max(candidates.items(), key=lambda item: item[1])
    if count < MIN_SHARE * len(texts):
        raise _nothing_fits(texts, column=column, file=file)
    where = {"column": column, "file": file, "time_zone": time_zone}
    if kind == "iso":
        has_offsets = any(m["off"] for t in texts if (m := ISO_RE.match(t)))
        return TimestampFormat(kind="iso", time_zone=time_zone, has_offsets=has_offsets)
    if kind == "dmy":
        return _daymonth_format(texts, dayfirst=dayfirst, **where)
    if kind == "ymd":
        matches = [m for t in texts if (m := YMD_RE.match(t))]
        layouts = [f"%Y{m['sep']}%m{m['sep']}%d{_time_pattern(m)}" for m in matches]
        return TimestampFormat(kind="pattern", patterns=_ordered(layouts), time_zone=time_zone)
    return TimestampFormat(kind=kind, time_zone=time_zone)


def check_time_zone(time_zone: str) -> str:
    """The IANA name of a time zone, in its canonical case ('utc' -> 'UTC').

    DuckDB's ICU knows the same names. Unknown names raise ``ConfigurationError``.

    >>> check_time_zone("europe/london")
    'Europe/London'
    """
    try:
        zoneinfo.ZoneInfo(time_zone)
        return time_zone
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        known = {name.lower(): name for name in zoneinfo.available_timezones()}
        if time_zone.strip().lower() in known:
            return known[time_zone.strip().lower()]
    raise ConfigurationError(
        f"time zone {time_zone!r} is not a known IANA zone; "
        "pass --timezone with a name such as Europe/London or UTC"
    )


def looks_like_timestamps(values: Sequence[object], *, source_type: str = "VARCHAR") -> float:
    """Share (0..1) of the sample that one supported format parses.

    Numbers count only when their magnitudes are plausible and they are not
    id-like (see ``timestamp_detect._is_id_like``): there is no column name to vouch for them here.

    >>> looks_like_timestamps(["2021-03-04", "2021-03-05T10:00:00Z"])
    1.0
    >>> looks_like_timestamps([str(i) for i in range(1, 501)])
    0.0
    """
    if _is_native(source_type):
        return 1.0
    texts = _texts(values)
    if not texts:
        return 0.0
    candidates = _candidates(texts, _numbers(values), column="")
    return min(1.0, max(candidates.values()) / len(texts))


def offset_text_sql(column_sql: str, fmt: TimestampFormat) -> str | None:
    """For ISO formats: the offset text written in a value ('+02:00', 'Z' or '').

    Computed once per row in an inner query and passed to ``timestamp_sql`` and
    ``offset_sql`` as ``offset_text_sql``, it saves two regex evaluations per row.
    None for formats that carry no written offset.
    """
    if fmt.kind != "iso" or _is_utc(fmt.time_zone):
        return None
    return f"regexp_extract(CAST({column_sql} AS VARCHAR), {_literal(_OFFSET_SQL_RE)}, 1)"


def timestamp_sql(
    column_sql: str, fmt: TimestampFormat, *, offset_text_sql: str | None = None
) -> str:
    """DuckDB expression over the (quoted) column: TIMESTAMPTZ in UTC, NULL if unparseable.

    ``offset_text_sql`` may name a column holding ``offset_text_sql(...)``'s result.

    >>> timestamp_sql('"ts"', TimestampFormat(kind="native", has_offsets=True))
    'CAST("ts" AS TIMESTAMPTZ)'
    """
    zone = _literal(fmt.time_zone)
    if fmt.kind == "native":
        if fmt.has_offsets:
            return f"CAST({column_sql} AS TIMESTAMPTZ)"
        return f"timezone({zone}, CAST({column_sql} AS TIMESTAMP))"
    text = f"CAST({column_sql} AS VARCHAR)"
    if fmt.kind == "iso" and _is_utc(fmt.time_zone):
        # Fast path (no regex): with the session zone pinned to UTC by
        # eventlogs.engine.connect, a cast reads a written offset and reads values
        # without one as UTC, which is what the format asks for.
        return _trimmed_if_null(text, "TRY_CAST({} AS TIMESTAMPTZ)")
    if fmt.kind == "iso":
        # Offset written: an absolute instant. None: wall clock in the zone (a plain
        # TRY_CAST to TIMESTAMP would silently drop an offset, hence the branch).
        has_offset = (
            f"regexp_matches({text}, {_literal(_OFFSET_SQL_RE)})"
            if offset_text_sql is None
            else f"{offset_text_sql} <> ''"
        )
        absolute = _trimmed_if_null(text, "TRY_CAST({} AS TIMESTAMPTZ)")
        local = _trimmed_if_null(text, "TRY_CAST({} AS TIMESTAMP)")
        return f"CASE WHEN {has_offset} THEN {absolute} ELSE timezone({zone}, {local}) END"
    if fmt.kind == "pattern":
        patterns = "[" + ", ".join(_literal(p) for p in fmt.patterns) + "]"
        return f"timezone({zone}, {_trimmed_if_null(text, 'try_strptime({}, ' + patterns + ')')})"
    low, high = NUMERIC_RANGES[fmt.kind]
    number = f"TRY_CAST({column_sql} AS DOUBLE)"  # the cast itself tolerates whitespace
    if fmt.kind == "excel_serial":  # local wall clock, rounded to the millisecond
        millis = f"CAST(round({number} * 86400000) AS BIGINT)"
        value = f"timezone({zone}, TIMESTAMP '1899-12-30' + to_milliseconds({millis}))"
    else:  # absolute instants, rounded to the microsecond
        scale = 1_000_000 if fmt.kind == "epoch_s" else 1_000
        value = f"timezone('UTC', make_timestamp(CAST(round({number} * {scale}) AS BIGINT)))"
    return f"CASE WHEN {number} BETWEEN {low:.0f} AND {high:.0f} THEN {value} END"


def offset_sql(
    column_sql: str,
    fmt: TimestampFormat,
    *,
    instant_sql: str | None = None,
    offset_text_sql: str | None = None,
) -> str:
    """DuckDB expression: the value's UTC offset in minutes (SMALLINT), NULL if unparseable.

    An offset written in the value wins ('+02:00' -> 120, 'Z' -> 0); otherwise the
    offset of ``fmt.time_zone`` at that instant (0 for UTC). ``instant_sql`` may
    name a column already holding ``timestamp_sql``'s result, to avoid parsing twice.

    >>> offset_sql('"ts"', TimestampFormat(kind="epoch_s"), instant_sql='"t"')
    'CAST(CASE WHEN "t" IS NOT NULL THEN 0 END AS SMALLINT)'
    """
    instant = instant_sql or f"({timestamp_sql(column_sql, fmt)})"
    offset = "0"
    if not _is_utc(fmt.time_zone):  # the zone's wall clock minus UTC at that instant
        local = f"timezone({_literal(fmt.time_zone)}, {instant})"
        offset = f"round((epoch({local}) - epoch({instant})) / 60)"
    if fmt.kind == "iso" and _is_utc(fmt.time_zone):
        # A cast to TIMESTAMP keeps the wall clock as written and drops the offset:
        # wall minus instant is the written offset (0 for 'Z' and for no offset).
        wall = _trimmed_if_null(f"CAST({column_sql} AS VARCHAR)", "TRY_CAST({} AS TIMESTAMP)")
        offset = f"(epoch_us({wall}) - epoch_us({instant})) // 60000000"
    elif fmt.kind == "iso":
        # One regex pulls the offset text ('+02', '+0200', '+02:00', 'Z' or ''); DuckDB
        # turns it into minutes by reading midnight 2000-01-01 (epoch 946684800) with it.
        # The text is used once: DuckDB does not share subexpressions inside CASE.
        text = (
            offset_text_sql
            or f"regexp_extract(CAST({column_sql} AS VARCHAR), {_literal(_OFFSET_SQL_RE)}, 1)"
        )
        shifted = f"TRY_CAST('2000-01-01 00:00:00' || NULLIF({text}, '') AS TIMESTAMPTZ)"
        offset = f"COALESCE((946684800 - epoch({shifted})) / 60, {offset})"
    return f"CAST(CASE WHEN {instant} IS NOT NULL THEN {offset} END AS SMALLINT)"


# --- detection helpers -------------------------------------------------------------


def _daymonth_format(
    texts: list[str], *, column: str, file: str, dayfirst: bool | None, time_zone: str
) -> TimestampFormat:
    """Day/month/year values: choose the order, then one pattern per layout seen."""
    matches = [m for t in texts if (m := DMY_RE.match(t)) and _valid_daymonth(m)]
    chosen = _choose_dayfirst(matches, dayfirst=dayfirst, where=f"column {column!r} in {file}")
    first, second = ("%d", "%m") if chosen else ("%m", "%d")
    patterns = [
        f"{first}{m['sep']}{second}{m['sep']}{'%Y' if len(m['y']) == 4 else '%y'}"
        + _time_pattern(m)
        for m in matches
    ]
    return TimestampFormat(
        kind="pattern", patterns=_ordered(patterns), dayfirst=chosen, time_zone=time_zone
    )


def _is_native(source_type: str) -> bool:
    return source_type.strip().upper().startswith(_NATIVE_PREFIXES)


def _is_utc(time_zone: str) -> bool:
    return time_zone.upper() in {"UTC", "ETC/UTC", "GMT", "ETC/GMT", "ZULU", "UCT"}


# --- SQL helpers ---------------------------------------------------------------------


def _literal(text: str) -> str:
    """A SQL string literal (patterns and zone names cannot be bound in an expression)."""
    return "'" + text.replace("'", "''") + "'"


def _trimmed_if_null(text_sql: str, template: str) -> str:
    """Parse as is, and only where that fails retry on the trimmed text.

    DuckDB's casts accept some surrounding whitespace but not all (a newline, a
    space after a date); trimming every row would cost more than the parse itself.
    """
    trimmed = f"trim({text_sql}, {_SQL_SPACE})"
    return f"COALESCE({template.format(text_sql)}, {template.format(trimmed)})"

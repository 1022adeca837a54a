"""Timestamp detection and parsing, checked against values worked out by hand.

Every expected UTC value below is computed in the comment next to it; the SQL
runs in a real DuckDB connection (session TimeZone 'UTC') over a small table.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta

import duckdb
import pytest

from eventlogs.errors import AmbiguousTimestampError, ConfigurationError, InputError
from eventlogs.timestamps import (
    TimestampFormat,
    detect_timestamp_format,
    looks_like_timestamps,
    offset_sql,
    timestamp_sql,
)

FILE = "claims.csv"


@pytest.fixture
def con() -> Iterator[duckdb.DuckDBPyConnection]:
    connection = duckdb.connect(":memory:")
    connection.execute("SET TimeZone = 'UTC'")
    yield connection
    connection.close()


def utc(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0, us: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, us, tzinfo=UTC)


def parse(
    con: duckdb.DuckDBPyConnection,
    values: Sequence[object],
    fmt: TimestampFormat,
    *,
    sql_type: str = "VARCHAR",
) -> list[tuple[datetime | None, int | None]]:
    """(UTC instant, offset minutes) per value, in input order, through DuckDB."""
    con.execute(f"CREATE OR REPLACE TABLE raw (i INTEGER, v {sql_type})")
    con.executemany("INSERT INTO raw VALUES (?, ?)", list(enumerate(values)))
    # The expressions are generated SQL, not values: nothing here can be bound.
    exprs = f"{timestamp_sql('v', fmt)}, {offset_sql('v', fmt)}"
    rows = con.execute(f"SELECT {exprs} FROM raw ORDER BY i").fetchall()  # noqa: S608
    for ts, _ in rows:  # every parsed value is aware and in UTC
        assert ts is None or ts.utcoffset() == timedelta(0)
    return [(ts, off) for ts, off in rows]


def detect(
    values: Sequence[object],
    *,
    source_type: str = "VARCHAR",
    dayfirst: bool | None = None,
    time_zone: str = "UTC",
) -> TimestampFormat:
    """Detect for column 'Date' of claims.csv."""
    return detect_timestamp_format(
        values,
        column="Date",
        file=FILE,
        source_type=source_type,
        dayfirst=dayfirst,
        time_zone=time_zone,
    )


# --- ISO 8601 -------------------------------------------------------------------------


def test_iso_with_mixed_offsets_is_normalised_to_utc(con: duckdb.DuckDBPyConnection) -> None:
    values = [
        "2011-10-01T00:38:44.546+02:00",  # 00:38:44.546 - 2h -> 2011-09-30 22:38:44.546, +120
        "2010-12-30 14:32:00+01:00",  # 14:32 - 1h -> 13:32, +60
        "2021-01-01T00:00:00Z",  # Z is UTC -> 2021-01-01 00:00, 0
        "2021-01-01 10:00:00.123456789-0530",  # 10:00 + 5h30 -> 15:30:00.123456 (ns cut), -330
        "2021-06-15T23:30:00-03",  # 23:30 + 3h -> 2021-06-16 02:30, -180
        "2021-03-04T00:00:00+02:00",  # local midnight +2h -> 2021-03-03 22:00, +120
        "2021-03-04T12:00:00.1Z",  # one fractional digit -> 12:00:00.100000, 0
    ]
    fmt = detect(values)
    assert fmt == TimestampFormat(kind="iso", has_offsets=True)
    assert fmt.describe() == "ISO 8601 with UTC offsets"
    assert parse(con, values, fmt) == [
        (utc(2011, 9, 30, 22, 38, 44, 546000), 120),
        (utc(2010, 12, 30, 13, 32), 60),
        (utc(2021, 1, 1, 0, 0), 0),
        (utc(2021, 1, 1, 15, 30, 0, 123456), -330),
        (utc(2021, 6, 16, 2, 30), -180),
        (utc(2021, 3, 3, 22, 0), 120),
        (utc(2021, 3, 4, 12, 0, 0, 100000), 0),
    ]


def test_iso_naive_and_date_only_read_as_utc(con: duckdb.DuckDBPyConnection) -> None:
    values = [
        "2021-03-04",  # date only -> midnight UTC, offset 0
        "2021-03-04 10:15:30.25",  # naive, UTC -> same wall clock, offset 0
        "2021-3-5T07:05",  # single-digit month and day, no seconds -> 2021-03-05 07:05
    ]
    fmt = detect(values)
    assert fmt == TimestampFormat(kind="iso")
    assert fmt.describe() == "ISO 8601 without offsets, naive read as UTC"
    assert parse(con, values, fmt) == [
        (utc(2021, 3, 4), 0),
        (utc(2021, 3, 4, 10, 15, 30, 250000), 0),
        (utc(2021, 3, 5, 7, 5), 0),
    ]


def test_iso_naive_read_in_a_time_zone(con: duckdb.DuckDBPyConnection) -> None:
    values = [
        "2010-12-30 14:32:00",  # London in December is GMT (+0) -> 14:32 UTC, 0
        "2021-07-01T09:00:00",  # London in July is BST (+1) -> 08:00 UTC, +60
        "2021-07-01",  # local midnight BST -> 2021-06-30 23:00 UTC, +60
    ]
    fmt = detect(values, time_zone="Europe/London")
    assert fmt.describe() == "ISO 8601 without offsets, naive read as Europe/London"
    assert parse(con, values, fmt) == [
        (utc(2010, 12, 30, 14, 32), 0),
        (utc(2021, 7, 1, 8, 0), 60),
        (utc(2021, 6, 30, 23, 0), 60),
    ]
    new_york = detect(["2021-01-15 09:00"], time_zone="America/New_York")
    # New York in January is EST (-5) -> 14:00 UTC, offset -300
    assert parse(con, ["2021-01-15 09:00"], new_york) == [(utc(2021, 1, 15, 14, 0), -300)]


def test_iso_offsets_win_over_the_time_zone(con: duckdb.DuckDBPyConnection) -> None:
    values = [
        "2021-07-01T09:00:00+02:00",  # explicit offset -> 07:00 UTC, +120 (zone ignored)
        "2021-07-01T09:00:00",  # no offset: London BST -> 08:00 UTC, +60
    ]
    fmt = detect(values, time_zone="Europe/London")
    assert fmt.has_offsets
    assert fmt.describe() == "ISO 8601 with UTC offsets; without one, read as Europe/London"
    assert parse(con, values, fmt) == [(utc(2021, 7, 1, 7, 0), 120), (utc(2021, 7, 1, 8, 0), 60)]


def test_results_do_not_depend_on_the_session_time_zone(con: duckdb.DuckDBPyConnection) -> None:
    # For zones other than UTC the expressions name the zone and ignore the session's.
    # (For UTC they take a faster path that relies on the session zone being UTC, which
    # eventlogs.engine.connect pins for every connection.)
    values = ["2021-03-04 10:00:00", "2021-03-04T10:00:00+01:00"]
    # naive read in Europe/London (GMT in March) -> 10:00 UTC; +01:00 -> 09:00 UTC
    fmt = detect(values, time_zone="Europe/London")
    con.execute("CREATE TABLE raw AS SELECT unnest(?) AS v", [values])
    con.execute("SET TimeZone = 'Asia/Tokyo'")
    expr = timestamp_sql("v", fmt)
    con.execute(f"CREATE TABLE out AS SELECT {expr} AS ts FROM raw")  # noqa: S608
    con.execute("SET TimeZone = 'UTC'")  # only so that Python receives UTC datetimes
    got = [row[0] for row in con.execute("SELECT ts FROM out ORDER BY ts DESC").fetchall()]
    assert got == [utc(2021, 3, 4, 10), utc(2021, 3, 4, 9)]


def test_whitespace_around_values_is_tolerated(con: duckdb.DuckDBPyConnection) -> None:
    values = [
        "  2021-03-04T10:00:00Z ",  # -> 2021-03-04 10:00 UTC, 0
        "\t2021-03-05 11:00:00+01:00\n",  # 11:00+01 -> 10:00 UTC, +60
        "2021-03-06 ",  # date only; DuckDB's cast alone refuses the trailing space
        "2021-03-07 08:00:00\r\n",  # naive with CRLF -> 08:00 UTC, 0
    ]
    fmt = detect(values)
    assert parse(con, values, fmt) == [
        (utc(2021, 3, 4, 10), 0),
        (utc(2021, 3, 5, 10), 60),
        (utc(2021, 3, 6), 0),
        (utc(2021, 3, 7, 8), 0),
    ]


def test_offset_can_reuse_an_already_parsed_column(con: duckdb.DuckDBPyConnection) -> None:
    values = ["2021-07-01T09:00:00+02:00", "2021-07-01T09:00:00", "garbage"]
    fmt = detect(values[:2] * 4 + values[2:], time_zone="Europe/London")
    con.execute("CREATE TABLE raw (i INTEGER, v VARCHAR)")
    con.executemany("INSERT INTO raw VALUES (?, ?)", list(enumerate(values)))
    query = (  # noqa: S608 - generated expressions, nothing to bind
        f"SELECT ts, {offset_sql('v', fmt, instant_sql='ts')} FROM "
        f"(SELECT i, v, {timestamp_sql('v', fmt)} AS ts FROM raw) ORDER BY i"
    )
    # +02:00 -> 07:00 UTC, +120; naive London BST -> 08:00 UTC, +60; garbage -> NULL, NULL
    assert con.execute(query).fetchall() == [
        (utc(2021, 7, 1, 7), 120),
        (utc(2021, 7, 1, 8), 60),
        (None, None),
    ]


# --- day/month/year -------------------------------------------------------------------


def test_day_first_in_london(con: duckdb.DuckDBPyConnection) -> None:
    values = [
        "30/12/2010 14:32",  # 30 > 12 proves day-first; GMT -> 2010-12-30 14:32 UTC, 0
        "01/07/2021 09:00",  # 1 July, BST -> 08:00 UTC, +60
        " 1/7/2021 9:05 ",  # unpadded, spaces -> 1 July 09:05 BST -> 08:05 UTC, +60
    ]
    fmt = detect(values, time_zone="Europe/London")
    assert fmt == TimestampFormat(
        kind="pattern", patterns=("%d/%m/%Y %H:%M",), dayfirst=True, time_zone="Europe/London"
    )
    assert fmt.describe() == "%d/%m/%Y %H:%M (day-first), naive read as Europe/London"
    assert parse(con, values, fmt) == [
        (utc(2010, 12, 30, 14, 32), 0),
        (utc(2021, 7, 1, 8, 0), 60),
        (utc(2021, 7, 1, 8, 5), 60),
    ]


def test_day_first_dots_dashes_seconds_and_two_digit_years(
    con: duckdb.DuckDBPyConnection,
) -> None:
    values = [
        "13.01.2021",  # 13 January 2021 00:00 UTC
        "14.01.2021 08:30:15",  # 14 January 08:30:15 UTC
        "15-01-21 23:59:59.5",  # 2-digit year 21 -> 2021; 15 January 23:59:59.5 UTC
    ]
    fmt = detect(values)
    assert fmt.dayfirst is True
    assert set(fmt.patterns) == {"%d.%m.%Y", "%d.%m.%Y %H:%M:%S", "%d-%m-%y %H:%M:%S.%n"}
    assert parse(con, values, fmt) == [
        (utc(2021, 1, 13), 0),
        (utc(2021, 1, 14, 8, 30, 15), 0),
        (utc(2021, 1, 15, 23, 59, 59, 500000), 0),
    ]


def test_month_first_with_am_pm(con: duckdb.DuckDBPyConnection) -> None:
    values = [
        "12/30/2010 2:32 PM",  # 30 > 12 in second place: month-first; 2:32 PM = 14:32 UTC
        "07/01/2021 12:05 AM",  # 1 July; 12:05 AM is 00:05 -> 2021-07-01 00:05 UTC
        "07/02/2021 9:00:05.25 pm",  # 2 July 21:00:05.25 UTC
    ]
    fmt = detect(values)
    assert fmt.dayfirst is False
    assert fmt.patterns[0] == "%m/%d/%Y %I:%M %p"
    assert parse(con, values, fmt) == [
        (utc(2010, 12, 30, 14, 32), 0),
        (utc(2021, 7, 1, 0, 5), 0),
        (utc(2021, 7, 2, 21, 0, 5, 250000), 0),
    ]


def test_year_first_with_slashes(con: duckdb.DuckDBPyConnection) -> None:
    values = ["2021/03/04 10:00", "2021/03/05 11:30"]  # 4 March 10:00, 5 March 11:30 UTC
    fmt = detect(values)
    assert fmt.describe() == "%Y/%m/%d %H:%M (year-first), naive read as UTC"
    assert parse(con, values, fmt) == [(utc(2021, 3, 4, 10), 0), (utc(2021, 3, 5, 11, 30), 0)]


def test_ambiguous_dates_need_a_flag() -> None:
    with pytest.raises(AmbiguousTimestampError) as caught:
        detect(["03/04/2021", "05/06/2021 10:00"])
    message = str(caught.value)
    assert "column 'Date' in claims.csv" in message
    assert "03/04/2021" in message
    assert "--dayfirst" in message and "--monthfirst" in message


def test_explicit_dayfirst_resolves_ambiguity(con: duckdb.DuckDBPyConnection) -> None:
    values = ["03/04/2021 10:00"]
    day_first = detect(values, dayfirst=True)  # 3 April 2021 10:00 UTC
    month_first = detect(values, dayfirst=False)  # 4 March 2021 10:00 UTC
    assert parse(con, values, day_first) == [(utc(2021, 4, 3, 10), 0)]
    assert parse(con, values, month_first) == [(utc(2021, 3, 4, 10), 0)]


def test_inconsistent_column_names_an_example_of_each_order() -> None:
    with pytest.raises(InputError) as caught:
        detect(["25/03/2021", "03/25/2021", "01/01/2021"])
    assert not isinstance(caught.value, AmbiguousTimestampError)
    message = str(caught.value)
    assert "'25/03/2021' is day-first" in message
    assert "'03/25/2021' is month-first" in message


def test_explicit_order_contradicted_by_the_data_says_so() -> None:
    with pytest.raises(InputError, match=r"--monthfirst was given but '25/03/2021'"):
        detect(["25/03/2021", "01/02/2021"], dayfirst=False)
    with pytest.raises(InputError, match=r"--dayfirst was given but '03/25/2021'"):
        detect(["03/25/2021", "01/02/2021"], dayfirst=True)


# --- numbers --------------------------------------------------------------------------


def test_epoch_seconds_numeric_and_text(con: duckdb.DuckDBPyConnection) -> None:
    values = [
        1609459200,  # 51 years incl. 13 leap days = 18628 days * 86400 -> 2021-01-01 00:00 UTC
        1609459200.5,  # half a second later
        1000000000,  # the well-known "billennium": 2001-09-09 01:46:40 UTC
    ]
    fmt = detect(values, source_type="DOUBLE", time_zone="Europe/London")
    assert fmt.kind == "epoch_s" and fmt.describe() == "epoch seconds"
    expected = [
        (utc(2021, 1, 1), 0),  # GMT in January -> offset 0
        (utc(2021, 1, 1, 0, 0, 0, 500000), 0),
        (utc(2001, 9, 9, 1, 46, 40), 60),  # BST in September -> offset +60
    ]
    assert parse(con, values, fmt, sql_type="DOUBLE") == expected
    texts = [f" {v} " for v in values]
    assert detect(texts, time_zone="Europe/London") == fmt
    assert parse(con, texts, fmt) == expected


def test_epoch_milliseconds(con: duckdb.DuckDBPyConnection) -> None:
    values = [
        1609459200123,  # 1609459200 s + 123 ms -> 2021-01-01 00:00:00.123 UTC
        1000000000000,  # 1e9 s -> 2001-09-09 01:46:40 UTC
    ]
    fmt = detect(values, source_type="BIGINT")
    assert fmt == TimestampFormat(kind="epoch_ms")
    assert parse(con, values, fmt, sql_type="BIGINT") == [
        (utc(2021, 1, 1, 0, 0, 0, 123000), 0),
        (utc(2001, 9, 9, 1, 46, 40), 0),
    ]


def test_excel_serial_days(con: duckdb.DuckDBPyConnection) -> None:
    values = [
        44197.5,  # 1899-12-30 + 44197 days = 2021-01-01; + 0.5 day -> 12:00 UTC
        25569.0,  # 1899-12-30 + 25569 days = 1970-01-01 00:00 UTC (epoch zero)
        44197.333333333336,  # 1/3 day = 08:00, float noise rounded away at the millisecond
    ]
    fmt = detect(values, source_type="DOUBLE")
    assert fmt.describe() == "Excel serial days (1900 system), naive read as UTC"
    assert parse(con, values, fmt, sql_type="DOUBLE") == [
        (utc(2021, 1, 1, 12), 0),
        (utc(1970, 1, 1), 0),
        (utc(2021, 1, 1, 8), 0),
    ]
    london = detect(["44378.375", "44197.5"], time_zone="Europe/London")
    # 1899-12-30 + 44378 days = 2021-07-01; 0.375 day = 09:00 BST -> 08:00 UTC, +60
    # 44197.5 = 2021-01-01 12:00 GMT -> 12:00 UTC, 0
    assert parse(con, ["44378.375", "44197.5"], london) == [
        (utc(2021, 7, 1, 8), 60),
        (utc(2021, 1, 1, 12), 0),
    ]


def test_whole_day_excel_serials_need_a_date_like_name() -> None:
    days = list(range(44197, 44297))  # 100 consecutive whole days from 2021-01-01
    assert detect(days, source_type="INTEGER").kind == "excel_serial"  # column 'Date'
    with pytest.raises(InputError, match="not timestamps"):
        detect_timestamp_format(days, column="Amount", file=FILE, source_type="INTEGER")


def test_case_ids_are_never_timestamps() -> None:
    for ids in (list(range(1, 501)), list(range(100_000_001, 100_000_501))):
        with pytest.raises(InputError, match="not timestamps"):
            detect_timestamp_format(ids, column="case_id", file=FILE, source_type="BIGINT")
        assert looks_like_timestamps(ids, source_type="BIGINT") == 0.0
        assert looks_like_timestamps([str(i) for i in ids]) == 0.0


# --- native ---------------------------------------------------------------------------


def test_native_timestamp_read_in_zone(con: duckdb.DuckDBPyConnection) -> None:
    values = [datetime(2021, 7, 1, 9, 0), datetime(2021, 1, 1, 9, 0)]
    fmt = detect(values, source_type="TIMESTAMP", time_zone="Europe/London")
    assert fmt.describe() == "native TIMESTAMP, naive read as Europe/London"
    # 09:00 BST -> 08:00 UTC (+60); 09:00 GMT -> 09:00 UTC (0)
    assert parse(con, values, fmt, sql_type="TIMESTAMP") == [
        (utc(2021, 7, 1, 8), 60),
        (utc(2021, 1, 1, 9), 0),
    ]


def test_native_timestamptz_is_absolute(con: duckdb.DuckDBPyConnection) -> None:
    values = [utc(2021, 7, 1, 8), utc(2010, 12, 30, 13, 32)]
    fmt = detect(values, source_type="TIMESTAMP WITH TIME ZONE")
    assert fmt == TimestampFormat(kind="native", has_offsets=True)
    # already absolute; the original offset is not stored, so UTC's 0 is given
    assert parse(con, values, fmt, sql_type="TIMESTAMPTZ") == [(values[0], 0), (values[1], 0)]


# --- bad values and bad columns -------------------------------------------------------


def test_unparseable_values_in_a_good_column_give_null(con: duckdb.DuckDBPyConnection) -> None:
    iso = ["2021-03-04T10:00:00Z"] * 9 + ["2021-02-30T10:00:00Z", "not a date", ""]
    fmt = detect(iso[:10])
    got = parse(con, iso, fmt)
    assert got[0] == (utc(2021, 3, 4, 10), 0)
    assert got[9:] == [(None, None)] * 3  # 30 February, text, empty string
    pattern = ["30/12/2010 14:32", "31/02/2021 10:00", "12/30/2010 14:32"]
    fmt = detect(pattern[:1] * 5 + pattern[1:2])
    assert parse(con, pattern, fmt) == [(utc(2010, 12, 30, 14, 32), 0), (None, None), (None, None)]
    epoch = ["1609459200", "n/a", "5", "-1609459200"]  # out of the epoch-seconds range -> NULL
    fmt = detect(epoch[:1] * 5)
    assert parse(con, epoch, fmt) == [(utc(2021, 1, 1), 0)] + [(None, None)] * 3


def test_a_format_needs_half_the_sample(con: duckdb.DuckDBPyConnection) -> None:
    values = ["2020-01-01", "not a date", "2020-01-02"]  # 2 of 3 parse: chosen, 1 quarantined
    fmt = detect(values)
    assert parse(con, values, fmt) == [(utc(2020, 1, 1), 0), (None, None), (utc(2020, 1, 2), 0)]
    with pytest.raises(InputError, match="not timestamps"):
        detect(["2020-01-01", "not a date", "still not a date"])


def test_nothing_fits_names_column_file_examples_and_flags() -> None:
    with pytest.raises(InputError) as caught:
        detect(["Register claim", "Assess claim", "Pay claim", "Close claim"])
    message = str(caught.value)
    assert "column 'Date' in claims.csv" in message
    assert "'Register claim', 'Assess claim', 'Pay claim'" in message
    for flag in ("--timestamp", "--dayfirst", "--monthfirst", "--timezone"):
        assert flag in message


def test_unknown_time_zone_is_refused_and_case_is_forgiven() -> None:
    with pytest.raises(ConfigurationError, match="--timezone"):
        detect(["2021-03-04"], time_zone="Europe/Londn")
    assert detect(["2021-03-04"], time_zone="europe/london").time_zone == "Europe/London"


def test_time_zones_work_offline_without_extension_downloads() -> None:
    offline = duckdb.connect(
        ":memory:",
        config={"autoinstall_known_extensions": False, "autoload_known_extensions": False},
    )
    offline.execute("SET TimeZone = 'UTC'")
    fmt = TimestampFormat(kind="iso", time_zone="Europe/London")
    # 2021-07-01 09:00 BST -> 08:00 UTC
    assert parse(offline, ["2021-07-01 09:00"], fmt) == [(utc(2021, 7, 1, 8), 60)]


# --- finding the column by content ----------------------------------------------------


def test_looks_like_timestamps() -> None:
    assert looks_like_timestamps(["2021-03-04T10:00:00Z", "2021-03-05 11:00"]) == 1.0
    assert looks_like_timestamps(["30/12/2010 14:32", "01/07/2021 09:00"]) == 1.0
    assert looks_like_timestamps(["Register claim", "Assess claim", "Pay"]) == 0.0
    assert looks_like_timestamps(["2021-03-04", "2021-03-05", "x", "y"]) == 0.5
    spread = [1609459200 + 3607 * i for i in range(200)]  # events hours apart
    assert looks_like_timestamps(spread, source_type="BIGINT") == 1.0
    assert looks_like_timestamps([44197.5, 44198.25], source_type="DOUBLE") == 1.0
    assert looks_like_timestamps([], source_type="VARCHAR") == 0.0
    assert looks_like_timestamps([], source_type="TIMESTAMP") == 1.0


def test_parsing_a_million_iso_values(con: duckdb.DuckDBPyConnection) -> None:
    """Sanity, not timing: the expression handles 1M rows with mixed offsets."""
    con.execute(
        "CREATE TABLE big AS SELECT strftime(TIMESTAMP '2021-01-01' + INTERVAL (i) SECOND, "
        "'%Y-%m-%dT%H:%M:%S.%g') || CASE i % 3 WHEN 0 THEN '+02:00' WHEN 1 THEN 'Z' "
        "ELSE '-0530' END AS v FROM range(1000000) r(i)"
    )
    fmt = detect([row[0] for row in con.execute("SELECT v FROM big LIMIT 100").fetchall()])
    expr = timestamp_sql("v", fmt)
    query = f"SELECT count({expr}), min({expr}) FROM big"  # noqa: S608
    count, first = con.execute(query).fetchone() or (None, None)
    assert count == 1_000_000
    assert first == utc(2020, 12, 31, 22)  # i = 0: 2021-01-01 00:00+02:00
